"""The server's screen key: the fleet secret every screen's token is derived from.

Given by ``kiosk server --screen-key`` / ``$KIOSK_SCREEN_KEY`` (``ServerSettings.screen_key``),
or else generated on the first start and kept in ``<data>/screen.key`` (mode 0600), so a
server is secure by default and keeps its screens' tokens across restarts. Changing the key
(or deleting the file) changes every screen's token: that is how tokens are rotated.
"""

from __future__ import annotations

import logging
import os
import secrets
import stat
from pathlib import Path

log = logging.getLogger("content_server")

SCREEN_KEY_FILE = "screen.key"
MIN_KEY_CHARS = 16


class ScreenKeyError(Exception):
    """The key file cannot be read or made; the message is one line."""


def load_or_create_screen_key(data_dir: Path) -> str:
    """The key kept in ``data_dir/screen.key``, generated (32 random bytes) on first use.

    Two servers starting on one data directory at once agree on one key: the file appears
    in one step (written aside, then hard-linked into place, which fails if it exists).

    Raises:
        ScreenKeyError: the file is unreadable, too short, or cannot be written.
    """
    path = data_dir / SCREEN_KEY_FILE
    if not path.exists():
        _create(path)
    try:
        key = path.read_text(encoding="ascii").strip()
        mode = path.stat().st_mode
    except (OSError, UnicodeDecodeError) as exc:
        raise ScreenKeyError(f"无法读取屏幕密钥文件 {path}：{_why(exc)}") from None
    if len(key) < MIN_KEY_CHARS:
        raise ScreenKeyError(
            f"屏幕密钥文件 {path} 内容太短；删除它会生成新密钥（所有屏幕需要换新令牌）"
        )
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        log.warning("%s can be read by other users; chmod 600 it", path)
    return key


def _create(path: Path) -> None:
    staging = path.with_name(f".{SCREEN_KEY_FILE}.{secrets.token_hex(4)}")
    try:
        fd = os.open(staging, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as file:
            file.write(secrets.token_urlsafe(32) + "\n")
            file.flush()
            os.fsync(file.fileno())
        try:
            os.link(staging, path)
        except FileExistsError:
            return  # another process made it first: use theirs
        log.info("generated a new screen key in %s", path)
    except OSError as exc:
        raise ScreenKeyError(f"无法生成屏幕密钥文件 {path}：{_why(exc)}") from None
    finally:
        staging.unlink(missing_ok=True)


def _why(exc: Exception) -> str:
    return (exc.strerror if isinstance(exc, OSError) else None) or str(exc)
