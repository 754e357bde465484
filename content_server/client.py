"""The HTTP client of the publishing API, used by ``kiosk publish`` and the demo.

Every failure, whether network, server or local file, is raised as one :class:`PublishError`
carrying a Chinese message, a stable English code and the HTTP status (None if there was no
answer).
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import quote, urlsplit

import requests

CONNECT_TIMEOUT = 5.0
READ_TIMEOUT = 30.0
UPLOAD_READ_TIMEOUT = 300.0  # the server decodes a large image before it answers
CHUNK_BYTES = 256 * 1024


class PublishError(Exception):
    """A publishing request failed.

    Attributes:
        message: what went wrong, in Chinese, one line.
        code: a stable English code (``unauthorized``, ``not_an_image``, ``connection_failed``...).
        status: the HTTP status, or None when the server gave no answer.
    """

    def __init__(self, message: str, code: str, status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.status = status

    def __str__(self) -> str:
        return f"{self.message} ({self.code})"


class PublishClient:
    """Calls the content server's admin API with a bearer token.

    Args:
        server_url: base URL, e.g. ``http://127.0.0.1:8080``.
        token: the server's admin token.
        session: a ``requests.Session`` to use (one is created if None).

    Raises:
        PublishError: ``bad_server_url`` if ``server_url`` is not an http(s) URL.
    """

    def __init__(
        self, server_url: str, token: str, session: requests.Session | None = None
    ) -> None:
        parts = urlsplit(server_url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise PublishError(
                f"服务器地址不正确：{server_url!r}（例如 http://127.0.0.1:8080）", "bad_server_url"
            )
        self.server_url = server_url.rstrip("/")
        self._session = session or requests.Session()
        self._headers = {"Authorization": f"Bearer {token}"}

    def upload_asset(self, path: Path | str, purpose: str = "image") -> dict[str, Any]:
        """Upload a file, streamed from disk; returns ``{"sha256", "size", "media_type"}``."""
        path = Path(path)
        with _reading(path), path.open("rb") as file:
            body = MultipartFile(file, path.name, os.fstat(file.fileno()).st_size)
            return self._request(
                "POST",
                "/api/assets",
                params={"purpose": purpose},
                data=body,
                headers={"Content-Type": body.content_type},
                timeout=(CONNECT_TIMEOUT, UPLOAD_READ_TIMEOUT),
            )

    def publish(self, payload: dict[str, Any]) -> dict[str, Any]:
        """Publish an item; returns ``{"id", "revision"}``."""
        return self._request("POST", "/api/items", json=payload)

    def withdraw(self, item_id: str) -> dict[str, Any]:
        """Withdraw an item; returns ``{"id", "revision"}``."""
        return self._request("DELETE", f"/api/items/{quote(item_id, safe='')}")

    def put_settings(self, level: str, settings: dict[str, Any]) -> dict[str, Any]:
        """Change some settings of a level: a screen id, ``all`` (every screen) or
        ``node:<id>`` (every screen of the node's subtree); returns ``{"screen_id",
        "revision", "settings", "own", "changed", ...}``."""
        return self._request("PUT", _settings_path(level), json=settings)

    def get_settings(self, level: str) -> dict[str, Any]:
        """The settings of a level: a screen id, ``all`` or ``node:<id>``."""
        return self._request("GET", _settings_path(level))

    def screen_token(self, screen_id: str) -> dict[str, Any]:
        """A screen's token for its ``screen_token`` setting; returns ``{"screen_id",
        "token", "config"}`` (``config`` is the line to paste into the screen's config)."""
        return self._request("GET", f"/api/screens/{quote(screen_id, safe='')}/token")

    def list_items(self) -> list[dict[str, Any]]:
        """The published items, newest first."""
        return list(self._request("GET", "/api/items")["items"])

    def import_roster(self, branch: str, path: Path | str) -> dict[str, Any]:
        """Replace a branch's roster with a CSV file; returns ``{"branch", "members", "added",
        "updated", "removed", "encoding", "ignored_columns"}``."""
        path = Path(path)
        with _reading(path):
            data = path.read_bytes()
        return self._request(
            "PUT",
            f"/api/branches/{quote(branch, safe='')}/roster",
            params={"filename": path.name},
            data=data,
            headers={"Content-Type": "text/csv"},
        )

    def create_meeting(self, payload: dict[str, Any]) -> dict[str, Any]:
        """Create a meeting and publish it; returns ``{"id", "revision", "signin_url",
        "opens_at", "closes_at", "expected"}``."""
        return self._request("POST", "/api/meetings", json=payload)

    def get_meeting(self, meeting_id: str) -> dict[str, Any]:
        """A meeting (no secret) with its live count."""
        return self._request("GET", f"/api/meetings/{quote(meeting_id, safe='')}")

    def attendance_csv(self, meeting_id: str) -> bytes:
        """A meeting's attendance record as CSV bytes (UTF-8 with BOM)."""
        path = f"/api/meetings/{quote(meeting_id, safe='')}/attendance.csv"
        return self._send("GET", path).content

    def attendance_page(self, meeting_id: str) -> str:
        """A meeting's attendance record as a printable HTML page."""
        return self._send("GET", f"/api/meetings/{quote(meeting_id, safe='')}/attendance").text

    def learning_totals(self, by: str = "course") -> list[dict[str, Any]]:
        """Learning totals per ``course`` or ``branch`` (watch_seconds, plays, completions)."""
        return list(self._request("GET", "/api/learning/totals", params={"by": by})["totals"])

    def org_nodes(self) -> dict[str, Any]:
        """The organisation tree: ``{"nodes": [...], "kinds": [...]}``, parents first."""
        return self._request("GET", "/api/org/nodes")

    def add_node(self, parent_id: int, kind: str, name: str) -> dict[str, Any]:
        """Add a node; returns ``{"node", "changed", "revision"}``."""
        body = {"parent_id": parent_id, "kind": kind, "name": name}
        return self._request("POST", "/api/org/nodes", json=body)

    def change_node(self, node_id: int, **changes: Any) -> dict[str, Any]:
        """Rename a node (``name``), change its ``kind`` or move it (``parent_id``); returns
        ``{"node", "changed", "revision"}``."""
        return self._request("PATCH", f"/api/org/nodes/{int(node_id)}", json=changes)

    def remove_node(self, node_id: int) -> dict[str, Any]:
        """Remove an empty node; returns ``{"id", "revision"}``."""
        return self._request("DELETE", f"/api/org/nodes/{int(node_id)}")

    def assign_screen(self, screen_id: str, node_id: int) -> dict[str, Any]:
        """Make a screen belong to a node; returns ``{"screen_id", "node", "revision",
        "changed"}``."""
        path = f"/api/screens/{quote(screen_id, safe='')}/node"
        return self._request("PUT", path, json={"node_id": node_id})

    def enroll_screen(self, code: str, node_id: int) -> dict[str, Any]:
        """Enter a screen's pairing code for a node; returns ``{"screen_id", "display_name",
        "orientation", "node", "replaced", "revision"}``."""
        return self._request("POST", "/api/enrollments", json={"code": code, "node_id": node_id})

    def revoke_screen(self, screen_id: str) -> dict[str, Any]:
        """Revoke one screen; returns ``{"screen_id", "state", "changed"}``."""
        return self._request("DELETE", f"/api/screens/{quote(screen_id, safe='')}/enrollment")

    def screens(self) -> list[dict[str, Any]]:
        """The screens the caller may view, with node, last contact and enrollment state."""
        return list(self._request("GET", "/api/screens")["screens"])

    def signing_keys(self) -> dict[str, Any]:
        """The manifest-signing keys: ``{"keys": [{"id", "public_key", "created_at"}],
        "server_keys"}`` (``server_keys`` is the line for a screen's config)."""
        return self._request("GET", "/api/signing-keys")

    def add_signing_key(self) -> dict[str, Any]:
        """Add a signing key; returns ``{"key", "keys", "server_keys"}``."""
        return self._request("POST", "/api/signing-keys")

    def retire_signing_key(self, key_id: str) -> dict[str, Any]:
        """Retire a signing key; returns ``{"key", "keys", "server_keys"}``."""
        return self._request("DELETE", f"/api/signing-keys/{quote(key_id, safe='')}")

    def login(self, name: str, password: str) -> dict[str, Any]:
        """Log in; returns ``{"name", "token", "expires_at"}`` (a session token)."""
        return self._request("POST", "/api/login", json={"name": name, "password": password})

    def logout(self) -> dict[str, Any]:
        """End the session this client's token is."""
        return self._request("POST", "/api/logout")

    def me(self) -> dict[str, Any]:
        """``{"name", "superuser", "grants": [{"node_id", "path", "role"}]}``."""
        return self._request("GET", "/api/me")

    def create_api_token(self, label: str) -> dict[str, Any]:
        """A new personal API token; returns ``{"id", "label", "token", "created_at"}``."""
        return self._request("POST", "/api/me/tokens", json={"label": label})

    def revoke_api_token(self, token_id: int) -> dict[str, Any]:
        """Revoke one of one's own personal API tokens."""
        return self._request("DELETE", f"/api/me/tokens/{int(token_id)}")

    def accounts(self) -> list[dict[str, Any]]:
        """The accounts the caller administers, with their roles."""
        return list(self._request("GET", "/api/accounts")["accounts"])

    def add_account(self, name: str, password: str, node_id: int) -> dict[str, Any]:
        """Make an account under a node; returns the account with its roles."""
        body = {"name": name, "password": password, "node_id": node_id}
        return self._request("POST", "/api/accounts", json=body)

    def set_password(self, name: str, password: str) -> dict[str, Any]:
        """Set a person's password; returns ``{"name", "ended_sessions"}``."""
        path = f"/api/accounts/{quote(name, safe='')}/password"
        return self._request("PUT", path, json={"password": password})

    def grant(self, name: str, node_id: int, role: str) -> dict[str, Any]:
        """Give ``role`` on a node; returns the account with ``changed``."""
        path = f"/api/accounts/{quote(name, safe='')}/grants"
        return self._request("POST", path, json={"node_id": node_id, "role": role})

    def revoke(self, name: str, node_id: int, role: str) -> dict[str, Any]:
        """Take back ``role`` on a node; returns the account."""
        path = f"/api/accounts/{quote(name, safe='')}/grants/{int(node_id)}/{quote(role, safe='')}"
        return self._request("DELETE", path)

    def close(self) -> None:
        """Close the underlying session."""
        self._session.close()

    def _request(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        return _answer(self._send(method, path, **kwargs))

    def _send(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        """Send a request; a non-2xx answer raises :class:`PublishError`."""
        headers = {**self._headers, **kwargs.pop("headers", {})}
        kwargs.setdefault("timeout", (CONNECT_TIMEOUT, READ_TIMEOUT))
        url = self.server_url + path
        try:
            response = self._session.request(method, url, headers=headers, **kwargs)
        except requests.Timeout:
            raise PublishError(f"服务器 {self.server_url} 响应超时", "timeout") from None
        except requests.ConnectionError:
            raise PublishError(
                f"无法连接服务器 {self.server_url}（服务器没有运行或地址不对）", "connection_failed"
            ) from None
        except requests.RequestException as exc:
            raise PublishError(f"请求失败：{type(exc).__name__}", "request_failed") from None
        if not response.ok:
            _answer(response)  # raises with the server's message
        return response


def _answer(response: requests.Response) -> dict[str, Any]:
    try:
        data = response.json()
    except ValueError:
        data = None
    if response.ok and isinstance(data, dict):
        return data
    if response.ok:
        raise PublishError(
            "服务器的回答无法识别（不是 JSON）", "bad_response", response.status_code
        )
    if isinstance(data, dict) and isinstance(data.get("detail"), str):
        code = data.get("code") if isinstance(data.get("code"), str) else "http_error"
        raise PublishError(data["detail"], str(code), response.status_code)
    raise PublishError(
        f"服务器返回 HTTP {response.status_code}",
        f"http_{response.status_code}",
        response.status_code,
    )


class MultipartFile:
    """A ``multipart/form-data`` body with one file field, read from disk as it is sent.

    ``requests`` would otherwise build the whole body in memory, which a course video of a
    few GiB does not fit. Having ``__len__`` makes ``requests`` send a Content-Length.
    """

    def __init__(self, file: BinaryIO, filename: str, size: int, field: str = "file") -> None:
        boundary = "kiosk-" + secrets.token_hex(16)
        self.content_type = f"multipart/form-data; boundary={boundary}"
        safe_name = (
            filename.replace("\\", "_").replace('"', "_").replace("\r", "").replace("\n", "")
        )
        self._head = (
            f"--{boundary}\r\n"
            f'Content-Disposition: form-data; name="{field}"; filename="{safe_name}"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n"
        ).encode()
        self._tail = f"\r\n--{boundary}--\r\n".encode()
        self._file = file
        self._size = size
        self._parts = self._chunks()

    def __len__(self) -> int:
        return len(self._head) + self._size + len(self._tail)

    def __iter__(self) -> Iterator[bytes]:
        return self._parts

    def read(self, size: int = -1) -> bytes:
        """Up to ``size`` bytes of the body (a chunk at a time; b"" at the end)."""
        return next(self._parts, b"")

    def _chunks(self) -> Iterator[bytes]:
        yield self._head
        while chunk := self._file.read(CHUNK_BYTES):
            yield chunk
        yield self._tail


@contextmanager
def _reading(path: Path) -> Iterator[None]:
    """Turn a local file that cannot be read into a one-line :class:`PublishError`."""
    try:
        yield
    except FileNotFoundError:
        raise PublishError(f"找不到文件：{path}", "file_not_found") from None
    except IsADirectoryError:
        raise PublishError(f"这是一个目录，不是文件：{path}", "file_not_found") from None
    except OSError as exc:
        raise PublishError(f"无法读取文件 {path}：{exc.strerror or exc}", "file_error") from None


def _settings_path(level: str) -> str:
    """``node:<id>`` -> ``/api/org/nodes/<id>/settings``; ``all`` or a screen id ->
    ``/api/screens/<level>/settings``."""
    if level.startswith("node:"):
        return f"/api/org/nodes/{quote(level.removeprefix('node:'), safe='')}/settings"
    return f"/api/screens/{quote(level, safe='')}/settings"
