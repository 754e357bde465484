"""The organisation tree as the command line shows it and names it (no server code: works on
the answer of ``GET /api/org/nodes``).

A node is named on the command line by its id (``7``), its name when that is unique
(``第一党支部``), or the names down its path (``机关党委/第一党支部``: the last names of the path,
as many as given). A target (``--to``) is ``all``, a screen id, or ``node:`` and a node's name.
A branch whose roster is meant (``--branch``) is a node, with or without ``node:``.
"""

from __future__ import annotations

from typing import Any

from content_server.cli_common import UsageError
from content_server.client import PublishClient, PublishError
from content_server.org.tree import NODE_PREFIX

ROOT_TARGET = "all"
SHOWN = 3


class Tree:
    """The nodes of ``GET /api/org/nodes``, with lookups by id and by name."""

    def __init__(self, nodes: list[dict[str, Any]]) -> None:
        self.nodes = nodes
        self.by_id = {int(node["id"]): node for node in nodes}

    @classmethod
    def fetch(cls, client: PublishClient) -> Tree:
        """The server's tree."""
        return cls(list(client.org_nodes()["nodes"]))

    def names(self, node: dict[str, Any]) -> list[str]:
        """The names from the root down to ``node`` (those the caller may see: an account
        is shown only its own subtrees)."""
        return [self.by_id[i]["name"] for i in node["ancestry"] if i in self.by_id]

    def label(self, node: dict[str, Any]) -> str:
        """``「第一党支部」（编号 7）``."""
        return f"「{node['name']}」（编号 {node['id']}）"

    def find(self, text: str) -> dict[str, Any]:
        """The node ``text`` names (an id, a unique name, or a path of names).

        Raises:
            PublishError: ``node_not_found`` or ``ambiguous_node``, one line.
        """
        text = text.strip()
        if text.isdigit():
            node = self.by_id.get(int(text))
            if node is None:
                raise PublishError(
                    f"找不到编号为 {text} 的组织（kiosk admin org list 查看组织及编号）",
                    "node_not_found",
                )
            return node
        wanted = [part.strip() for part in text.strip("/").split("/")]
        found = [node for node in self.nodes if self.names(node)[-len(wanted) :] == wanted]
        if not found:
            raise PublishError(
                f"找不到名为「{text}」的组织（kiosk admin org list 查看组织及编号）",
                "node_not_found",
            )
        if len(found) > 1:
            each = "；".join(
                f"编号 {node['id']}：{'/'.join(self.names(node))}" for node in found[:SHOWN]
            )
            raise PublishError(
                f"名为「{text}」的组织有 {len(found)} 个（{each}），请用编号或上级/名称指明",
                "ambiguous_node",
            )
        return found[0]

    def lines(self) -> list[str]:
        """The tree, one node a line, indented by depth, with kind, id and screen counts."""
        lines = []
        for node in self.nodes:
            count = f"屏幕 {node['screens']}"
            if node["subtree_screens"] != node["screens"]:
                count += f"（含下级共 {node['subtree_screens']}）"
            head = "  " * int(node["depth"]) + node["name"]
            lines.append(f"{head}  {node['kind']} · 编号 {node['id']} · {count}")
        return lines


def resolve_target(client: PublishClient, to: str) -> tuple[str, str]:
    """``--to`` as the API takes it, and how to name it in a message: ``all``, a screen id,
    or ``node:<id or name or path>`` (looked up on the server; nothing else is asked of it).

    Raises:
        PublishError: an unknown or ambiguous node.
        UsageError: ``node:`` with nothing after it.
    """
    if to == ROOT_TARGET:
        return to, "全部屏幕"
    if not to.startswith(NODE_PREFIX):
        return to, f"屏幕 {to}"
    text = to.removeprefix(NODE_PREFIX)
    if not text.strip():
        raise UsageError("--to node: 后面应是组织的编号或名称（例如 node:7 或 node:第一党支部）")
    tree = Tree.fetch(client)
    node = tree.find(text)
    if node["parent_id"] is None:
        return ROOT_TARGET, f"全部屏幕（{node['name']}）"
    return str(node["target"]), f"组织{tree.label(node)}及其下级的屏幕"


def resolve_branch(client: PublishClient, text: str) -> tuple[str, str]:
    """``--branch`` as the API takes it (``node:<id>``) and the node's name: ``node:`` and an
    id, name or path, or the same without ``node:``.

    Raises:
        PublishError: an unknown or ambiguous node.
        UsageError: nothing to look up.
    """
    wanted = text.removeprefix(NODE_PREFIX).strip()
    if not wanted:
        raise UsageError("--branch 应是组织的名称或编号（例如 第一党支部 或 node:7）")
    node = Tree.fetch(client).find(wanted)
    return f"{NODE_PREFIX}{node['id']}", str(node["name"])
