"""The ``kiosk`` command: dispatches each subcommand to the part that owns it.

This is the one module where the screen (``kiosk``) and the server (``content_server``) meet.
Each subcommand's module is imported only when that subcommand runs, so ``kiosk run`` never
loads FastAPI and ``kiosk server`` never loads Qt.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

# subcommand -> (module, function that adds its parser to the subparsers)
SUBCOMMANDS: dict[str, tuple[str, str]] = {
    "run": ("kiosk.run_cli", "add_run_parser"),
    "sync": ("kiosk.run_cli", "add_sync_parser"),
    "demo": ("kiosk.demo", "add_demo_parser"),
    "server": ("content_server.cli", "add_server_parser"),
    "publish": ("content_server.cli", "add_publish_parser"),
    "admin": ("content_server.admin_cli", "add_admin_parser"),
    "login": ("content_server.account_cli", "add_login_parser"),
    "logout": ("content_server.account_cli", "add_logout_parser"),
}


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The argument parser; with ``only``, just that subcommand's module is imported."""
    parser = argparse.ArgumentParser(
        prog="kiosk", description="Smart party-building screens (智慧党建屏)."
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, (module, adder) in SUBCOMMANDS.items():
        if only in (None, name):
            getattr(importlib.import_module(module), adder)(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``kiosk`` command; returns the process exit code."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    if not args_list:  # bare `kiosk`: what it can do, not an error about a missing argument
        build_parser().print_help()
        return 0
    first = next((a for a in args_list if not a.startswith("-")), None)
    parser = build_parser(first if first in SUBCOMMANDS else None)
    args = parser.parse_args(args_list)
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        return 130
