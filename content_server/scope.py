"""Who may do what where: the caller (a :class:`Principal`) and the one scope check every
publishing, reading and exporting route goes through.

Roles are held on organisation nodes and reach the whole subtree below the node:

    administrator  view, publish, administer (the tree, accounts, screens' places and tokens)
    publisher      view, publish (items, withdrawals, meetings, rosters, screen settings, stops)
    reviewer       view, review (approve or reject items held for review)
    viewer         view (items, meetings, attendance, learning totals, screens)

The superuser (the server's admin token) may do everything everywhere.

Answers, the same for every route: a thing outside what the caller may *view* (an item, a
meeting, a node, a screen, a branch's roster) answers exactly as if it did not exist, 404 with
the route's usual code, so ids of other branches do not leak; a thing the caller may view but
not act on answers 403 ``forbidden``. Lists are filtered to what the caller may view.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum

from content_server.errors import ApiError
from content_server.org import tree
from content_server.org.tree import ROOT_ID, Node


class Action(StrEnum):
    """What a caller wants to do to a node's subtree."""

    VIEW = "view"
    PUBLISH = "publish"
    REVIEW = "review"
    ADMINISTER = "administer"


ROLES: dict[str, frozenset[Action]] = {
    "administrator": frozenset(Action),
    "publisher": frozenset({Action.VIEW, Action.PUBLISH}),
    "reviewer": frozenset({Action.VIEW, Action.REVIEW}),
    "viewer": frozenset({Action.VIEW}),
}
ROLE_NAMES = tuple(ROLES)
ROLE_LABELS = {
    "administrator": "管理员",
    "publisher": "发布员",
    "reviewer": "审核员",
    "viewer": "查看员",
}
_ACTION_LABELS = {
    Action.VIEW: "查看",
    Action.PUBLISH: "发布",
    Action.REVIEW: "审核",
    Action.ADMINISTER: "管理",
}


@dataclass(frozen=True)
class Grant:
    """A role on a node, with the node's current path (so a moved subtree takes it along)."""

    node_id: int
    node_path: str
    role: str


@dataclass(frozen=True)
class Principal:
    """Who is calling.

    Attributes:
        name: the account's name (``superuser`` for the admin token).
        account_id: None for the superuser.
        grants: the account's roles.
        session_id: the session the call came with, if any.
        token_id: the personal API token the call came with, if any.
        address: the client address the call came from (for the audit log; ``-`` unknown).
    """

    name: str
    account_id: int | None = None
    grants: tuple[Grant, ...] = field(default=())
    session_id: int | None = None
    token_id: int | None = None
    address: str = "-"

    @property
    def superuser(self) -> bool:
        return self.account_id is None

    def may(self, action: Action, node: Node) -> bool:
        """True if a grant on ``node`` or one of its ancestors allows ``action``."""
        if self.superuser:
            return True
        return any(
            action in ROLES[grant.role] and node.path.startswith(grant.node_path)
            for grant in self.grants
        )

    def may_somewhere(self, action: Action) -> bool:
        """True if some grant allows ``action`` (on its own subtree)."""
        return self.superuser or any(action in ROLES[grant.role] for grant in self.grants)

    def paths(self, action: Action) -> list[str]:
        """The paths of the subtrees where ``action`` is allowed (the superuser: the root's)."""
        if self.superuser:
            return [f"/{ROOT_ID}/"]
        return [grant.node_path for grant in self.grants if action in ROLES[grant.role]]


SUPERUSER = Principal(name="superuser")


def forbidden(action: Action) -> ApiError:
    """403 for a thing the caller sees but may not act on."""
    return ApiError(403, "forbidden", f"没有{_ACTION_LABELS[action]}权限：您在该组织没有相应的角色")


def check_node(principal: Principal, node: Node | None, action: Action, missing: ApiError) -> Node:
    """The one check: ``node`` if the caller may do ``action`` there.

    Raises:
        ApiError: ``missing`` (the route's own 404) when the node is None or outside what the
            caller may view; 403 ``forbidden`` when it may view but not ``action``.
    """
    if node is None or not principal.may(Action.VIEW, node):
        raise missing
    if not principal.may(action, node):
        raise forbidden(action)
    return node


def node_not_found(node_id: object) -> ApiError:
    return ApiError(404, "node_not_found", f"找不到编号为 {node_id} 的组织")


def check_node_id(
    conn: sqlite3.Connection, principal: Principal, node_id: int, action: Action
) -> Node:
    """The node ``node_id`` checked for ``action`` (404 ``node_not_found`` if unknown or out of
    scope)."""
    return check_node(principal, tree.get_node(conn, node_id), action, node_not_found(node_id))


def screen_not_found(screen_id: str) -> ApiError:
    return ApiError(404, "screen_not_found", f"找不到屏幕 {screen_id[:64]}（或不在您的管理范围内）")


def check_screen(
    conn: sqlite3.Connection, principal: Principal, screen_id: str, action: Action
) -> Node:
    """The node screen ``screen_id`` belongs to (the root if never assigned), checked."""
    node = tree.placement(conn, screen_id).node
    return check_node(principal, node, action, screen_not_found(screen_id))


def target_node(conn: sqlite3.Connection, target: str) -> Node | None:
    """The node a stored target reaches: ``all`` the root, ``node:<id>`` that node,
    ``screen:<id>`` the screen's node; None for a node that is gone."""
    if target.startswith("screen:"):
        return tree.placement(conn, target.removeprefix("screen:")).node
    node_id = tree.target_node_id(target)
    return tree.get_node(conn, node_id) if node_id is not None else None


def check_target(
    conn: sqlite3.Connection, principal: Principal, target: str, action: Action
) -> None:
    """Check a stored target (``all``, ``node:<id>``, ``screen:<id>``) for ``action``. The
    superuser passes whatever it is (an unknown node is the route's own 422)."""
    if principal.superuser:
        return
    if target.startswith("screen:"):
        check_screen(conn, principal, target.removeprefix("screen:"), action)
        return
    node_id = tree.target_node_id(target)
    # "all" names no id: a caller without a role on the root is told so (403).
    missing = forbidden(action) if node_id == ROOT_ID else node_not_found(node_id)
    check_node(principal, target_node(conn, target), action, missing)


def check_thing(
    conn: sqlite3.Connection,
    principal: Principal,
    target: str,
    action: Action,
    missing: ApiError,
) -> None:
    """Check a stored thing (an item, a meeting) by its target; ``missing`` when out of view."""
    if not principal.superuser:
        check_node(principal, target_node(conn, target), action, missing)


def sees(principal: Principal, node: Node | None) -> bool:
    """For filtering lists: may the caller view ``node``?"""
    return node is not None and principal.may(Action.VIEW, node)


def visible_targets(
    conn: sqlite3.Connection, principal: Principal, targets: Iterable[str]
) -> set[str]:
    """The stored targets among ``targets`` that the caller may view."""
    wanted = set(targets)
    if principal.superuser:
        return wanted
    return {target for target in wanted if sees(principal, target_node(conn, target))}


def path_filter(principal: Principal, action: Action, column: str) -> tuple[str, list[str]]:
    """An SQL condition on a node-path ``column`` for the subtrees where ``action`` is allowed,
    and its parameters (``0 = 1`` when there are none)."""
    paths = principal.paths(action)
    if not paths:
        return "0 = 1", []
    condition = " OR ".join(f"({column} >= ? AND {column} < ?)" for _ in paths)
    params = [bound for path in paths for bound in (path, path[:-1] + "0")]
    return f"({condition})", params
