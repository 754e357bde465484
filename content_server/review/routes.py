"""HTTP routes of review (审核), each checked by ``content_server.scope`` (see
``content_server.review.service``).

GET  /api/reviews                       held items the caller may approve or reject
POST /api/items/{id}/approve            approve: the item reaches its screens
POST /api/items/{id}/reject             send it back {comment}
POST /api/items/{id}/resubmit           fix and resubmit {changes}
GET  /api/org/nodes/{id}/review         whether items from below need approval there
PUT  /api/org/nodes/{id}/review         turn it on or off {on} (administrators)
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field, StrictBool

from content_server.auth import Caller
from content_server.context import ServerContext
from content_server.errors import error_responses
from content_server.review import service


class Rejection(BaseModel):
    model_config = ConfigDict(extra="forbid")
    comment: str = Field(
        max_length=2000, description="Why, for the publisher (1 to 500 characters)."
    )


class Resubmission(BaseModel):
    model_config = ConfigDict(extra="forbid")
    changes: dict[str, Any] = Field(
        default_factory=dict,
        description="Fields of the item to change (title, text, valid_from, image "
        "{sha256}...) and `to`; null clears an optional field.",
    )


class ReviewSetting(BaseModel):
    model_config = ConfigDict(extra="forbid")
    # Strict: the schema says boolean, so "yes" or 1 are refused rather than taken as true.
    on: StrictBool = Field(description="Items published into this subtree need approval.")


def build_router(ctx: ServerContext) -> APIRouter:
    """Routes of review."""
    router = APIRouter(tags=["review"])

    @router.get("/api/reviews", responses=error_responses(401))
    def list_reviews(who: Caller) -> dict[str, Any]:
        """Items waiting for review that the caller may approve or reject, longest waiting
        first, each with its content (``item``) and who submitted it."""
        return {"items": service.reviews(ctx, who)}

    @router.post("/api/items/{item_id}/approve", responses=error_responses(401, 403, 404, 409))
    def approve(item_id: str, who: Caller) -> dict[str, Any]:
        """Approve a held item: it reaches its screens at once."""
        return service.approve(ctx, who, item_id)

    @router.post("/api/items/{item_id}/reject", responses=error_responses(401, 403, 404, 409, 422))
    def reject(item_id: str, body: Rejection, who: Caller) -> dict[str, Any]:
        """Send a held item back to its publisher with a comment."""
        return service.reject(ctx, who, item_id, body.comment)

    @router.post(
        "/api/items/{item_id}/resubmit", responses=error_responses(401, 403, 404, 409, 422)
    )
    def resubmit(item_id: str, body: Resubmission, who: Caller) -> dict[str, Any]:
        """Fix a held or rejected item and submit it again."""
        return service.resubmit(ctx, who, item_id, body.changes)

    @router.get("/api/org/nodes/{node_id}/review", responses=error_responses(401, 404, 422))
    def get_review_setting(node_id: int, who: Caller) -> dict[str, Any]:
        """``{node_id, on, set_by, set_at, pending}``: whether items published into the
        node's subtree need approval, and how many wait for its reviewers."""
        return service.get_setting(ctx, who, node_id)

    @router.put("/api/org/nodes/{node_id}/review", responses=error_responses(401, 403, 404, 422))
    def put_review_setting(node_id: int, body: ReviewSetting, who: Caller) -> dict[str, Any]:
        """Turn review on or off (administrators of the node or above); items already
        waiting stay waiting until reviewed."""
        return service.set_setting(ctx, who, node_id, body.on)

    return router
