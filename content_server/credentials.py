"""The personal API tokens ``kiosk login`` keeps, one per server, in
``$XDG_CONFIG_HOME/kiosk/credentials`` (default ``~/.config/kiosk/credentials``), mode 0600.

The file is JSON: ``{"<server url>": {"name": ..., "token": ..., "token_id": ...}}``. It is
written aside and renamed into place, created 0600 from the start (never readable by others,
not even for an instant).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any


def credentials_path() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "kiosk" / "credentials"


def _key(server_url: str) -> str:
    return server_url.rstrip("/")


def load_all(path: Path | None = None) -> dict[str, Any]:
    path = path or credentials_path()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        raise OSError(f"无法读取登录凭据文件 {path}：{exc}") from None
    return data if isinstance(data, dict) else {}


def stored_token(server_url: str, path: Path | None = None) -> str | None:
    """The token ``kiosk login`` stored for ``server_url``, or None."""
    entry = load_all(path).get(_key(server_url))
    token = entry.get("token") if isinstance(entry, dict) else None
    return str(token) if token else None


def stored_entry(server_url: str, path: Path | None = None) -> dict[str, Any] | None:
    entry = load_all(path).get(_key(server_url))
    return entry if isinstance(entry, dict) else None


def save(server_url: str, entry: dict[str, Any] | None, path: Path | None = None) -> Path:
    """Store (or with None, forget) the entry of ``server_url``; returns the file's path."""
    path = path or credentials_path()
    data = load_all(path)
    if entry is None:
        data.pop(_key(server_url), None)
    else:
        data[_key(server_url)] = entry
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    aside = path.with_name(f".{path.name}.{os.getpid()}")
    fd = os.open(aside, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as file:
        json.dump(data, file, ensure_ascii=False, indent=2)
    os.chmod(aside, 0o600)
    os.replace(aside, path)
    return path
