"""Enrolling screens by pairing code, and revoking them one by one.

1. A screen with no credential asks for a code (:func:`start_pairing`, no token needed): six
   random digits, good for 15 minutes and once, and a secret handle only the screen knows.
   It shows the code and polls with the handle (:func:`pairing_status`).
2. An administrator of a node enters the code (:func:`enroll`): the screen is put in that node
   and enrolled, awaiting the screen.
3. The screen's next poll returns its credential, once (the server keeps only its sha256), and
   the server's manifest-signing public keys for the screen to trust.

Revoking (:func:`revoke`) refuses the screen's credential and its derived token from then on
(403 ``screen_revoked`` to a screen that presents either); a new pairing code enrolls it again.
Limits: 20 codes per client address per 10 minutes and 1,000 live codes in all (429
``too_many_pairings``); 5 wrong codes per person in 15 minutes lock that person's entering of
codes for 15 minutes (429 ``too_many_attempts``), so a code cannot be guessed.
"""

from __future__ import annotations

import logging
import math
import re
import sqlite3
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from content_server import db
from content_server.accounts import limits
from content_server.audit.log import record
from content_server.context import ServerContext
from content_server.enrollment import store
from content_server.enrollment.store import Enrollment, Pairing
from content_server.errors import ApiError
from content_server.items import check_screen_id
from content_server.manifests import screen_revision
from content_server.org import tree
from content_server.org.tree import Node
from content_server.scope import Action, Principal, check_node_id, check_screen, path_filter
from content_server.timefmt import from_db

log = logging.getLogger("content_server.enrollment")

POLL_SECONDS = 3
PAIRINGS_PER_ADDRESS = 20
ADDRESS_WINDOW = timedelta(minutes=10)
MAX_LIVE_PAIRINGS = 1000
NOT_ENROLLED = "not_enrolled"

# The server's manifest-signing public keys as [{"id", "public_key"}] (base64 of the raw
# 32-byte Ed25519 key), handed to a screen with its credential.
SigningKeys = Callable[[], list[dict[str, str]]]

_CODE_SEPARATORS = re.compile(r"[\s\-]")


def start_pairing(
    ctx: ServerContext, screen_id: str, display_name: str, orientation: str, address: str
) -> dict[str, Any]:
    """A new code for ``screen_id``: ``{screen_id, code, handle, expires_at, poll_seconds}``.

    Raises:
        ApiError: 400 ``bad_screen_id``/``reserved_screen_id``; 429 ``too_many_pairings`` (with
            ``Retry-After``) beyond the limits per address or in all.
    """
    check_screen_id(screen_id)
    now = ctx.clock()
    with ctx.db.connect() as conn, db.write_transaction(conn):
        store.purge(conn, now)
        _check_pairing_limits(conn, address, now)
        pairing, handle = store.add_pairing(
            conn, screen_id, display_name.strip(), orientation, address, now
        )
    log.info("pairing code asked for by screen %s from %s", screen_id, address)
    return {
        "screen_id": screen_id,
        "code": pairing.code,
        "handle": handle,
        "expires_at": pairing.expires_at.isoformat(),
        "poll_seconds": POLL_SECONDS,
    }


def pairing_status(ctx: ServerContext, handle: str, signing_keys: SigningKeys) -> dict[str, Any]:
    """What became of a pairing: ``waiting``, ``expired``, or ``enrolled`` with the screen's
    credential (this once) and the server's signing keys.

    Raises:
        ApiError: 404 ``pairing_not_found`` for an unknown handle, or one whose credential was
            collected already.
    """
    now = ctx.clock()
    with ctx.db.connect() as conn, db.write_transaction(conn):
        pairing = store.pairing_by_handle(conn, handle) if handle else None
        if pairing is None or pairing.collected_at is not None:
            raise ApiError(
                404, "pairing_not_found", "找不到该配对（或登记凭据已领取）：请重新获取配对码"
            )
        answer: dict[str, Any] = {
            "status": "waiting",
            "screen_id": pairing.screen_id,
            "expires_at": pairing.expires_at.isoformat(),
            "poll_seconds": POLL_SECONDS,
        }
        enrollment = store.enrollment_of(conn, pairing.screen_id)
        if pairing.expires_at <= now or (
            pairing.approved_at is not None and not _made_by(enrollment, pairing)
        ):
            return answer | {"status": "expired"}
        if pairing.approved_at is None:
            return answer
        credential = store.collect(conn, pairing, now)
        node = tree.placement(conn, pairing.screen_id).node
    log.info("screen %s collected its credential (enrolled in node %d)", pairing.screen_id, node.id)
    return answer | {
        "status": "enrolled",
        "token": credential,
        "node": _node_view(node),
        "signing_keys": signing_keys(),
    }


