"""The sync engine: fetch a screen's manifest and its assets into the cache, without Qt.

``SyncEngine.sync_once`` does one conditional GET of the manifest and, when it changed, checks its
signature against the keys the screen trusts (``content_cache/trust.py``), downloads only the
assets the store does not have, verifies them and commits the new snapshot atomically. A
manifest whose signature is missing, wrong or by a key the screen does not trust is refused
before it is parsed: the old snapshot stays.
``SyncLoop`` repeats that forever with a poll interval (with jitter) and capped exponential
backoff after failures; ``wake()`` makes it sync at once. With ``learning`` it also runs the
learning-record uploader (``content_cache.learning_upload.LearningLoop``) on a thread of its own and
wakes it after every sync that reached the server.
"""

from __future__ import annotations

import errno
import logging
import random
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import CancelledError, ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal
from urllib.parse import quote

import requests

from content_cache.push import PushListener
from content_cache.screen_auth import auth_headers, is_revoked, refused_message, revoked_message
from content_cache.signature import SIGNATURE_HEADER
from content_cache.store import AssetError, CacheFullError, CacheStore, SignedBody, Snapshot
from content_cache.trust import SignatureRefused, TrustStore, Verified
from content_cache.wire import AssetRef, Manifest, ManifestError, parse_manifest

if TYPE_CHECKING:
    from content_cache.learning_upload import LearningLoop

log = logging.getLogger("content_cache.sync")

CHUNK_BYTES = 64 * 1024  # also the most a dropped connection can cost a resume
USER_AGENT = "party-kiosk-screen/0.1"


class SyncError(Exception):
    """One sync failed; the message is one line for the log. The old snapshot stays current."""


class ScreenRevoked(SyncError):
    """The server answered that this screen was revoked (403 ``screen_revoked``)."""


class ManifestRefused(SyncError):
    """The manifest's signature is missing, wrong or by a key this screen does not trust.

    Attributes:
        reason: ``missing``, ``bad`` or ``unknown_key`` (``content_cache.trust``).
    """

    def __init__(self, refusal: SignatureRefused) -> None:
        super().__init__(str(refusal))
        self.reason = refusal.reason


@dataclass(frozen=True)
class SyncResult:
    """What one sync did.

    Attributes:
        status: "updated" (a new snapshot is current), "unchanged" (304 or same revision),
            or "failed" (the old snapshot stays; ``message`` says why).
        snapshot: the current snapshot after the sync (may be None if there never was one).
        message: one line for the log.
        downloaded_bytes: asset bytes downloaded in this sync.
        retry_in: for SyncLoop results, seconds until the next attempt.
        revoked: the server answered that this screen was revoked (its credential is refused
            for good; the screen needs a new pairing code).
        refused: why the manifest's signature was refused (``missing``, ``bad``,
            ``unknown_key``), "" otherwise.
    """

    status: Literal["updated", "unchanged", "failed"]
    snapshot: Snapshot | None
    message: str = ""
    downloaded_bytes: int = 0
    retry_in: float = 0.0
    revoked: bool = False
    refused: str = ""


