"""HTTP routes of the organisation tree (admin token).

GET    /api/org/nodes                 the whole tree, parents before children
POST   /api/org/nodes                 add a node {parent_id, kind, name}
GET    /api/org/nodes/{id}            one node, with the ids of its screens
PATCH  /api/org/nodes/{id}            rename, change the kind, move {name?, kind?, parent_id?}
DELETE /api/org/nodes/{id}            remove an empty node
GET    /api/screens/{id}/node         the node a screen belongs to
PUT    /api/screens/{id}/node         assign a screen to a node {node_id}
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field

from content_server import db
from content_server.context import ServerContext
from content_server.errors import error_responses
from content_server.items import check_screen_id
from content_server.manifests import screen_revision
from content_server.org import edit, tree
from content_server.org.tree import KINDS, Node


class NewNode(BaseModel):
    """A node to add."""

    model_config = ConfigDict(extra="forbid")
    parent_id: int = Field(description="The node to put it under (the root is 1).")
    kind: str = Field(description=f"One of {', '.join(KINDS)}.")
    name: str = Field(description="Display name, unique among its siblings.")


class NodeChanges(BaseModel):
    """What to change of a node; fields left out stay as they are."""

    model_config = ConfigDict(extra="forbid")
    name: str | None = Field(default=None, description="New display name.")
    kind: str | None = Field(default=None, description="New kind.")
    parent_id: int | None = Field(
        default=None, description="Move the node, with everything below it, under this node."
    )


class ScreenNode(BaseModel):
    """The node a screen is to belong to."""

    model_config = ConfigDict(extra="forbid")
    node_id: int


class NodeView(BaseModel):
    """A node as the API shows it."""

    id: int
    parent_id: int | None
    kind: str
    name: str
    ancestry: list[int] = Field(description="Ids from the root down to this node, itself last.")
    depth: int = Field(description="0 for the root.")
    target: str = Field(description="Its value for `to` when publishing: all or node:<id>.")
    screens: int = Field(description="Screens that belong to this node itself.")
    subtree_screens: int = Field(description="Screens of this node and every node below it.")


class NodeList(BaseModel):
    nodes: list[NodeView]
    kinds: list[str]


class NodeDetail(NodeView):
    screen_ids: list[str] = Field(description="The screens that belong to this node itself.")


class NodeEdited(BaseModel):
    node: NodeView
    changed: bool
    revision: int | None = Field(description="The change's number; null when nothing changed.")


class NodeRemoved(BaseModel):
    id: int
    revision: int


class ScreenPlace(BaseModel):
    screen_id: str
    node: NodeView
    revision: int = Field(description="The screen's manifest revision.")
    changed: bool


def build_router(ctx: ServerContext, require_admin: Callable[..., None]) -> APIRouter:
    """Routes of the organisation tree and of screens' places in it."""
    router = APIRouter(dependencies=[Depends(require_admin)], tags=["organisation"])

    @router.get("/api/org/nodes", responses=error_responses(401, 422))
    def list_nodes() -> NodeList:
        """The whole tree: parents before children, siblings in the order they were made."""
        with ctx.db.connect() as conn, db.read_transaction(conn):
            nodes = tree.list_nodes(conn)
            counts = tree.screen_counts(conn)
        return NodeList(nodes=_views(nodes, counts), kinds=list(KINDS))

    @router.post("/api/org/nodes", status_code=201, responses=error_responses(401, 404, 409, 422))
    def add_node(new: NewNode) -> NodeEdited:
        """Add a node under ``parent_id``."""
        edited = edit.add_node(ctx, new.parent_id, new.kind, new.name)
        return _edited(ctx, edited)

    @router.get("/api/org/nodes/{node_id}", responses=error_responses(401, 404, 422))
    def get_node(node_id: int) -> NodeDetail:
        """One node, with the ids of the screens that belong to it."""
        with ctx.db.connect() as conn, db.read_transaction(conn):
            node = edit.require_node(conn, node_id)
            view = _view_of(conn, node)
            rows = conn.execute(
                "SELECT id FROM screens WHERE node_id = ? ORDER BY id", (node.id,)
            ).fetchall()
        return NodeDetail(**view.model_dump(), screen_ids=[str(row[0]) for row in rows])

    @router.patch("/api/org/nodes/{node_id}", responses=error_responses(401, 404, 409, 422))
    def change_node(node_id: int, changes: NodeChanges) -> NodeEdited:
        """Rename the node, change its kind, or move it (with its subtree) under another
        node; never under itself or its own subtree."""
        edited = edit.change_node(
            ctx, node_id, name=changes.name, kind=changes.kind, parent_id=changes.parent_id
        )
        return _edited(ctx, edited)

    @router.delete("/api/org/nodes/{node_id}", responses=error_responses(401, 404, 409, 422))
    def remove_node(node_id: int) -> NodeRemoved:
        """Remove a node; refused (409 ``node_not_empty``) while it has child nodes, screens,
        roster members or live content."""
        return NodeRemoved(id=node_id, revision=edit.remove_node(ctx, node_id))

    @router.get("/api/screens/{screen_id}/node", responses=error_responses(400, 401, 422))
    def get_screen_node(screen_id: str) -> ScreenPlace:
        """The node a screen belongs to (the root for a screen never assigned)."""
        check_screen_id(screen_id)
        with ctx.db.connect() as conn, db.read_transaction(conn):
            node = tree.placement(conn, screen_id).node
            return _place(conn, screen_id, node, changed=False)

    @router.put("/api/screens/{screen_id}/node", responses=error_responses(400, 401, 404, 422))
    def put_screen_node(screen_id: str, body: ScreenNode) -> ScreenPlace:
        """Make the screen belong to a node: it then gets what targets that node and its
        ancestors. Its revision changes and it is told at once."""
        node, seq = edit.assign_screen(ctx, screen_id, body.node_id)
        with ctx.db.connect() as conn, db.read_transaction(conn):
            return _place(conn, screen_id, node, changed=seq is not None)

    return router


def _edited(ctx: ServerContext, edited: edit.Edited) -> NodeEdited:
    with ctx.db.connect() as conn, db.read_transaction(conn):
        view = _view_of(conn, edited.node)
    return NodeEdited(node=view, changed=edited.revision is not None, revision=edited.revision)


def _place(conn: sqlite3.Connection, screen_id: str, node: Node, *, changed: bool) -> ScreenPlace:
    return ScreenPlace(
        screen_id=screen_id,
        node=_view_of(conn, node),
        revision=screen_revision(conn, screen_id),
        changed=changed,
    )


def _view_of(conn: sqlite3.Connection, node: Node) -> NodeView:
    views = _views(tree.subtree(conn, node), tree.screen_counts(conn))
    return views[0]


def _views(nodes: list[Node], counts: dict[int, int]) -> list[NodeView]:
    """Views of ``nodes`` (a whole tree or subtree, parents first), with screen counts."""
    totals = dict.fromkeys((node.id for node in nodes), 0)
    for node in nodes:
        for ancestor in node.ancestry:
            if ancestor in totals:
                totals[ancestor] += counts.get(node.id, 0)
    return [
        NodeView(
            id=node.id,
            parent_id=node.parent_id,
            kind=node.kind,
            name=node.name,
            ancestry=list(node.ancestry),
            depth=node.depth,
            target=node.target,
            screens=counts.get(node.id, 0),
            subtree_screens=totals[node.id],
        )
        for node in nodes
    ]
