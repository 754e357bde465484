"""``kiosk admin``: manage the organisation tree and where screens belong, over the server's
HTTP API with a personal API token (``kiosk login``) or the admin token (like ``kiosk publish``).

    kiosk admin org list
    kiosk admin org add NAME --kind 党支部 [--parent NODE]
    kiosk admin org rename NODE NEW_NAME [--kind KIND]
    kiosk admin org move NODE --parent NODE
    kiosk admin org remove NODE
    kiosk admin screen list|assign|enroll|revoke ...   (content_server.screen_admin_cli)
    kiosk admin keys list|add|retire KEY_ID          (content_server.keys_admin_cli)
    kiosk admin user list
    kiosk admin user add NAME --node NODE [--role ROLE]...   (password: asked, or stdin)
    kiosk admin user grant NAME ROLE --node NODE
    kiosk admin user revoke NAME ROLE --node NODE
    kiosk admin user passwd NAME                               (password: asked, or stdin)

NODE is an id, a unique name or ``上级/名称`` (``content_server.org.names``). The last line of
``add``, ``rename``, ``move`` and ``remove`` is the node's id; of the ``user`` actions, the
account's name. Every error is one line on stderr and a non-zero exit code.
"""

from __future__ import annotations

import argparse
from typing import Any

from content_server.account_cli import read_password
from content_server.cli_common import (
    UsageError,
    connection_options,
    fail,
    one_line_errors,
    publish_token,
    server_url,
)
from content_server.client import PublishClient, PublishError
from content_server.keys_admin_cli import add_keys_parsers
from content_server.org.names import Tree
from content_server.org.tree import KINDS
from content_server.scope import ROLE_LABELS, ROLE_NAMES
from content_server.screen_admin_cli import add_screen_parsers


def add_admin_parser(
    subparsers: argparse._SubParsersAction[argparse.ArgumentParser],
) -> argparse.ArgumentParser:
    """Register ``admin`` with its groups ``org`` and ``screen``."""
    common = connection_options(argparse.SUPPRESS)
    parser = subparsers.add_parser(
        "admin",
        help="Manage the organisation tree and screens (组织管理).",
        description="Manage the organisation tree (党委 → 党总支 → 党支部 → 党小组) and which "
        "organisation each screen belongs to. Content published to an organisation reaches "
        "every screen below it.",
        parents=[connection_options(None)],
    )
    parser.set_defaults(func=admin_command)
    groups = parser.add_subparsers(dest="group", metavar="GROUP", required=True)
    org = groups.add_parser("org", help="The organisation tree.", parents=[common])
    screen = groups.add_parser("screen", help="Screens.", parents=[common])
    user = groups.add_parser("user", help="Accounts and their roles.", parents=[common])
    keys = groups.add_parser("keys", help="Manifest-signing keys.", parents=[common])
    key_actions = keys.add_subparsers(dest="action", metavar="ACTION", required=True)
    user_actions = user.add_subparsers(dest="action", metavar="ACTION", required=True)
    org_actions = org.add_subparsers(dest="action", metavar="ACTION", required=True)
    screen_actions = screen.add_subparsers(dest="action", metavar="ACTION", required=True)
    node_help = "An organisation: its id, its name, or 上级/名称."
    kinds = f"One of {', '.join(KINDS)}."

    listing = org_actions.add_parser("list", help="Show the tree.", parents=[common])
    listing.set_defaults(run=_list)

    add = org_actions.add_parser("add", help="Add an organisation.", parents=[common])
    add.add_argument("name", metavar="NAME", help="Its name, e.g. 第一党支部.")
    add.add_argument("--kind", required=True, choices=KINDS, metavar="KIND", help=kinds)
    add.add_argument("--parent", metavar="NODE", help=f"{node_help} Default: the top one.")
    add.set_defaults(run=_add)

    rename = org_actions.add_parser(
        "rename", help="Rename an organisation (or change its kind).", parents=[common]
    )
    rename.add_argument("node", metavar="NODE", help=node_help)
    rename.add_argument("new_name", metavar="NEW_NAME", help="The new name.")
    rename.add_argument("--kind", choices=KINDS, metavar="KIND", help=f"New kind: {kinds}")
    rename.set_defaults(run=_rename)

    move = org_actions.add_parser(
        "move", help="Move an organisation, with everything below it.", parents=[common]
    )
    move.add_argument("node", metavar="NODE", help=node_help)
    move.add_argument("--parent", required=True, metavar="NODE", help="Its new parent.")
    move.set_defaults(run=_move)

    remove = org_actions.add_parser(
        "remove",
        help="Remove an organisation that holds nothing.",
        description="Refused while it has organisations below it, screens, roster members "
        "or content being shown.",
        parents=[common],
    )
    remove.add_argument("node", metavar="NODE", help=node_help)
    remove.set_defaults(run=_remove)

    screens = add_screen_parsers(screen_actions, common, node_help)
    users = _add_user_parsers(user_actions, common, node_help)
    key_parsers = add_keys_parsers(key_actions, common)
    parsers = [parser, org, screen, user, keys, listing, add, rename, move, remove]
    parsers += [*screens, *users, *key_parsers]
    for each in parsers:
        one_line_errors(each)
    return parser


