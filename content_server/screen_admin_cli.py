"""``kiosk admin screen``: screens' places, enrollment by pairing code, and revocation.

    kiosk admin screen list
    kiosk admin screen assign SCREEN_ID --node NODE
    kiosk admin screen enroll CODE --node NODE
    kiosk admin screen revoke SCREEN_ID

The last line of ``assign`` is the screen's new revision; of ``enroll`` and ``revoke``, the
screen's id; of ``list``, the number of screens. Errors are one line (``admin_cli``).
"""

from __future__ import annotations

import argparse
from datetime import datetime
from typing import Any

from content_server.client import PublishClient
from content_server.org.names import Tree
from content_server.timefmt import CHINA_TZ

STATE_LABELS = {
    "enrolled": "已登记",
    "awaiting_screen": "已输入配对码，等待屏幕领取凭据",
    "revoked": "已停用（撤销登记）",
    "not_enrolled": "未登记（使用派生令牌 screen_token）",
}


def add_screen_parsers(
    actions: argparse._SubParsersAction[argparse.ArgumentParser],
    common: argparse.ArgumentParser,
    node_help: str,
) -> list[argparse.ArgumentParser]:
    """Register the actions of ``kiosk admin screen``; returns their parsers."""
    listing = actions.add_parser(
        "list",
        help="Screens you may view, with their organisation and enrollment state.",
        parents=[common],
    )
    listing.set_defaults(run=_list)
    assign = actions.add_parser(
        "assign",
        help="Make a screen belong to an organisation.",
        description="The screen then shows what is published to that organisation, to the "
        "ones above it, to all screens and to the screen itself.",
        parents=[common],
    )
    assign.add_argument("screen_id", metavar="SCREEN_ID", help="The screen's id.")
    assign.add_argument("--node", required=True, metavar="NODE", help=node_help)
    assign.set_defaults(run=_assign)
    enroll = actions.add_parser(
        "enroll",
        help="Enroll the screen showing a pairing code into an organisation.",
        description="A screen with no credential shows a six-digit pairing code on its "
        "waiting page (and in its log). Entering it here puts the screen in NODE and gives it "
        "a credential of its own, which it collects within seconds.",
        parents=[common],
    )
    enroll.add_argument("code", metavar="CODE", help="The code on the screen, e.g. 123456.")
    enroll.add_argument("--node", required=True, metavar="NODE", help=node_help)
    enroll.set_defaults(run=_enroll)
    revoke = actions.add_parser(
        "revoke",
        help="Revoke one screen: its credential (or token) is refused from now on.",
        description="The screen keeps showing what it has cached and says on screen that it "
        "was revoked; it shows a new pairing code, with which it can be enrolled again.",
        parents=[common],
    )
    revoke.add_argument("screen_id", metavar="SCREEN_ID", help="The screen's id.")
    revoke.set_defaults(run=_revoke)
    return [listing, assign, enroll, revoke]


def _list(client: PublishClient, args: argparse.Namespace) -> int:
    tree = Tree.fetch(client)
    screens = client.screens()
    for screen in screens:
        node = tree.by_id.get(int(screen["node"]["id"]))
        where = "/".join(tree.names(node)) if node else screen["node"]["name"]
        name = f"（{screen['display_name']}）" if screen["display_name"] else ""
        print(
            f"{screen['screen_id']}{name}  〔{where}〕  {STATE_LABELS[screen['state']]}  "
            f"最近联系：{_when(screen['last_seen'])}"
        )
    print(f"共 {len(screens)} 块屏幕")
    print(len(screens))
    return 0


def _assign(client: PublishClient, args: argparse.Namespace) -> int:
    tree = Tree.fetch(client)
    node = tree.find(args.node)
    answer = client.assign_screen(args.screen_id, int(node["id"]))
    where = "/".join(tree.names(node))
    if answer["changed"]:
        print(f"屏幕 {args.screen_id} 已归属「{where}」（版本 {answer['revision']}）")
    else:
        print(f"屏幕 {args.screen_id} 已在「{where}」，没有变化")
    print(answer["revision"])
    return 0


def _enroll(client: PublishClient, args: argparse.Namespace) -> int:
    tree = Tree.fetch(client)
    node = tree.find(args.node)
    answer: dict[str, Any] = client.enroll_screen(args.code, int(node["id"]))
    screen = answer["screen_id"]
    name = f"（{answer['display_name']}）" if answer["display_name"] else " "
    replaced = "；它原有的凭据已作废" if answer["replaced"] else ""
    print(
        f"屏幕 {screen}{name}已登记到「{'/'.join(tree.names(node))}」：屏幕会在几秒内领取"
        f"自己的凭据并开始显示内容{replaced}"
    )
    print(screen)
    return 0


def _revoke(client: PublishClient, args: argparse.Namespace) -> int:
    answer = client.revoke_screen(args.screen_id)
    if answer["changed"]:
        print(
            f"屏幕 {args.screen_id} 已停用（撤销登记）：它的凭据和令牌从现在起都被拒绝，"
            "它继续显示已缓存的内容并在屏幕上说明；要重新登记，用它显示的新配对码"
            " kiosk admin screen enroll"
        )
    else:
        print(f"屏幕 {args.screen_id} 早已停用，没有变化")
    print(args.screen_id)
    return 0


def _when(value: str | None) -> str:
    if not value:
        return "从未"
    return datetime.fromisoformat(value).astimezone(CHINA_TZ).strftime("%Y-%m-%d %H:%M")
