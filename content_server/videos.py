"""Video items: the probe results kept per asset, and what the server fills in on publishing.

Table ``video_facts`` (``content_server/courses_schema.py``): one row per probed video asset.

A ``video`` item's ``length_seconds``, ``video_codec``, ``audio_codec``, ``width`` and
``height`` come from this table, whatever the publisher's payload says. Videos are probed (and
refused when the screens cannot play them) when they are uploaded with ``purpose=video``, as
``kiosk publish video`` does. A video uploaded with ``purpose=any`` is published unchecked,
with whatever the payload says: the way for tools and tests that move arbitrary bytes (the
screen's player still turns a bad file into its error path).
"""

from __future__ import annotations

import sqlite3
from datetime import datetime
from typing import Any

from content_server import db
from content_server.errors import ApiError
from content_server.timefmt import to_db
from content_server.video_probe import ProbeUnavailable, VideoFacts

FILLED_FIELDS = ("length_seconds", "video_codec", "audio_codec", "width", "height")


def save_facts(conn: sqlite3.Connection, sha256: str, facts: VideoFacts, at: datetime) -> None:
    """Remember what the probe found for this asset (the latest probe wins)."""
    conn.execute(
        "INSERT INTO video_facts (sha256, length_seconds, container, media_type, video_codec, "
        "audio_codec, width, height, probed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT (sha256) DO UPDATE SET length_seconds = excluded.length_seconds, "
        "container = excluded.container, media_type = excluded.media_type, "
        "video_codec = excluded.video_codec, audio_codec = excluded.audio_codec, "
        "width = excluded.width, height = excluded.height, probed_at = excluded.probed_at",
        (
            sha256,
            facts.length_seconds,
            facts.container,
            facts.media_type,
            facts.video_codec,
            facts.audio_codec,
            facts.width,
            facts.height,
            to_db(at),
        ),
    )


def get_facts(conn: sqlite3.Connection, sha256: str) -> VideoFacts | None:
    """The stored probe result of this asset, or None."""
    row = conn.execute(
        "SELECT length_seconds, container, media_type, video_codec, audio_codec, width, height "
        "FROM video_facts WHERE sha256 = ?",
        (sha256,),
    ).fetchone()
    return VideoFacts(*row) if row else None


def complete_video_payload(conn: sqlite3.Connection, payload: dict[str, Any]) -> dict[str, Any]:
    """A ``video`` payload with the probed fields filled in (when the video was probed);
    checks that the cover is an image.

    Asset references that are missing or unknown are left for ``build_item`` to report.

    Raises:
        ApiError: 422 when the cover is not an image.
    """
    sha256 = _sha256_of(payload.get("video"))
    facts = get_facts(conn, sha256) if sha256 is not None else None
    if facts is not None:
        payload = {**payload, **{field: getattr(facts, field) for field in FILLED_FIELDS}}
    cover = _sha256_of(payload.get("cover"))
    if cover is not None:
        row = db.get_asset(conn, cover)
        if row is not None and not row.media_type.startswith("image/"):
            raise ApiError(
                422, "cover_not_an_image", "封面 cover 必须是图片（上传时 purpose=image）"
            )
    return payload


def probe_unavailable(exc: ProbeUnavailable) -> ApiError:
    """The API's answer when the server cannot probe videos."""
    return ApiError(
        503,
        "probe_unavailable",
        f"服务器无法检查视频（缺少 ffmpeg/ffprobe），请联系管理员 / {exc}",
    )


def _sha256_of(ref: Any) -> str | None:
    if isinstance(ref, dict) and isinstance(ref.get("sha256"), str):
        return str(ref["sha256"])
    return None
