"""HTTP routes of screen enrollment (``content_server.enrollment.service``).

A screen, with no token:
    POST   /api/pairings                      ask for a pairing code {screen_id, display_name?,
                                              orientation?} -> code + secret handle
    POST   /api/pairings/status               {handle} -> waiting | expired | enrolled (with
                                              the screen's credential, once)
An administrator of a node (or the superuser):
    POST   /api/enrollments                   enter a code {code, node_id}: the screen is put in
                                              the node and enrolled
    DELETE /api/screens/{id}/enrollment       revoke the screen
    GET    /api/screens                       the screens the caller may view, with their state
"""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field

from content_server.auth import Caller
from content_server.context import ServerContext
from content_server.enrollment import service
from content_server.errors import error_responses


class PairingRequest(BaseModel):
    """A screen asking for a pairing code."""

    model_config = ConfigDict(extra="forbid")
    screen_id: str = Field(max_length=200, description="The screen's id (its `screen` setting).")
    display_name: str = Field(
        default="", max_length=100, description="What the screen calls itself, e.g. 一楼大厅."
    )
    orientation: Literal["", "portrait", "landscape"] = Field(
        default="", description="The shape of the screen's display, if it knows."
    )


class PairingStarted(BaseModel):
    screen_id: str
    code: str = Field(description="Six digits, shown on the screen for an administrator to enter.")
    handle: str = Field(description="The secret the screen polls with; only the screen has it.")
    expires_at: str
    poll_seconds: int = Field(description="How often to ask for the pairing's status.")


class PairingPoll(BaseModel):
    model_config = ConfigDict(extra="forbid")
    handle: str = Field(max_length=200)


class NodeRef(BaseModel):
    id: int
    name: str
    kind: str


class SigningKey(BaseModel):
    id: str
    public_key: str = Field(description="Base64 of the raw 32-byte Ed25519 public key.")


class PairingStatus(BaseModel):
    status: Literal["waiting", "expired", "enrolled"]
    screen_id: str
    expires_at: str
    poll_seconds: int
    token: str | None = Field(
        default=None, description="With `enrolled`, this once: the screen's credential."
    )
    node: NodeRef | None = Field(default=None, description="With `enrolled`: the screen's node.")
    signing_keys: list[SigningKey] | None = Field(
        default=None, description="With `enrolled`: the manifest-signing keys to trust."
    )


class CodeEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: str = Field(max_length=20, description="The code the screen shows (spaces allowed).")
    node_id: int = Field(description="The node to enroll the screen into.")


class Enrolled(BaseModel):
    screen_id: str
    display_name: str
    orientation: str
    node: NodeRef
    replaced: bool = Field(description="True if the screen had a credential, which now ends.")
    revision: int = Field(description="The screen's manifest revision.")


class Revoked(BaseModel):
    screen_id: str
    state: Literal["revoked"]
    changed: bool = Field(description="False if the screen was revoked already.")


class ScreenView(BaseModel):
    screen_id: str
    node: NodeRef
    last_seen: str | None
    state: Literal["enrolled", "awaiting_screen", "revoked", "not_enrolled"] = Field(
        description="not_enrolled: the screen opens with its derived token (screen_token)."
    )
    display_name: str
    enrolled_at: str | None
    revoked_at: str | None


class ScreenList(BaseModel):
    screens: list[ScreenView]


def build_router(ctx: ServerContext) -> APIRouter:
    """Routes of pairing, enrollment and revocation."""
    router = APIRouter(tags=["enrollment"])

    @router.post("/api/pairings", status_code=201, responses=error_responses(400, 422, 429))
    def start_pairing(body: PairingRequest, request: Request) -> PairingStarted:
        """A pairing code for a screen that has no credential (no token needed). Limited per
        client address (429 ``too_many_pairings`` with ``Retry-After``)."""
        address = request.client.host if request.client else "-"
        started = service.start_pairing(
            ctx, body.screen_id, body.display_name, body.orientation, address
        )
        return PairingStarted(**started)

    @router.post("/api/pairings/status", responses=error_responses(404, 422))
    def pairing_status(body: PairingPoll) -> PairingStatus:
        """What became of the pairing whose secret handle is given; once an administrator
        entered its code, the answer carries the screen's credential (this once)."""
        return PairingStatus(**service.pairing_status(ctx, body.handle, ctx.signing.public_keys))

    @router.post(
        "/api/enrollments", status_code=201, responses=error_responses(401, 403, 404, 422, 429)
    )
    def enroll(body: CodeEntry, who: Caller) -> Enrolled:
        """Enroll the screen showing ``code`` into node ``node_id`` (administrator of the node
        and, for a screen the server knows, of the screen's node)."""
        return Enrolled(**service.enroll(ctx, who, body.code, body.node_id))

    @router.delete(
        "/api/screens/{screen_id}/enrollment", responses=error_responses(400, 401, 403, 404, 422)
    )
    def revoke(screen_id: str, who: Caller) -> Revoked:
        """Revoke a screen: its credential and its derived token are refused (403
        ``screen_revoked``) from its next request on (administrator of its node)."""
        return Revoked(**service.revoke(ctx, who, screen_id))

    @router.get("/api/screens", responses=error_responses(401))
    def list_screens(who: Caller) -> ScreenList:
        """The screens the caller may view, with node, last contact and enrollment state."""
        return ScreenList(screens=[ScreenView(**each) for each in service.screen_list(ctx, who)])

    return router