def enroll(ctx: ServerContext, who: Principal, code: str, node_id: int) -> dict[str, Any]:
    """Enroll the screen showing ``code`` into node ``node_id``: ``{screen_id, display_name,
    orientation, node, replaced, revision}``. Needs administrator on the node and, for a screen
    the server knows already, on the screen's node.

    Raises:
        ApiError: 429 ``too_many_attempts`` while the caller is locked out; 404
            ``pairing_not_found`` for a code that is wrong, expired or used (counted);
            404 ``node_not_found`` / ``screen_not_found`` or 403 ``forbidden`` by scope.
    """
    now = ctx.clock()
    key = f"enroll:{who.name[:64]}"
    with ctx.db.connect() as conn:
        with db.write_transaction(conn):
            wait = limits.locked_seconds(conn, [key], now)
            if wait > 0:
                raise _locked(wait)
            pairing = store.pairing_by_code(conn, _CODE_SEPARATORS.sub("", code), now)
            if pairing is None:
                limits.record_failure(conn, [key], now)
            else:
                answer, moved = _approve(conn, who, pairing, node_id, now)
    if pairing is None:
        log.warning("enrollment refused: wrong or expired code entered by %s", who.name)
        raise ApiError(
            404,
            "pairing_not_found",
            f"配对码 {code[:12]} 不存在、已过期或已用过：请看屏幕上当前显示的配对码",
        )
    if moved is not None:
        ctx.notifier.notify_changed([f"screen:{pairing.screen_id}"], moved)
    log.info(
        "screen %s enrolled into node %d by %s (awaiting the screen)",
        pairing.screen_id,
        node_id,
        who.name,
    )
    return answer


def _approve(
    conn: sqlite3.Connection, who: Principal, pairing: Pairing, node_id: int, now: datetime
) -> tuple[dict[str, Any], int | None]:
    """The scope checks and the writes of :func:`enroll`; the answer and the change that
    moved the screen (None if it stayed where it was)."""
    node = check_node_id(conn, who, node_id, Action.ADMINISTER)
    if _known(conn, pairing.screen_id):
        check_screen(conn, who, pairing.screen_id, Action.ADMINISTER)
    before = store.approve(conn, pairing, node.id, who.name, now)
    moved = _place(conn, pairing.screen_id, node, now)
    db.add_change(conn, "screen_enroll", f"screen:{pairing.screen_id}", node.target, now)
    record(conn, who, "screen_enroll", node.id, at=now, target=pairing.screen_id, detail=node.name)
    return _enrolled_view(conn, pairing, node, before), moved


def revoke(ctx: ServerContext, who: Principal, screen_id: str) -> dict[str, Any]:
    """Revoke one screen: its credential and its derived token are refused from its next
    request on. ``{screen_id, state, changed}``; administrator of the screen's node.

    Raises:
        ApiError: 400 ``bad_screen_id``; 404 ``screen_not_found`` / 403 ``forbidden`` by scope.
    """
    check_screen_id(screen_id)
    now = ctx.clock()
    target = f"screen:{screen_id}"
    seq = None
    with ctx.db.connect() as conn, db.write_transaction(conn):
        node = check_screen(conn, who, screen_id, Action.ADMINISTER)
        if store.revoke(conn, screen_id, who.name, now):
            _ensure_row(conn, screen_id)
            seq = db.add_change(conn, "screen_revoke", target, screen_id, now)
            record(conn, who, "screen_revoke", node.id, at=now, target=screen_id)
    if seq is not None:
        log.info("screen %s revoked by %s", screen_id, who.name)
        # A screen listening to its events hears a new number, syncs, and is refused at once.
        ctx.notifier.notify_changed([target], seq)
    return {"screen_id": screen_id, "state": "revoked", "changed": seq is not None}


