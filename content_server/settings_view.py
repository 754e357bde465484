"""What the API answers about one level of screen settings (``GET``/``PUT .../settings``):
``all``, an organisation node's level ``node:<id>`` or a screen's own.

Every view has ``screen_id`` (the level: ``all``, ``node:<id>`` or the screen id; the name older
clients read), ``revision``, ``settings`` (the effective settings), ``own`` (the level's own
fields), ``all_screens`` (the fields set for all screens) and ``above``: the group levels above
it, top first, each ``{"target", "name", "own"}`` (``kiosk publish`` says from there where a
value comes from, and which stop above is still in force).

- A screen: ``revision`` is the screen's; ``settings`` is what its manifest carries.
- A group (``all`` or a node): ``node`` (``{"id", "name", "kind"}``), ``revision`` is the last
  change to the level (0 if none), ``settings`` is what a screen of the node with nothing of
  its own below gets, and what is set below
  (:func:`~content_server.screen_settings.settings_below`): ``screens_stopped``,
  ``nodes_stopped`` (``[{"target", "name"}]``) and ``screens_overriding`` (field -> how many
  screens of the subtree override it).
"""

from __future__ import annotations

import sqlite3
from typing import Any

from content_server.items import ALL_SCREENS
from content_server.manifests import screen_revision
from content_server.org import tree
from content_server.org.tree import ROOT_ID, Node, placement, target_node_id
from content_server.screen_settings import (
    effective_chain,
    group_chain,
    is_group,
    read_level,
    settings_below,
)


def settings_view(conn: sqlite3.Connection, level: str) -> dict[str, Any]:
    """The view of ``level`` (see the module docstring); call inside a transaction."""
    shared = read_level(conn, ALL_SCREENS)
    if not is_group(level):
        place = placement(conn, level)
        chain = group_chain(conn, place.node)
        own = read_level(conn, level).fields
        levels = [each.fields for _, each in chain] + [own]
        return {
            "screen_id": level,
            "revision": screen_revision(conn, level),
            "settings": effective_chain(levels, f"screen {level}").model_dump(mode="json"),
            "own": own,
            "all_screens": shared.fields,
            "above": [_level(node, each.fields) for node, each in chain],
        }
    node = _group_node(conn, level)
    chain = group_chain(conn, node)
    levels = [each.fields for _, each in chain]
    below = settings_below(conn, node)
    return {
        "screen_id": level,
        "node": {"id": node.id, "name": node.name, "kind": node.kind},
        "revision": chain[-1][1].seq,
        "settings": effective_chain(levels, level_name(level)).model_dump(mode="json"),
        "own": chain[-1][1].fields,
        "all_screens": shared.fields,
        "above": [_level(each, fields.fields) for each, fields in chain[:-1]],
        "screens_stopped": below.screens_stopped,
        "nodes_stopped": [_named(each) for each in below.nodes_stopped],
        "screens_overriding": below.overriding,
    }


def level_name(level: str) -> str:
    """A level for log lines: ``all screens``, ``node 7`` or ``screen lobby-1``."""
    if level == ALL_SCREENS:
        return "all screens"
    node_id = target_node_id(level)
    return f"node {node_id}" if node_id is not None else f"screen {level}"


def _group_node(conn: sqlite3.Connection, level: str) -> Node:
    node_id = target_node_id(level)
    node = tree.get_node(conn, node_id if node_id is not None else ROOT_ID)
    assert node is not None, "the caller checked the node"
    return node


def _named(node: Node) -> dict[str, Any]:
    return {"target": node.target, "name": node.name}


def _level(node: Node, fields: dict[str, Any]) -> dict[str, Any]:
    return {**_named(node), "own": fields}