class SyncEngine:
    """Syncs one screen's content from one server into one cache.

    Args:
        store: the cache to fill.
        server_url: base URL of the content server, e.g. ``http://10.0.0.5:8080``.
        screen_id: this screen's id.
        session: an HTTP session (one is made if not given).
        timeout: (connect, read) timeouts in seconds.
        max_downloads: how many assets download at once.
        token: this screen's token (``screen_token``), sent with the manifest request.
        trust: the keys manifests must be signed with (default: those kept in the cache
            directory, ``content_cache.trust.TrustStore(store.root)``).
    """

    def __init__(
        self,
        store: CacheStore,
        server_url: str,
        screen_id: str,
        session: requests.Session | None = None,
        timeout: tuple[float, float] = (5.0, 30.0),
        max_downloads: int = 2,
        token: str | None = None,
        trust: TrustStore | None = None,
    ) -> None:
        self.store = store
        self.trust = trust if trust is not None else TrustStore(store.root)
        self.token = token
        self.max_downloads = max(1, max_downloads)
        self.server_url = server_url.rstrip("/")
        self.screen_id = screen_id
        self.session = session or requests.Session()
        self.session.headers.setdefault("User-Agent", USER_AGENT)
        self.timeout = timeout

    def sync_once(self) -> SyncResult:
        """Run one sync. Never raises for network, server, data or disk faults."""
        with self.store.sync_lock():
            try:
                return self._sync()
            except SyncError as exc:
                revoked = isinstance(exc, ScreenRevoked)
                refused = exc.reason if isinstance(exc, ManifestRefused) else ""
                snapshot = self.store.current()
                return SyncResult("failed", snapshot, str(exc), revoked=revoked, refused=refused)

    def _sync(self) -> SyncResult:
        current = self.store.current()
        response = self._get_manifest(current.etag if current else None)
        if response.status_code == 304 and current is not None:
            return self._repair(current, current.etag)
        signed = SignedBody(response.content, response.headers.get(SIGNATURE_HEADER))
        verified = self._verify(signed)
        try:
            manifest = parse_manifest(signed.body)
        except ManifestError as exc:
            raise SyncError(str(exc)) from None
        if manifest.screen_id != self.screen_id:
            raise SyncError(
                f"manifest is for screen {manifest.screen_id!r}, not {self.screen_id!r}"
            )
        self.trust.learn(manifest.signing_keys, verified)
        etag = response.headers.get("ETag")
        if current is not None and manifest == current.manifest:
            return self._repair(current, etag, signed)
        if current is not None and manifest.revision < current.manifest.revision:
            log.warning(
                "server revision went back from %d to %d; following the server",
                current.manifest.revision,
                manifest.revision,
            )
        keep = set(manifest.assets()) | (set(current.manifest.assets()) if current else set())
        downloaded = self._fetch_missing(list(manifest.assets().values()), keep)
        snapshot = self._commit(manifest, etag, signed)
        removed = self.store.collect_garbage()
        return SyncResult(
            "updated",
            snapshot,
            f"revision {manifest.revision}: {len(manifest.items)} items, "
            f"{downloaded} bytes downloaded, {removed} unused files removed",
            downloaded_bytes=downloaded,
        )

    def _verify(self, signed: SignedBody) -> Verified:
        try:
            return self.trust.verify(signed.body, signed.signature)
        except SignatureRefused as exc:
            raise ManifestRefused(exc) from None

    def _repair(
        self, current: Snapshot, etag: str | None, signed: SignedBody | None = None
    ) -> SyncResult:
        """The manifest did not change: fetch again any file of the current snapshot that went
        missing (dropped as corrupt), remember a new ETag (and the body it came with), and
        clear what a crash left behind."""
        refs = list(current.manifest.assets().values())
        downloaded = self._fetch_missing(refs, {r.sha256 for r in refs})
        if etag != current.etag:  # same content, new tag: remember it for the next poll
            current = self._commit(current.manifest, etag, signed)
        self.store.collect_garbage()
        if not downloaded:
            return SyncResult("unchanged", current, "manifest not modified")
        return SyncResult("updated", current, "restored missing files", downloaded_bytes=downloaded)

    def _commit(self, manifest: Manifest, etag: str | None, signed: SignedBody | None) -> Snapshot:
        try:
            return self.store.commit(manifest, etag, signed)
        except (AssetError, OSError) as exc:
            raise SyncError(f"could not switch to revision {manifest.revision}: {exc}") from None

    def _fetch_missing(self, refs: list[AssetRef], keep: set[str]) -> int:
        """Download the assets the store lacks, at most ``max_downloads`` at once.

        Returns:
            the bytes downloaded.

        Raises:
            SyncError: one download failed (the others are let finish, so their bytes are kept)
                or the content does not fit in the cache.
        """
        missing = [ref for ref in refs if not self.store.has_asset(ref)]
        if not missing:
            return 0
        needed = sum(ref.size - self.store.partial_size(ref) for ref in missing)
        try:
            self.store.make_room(needed, keep)
        except CacheFullError as exc:
            raise SyncError(str(exc)) from None
        if self.max_downloads == 1 or len(missing) == 1:
            return sum(self._download(ref) for ref in missing)
        with ThreadPoolExecutor(self.max_downloads, thread_name_prefix="download") as pool:
            futures = [pool.submit(self._download, ref) for ref in missing]
            total, failure = 0, None
            for future in as_completed(futures):
                try:
                    total += future.result()
                except SyncError as exc:
                    if failure is None:  # stop starting new downloads
                        failure = exc
                        for pending in futures:
                            pending.cancel()
                except CancelledError:
                    pass
        if failure is not None:
            raise failure
        return total

    def _get_manifest(self, etag: str | None) -> requests.Response:
        url = f"{self.server_url}/api/screens/{quote(self.screen_id, safe='')}/manifest"
        headers = {"If-None-Match": etag} if etag else {}
        headers.update(auth_headers(self.token))
        try:
            response = self.session.get(url, headers=headers, timeout=self.timeout)
        except requests.RequestException as exc:
            raise SyncError(f"server unreachable: {_describe(exc)}") from None
        if response.status_code == 401:
            raise SyncError(refused_message(self.screen_id))
        if is_revoked(response):
            raise ScreenRevoked(revoked_message(self.screen_id))
        if response.status_code not in (200, 304):
            raise SyncError(f"manifest request answered HTTP {response.status_code}")
        return response

    def _download(self, ref: AssetRef) -> int:
        """Fetch one asset into the store, resuming a partial download with HTTP Range."""
        url = f"{self.server_url}/assets/{ref.sha256}"
        offset = self.store.partial_size(ref)
        headers = {"Range": f"bytes={offset}-"} if offset else {}
        try:
            with self.session.get(url, headers=headers, stream=True, timeout=self.timeout) as resp:
                if resp.status_code == 200:
                    offset = 0  # the server sent the whole file: start over
                elif resp.status_code != 206 or not offset:
                    raise SyncError(f"asset {ref.sha256[:12]} answered HTTP {resp.status_code}")
                written = self.store.append_partial(ref, _chunks(resp), offset)
            self.store.finish_partial(ref)
            return written
        except AssetError as exc:
            raise SyncError(f"rejected {exc}") from None
        except requests.RequestException as exc:
            raise SyncError(f"download of {ref.sha256[:12]} failed: {_describe(exc)}") from None
        except OSError as exc:
            if exc.errno == errno.ENOSPC:
                raise SyncError(f"disk full while storing {ref.sha256[:12]}") from None
            raise SyncError(f"cannot store {ref.sha256[:12]}: {exc}") from None


