"""Whether an item must wait for review (审核) before it reaches screens, and by whom.

A node with review on ("items from below need approval") holds every item published into
its subtree (the node itself included) by a publisher who is not a reviewer or administrator
of that node or of a node above it. The item waits for the *nearest* such node: any reviewer
or administrator of that node or above may approve or reject it. The superuser is never held.

Urgent notices (紧急插播) published by an administrator of the node they target go out at once,
held by no review: they are for emergencies. The audit log flags them (``bypassed_review``).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from content_cache.wire import Notice
from content_server.items import WireItem
from content_server.org import tree
from content_server.org.tree import Node
from content_server.review import store
from content_server.scope import Action, Principal, target_node


@dataclass(frozen=True)
class Gate:
    """What review says about one publication.

    Attributes:
        node: the node whose review holds the item (None: it goes out at once).
        bypassed: an urgent notice that review would have held, sent out at once.
    """

    node: Node | None
    bypassed: bool = False

    @property
    def holds(self) -> bool:
        return self.node is not None


def reviewing_node(conn: sqlite3.Connection, who: Principal, target: str) -> Node | None:
    """The nearest node with review on, on the path from the root to ``target``'s node, that
    ``who`` may not review; None when nothing holds ``who``'s items there."""
    if who.superuser:
        return None
    node = target_node(conn, target)
    if node is None:
        return None
    on = store.reviewing(conn, node.ancestry)
    for node_id in reversed(node.ancestry):
        if node_id in on:
            reviewer = tree.get_node(conn, node_id)
            if reviewer is not None and not who.may(Action.REVIEW, reviewer):
                return reviewer
    return None


def gate(conn: sqlite3.Connection, who: Principal, target: str, item: WireItem) -> Gate:
    """Whether publishing ``item`` to ``target`` waits for review (see the module's text)."""
    node = reviewing_node(conn, who, target)
    if node is None:
        return Gate(None)
    if isinstance(item, Notice) and item.urgent:
        own = target_node(conn, target)
        if own is not None and who.may(Action.ADMINISTER, own):
            return Gate(None, bypassed=True)
    return Gate(node)
