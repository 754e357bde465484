"""The demo's organisation: a 党委 (the root, renamed) with two 党支部, the demo screen in the first
and a second screen record in the second, and one account per role with a generated password.

Everything goes through the server's HTTP API as the superuser (the demo's admin token), as an
administrator would with ``kiosk admin``. Accounts are made on a thread of their own, once the
screen shows its first item (:class:`FirstItemShown`): each password is hashed with Argon2id on
the server, which on a small machine would otherwise slow the demo's start by a few tenths of a
second.
"""

from __future__ import annotations

import logging
import secrets
import string
import threading
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from content_server.client import PublishClient

log = logging.getLogger("kiosk.demo")

DEMO_COMMITTEE = "中共示范街道委员会"
FIRST_BRANCH = "第一党支部"
SECOND_BRANCH = "第二党支部"
SECOND_SCREEN = "demo-2"  # a screen record only: the demo runs one window
PASSWORD_CHARS = 12
WAIT_FOR_SCREEN_SECONDS = 30.0  # accounts are made by then even if no item was shown
# Letters and digits that cannot be mistaken for one another when read off a terminal.
_ALPHABET = "".join(ch for ch in string.ascii_letters + string.digits if ch not in "0OoIl1")
# name, role, node: one account per role.
DEMO_ACCOUNTS = (
    ("dangwei-admin", "administrator", DEMO_COMMITTEE),
    ("zhibu1-publisher", "publisher", FIRST_BRANCH),
    ("zhibu1-reviewer", "reviewer", FIRST_BRANCH),
    ("zhibu2-viewer", "viewer", SECOND_BRANCH),
)
ROLE_LABELS = {
    "administrator": "管理员",
    "publisher": "发布员",
    "reviewer": "审核员",
    "viewer": "查看员",
}


@dataclass(frozen=True)
class DemoTree:
    """The node ids of the demo's tree, by name."""

    nodes: dict[str, int]

    def target(self, name: str) -> str:
        """``node:<id>`` of a node (``all`` for the committee, the root)."""
        node_id = self.nodes[name]
        return "all" if node_id == 1 else f"node:{node_id}"


@dataclass(frozen=True)
class DemoAccount:
    """One demo account: its name, role, the node the role is on, and its password."""

    name: str
    role: str
    node: str
    password: str


def build_demo_tree(client: PublishClient, screen: str) -> DemoTree:
    """Name the root 中共示范街道委员会, add 第一党支部 (with ``screen``) and 第二党支部 (with
    ``demo-2``); nodes already there are reused."""
    listed = client.org_nodes()["nodes"]
    root = next(node for node in listed if node["parent_id"] is None)
    if root["name"] != DEMO_COMMITTEE:
        client.change_node(int(root["id"]), name=DEMO_COMMITTEE, kind="党委")
    nodes = {DEMO_COMMITTEE: int(root["id"])}
    have = {node["name"]: int(node["id"]) for node in listed if node["parent_id"] == root["id"]}
    for name in (FIRST_BRANCH, SECOND_BRANCH):
        nodes[name] = have.get(name) or int(
            client.add_node(nodes[DEMO_COMMITTEE], "党支部", name)["node"]["id"]
        )
    client.assign_screen(screen, nodes[FIRST_BRANCH])
    client.assign_screen(SECOND_SCREEN, nodes[SECOND_BRANCH])
    return DemoTree(nodes)


def create_demo_accounts(client: PublishClient, tree: DemoTree) -> list[DemoAccount]:
    """One account per role, each with a new random password."""
    accounts = []
    for name, role, node in DEMO_ACCOUNTS:
        password = "".join(secrets.choice(_ALPHABET) for _ in range(PASSWORD_CHARS))
        client.add_account(name, password, tree.nodes[node])
        client.grant(name, tree.nodes[node], role)
        accounts.append(DemoAccount(name, role, node, password))
    return accounts


class FirstItemShown(logging.Handler):
    """A log handler whose ``shown`` is set by the screen's first ``item_shown`` line (the demo
    runs the screen in its own process, so its log records pass here)."""

    def __init__(self) -> None:
        super().__init__()
        self.shown = threading.Event()

    def emit(self, record: logging.LogRecord) -> None:
        if getattr(record, "event", None) == "item_shown":
            self.shown.set()


def start_demo_accounts(
    make_client: Callable[[], PublishClient],
    tree: DemoTree,
    done: Callable[[list[DemoAccount]], None],
    failed: Callable[[str], None],
    go: threading.Event | None = None,
) -> threading.Thread:
    """Make the demo accounts on a thread, once ``go`` is set (or after
    ``WAIT_FOR_SCREEN_SECONDS``; at once without it); ``done`` gets them, ``failed`` a
    one-line reason."""
    from content_server.client import PublishError

    def run() -> None:
        if go is not None:
            go.wait(WAIT_FOR_SCREEN_SECONDS)
        try:
            client = make_client()
            try:
                accounts = create_demo_accounts(client, tree)
            finally:
                client.close()
        except PublishError as exc:
            failed(f"could not make the demo accounts: {exc}")
            return
        done(accounts)

    thread = threading.Thread(target=run, name="demo-accounts", daemon=True)
    thread.start()
    return thread


def account_lines(url: str, accounts: list[DemoAccount]) -> list[str]:
    """The block the demo prints: the server, each account and the line to log in."""
    width = max(len(account.name) for account in accounts)
    node_width = max(_columns(account.node) for account in accounts)
    lines = [
        f"演示服务器：{url}（网页控制台 {url}/console/）",
        f"组织：{DEMO_COMMITTEE}（党委）→ {FIRST_BRANCH}（本屏幕）、"
        f"{SECOND_BRANCH}（屏幕 {SECOND_SCREEN}）",
        "演示账号（密码每次启动随机生成，演示结束即失效）：",
    ]
    for account in accounts:
        lines.append(
            f"  {account.name.ljust(width)}  {ROLE_LABELS[account.role]}  "
            f"{account.node}{' ' * (node_width - _columns(account.node))}  "
            f"密码：{account.password}"
        )
    publisher = next(a for a in accounts if a.role == "publisher")
    lines.append(f"命令行登录：kiosk login --server {url} --name {publisher.name}")
    return lines


def _columns(text: str) -> int:
    """Terminal columns of ``text``: Chinese characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