def _chunks(response: requests.Response) -> Iterator[bytes]:
    yield from response.iter_content(CHUNK_BYTES)


def _describe(exc: requests.RequestException) -> str:
    if isinstance(exc, requests.ConnectionError):
        return "connection refused or lost"
    if isinstance(exc, requests.Timeout):
        return "timed out"
    return type(exc).__name__


class SyncLoop:
    """Runs ``engine.sync_once`` forever: poll with jitter, back off after failures.

    Args:
        engine: the engine to run.
        poll_seconds: pause after a successful sync.
        max_backoff: cap of the exponential backoff after failures.
        jitter: fraction by which pauses are randomly lengthened or shortened.
        learning: the learning-record upload loop to run beside the sync (started and
            stopped with it, woken after every sync that reached the server).
    """

    def __init__(
        self,
        engine: SyncEngine,
        poll_seconds: float = 60.0,
        max_backoff: float = 60.0,
        jitter: float = 0.1,
        rng: random.Random | None = None,
        push: bool = True,
        learning: LearningLoop | None = None,
    ) -> None:
        self.engine = engine
        self.push = push
        self.learning = learning
        self._known_revision: int | None = None
        self.poll_seconds = poll_seconds
        self.max_backoff = max_backoff
        self.jitter = jitter
        self._rng = rng or random.Random()
        self._wake = threading.Event()
        self._stop = threading.Event()

    def run(self, on_result: Callable[[SyncResult], None]) -> None:
        """Sync until ``stop()``; call ``on_result`` after every attempt (on this thread).

        With ``push``, a listener thread wakes the loop whenever the server announces a
        revision other than the one in the cache.
        """
        listener = self._start_push() if self.push else None
        if self.learning is not None:
            self.learning.start()
        try:
            self._run(on_result)
        finally:
            if listener is not None:
                listener.stop()
            if self.learning is not None:
                self.learning.stop()

    def _start_push(self) -> PushListener:
        engine = self.engine
        listener = PushListener(
            engine.server_url,
            engine.screen_id,
            self._on_push,
            max_backoff=self.max_backoff,
            token=engine.token,
        )
        threading.Thread(target=listener.run, name="push-listener", daemon=True).start()
        return listener

    def _on_push(self, revision: int) -> None:
        if revision != self._known_revision:
            log.info("push: revision %d announced", revision)
            self.wake()

    def _run(self, on_result: Callable[[SyncResult], None]) -> None:
        failures = 0
        last_status = None
        while not self._stop.is_set():
            self._wake.clear()
            result = self.engine.sync_once()
            failures = failures + 1 if result.status == "failed" else 0
            pause = self._pause(failures)
            if result.status != last_status or result.status != "unchanged":
                level = logging.WARNING if result.status == "failed" else logging.INFO
                log.log(level, "sync %s: %s (next in %.0f s)", result.status, result.message, pause)
            last_status = result.status
            if result.snapshot is not None:
                self._known_revision = result.snapshot.manifest.revision
            if self.learning is not None and result.status != "failed":
                self.learning.wake()  # the server is reachable: send what was queued
            on_result(SyncResult(**{**result.__dict__, "retry_in": pause}))
            self._wait(pause)

    def wake(self) -> None:
        """Sync at once (e.g. after a push hint)."""
        self._wake.set()

    def stop(self) -> None:
        """Make ``run`` return soon."""
        self._stop.set()
        self._wake.set()

    def _pause(self, failures: int) -> float:
        base = self.poll_seconds if failures == 0 else min(self.max_backoff, 2.0 ** (failures - 1))
        return max(0.1, base * (1 + self._rng.uniform(-self.jitter, self.jitter)))

    def _wait(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while not self._stop.is_set():
            remaining = deadline - time.monotonic()
            if remaining <= 0 or self._wake.wait(remaining):
                return