def _add_user_parsers(
    actions: argparse._SubParsersAction[argparse.ArgumentParser],
    common: argparse.ArgumentParser,
    node_help: str,
) -> list[argparse.ArgumentParser]:
    roles = f"One of {', '.join(ROLE_NAMES)}; a role reaches every organisation below NODE."
    listing = actions.add_parser("list", help="Accounts you administer.", parents=[common])
    listing.set_defaults(run=_user_list)
    add = actions.add_parser(
        "add",
        help="Make an account (the password is asked, or read from stdin).",
        parents=[common],
    )
    add.add_argument("name", metavar="NAME", help="The account's name.")
    add.add_argument("--node", required=True, metavar="NODE", help=f"{node_help} Its home.")
    add.add_argument(
        "--role",
        action="append",
        default=[],
        choices=ROLE_NAMES,
        metavar="ROLE",
        help=f"Give this role on --node (repeatable). {roles}",
    )
    add.set_defaults(run=_user_add)
    grant = actions.add_parser("grant", help="Give a role on an organisation.", parents=[common])
    revoke = actions.add_parser("revoke", help="Take a role back.", parents=[common])
    for each, run in ((grant, _user_grant), (revoke, _user_revoke)):
        each.add_argument("name", metavar="NAME", help="The account's name.")
        each.add_argument("role", choices=ROLE_NAMES, metavar="ROLE", help=roles)
        each.add_argument("--node", required=True, metavar="NODE", help=node_help)
        each.set_defaults(run=run)
    passwd = actions.add_parser(
        "passwd",
        help="Set a person's password (asked, or read from stdin); ends their sessions.",
        parents=[common],
    )
    passwd.add_argument("name", metavar="NAME", help="The account's name.")
    passwd.set_defaults(run=_user_passwd)
    return [listing, add, grant, revoke, passwd]


def admin_command(args: argparse.Namespace) -> int:
    """Run one admin action; returns the exit code."""
    prog = f"kiosk admin {args.group} {args.action}"
    try:
        client = PublishClient(server_url(args), publish_token(args))
        try:
            return int(args.run(client, args))
        finally:
            client.close()
    except UsageError as exc:
        return fail(prog, str(exc), "usage", 2)
    except PublishError as exc:
        return fail(prog, exc.message, exc.code, 1)
    except Exception as exc:  # noqa: BLE001 - the CLI boundary: one line, never a traceback
        return fail(prog, f"内部错误：{type(exc).__name__}: {exc}", "internal_error", 1)


def _list(client: PublishClient, args: argparse.Namespace) -> int:
    for line in Tree.fetch(client).lines():
        print(line)
    return 0


