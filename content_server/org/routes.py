"""HTTP routes of the organisation tree, each checked by ``content_server.scope``: viewers
read their subtrees; adding needs administrator on the parent; renaming, moving and removing
a node need administrator on its parent (and on the new parent); placing a screen needs
administrator on its current node and on the new one.

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

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from content_server import db
from content_server.auth import Caller
from content_server.context import ServerContext
from content_server.errors import error_responses
from content_server.items import check_screen_id
from content_server.manifests import screen_revision
from content_server.org import edit, tree
from content_server.org.tree import KINDS, Node
from content_server.scope import (
    Action,
    Principal,
    check_node,
    check_node_id,
    check_screen,
    forbidden,
    sees,
)


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


def build_router(ctx: ServerContext) -> APIRouter:
    """Routes of the organisation tree and of screens' places in it."""
    router = APIRouter(tags=["organisation"])

    @router.get("/api/org/nodes", responses=error_responses(401, 422))
    def list_nodes(who: Caller) -> NodeList:
        """The tree as far as the caller may view it: parents before children, siblings in
        the order they were made."""
        with ctx.db.connect() as conn, db.read_transaction(conn):
            nodes = [node for node in tree.list_nodes(conn) if sees(who, node)]
            counts = tree.screen_counts(conn)
        return NodeList(nodes=_views(nodes, counts), kinds=list(KINDS))

    @router.post(
        "/api/org/nodes", status_code=201, responses=error_responses(401, 403, 404, 409, 422)
    )
    def add_node(new: NewNode, who: Caller) -> NodeEdited:
        """Add a node under ``parent_id`` (administrator of the parent)."""
        with ctx.db.connect() as conn:
            check_node_id(conn, who, new.parent_id, Action.ADMINISTER)
        edited = edit.add_node(ctx, new.parent_id, new.kind, new.name, who=who)
        return _edited(ctx, edited)

    @router.get("/api/org/nodes/{node_id}", responses=error_responses(401, 404, 422))
    def get_node(node_id: int, who: Caller) -> NodeDetail:
        """One node, with the ids of the screens that belong to it."""
        with ctx.db.connect() as conn, db.read_transaction(conn):
            node = check_node_id(conn, who, node_id, Action.VIEW)
            view = _view_of(conn, node)
            rows = conn.execute(
                "SELECT id FROM screens WHERE node_id = ? ORDER BY id", (node.id,)
            ).fetchall()
        return NodeDetail(**view.model_dump(), screen_ids=[str(row[0]) for row in rows])

    @router.patch("/api/org/nodes/{node_id}", responses=error_responses(401, 403, 404, 409, 422))
    def change_node(node_id: int, changes: NodeChanges, who: Caller) -> NodeEdited:
        """Rename the node, change its kind, or move it (with its subtree) under another
        node; never under itself or its own subtree."""
        check_edit(who, node_id, changes.parent_id)
        edited = edit.change_node(
            ctx,
            node_id,
            name=changes.name,
            kind=changes.kind,
            parent_id=changes.parent_id,
            who=who,
        )
        return _edited(ctx, edited)

    @router.delete("/api/org/nodes/{node_id}", responses=error_responses(401, 403, 404, 409, 422))
    def remove_node(node_id: int, who: Caller) -> NodeRemoved:
        """Remove a node; refused (409 ``node_not_empty``) while it has child nodes, screens,
        roster members, accounts or roles, or live content."""
        check_edit(who, node_id, None)
        return NodeRemoved(id=node_id, revision=edit.remove_node(ctx, node_id, who=who))

    @router.get("/api/screens/{screen_id}/node", responses=error_responses(400, 401, 404, 422))
    def get_screen_node(screen_id: str, who: Caller) -> ScreenPlace:
        """The node a screen belongs to (the root for a screen never assigned)."""
        check_screen_id(screen_id)
        with ctx.db.connect() as conn, db.read_transaction(conn):
            check_screen(conn, who, screen_id, Action.VIEW)
            node = tree.placement(conn, screen_id).node
            return _place(conn, screen_id, node, changed=False)

    @router.put("/api/screens/{screen_id}/node", responses=error_responses(400, 401, 403, 404, 422))
    def put_screen_node(screen_id: str, body: ScreenNode, who: Caller) -> ScreenPlace:
        """Make the screen belong to a node: it then gets what targets that node and its
        ancestors. Its revision changes and it is told at once. Administrator of the
        screen's node (the root for a screen never assigned) and of the new one."""
        check_screen_id(screen_id)
        with ctx.db.connect() as conn, db.read_transaction(conn):
            check_screen(conn, who, screen_id, Action.ADMINISTER)
            check_node_id(conn, who, body.node_id, Action.ADMINISTER)
        node, seq = edit.assign_screen(ctx, screen_id, body.node_id, who=who)
        with ctx.db.connect() as conn, db.read_transaction(conn):
            return _place(conn, screen_id, node, changed=seq is not None)

    def check_edit(who: Principal, node_id: int, new_parent: int | None) -> None:
        """A node is changed by administrators of its parent (the root's by those of the
        root); a move also needs administrator on the new parent."""
        with ctx.db.connect() as conn, db.read_transaction(conn):
            node = check_node_id(conn, who, node_id, Action.VIEW)
            owner = tree.get_node(conn, node.parent_id or node.id)
            check_node(who, owner, Action.ADMINISTER, forbidden(Action.ADMINISTER))
            if new_parent is not None:
                check_node_id(conn, who, new_parent, Action.ADMINISTER)

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
