"""Publishing once per key: a form that publishes (the console's video, honor-roll forms)
carries a key, the upload's id or a random key made with the page, and the item's id is made
from it. Pressing 发布 twice, or again after the answer was lost on a bad network, answers
the item published the first time instead of making a second one.
"""

from __future__ import annotations

import logging
import re
import secrets
import sqlite3
from typing import Any

from content_server import db
from content_server.context import ServerContext
from content_server.errors import ApiError
from content_server.items import ID_PREFIXES
from content_server.routes.items import publish
from content_server.scope import Action, Principal, check_thing

log = logging.getLogger("content_server")

KEY_BYTES = 16  # secrets.token_urlsafe: 22 characters
_KEY_RE = re.compile(r"[A-Za-z0-9_-]{16,43}")


def new_key() -> str:
    """A fresh key for a form."""
    return secrets.token_urlsafe(KEY_BYTES)


def check_key(key: str) -> str:
    """A publishing key: an upload id, or the random key a form carries.

    Raises:
        ApiError: 422 ``bad_key``.
    """
    if not _KEY_RE.fullmatch(key):
        raise ApiError(422, "bad_key", "表单已失效，请刷新页面后重新发布")
    return key


def publish_once(
    ctx: ServerContext, payload: dict[str, Any], key: str, who: Principal
) -> dict[str, Any]:
    """``publish()`` with the item id made from ``key``: publishing with the same key again
    (a second tap, a retry after a lost answer) answers the item published the first time.

    Returns:
        ``{"id", "revision", "review"?, "again"}``; ``again`` is True for the earlier item.

    Raises:
        ApiError: as ``publish()``; 409 ``key_used`` when the key's item is out of the
            caller's view.
    """
    item_id = f"{ID_PREFIXES.get(str(payload.get('kind')), 'x')}-{check_key(key)}"
    earlier = _published(ctx, item_id, who)
    if earlier is not None:
        return earlier
    try:
        return {**publish(ctx, payload, item_id=item_id, principal=who), "again": False}
    except sqlite3.IntegrityError:  # the same key stored by a request running alongside
        earlier = _published(ctx, item_id, who)
        if earlier is None:
            raise
        return earlier


def _published(ctx: ServerContext, item_id: str, who: Principal) -> dict[str, Any] | None:
    with ctx.db.connect() as conn:
        row = db.get_item(conn, item_id)
        if row is None:
            return None
        used = ApiError(409, "key_used", "这次发布已经用过，请刷新页面后重新发布")
        check_thing(conn, who, str(row["target"]), Action.VIEW, used)
    log.info("publish of %s repeated: the item exists", item_id)
    return {"id": item_id, "revision": int(row["changed_seq"]), "again": True}