def _add(client: PublishClient, args: argparse.Namespace) -> int:
    tree = Tree.fetch(client)
    parent = tree.find(args.parent) if args.parent else tree.nodes[0]
    node = client.add_node(int(parent["id"]), args.kind, args.name)["node"]
    print(f"已在「{parent['name']}」下添加{node['kind']}{tree.label(node)}")
    print(node["id"])
    return 0


def _rename(client: PublishClient, args: argparse.Namespace) -> int:
    node = Tree.fetch(client).find(args.node)
    changes: dict[str, Any] = {"name": args.new_name}
    if args.kind:
        changes["kind"] = args.kind
    answer = client.change_node(int(node["id"]), **changes)
    edited = answer["node"]
    if answer["changed"]:
        print(f"已把「{node['name']}」改为{edited['kind']}「{edited['name']}」")
    else:
        print(f"「{node['name']}」没有变化")
    print(edited["id"])
    return 0


def _move(client: PublishClient, args: argparse.Namespace) -> int:
    tree = Tree.fetch(client)
    node, parent = tree.find(args.node), tree.find(args.parent)
    answer = client.change_node(int(node["id"]), parent_id=int(parent["id"]))
    if answer["changed"]:
        screens = answer["node"]["subtree_screens"]
        print(
            f"已把{tree.label(node)}移到「{parent['name']}」下"
            f"（{screens} 块屏幕随之改变，版本 {answer['revision']}）"
        )
    else:
        print(f"{tree.label(node)}已在「{parent['name']}」下，没有变化")
    print(node["id"])
    return 0


def _remove(client: PublishClient, args: argparse.Namespace) -> int:
    tree = Tree.fetch(client)
    node = tree.find(args.node)
    client.remove_node(int(node["id"]))
    print(f"已删除{tree.label(node)}")
    print(node["id"])
    return 0


def _roles(account: dict[str, Any]) -> str:
    grants = account["grants"]
    if not grants:
        return "暂无角色"
    return "；".join(f"{g['path']}：{ROLE_LABELS[g['role']]}（{g['role']}）" for g in grants)


def _user_list(client: PublishClient, args: argparse.Namespace) -> int:
    accounts = client.accounts()
    for account in accounts:
        print(f"{account['name']}  〔{account['home']['path']}〕  {_roles(account)}")
    print(f"共 {len(accounts)} 个账号")
    return 0


def _user_add(client: PublishClient, args: argparse.Namespace) -> int:
    node = Tree.fetch(client).find(args.node)
    password = read_password("新账号的密码：", confirm=True)
    account = client.add_account(args.name, password, int(node["id"]))
    for role in args.role:
        account = client.grant(args.name, int(node["id"]), role)
    print(f"已添加账号「{account['name']}」（{_roles(account)}）")
    print(account["name"])
    return 0


def _user_grant(client: PublishClient, args: argparse.Namespace) -> int:
    node = Tree.fetch(client).find(args.node)
    account = client.grant(args.name, int(node["id"]), args.role)
    said = "已授予" if account["changed"] else "已有"
    print(f"{said}「{args.name}」在「{node['name']}」的{ROLE_LABELS[args.role]}角色")
    print(args.name)
    return 0


def _user_revoke(client: PublishClient, args: argparse.Namespace) -> int:
    node = Tree.fetch(client).find(args.node)
    account = client.revoke(args.name, int(node["id"]), args.role)
    print(
        f"已收回「{args.name}」在「{node['name']}」的{ROLE_LABELS[args.role]}角色（现有：{_roles(account)}）"
    )
    print(args.name)
    return 0


def _user_passwd(client: PublishClient, args: argparse.Namespace) -> int:
    password = read_password(f"「{args.name}」的新密码：", confirm=True)
    answer = client.set_password(args.name, password)
    print(f"已重设「{args.name}」的密码，结束了 {answer['ended_sessions']} 个登录会话")
    print(args.name)
    return 0
