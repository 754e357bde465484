"""``kiosk login`` and ``kiosk logout``: a person's own credentials for ``kiosk publish`` and
``kiosk admin``.

    kiosk login --server URL --name NAME [--label LABEL]
    kiosk logout --server URL

``login`` asks for the password (without echo on a terminal; one line of stdin otherwise),
logs in, makes a personal API token, ends the login session and stores the token in
``~/.config/kiosk/credentials`` (mode 0600, ``content_server.credentials``). Later commands
with the same ``--server`` and no ``--token`` use it. ``logout`` revokes it on the server and
forgets it. Every error is one line on stderr and a non-zero exit code.
"""

from __future__ import annotations

import argparse
import getpass
import socket
import sys

from content_server import credentials
from content_server.cli_common import UsageError, fail, one_line_errors, server_url
from content_server.client import PublishClient, PublishError


def read_password(prompt: str = "密码：", *, confirm: bool = False) -> str:
    """A password from the terminal without echo, or one line of stdin when it is not a
    terminal (scripts, tests). ``confirm`` asks twice on a terminal."""
    if not sys.stdin.isatty():
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = getpass.getpass(prompt)
        if confirm and getpass.getpass("再输入一次：") != password:
            raise UsageError("两次输入的密码不一致")
    if not password:
        raise UsageError("没有输入密码")
    return password


def add_login_parser(
    subparsers: argparse._SubParsersAction[argparse.ArgumentParser],
) -> argparse.ArgumentParser:
    """Register ``login``."""
    parser = subparsers.add_parser(
        "login",
        help="Log in as a person and keep a personal API token (登录).",
        description="Asks for the password (or reads one line of stdin), makes a personal API "
        "token and stores it in ~/.config/kiosk/credentials (mode 0600) for kiosk publish and "
        "kiosk admin with the same --server.",
    )
    parser.add_argument("--server", required=True, help="Content server URL.")
    parser.add_argument("--name", required=True, help="Your account name.")
    parser.add_argument("--label", help="What the token is for (default: kiosk login on HOST).")
    parser.set_defaults(func=login_command)
    one_line_errors(parser)
    return parser


def add_logout_parser(
    subparsers: argparse._SubParsersAction[argparse.ArgumentParser],
) -> argparse.ArgumentParser:
    """Register ``logout``."""
    parser = subparsers.add_parser(
        "logout",
        help="Revoke and forget the token kiosk login stored (退出登录).",
    )
    parser.add_argument("--server", required=True, help="Content server URL.")
    parser.set_defaults(func=logout_command)
    one_line_errors(parser)
    return parser


def login_command(args: argparse.Namespace) -> int:
    """Log in and store a personal API token; the last line is the account's name."""
    try:
        url = server_url(args)
        password = read_password()
        session = PublishClient(url, "").login(args.name, password)
        client = PublishClient(url, session["token"])
        try:
            label = args.label or f"kiosk login on {socket.gethostname()}"
            made = client.create_api_token(label)
            me = client.me()
            client.logout()
        finally:
            client.close()
        entry = {"name": session["name"], "token": made["token"], "token_id": made["id"]}
        path = credentials.save(url, entry)
    except UsageError as exc:
        return fail("kiosk login", str(exc), "usage", 2)
    except PublishError as exc:
        return fail("kiosk login", exc.message, exc.code, 1)
    except OSError as exc:
        return fail("kiosk login", f"无法保存登录凭据：{exc}", "credentials_not_saved", 1)
    except Exception as exc:  # noqa: BLE001 - the CLI boundary: one line, never a traceback
        return fail("kiosk login", f"内部错误：{type(exc).__name__}: {exc}", "internal_error", 1)
    roles = "；".join(f"{g['path']}：{g['role']}" for g in me["grants"]) or "暂无角色"
    print(f"已登录为「{session['name']}」（{roles}）；令牌已保存到 {path}")
    print(session["name"])
    return 0


def logout_command(args: argparse.Namespace) -> int:
    """Revoke the stored token and forget it."""
    try:
        url = server_url(args)
        entry = credentials.stored_entry(url)
        if entry is None:
            print(f"没有保存 {url} 的登录凭据")
            return 0
        client = PublishClient(url, str(entry["token"]))
        try:
            client.revoke_api_token(int(entry["token_id"]))
        except PublishError as exc:
            if exc.status not in (401, 404):  # already revoked: forget it all the same
                raise
        finally:
            client.close()
        credentials.save(url, None)
    except UsageError as exc:
        return fail("kiosk logout", str(exc), "usage", 2)
    except PublishError as exc:
        return fail("kiosk logout", exc.message, exc.code, 1)
    except Exception as exc:  # noqa: BLE001 - the CLI boundary: one line, never a traceback
        return fail("kiosk logout", f"内部错误：{type(exc).__name__}: {exc}", "internal_error", 1)
    print(f"已退出 {url}：令牌已吊销并删除")
    return 0
