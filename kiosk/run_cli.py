"""``kiosk run`` (the screen) and ``kiosk sync`` (the cache without a screen)."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

from kiosk.core.config import ConfigError, ScreenConfig, load_config
from kiosk.core.display import missing_display_message
from kiosk.core.logs import setup_logging

log = logging.getLogger("kiosk")

SCREEN_TOKEN_ENV = "KIOSK_SCREEN_TOKEN"


def _add_screen_arguments(parser: argparse.ArgumentParser) -> None:
    fields = ScreenConfig.model_fields
    parser.add_argument("--config", type=Path, help="TOML file with the settings below.")
    parser.add_argument("--server", help=fields["server"].description)
    parser.add_argument("--screen", help=fields["screen"].description)
    parser.add_argument("--cache", type=Path, help=fields["cache"].description)
    parser.add_argument(
        "--log-json", action="store_true", default=None, help=fields["log_json"].description
    )


def add_run_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register ``kiosk run``."""
    fields = ScreenConfig.model_fields
    parser = subparsers.add_parser("run", help="Run the screen (fullscreen kiosk).")
    _add_screen_arguments(parser)
    parser.add_argument(
        "--windowed", action="store_true", default=None, help=fields["windowed"].description
    )
    parser.add_argument(
        "--orientation",
        choices=["auto", "portrait", "landscape"],
        help=fields["orientation"].description,
    )
    parser.add_argument("--screenshot-dir", type=Path, help=fields["screenshot_dir"].description)
    parser.add_argument("--mode", choices=["wall", "touch"], help=fields["mode"].description)
    parser.add_argument("--idle-seconds", type=float, help=fields["idle_seconds"].description)
    parser.set_defaults(func=run_command)


def add_sync_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register ``kiosk sync``."""
    parser = subparsers.add_parser(
        "sync", help="Fill the screen's cache from the server without showing anything."
    )
    _add_screen_arguments(parser)
    parser.add_argument(
        "--once",
        action="store_true",
        help="Sync once and exit (0 on success); never waits for a pairing code.",
    )
    parser.set_defaults(func=sync_command)


def config_from_args(args: argparse.Namespace) -> ScreenConfig | None:
    """The validated configuration, or None after printing one line about what is wrong.

    The screen's token may also come from ``$KIOSK_SCREEN_TOKEN`` (over the file), so a
    secret need not be on the command line, where ``ps`` shows it."""
    overrides = {
        key: getattr(args, key, None)
        for key in (
            "server",
            "screen",
            "cache",
            "windowed",
            "log_json",
            "orientation",
            "screenshot_dir",
            "mode",
            "idle_seconds",
        )
    }
    overrides["screen_token"] = os.environ.get(SCREEN_TOKEN_ENV) or None
    try:
        return load_config(args.config, overrides)
    except ConfigError as exc:
        print(f"kiosk {args.command}: {exc}", file=sys.stderr)
        return None


def run_command(args: argparse.Namespace) -> int:
    """``kiosk run``: the screen."""
    config = config_from_args(args)
    if config is None:
        return 2
    hint = missing_display_message("kiosk run ...")
    if hint:
        print(f"kiosk run: {hint}", file=sys.stderr)
        return 2
    setup_logging(config.log_json)
    from kiosk.qt.app import run_screen  # Qt is loaded only here

    return run_screen(config)


def sync_command(args: argparse.Namespace) -> int:
    """``kiosk sync``: fill the cache, once or forever. Forever, a screen with no credential
    asks for a pairing code first (logged) and waits until an administrator enters it; once
    (for scripts) never waits: without a credential the server refuses it in one line."""
    from kiosk.core.screen_link import ScreenLink
    from kiosk.core.sync_factory import make_engine, make_store

    config = config_from_args(args)
    if config is None:
        return 2
    setup_logging(config.log_json)
    store = make_store(config)
    link = ScreenLink(config, store)
    try:
        if not args.once:
            link.run(lambda result: None)
            return 0
        result = make_engine(config, store, link.credential()).sync_once()
    except KeyboardInterrupt:
        link.stop()
        return 130
    log.info("sync %s: %s", result.status, result.message)
    return 1 if result.status == "failed" else 0