def screen_list(ctx: ServerContext, who: Principal) -> list[dict[str, Any]]:
    """The screens the caller may view, with their node, last contact and enrollment state:
    ``enrolled``, ``awaiting_screen``, ``revoked`` or ``not_enrolled`` (a screen that opens
    with its derived token)."""
    condition, params = path_filter(who, Action.VIEW, "n.path")
    with ctx.db.connect() as conn, db.read_transaction(conn):
        rows = conn.execute(
            "SELECT s.id, s.last_seen, n.id AS node_id FROM screens s "
            f"JOIN org_nodes n ON n.id = s.node_id WHERE {condition} ORDER BY s.id",
            params,
        ).fetchall()
        every = store.enrollments(conn)
        nodes = {node.id: node for node in tree.list_nodes(conn)}
    return [
        _screen_view(row, nodes[int(row["node_id"])], every.get(str(row["id"]))) for row in rows
    ]


def _check_pairing_limits(conn: sqlite3.Connection, address: str, now: datetime) -> None:
    recent = store.pairings_from(conn, address, now - ADDRESS_WINDOW)
    if len(recent) >= PAIRINGS_PER_ADDRESS:
        wait = math.ceil((recent[0] + ADDRESS_WINDOW - now).total_seconds())
        log.warning("pairing refused: too many codes asked for from %s", address)
        raise _too_many_pairings(max(1, wait))
    if store.live_pairings(conn, now) >= MAX_LIVE_PAIRINGS:
        log.warning("pairing refused: %d codes are waiting already", MAX_LIVE_PAIRINGS)
        raise _too_many_pairings(60)


def _too_many_pairings(wait: int) -> ApiError:
    return ApiError(
        429,
        "too_many_pairings",
        f"申请配对码太频繁，请 {wait} 秒后再试",
        {"Retry-After": str(wait)},
    )


def _locked(wait: int) -> ApiError:
    minutes = max(1, -(-wait // 60))
    return ApiError(
        429,
        "too_many_attempts",
        f"输错配对码的次数过多，请 {minutes} 分钟后再试",
        {"Retry-After": str(wait)},
    )


def _made_by(enrollment: Enrollment | None, pairing: Pairing) -> bool:
    """Is the screen's enrollment still the one ``pairing`` made (not revoked, not replaced)?"""
    return (
        enrollment is not None
        and enrollment.pairing_id == pairing.id
        and enrollment.revoked_at is None
    )


def _known(conn: sqlite3.Connection, screen_id: str) -> bool:
    """Has the server seen or placed this screen? A screen it never heard of belongs to
    nobody yet, so an administrator of any node may enroll it into that node."""
    row = conn.execute("SELECT 1 FROM screens WHERE id = ?", (screen_id,)).fetchone()
    return row is not None


def _place(conn: sqlite3.Connection, screen_id: str, node: Node, now: datetime) -> int | None:
    """Put the screen in ``node``; the change's number if it moved (None if it was there)."""
    if tree.placement(conn, screen_id).node.id == node.id:
        _ensure_row(conn, screen_id)
        return None
    seq = db.add_change(conn, "screen_assign", f"screen:{screen_id}", node.target, now)
    tree.assign_screen(conn, screen_id, node, seq)
    return seq


def _ensure_row(conn: sqlite3.Connection, screen_id: str) -> None:
    """The screen has a row (in the root unless placed), so it is listed and known."""
    conn.execute("INSERT INTO screens (id) VALUES (?) ON CONFLICT (id) DO NOTHING", (screen_id,))


def _node_view(node: Node) -> dict[str, Any]:
    return {"id": node.id, "name": node.name, "kind": node.kind}


def _enrolled_view(
    conn: sqlite3.Connection, pairing: Pairing, node: Node, before: Enrollment | None
) -> dict[str, Any]:
    return {
        "screen_id": pairing.screen_id,
        "display_name": pairing.display_name,
        "orientation": pairing.orientation,
        "node": _node_view(node),
        "replaced": before is not None and before.state == "enrolled",
        "revision": screen_revision(conn, pairing.screen_id),
    }


def _screen_view(row: sqlite3.Row, node: Node, enrollment: Enrollment | None) -> dict[str, Any]:
    def when(value: datetime | None) -> str | None:
        return value.isoformat() if value is not None else None

    last_seen = row["last_seen"]
    return {
        "screen_id": str(row["id"]),
        "node": _node_view(node),
        "last_seen": from_db(last_seen).isoformat() if last_seen else None,
        "state": enrollment.state if enrollment is not None else NOT_ENROLLED,
        "display_name": enrollment.display_name if enrollment is not None else "",
        "enrolled_at": when(enrollment.enrolled_at) if enrollment is not None else None,
        "revoked_at": when(enrollment.revoked_at) if enrollment is not None else None,
    }
