"""``/api/signing-keys``: the server's manifest-signing keys (``content_server/signing.py``).

    GET    /api/signing-keys         the public keys (any signed-in caller: they are public)
                                     and the ``server_keys`` line for a screen's config
    POST   /api/signing-keys         add a key: from now on it signs beside the others
    DELETE /api/signing-keys/{id}    retire a key: it signs no more (never the last one)

Adding and retiring are for the superuser and administrators of the top organisation: the
keys are the whole fleet's. ``kiosk admin keys list|add|retire`` calls these routes.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC

from fastapi import APIRouter
from pydantic import BaseModel, Field

from content_server import db
from content_server.auth import Caller
from content_server.context import ServerContext
from content_server.errors import ApiError, error_responses
from content_server.org.tree import ROOT_ID, get_node
from content_server.scope import Action, Principal, check_node, forbidden
from content_server.signing import (
    LastSigningKey,
    RingKey,
    SigningKeyError,
    UnknownSigningKey,
)

log = logging.getLogger("content_server")


class SigningKeyView(BaseModel):
    id: str = Field(description="First 16 hex digits of the sha256 of the raw public key.")
    public_key: str = Field(description="Base64 of the raw 32-byte Ed25519 public key.")
    created_at: str


class SigningKeyList(BaseModel):
    keys: list[SigningKeyView] = Field(description="Every key signs every manifest; oldest first.")
    server_keys: str = Field(
        description="The line for a screen's kiosk.toml that makes it trust these keys."
    )


class SigningKeyChange(SigningKeyList):
    key: SigningKeyView = Field(description="The key added or retired.")


def build_router(ctx: ServerContext) -> APIRouter:
    """Routes of the signing keys."""
    router = APIRouter(prefix="/api/signing-keys")

    @router.get("", responses=error_responses(401))
    def list_keys(who: Caller) -> SigningKeyList:
        """The manifest-signing public keys and the ``server_keys`` config line."""
        return _listing(ctx)

    @router.post("", status_code=201, responses=error_responses(401, 403, 500))
    def add_key(who: Caller) -> SigningKeyChange:
        """Add a key. Screens learn it from their next manifest (signed by the old key too);
        retire the old key once every screen has fetched one since."""
        _check_fleet_admin(ctx, who)
        try:
            key = ctx.signing.add()
        except SigningKeyError as exc:
            raise ApiError(500, "signing_key_error", str(exc)) from None
        log.info("%s added signing key %s", who.name, key.id)
        return SigningKeyChange(key=_view(key), **_listing(ctx).model_dump())

    @router.delete("/{key_id}", responses=error_responses(401, 403, 404, 409, 500))
    def retire_key(key_id: str, who: Caller) -> SigningKeyChange:
        """Retire a key: it no longer signs nor is listed, so screens forget it. A screen that
        trusts only this key is refused from then on; the last key cannot be retired."""
        _check_fleet_admin(ctx, who)
        try:
            key = ctx.signing.retire(key_id)
        except UnknownSigningKey:
            raise ApiError(404, "signing_key_not_found", f"找不到签名密钥 {key_id[:32]}") from None
        except LastSigningKey:
            raise ApiError(
                409,
                "last_signing_key",
                "这是服务器唯一的签名密钥，不能停用；请先添加新密钥（kiosk admin keys add）",
            ) from None
        except SigningKeyError as exc:
            raise ApiError(500, "signing_key_error", str(exc)) from None
        log.info("%s retired signing key %s", who.name, key.id)
        return SigningKeyChange(key=_view(key), **_listing(ctx).model_dump())

    return router


def server_keys_line(public_keys: list[str]) -> str:
    """``server_keys = ["...", "..."]`` for a screen's kiosk.toml."""
    return f"server_keys = {json.dumps(public_keys)}"


def _listing(ctx: ServerContext) -> SigningKeyList:
    keys = ctx.signing.current().keys
    return SigningKeyList(
        keys=[_view(key) for key in keys],
        server_keys=server_keys_line([key.public_key for key in keys]),
    )


def _view(key: RingKey) -> SigningKeyView:
    created = key.created_at.astimezone(UTC).replace(microsecond=0).isoformat()
    return SigningKeyView(id=key.id, public_key=key.public_key, created_at=created)


def _check_fleet_admin(ctx: ServerContext, who: Principal) -> None:
    """The superuser, or an administrator of the top organisation (403 otherwise)."""
    if who.superuser:
        return
    with ctx.db.connect() as conn, db.read_transaction(conn):
        root = get_node(conn, ROOT_ID)
    check_node(who, root, Action.ADMINISTER, forbidden(Action.ADMINISTER))
