"""A screen's manifest: built from the database, serialised once, tagged with a strong ETag.

Revision: every publish, withdrawal and settings change takes the next number of one global
sequence (table ``changes``). A screen's revision is the highest number among the changes
that touch it: items targeted to it, to its organisation node or to any ancestor of that node
(``all`` is the root; withdrawn items included), the settings of those same levels and its
own, the change that put it in its node, and the last move of its node or of any ancestor. A
publish to screen A or to a branch therefore leaves the revision and ETag of screens outside
that branch alone, while a change to the settings for all screens changes every one.

``generated_at`` is the time of the change that made the revision (the database's creation
time for revision 0), not the time of the request, so an unchanged manifest is byte-for-byte
the same on every poll and its ETag can be strong.

``signing_keys`` lists the server's manifest-signing public keys; the route signs the rendered
body with each of them (``content_server/signing.py``) and sends the signatures in a header, so
body and ETag are what they would be without signing.
"""

from __future__ import annotations

import hashlib
import json
import logging
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from content_cache.wire import Manifest, SigningKey
from content_server import db
from content_server.org import tree
from content_server.org.tree import Placement
from content_server.screen_settings import Level, effective_chain, screen_chain

log = logging.getLogger("content_server")

# Items whose window ended longer ago than this are left out of manifests; items that have
# not started yet are included (the screen decides by its own clock).
ENDED_ITEMS_GRACE = timedelta(days=1)


@dataclass(frozen=True)
class RenderedManifest:
    """The manifest as sent: JSON bytes, their ETag, the revision and the body's sha256."""

    body: bytes
    etag: str
    revision: int
    digest: str


def screen_revision(conn: sqlite3.Connection, screen_id: str) -> int:
    """The screen's current revision (0 if nothing ever touched it)."""
    place = tree.placement(conn, screen_id)
    return _revision(conn, place, screen_chain(conn, place))


def _revision(conn: sqlite3.Connection, place: Placement, levels: list[Level]) -> int:
    return max(
        db.items_revision(conn, place.targets),
        *(level.seq for level in levels),
        place.node_seq,
        tree.placed_revision(conn, place.node),
        0,
    )


def build_manifest(
    conn: sqlite3.Connection,
    screen_id: str,
    now: datetime,
    signing_keys: Sequence[SigningKey] = (),
) -> Manifest:
    """The manifest for ``screen_id`` as of ``now``: what targets the screen, its node or any
    ancestor of it; a never-seen screen belongs to the root and gets what is for all screens.
    ``signing_keys`` are listed in it (the keys that sign it)."""
    with db.read_transaction(conn):
        place = tree.placement(conn, screen_id)
        levels = screen_chain(conn, place)
        revision = _revision(conn, place, levels)
        generated_at = db.change_time(conn, revision) if revision else None
        if generated_at is None:
            generated_at = db.created_at(conn)
        bodies = db.live_item_bodies(conn, place.targets, now - ENDED_ITEMS_GRACE)
        settings = effective_chain([level.fields for level in levels], f"screen {screen_id}")
    return Manifest(
        revision=revision,
        screen_id=screen_id,
        generated_at=generated_at,
        settings=settings,
        items=[json.loads(body) for body in bodies],
        signing_keys=list(signing_keys),
    )


def render(manifest: Manifest) -> RenderedManifest:
    """Serialise ``manifest`` deterministically and compute its strong ETag."""
    body = json.dumps(
        manifest.model_dump(mode="json"), ensure_ascii=False, separators=(",", ":")
    ).encode("utf-8")
    digest = hashlib.sha256(body).hexdigest()
    return RenderedManifest(body, '"' + digest[:32] + '"', manifest.revision, digest)


def etag_matches(if_none_match: str | None, etag: str) -> bool:
    """True if an ``If-None-Match`` header matches ``etag`` (weak comparison, as RFC 9110
    prescribes for this header)."""
    if not if_none_match:
        return False
    if if_none_match.strip() == "*":
        return True
    candidates = (tag.strip().removeprefix("W/") for tag in if_none_match.split(","))
    return etag in candidates
