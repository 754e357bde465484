"""A screen's manifest: built from the database, serialised once, tagged with a strong ETag.

Revision: every publish, withdrawal and settings change takes the next number of one global
sequence (table ``changes``). A screen's revision is the highest number among the changes
that touch it: items targeted to it or to all screens (withdrawn ones included), its own
settings and the settings for all screens. A publish to screen A therefore leaves screen B's
revision and ETag alone, while a change to the settings for all screens changes every one.

``generated_at`` is the time of the change that made the revision (the database's creation
time for revision 0), not the time of the request, so an unchanged manifest is byte-for-byte
the same on every poll and its ETag can be strong.
"""

from __future__ import annotations

import hashlib
import json
import logging
import sqlite3
from dataclasses import dataclass
from datetime import datetime, timedelta

from content_cache.wire import Manifest
from content_server import db
from content_server.items import ALL_SCREENS, screen_targets
from content_server.screen_settings import effective, read_level

log = logging.getLogger("content_server")

# Items whose window ended longer ago than this are left out of manifests; items that have
# not started yet are included (the screen decides by its own clock).
ENDED_ITEMS_GRACE = timedelta(days=1)


@dataclass(frozen=True)
class RenderedManifest:
    """The manifest as sent: JSON bytes, their ETag and the revision."""

    body: bytes
    etag: str
    revision: int


def screen_revision(conn: sqlite3.Connection, screen_id: str) -> int:
    """The screen's current revision (0 if nothing ever touched it): the last change to its
    items, its own settings or the settings for all screens."""
    own = read_level(conn, screen_id).seq
    shared = read_level(conn, ALL_SCREENS).seq
    return max(db.items_revision(conn, screen_targets(screen_id)), own, shared, 0)


def build_manifest(conn: sqlite3.Connection, screen_id: str, now: datetime) -> Manifest:
    """The manifest for ``screen_id`` as of ``now``; a never-seen screen gets the settings for
    all screens and the items for all screens."""
    with db.read_transaction(conn):
        revision = screen_revision(conn, screen_id)
        generated_at = db.change_time(conn, revision) if revision else None
        if generated_at is None:
            generated_at = db.created_at(conn)
        bodies = db.live_item_bodies(conn, screen_targets(screen_id), now - ENDED_ITEMS_GRACE)
        shared = read_level(conn, ALL_SCREENS).fields
        settings = effective(shared, read_level(conn, screen_id).fields, f"screen {screen_id}")
    return Manifest(
        revision=revision,
        screen_id=screen_id,
        generated_at=generated_at,
        settings=settings,
        items=[json.loads(body) for body in bodies],
    )


def render(manifest: Manifest) -> RenderedManifest:
    """Serialise ``manifest`` deterministically and compute its strong ETag."""
    body = json.dumps(
        manifest.model_dump(mode="json"), ensure_ascii=False, separators=(",", ":")
    ).encode("utf-8")
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    return RenderedManifest(body, etag, manifest.revision)


def etag_matches(if_none_match: str | None, etag: str) -> bool:
    """True if an ``If-None-Match`` header matches ``etag`` (weak comparison, as RFC 9110
    prescribes for this header)."""
    if not if_none_match:
        return False
    if if_none_match.strip() == "*":
        return True
    candidates = (tag.strip().removeprefix("W/") for tag in if_none_match.split(","))
    return etag in candidates
