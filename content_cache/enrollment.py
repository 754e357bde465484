"""A screen's own credential: asking for a pairing code, waiting until an administrator
enters it, and keeping the credential the server then hands over (no Qt).

    <data_dir>/screen_credential   {"server", "screen_id", "token"} as JSON, mode 0600,
                                   written aside and renamed into place

The file names the server and screen it belongs to, so a screen moved to another server or id
asks for a new code instead of sending a credential that cannot work. :class:`Enroller` runs
the pairing: it asks ``POST /api/pairings`` for a code (shown on screen and logged), polls
``POST /api/pairings/status`` with the secret handle, asks for a new code when one expires,
backs off while the server cannot be reached, and on success stores the credential and hands
the server's manifest-signing keys to the screen's trust store.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

import requests

log = logging.getLogger("content_cache.enrollment")

CREDENTIAL_FILE = "screen_credential"
USER_AGENT = "party-kiosk-screen/0.1"

SigningKeys = list[dict[str, str]]


class PairingError(Exception):
    """Asking for a code or for its status failed; the message is one line.

    Attributes:
        retry_after: seconds the server asked to wait (429), if it said.
        lost: the server no longer knows the pairing (ask for a new code).
    """

    def __init__(self, message: str, retry_after: float | None = None, lost: bool = False):
        super().__init__(message)
        self.retry_after = retry_after
        self.lost = lost


@dataclass(frozen=True)
class PairingCode:
    """A code for an administrator to enter, and the secret handle to poll with."""

    code: str
    handle: str = field(repr=False)
    expires_at: datetime
    poll_seconds: float

    @property
    def shown(self) -> str:
        """``123 456``: how the screen shows and says it."""
        return f"{self.code[:3]} {self.code[3:]}"


@dataclass(frozen=True)
class Credential:
    """What the server hands over once the code was entered."""

    token: str = field(repr=False)
    node_name: str
    signing_keys: SigningKeys


@dataclass(frozen=True)
class PairingEvent:
    """A step of the pairing, for the screen to show.

    Attributes:
        kind: ``code`` (a new code to show), ``failed`` (the server could not be asked;
            ``message`` says why, ``retry_in`` when it is asked again) or ``enrolled``.
        code: the code to show (``code``; kept with ``failed`` so the screen can go on showing
            it).
    """

    kind: Literal["code", "failed", "enrolled"]
    code: PairingCode | None = None
    message: str = ""
    retry_in: float = 0.0


def read_credential(data_dir: Path, server_url: str, screen_id: str) -> str | None:
    """The stored credential, if there is one for this server and screen."""
    path = data_dir / CREDENTIAL_FILE
    try:
        stored = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        log.warning("ignoring the screen credential in %s: %s", path, exc)
        return None
    if not isinstance(stored, dict) or not isinstance(stored.get("token"), str):
        log.warning("ignoring the screen credential in %s: not a credential file", path)
        return None
    if (stored.get("server"), stored.get("screen_id")) != (_base(server_url), screen_id):
        log.warning(
            "ignoring the screen credential in %s: it is for screen %s on %s",
            path,
            stored.get("screen_id"),
            stored.get("server"),
        )
        return None
    return str(stored["token"])


def write_credential(data_dir: Path, server_url: str, screen_id: str, token: str) -> Path:
    """Store ``token`` for this server and screen: mode 0600, written aside and renamed, so a
    crash leaves the old file or the new one, never half of one."""
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / CREDENTIAL_FILE
    staging = data_dir / f".{CREDENTIAL_FILE}.{secrets.token_hex(4)}.tmp"
    body = json.dumps({"server": _base(server_url), "screen_id": screen_id, "token": token})
    try:
        fd = os.open(staging, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as file:
            file.write(body + "\n")
            file.flush()
            os.fsync(file.fileno())
        os.replace(staging, path)
    finally:
        staging.unlink(missing_ok=True)
    directory = os.open(data_dir, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)
    return path


class PairingClient:
    """The pairing routes of one server.

    Args:
        server_url: base URL of the content server.
        session: an HTTP session (one is made if not given).
        timeout: (connect, read) timeouts in seconds.
    """

    def __init__(
        self,
        server_url: str,
        session: requests.Session | None = None,
        timeout: tuple[float, float] = (5.0, 15.0),
    ) -> None:
        self.server_url = _base(server_url)
        self.session = session or requests.Session()
        self.session.headers.setdefault("User-Agent", USER_AGENT)
        self.timeout = timeout

    def ask(self, screen_id: str, display_name: str = "", orientation: str = "") -> PairingCode:
        """A new pairing code for ``screen_id``.

        Raises:
            PairingError: the server cannot be reached or refused (one line).
        """
        body = {"screen_id": screen_id, "display_name": display_name, "orientation": orientation}
        answer = self._post("/api/pairings", body, expected=201)
        try:
            return PairingCode(
                code=str(answer["code"]),
                handle=str(answer["handle"]),
                expires_at=datetime.fromisoformat(str(answer["expires_at"])),
                poll_seconds=max(1.0, float(answer["poll_seconds"])),
            )
        except (KeyError, TypeError, ValueError):
            raise PairingError("pairing code answer has an unexpected shape") from None

    def status(self, pairing: PairingCode) -> Literal["waiting", "expired"] | Credential:
        """What became of ``pairing``: still waiting, expired, or the screen's credential.

        Raises:
            PairingError: the server cannot be reached, or does not know the pairing
                (``lost``: its credential was handed out already or it was purged).
        """
        answer = self._post("/api/pairings/status", {"handle": pairing.handle}, expected=200)
        status = answer.get("status")
        if status in ("waiting", "expired"):
            return "waiting" if status == "waiting" else "expired"
        token, node = answer.get("token"), answer.get("node")
        if status != "enrolled" or not isinstance(token, str) or not isinstance(node, dict):
            raise PairingError("pairing status answer has an unexpected shape")
        keys = answer.get("signing_keys") or []
        return Credential(token, str(node.get("name", "")), [dict(key) for key in keys])

    def _post(self, path: str, body: dict[str, Any], expected: int) -> dict[str, Any]:
        try:
            response = self.session.post(self.server_url + path, json=body, timeout=self.timeout)
        except requests.RequestException as exc:
            what = (
                "timed out" if isinstance(exc, requests.Timeout) else "connection refused or lost"
            )
            raise PairingError(f"server unreachable: {what}") from None
        try:
            answer = response.json()
        except ValueError:
            answer = None
        if response.status_code == expected and isinstance(answer, dict):
            return answer
        code = answer.get("code") if isinstance(answer, dict) else None
        retry = response.headers.get("Retry-After")
        raise PairingError(
            f"pairing request answered HTTP {response.status_code}"
            + (f" ({code})" if code else ""),
            retry_after=float(retry) if retry and retry.isdigit() else None,
            lost=response.status_code == 404 and code == "pairing_not_found",
        )


class Enroller:
    """Pairs one screen: runs until the screen holds a credential, or is stopped.

    Args:
        client: the server's pairing routes.
        screen_id: this screen's id.
        data_dir: where the credential is kept (the screen's cache directory).
        on_event: told about every new code, failure and the enrollment (on the calling thread).
        trust: given the server's signing keys once the credential is stored.
        orientation: the screen's display shape, if known (``portrait``/``landscape``).
        max_backoff: the longest pause between attempts while the server cannot be asked.
    """

    def __init__(
        self,
        client: PairingClient,
        screen_id: str,
        data_dir: Path,
        *,
        on_event: Callable[[PairingEvent], None] | None = None,
        trust: Callable[[SigningKeys], None] | None = None,
        orientation: str = "",
        max_backoff: float = 60.0,
    ) -> None:
        self.client = client
        self.screen_id = screen_id
        self.data_dir = data_dir
        self.on_event = on_event or (lambda event: None)
        self.trust = trust
        self.orientation = orientation if orientation in ("portrait", "landscape") else ""
        self.max_backoff = max_backoff

    def run(self, stop: threading.Event) -> str | None:
        """Pair until enrolled (returns the stored credential) or ``stop`` is set (None)."""
        pairing: PairingCode | None = None
        failures = 0
        while not stop.is_set():
            try:
                if pairing is None:
                    pairing = self._new_code()
                status = self.client.status(pairing)
                failures = 0
            except PairingError as exc:
                failures += 1
                pairing = None if exc.lost else pairing
                pause = exc.retry_after or min(self.max_backoff, 2.0 ** (failures - 1))
                self._failed(str(exc), pairing, pause, first=failures == 1)
                stop.wait(pause)
                continue
            if isinstance(status, Credential):
                return self._enrolled(status)
            if status == "expired":
                log.info("pairing code %s expired; asking for a new one", pairing.shown)
                pairing = None
                continue
            stop.wait(pairing.poll_seconds)
        return None

    def _new_code(self) -> PairingCode:
        pairing = self.client.ask(self.screen_id, orientation=self.orientation)
        log.info(
            "pairing code %s for screen %s: an administrator enters it with "
            "kiosk admin screen enroll %s --node NODE (good until %s)",
            pairing.shown,
            self.screen_id,
            pairing.code,
            pairing.expires_at.isoformat(timespec="seconds"),
            extra={"event": "pairing_code", "code": pairing.code, "screen": self.screen_id},
        )
        self.on_event(PairingEvent("code", pairing))
        return pairing

    def _failed(self, reason: str, pairing: PairingCode | None, pause: float, first: bool) -> None:
        level = logging.WARNING if first else logging.INFO
        log.log(
            level,
            "pairing failed: %s (next in %.0f s)",
            reason,
            pause,
            extra={"event": "pairing_failed"},
        )
        self.on_event(PairingEvent("failed", pairing, reason, pause))

    def _enrolled(self, credential: Credential) -> str:
        try:
            where = str(
                write_credential(
                    self.data_dir, self.client.server_url, self.screen_id, credential.token
                )
            )
            if self.trust is not None:
                self.trust(credential.signing_keys)
        except OSError as exc:
            # The credential was handed out once: use it now; after a restart, pair again.
            where = "memory only"
            log.error("cannot store the screen credential in %s: %s", self.data_dir, exc)
        log.info(
            "screen %s enrolled (organisation %s); credential kept in %s",
            self.screen_id,
            credential.node_name,
            where,
            extra={"event": "screen_enrolled", "node": credential.node_name},
        )
        self.on_event(PairingEvent("enrolled"))
        return credential.token


def _base(server_url: str) -> str:
    return server_url.rstrip("/")
