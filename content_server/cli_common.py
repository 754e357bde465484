"""What the server's commands share (``kiosk publish``, ``kiosk admin``): the connection
options, the token, and errors as one line with a non-zero exit code."""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any, NoReturn

from content_server.credentials import stored_token

PUBLISH_TOKEN_ENV = "KIOSK_TOKEN"


class UsageError(Exception):
    """Bad command-line input that argparse itself cannot see; exit code 2."""


def fail(prog: str, message: str, code: str, exit_code: int) -> int:
    """Print ``PROG: 错误：MESSAGE (CODE)`` on stderr; returns ``exit_code``."""
    print(f"{prog}: 错误：{message} ({code})", file=sys.stderr)
    return exit_code


def one_line_errors(parser: argparse.ArgumentParser) -> None:
    """Make argparse report usage errors in one line (exit code 2), with a pointer to -h."""

    def error(message: str) -> NoReturn:
        parser.exit(2, f"{parser.prog}: 用法错误：{message}（运行 {parser.prog} -h 查看帮助）\n")

    parser.error = error  # type: ignore[method-assign]


def connection_options(default: Any) -> argparse.ArgumentParser:
    """``--server`` and ``--token`` as a parent parser.

    Use ``connection_options(None)`` on the command and ``connection_options(argparse.SUPPRESS)``
    on each action, so the options may come before or after the action; SUPPRESS on the
    actions keeps them from overwriting the earlier value.
    """
    options = argparse.ArgumentParser(add_help=False)
    options.add_argument("--server", default=default, help="Content server URL.")
    options.add_argument(
        "--token",
        default=default,
        help=f"A personal API token or the admin token (default: ${PUBLISH_TOKEN_ENV}, "
        "else the token kiosk login stored for --server).",
    )
    return options


def server_url(args: argparse.Namespace) -> str:
    """``--server``, or a UsageError."""
    if not args.server:
        raise UsageError("缺少服务器地址：请用 --server 提供（例如 http://127.0.0.1:8080）")
    return str(args.server)


def publish_token(args: argparse.Namespace) -> str:
    """``--token``, ``$KIOSK_TOKEN``, or the token ``kiosk login`` stored for ``--server``;
    else a UsageError."""
    token = args.token or os.environ.get(PUBLISH_TOKEN_ENV)
    if not token and args.server:
        try:
            token = stored_token(str(args.server))
        except OSError as exc:
            raise UsageError(str(exc)) from None
    if not token:
        raise UsageError(
            f"缺少令牌：请先 kiosk login --server {args.server or 'URL'} --name 账号，"
            f"或用 --token、环境变量 {PUBLISH_TOKEN_ENV} 提供"
        )
    return str(token)
