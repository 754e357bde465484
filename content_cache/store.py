"""The on-disk cache: assets by sha256 and one current snapshot, switched atomically.

Layout of the cache directory::

    assets/<sha256>        verified files, named by their hash (a poster used twice is stored once)
    staging/<sha256>.part  downloads in progress; never read by the screen
    current.json           the current snapshot: manifest + ETag, and the body exactly as the
                           server sent it with its signature header (so the cache can be
                           checked again later); replaced with one os.replace()
    renditions/<sha256>-<w>x<h>.jpg
                           the main zone's picture of a poster (fitted, on a blurred copy of
                           itself where the shapes differ), made by the screen from assets
                           (``kiosk/qt/renditions.py``); only for the current snapshot
    lock                   flock held by whoever is syncing

The order of writes is what makes a crash harmless: an asset reaches ``assets/`` only after its
size and hash were checked and it was fsync'ed; ``current.json`` is replaced only after every asset
it references is in ``assets/``. A crash at any instant leaves the previous ``current.json`` and
every file it references intact.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import logging
import os
import shutil
import tempfile
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from content_cache.wire import AssetRef, ItemBase, Manifest, ManifestError, parse_manifest

log = logging.getLogger("content_cache.store")

SNAPSHOT_FILE = "current.json"
RENDITIONS_DIR = "renditions"
RENDITION_SUFFIX = ".jpg"
ABANDONED_TEMP_SECONDS = 3600


def rendition_name(asset: str, width: int | str, height: int | str) -> str:
    """The file name in ``renditions/`` of asset ``asset`` fitted to a ``width`` x ``height``
    zone (the screen makes the file; the store removes it with the asset's last use)."""
    return f"{asset}-{width}x{height}{RENDITION_SUFFIX}"


def rendition_asset(name: str) -> str:
    """The asset a rendition's file name was made from."""
    return name.split("-", 1)[0]


# Never fill the disk to the last byte: logs and the OS need room too.
DISK_RESERVE_BYTES = 64 * 1024 * 1024


class AssetError(ValueError):
    """Downloaded bytes do not match the asset reference."""


class CacheFullError(OSError):
    """New content does not fit in the cache's quota or on the disk."""


@dataclass(frozen=True)
class SignedBody:
    """A manifest's body as the server sent it, and its ``X-Manifest-Signature`` value."""

    body: bytes
    signature: str | None


@dataclass(frozen=True)
class Snapshot:
    """A complete, verified manifest and where its files are on disk."""

    manifest: Manifest
    etag: str | None
    assets_dir: Path

    def asset_path(self, ref: AssetRef) -> Path:
        """Local path of an asset; the file exists unless something outside us removed it."""
        return self.assets_dir / ref.sha256

    def verify(self, ref: AssetRef) -> bool:
        """Hash the asset's file before it is shown; a changed file is deleted (and refetched).

        A good file's modification time is set to now: it records when the file was last
        shown, for the cache's least-recently-shown eviction.
        """
        return verify_file(self.assets_dir, ref)

    def is_available(self, item: ItemBase) -> bool:
        """True if every file the item needs is on disk with the right size."""
        for ref in item.assets():
            try:
                if self.asset_path(ref).stat().st_size != ref.size:
                    return False
            except OSError:
                return False
        return True


class CacheStore:
    """The cache directory of one screen.

    Args:
        root: the cache directory; created if missing.
        quota_bytes: how much the cache may hold; assets the current snapshot does not need
            are kept within it (for a quick re-publish) and evicted least recently shown first.
        disk_reserve_bytes: free space never used for content (logs and the OS need room).
    """

    def __init__(
        self,
        root: Path,
        quota_bytes: int | None = None,
        disk_reserve_bytes: int = DISK_RESERVE_BYTES,
    ) -> None:
        self.root = Path(root)
        self.quota_bytes = quota_bytes
        self.disk_reserve_bytes = disk_reserve_bytes
        self.assets_dir = self.root / "assets"
        self.staging_dir = self.root / "staging"
        self.renditions_dir = self.root / RENDITIONS_DIR
        for folder in (self.root, self.assets_dir, self.staging_dir):
            folder.mkdir(parents=True, exist_ok=True)

    # -- reading -------------------------------------------------------------------------

    def current(self) -> Snapshot | None:
        """The current snapshot, or None if there is none (or it cannot be read)."""
        path = self.root / SNAPSHOT_FILE
        try:
            raw = json.loads(path.read_bytes())
            manifest = parse_manifest(raw["manifest"])
            etag = raw.get("etag")
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError, ManifestError) as exc:
            log.error("cached snapshot unreadable, ignoring it: %s", str(exc)[:200])
            return None
        return Snapshot(manifest, etag if isinstance(etag, str) else None, self.assets_dir)

    def signed_body(self) -> SignedBody | None:
        """The current snapshot's manifest as it was received, with its signature (None if
        there is no snapshot, or it was written without them)."""
        try:
            raw = json.loads((self.root / SNAPSHOT_FILE).read_bytes())
            body, signature = raw.get("body"), raw.get("signature")
        except (OSError, ValueError, AttributeError):
            return None
        if not isinstance(body, str):
            return None
        return SignedBody(body.encode("utf-8"), signature if isinstance(signature, str) else None)

    def has_asset(self, ref: AssetRef) -> bool:
        """True if the asset is in the store with the expected size."""
        try:
            return (self.assets_dir / ref.sha256).stat().st_size == ref.size
        except OSError:
            return False

    # -- writing -------------------------------------------------------------------------

    @contextlib.contextmanager
    def sync_lock(self) -> Iterator[None]:
        """Hold the cache's sync lock (blocks while another process syncs)."""
        with open(self.root / "lock", "a+b") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def partial_size(self, ref: AssetRef) -> int:
        """Bytes of ``ref`` already downloaded into staging (0 if none, or if unusable)."""
        try:
            size = self._part(ref).stat().st_size
        except OSError:
            return 0
        return size if size < ref.size else 0

    def append_partial(self, ref: AssetRef, chunks: Iterable[bytes], offset: int) -> int:
        """Write a download into staging, continuing at ``offset`` (0 starts over).

        What was written and flushed survives a dropped connection, so the next attempt can
        resume with an HTTP Range request from ``partial_size(ref)``.

        Returns:
            the bytes written by this call.

        Raises:
            AssetError: more bytes arrived than ``ref.size`` (the staging file is deleted).
            OSError: the disk failed (for example it is full); the staging file is deleted.
        """
        part = self._part(ref)
        written = 0
        source = iter(chunks)
        try:
            with open(part, "r+b" if offset else "wb") as out:
                out.truncate(offset)
                out.seek(offset)
                while (chunk := _next_chunk(source)) is not None:
                    written += len(chunk)
                    if offset + written > ref.size:
                        raise AssetError(f"asset {ref.sha256[:12]} is larger than {ref.size} bytes")
                    out.write(chunk)
                _flush(out)
        except _SourceFailed as failed:
            assert failed.__cause__ is not None  # always raised `from` the source's error
            raise failed.__cause__ from None  # the bytes so far stay for a resume
        except (AssetError, OSError):
            part.unlink(missing_ok=True)
            raise
        return written

    def finish_partial(self, ref: AssetRef) -> None:
        """Verify a complete staging file and move it into the store.

        Raises:
            AssetError: size or sha256 do not match (the staging file is deleted).
        """
        part = self._part(ref)
        try:
            size = part.stat().st_size
            if size != ref.size:
                raise AssetError(f"asset {ref.sha256[:12]}: got {size} of {ref.size} bytes")
            if file_sha256(part) != ref.sha256:
                raise AssetError(f"asset {ref.sha256[:12]}: sha256 does not match")
            os.replace(part, self.assets_dir / ref.sha256)
        except (AssetError, OSError):
            part.unlink(missing_ok=True)
            raise
        _fsync_dir(self.assets_dir)

    def add_asset(self, ref: AssetRef, chunks: Iterable[bytes]) -> int:
        """Write a whole asset from a stream of chunks, verify it and move it into the store.

        Returns:
            the number of bytes written.

        Raises:
            AssetError: size or sha256 do not match ``ref`` (nothing is stored).
            OSError: the disk failed (for example it is full); nothing is stored.
        """
        written = self.append_partial(ref, chunks, 0)
        self.finish_partial(ref)
        return written

    def _part(self, ref: AssetRef) -> Path:
        return self.staging_dir / f"{ref.sha256}.part"

    def commit(
        self, manifest: Manifest, etag: str | None, signed: SignedBody | None = None
    ) -> Snapshot:
        """Make ``manifest`` the current snapshot with one atomic replace; ``signed`` is the
        body it was parsed from and its signature, kept beside it.

        Raises:
            AssetError: an asset the manifest needs is not in the store.
        """
        missing = [ref.sha256[:12] for ref in manifest.assets().values() if not self.has_asset(ref)]
        if missing:
            raise AssetError(f"cannot commit revision {manifest.revision}: missing {missing[:3]}")
        record = {"etag": etag, "manifest": manifest.model_dump(mode="json")}
        if signed is not None:
            record |= {"signature": signed.signature, "body": signed.body.decode("utf-8")}
        _atomic_write(self.root / SNAPSHOT_FILE, json.dumps(record).encode())
        return Snapshot(manifest, etag, self.assets_dir)

    def collect_garbage(self) -> int:
        """Remove staging and temporary files, and unused assets beyond the quota.

        Unused assets are kept for a quick re-publish only while the whole cache fits in
        ``quota_bytes``; the least recently shown go first. Without a quota none are kept.

        Returns:
            the number of files removed.
        """
        snapshot = self.current()
        keep = set(snapshot.manifest.assets()) if snapshot else set()
        removed = 0
        leftovers = list(self.staging_dir.iterdir())  # downloads of an older manifest
        leftovers += self.root.glob(f".{SNAPSHOT_FILE}.*.tmp")  # a crash while switching
        for path in leftovers:
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
                removed += 1
        files = self._asset_files()
        used = sum(size for _, _, size in files)
        allowed = 0 if self.quota_bytes is None else self.quota_bytes
        for _, name, size in sorted(f for f in files if f[1] not in keep):
            if self.quota_bytes is not None and used <= allowed:
                break
            with contextlib.suppress(FileNotFoundError):
                (self.assets_dir / name).unlink()
                removed += 1
            used -= size
        return removed + self._collect_renditions(keep)

    def _collect_renditions(self, keep: set[str]) -> int:
        """Remove renditions of assets the current snapshot does not use (they are cheap to
        make again, and so need no room in the quota), and ones left half-written by a crash.

        The screen writes renditions while this runs (on the sync thread), so a temporary
        file is only removed once it is clearly abandoned.
        """
        removed = 0
        try:
            paths = list(self.renditions_dir.iterdir())
        except FileNotFoundError:
            return 0
        abandoned = time.time() - ABANDONED_TEMP_SECONDS
        for path in paths:
            with contextlib.suppress(FileNotFoundError):
                if path.name.startswith("."):
                    gone = path.stat().st_mtime < abandoned
                else:
                    gone = rendition_asset(path.name) not in keep
                if gone:
                    path.unlink()
                    removed += 1
        return removed

    def make_room(self, needed: int, keep: set[str]) -> None:
        """Evict unused assets (least recently shown first) until ``needed`` more bytes fit
        both in the quota and on the disk.

        Args:
            needed: bytes about to be downloaded.
            keep: hashes that must stay (the current and the incoming snapshot's).

        Raises:
            CacheFullError: even without every unused asset the bytes do not fit.
        """
        files = self._asset_files()
        used = sum(size for _, _, size in files)
        free = shutil.disk_usage(self.root).free - self.disk_reserve_bytes
        short = max(0, needed - free)
        if self.quota_bytes is not None:
            short = max(short, used + needed - self.quota_bytes)
        for _, name, size in sorted(f for f in files if f[1] not in keep):
            if short <= 0:
                break
            with contextlib.suppress(FileNotFoundError):
                (self.assets_dir / name).unlink()
            short -= size
        if short > 0:
            raise CacheFullError(
                f"no room for {needed / 1e6:.1f} MB of new content: "
                f"{max(free, 0) / 1e6:.1f} MB free on disk, cache quota "
                + ("none" if self.quota_bytes is None else f"{self.quota_bytes / 1e6:.1f} MB")
            )

    def _asset_files(self) -> list[tuple[float, str, int]]:
        """(last shown or stored, name, size) of every asset file."""
        files = []
        for path in self.assets_dir.iterdir():
            with contextlib.suppress(FileNotFoundError):
                stat = path.stat()
                files.append((stat.st_mtime, path.name, stat.st_size))
        return files


class _SourceFailed(Exception):
    """The chunk source (the network) failed, not the disk: keep the partial file."""


def _next_chunk(source: Iterator[bytes]) -> bytes | None:
    try:
        return next(source)
    except StopIteration:
        return None
    except Exception as exc:
        raise _SourceFailed from exc


def verify_file(assets_dir: Path, ref: AssetRef) -> bool:
    """True if the stored file matches ``ref``; a file whose bytes changed is deleted."""
    path = assets_dir / ref.sha256
    try:
        if path.stat().st_size == ref.size and file_sha256(path) == ref.sha256:
            os.utime(path)  # the modification time records when it was last shown
            return True
    except OSError:
        return False
    log.warning("asset %s changed on disk; dropped, it will be fetched again", ref.sha256[:12])
    path.unlink(missing_ok=True)
    return False


def file_sha256(path: Path) -> str:
    """The sha256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()


def _flush(handle: BinaryIO) -> None:
    handle.flush()
    os.fsync(handle.fileno())


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _atomic_write(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that readers see the old or the new file, never a mix."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            _flush(out)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    _fsync_dir(path.parent)
