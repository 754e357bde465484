"""The server's manifest-signing keys (Ed25519) and the signatures it sends with manifests.

    <data>/signing/<key id>.key   one private key a file (PKCS#8 PEM), mode 0600
    <data>/signing/.lock          held while a key is made or removed

The ring is made on the first start (one key) and changed with ``kiosk admin keys add`` /
``retire`` (``content_server/routes/signing_keys.py``). Every key in it signs every manifest
(two while a key is being rotated), and every manifest lists the ring's public keys
(``Manifest.signing_keys``), so a screen learns a new key from a manifest that a key it already
trusts has signed. Another server process on the same data directory sees a change at its next
manifest: the ring is read again whenever the directory's modification time changes (one
``stat`` a request).

A signature depends only on the body and the keys, so it is made once and kept in a small
least-recently-used cache by (key set, body sha256): an unchanged manifest polled by a
thousand screens is signed once (``bench/manifest_polls.py``). Wire details (header, key
ids, what exactly is signed): ``content_cache/signature.py``.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import secrets
import stat
import threading
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from content_cache.signature import encode_key, format_header, key_id, signed_message
from content_cache.wire import SigningKey

log = logging.getLogger("content_server")

SIGNING_DIR = "signing"
KEY_SUFFIX = ".key"
LOCK_FILE = ".lock"
SIGNATURE_CACHE_ENTRIES = 4096  # about one per screen; an entry is about 250 bytes


class SigningKeyError(Exception):
    """A key file cannot be read or made; the message is one line (Chinese, for the admin)."""


class UnknownSigningKey(LookupError):
    """No key of the ring has that id."""


class LastSigningKey(ValueError):
    """The key is the ring's only one: retiring it would leave manifests unsigned."""


@dataclass(frozen=True)
class RingKey:
    """One key of the ring.

    Attributes:
        id: first 16 hex digits of the sha256 of the raw public key.
        public_key: the raw public key, base64.
        created_at: when its file was written.
    """

    id: str
    public_key: str
    created_at: datetime
    private: Ed25519PrivateKey = field(repr=False, compare=False)


@dataclass(frozen=True)
class KeySet:
    """The ring as one manifest sees it: the keys that sign it and are listed in it.

    Attributes:
        generation: changes whenever the ring's keys change (part of the cache key).
        keys: oldest first.
    """

    generation: int
    keys: tuple[RingKey, ...]
    wire: tuple[SigningKey, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        wire = tuple(SigningKey(id=key.id, public_key=key.public_key) for key in self.keys)
        object.__setattr__(self, "wire", wire)

    def public_keys(self) -> list[dict[str, str]]:
        """``[{"id", "public_key"}]``: what enrollment hands a screen."""
        return [{"id": key.id, "public_key": key.public_key} for key in self.keys]


class SigningRing:
    """The key ring in ``directory`` (``<data>/signing``).

    Args:
        directory: where the key files are.
        cache_entries: how many signature headers to keep (0: sign every time).
    """

    def __init__(self, directory: Path, cache_entries: int = SIGNATURE_CACHE_ENTRIES) -> None:
        self.directory = Path(directory)
        self.cache_entries = cache_entries
        self._lock = threading.Lock()
        self._stamp: tuple[int, int] | None = None
        self._keys = KeySet(0, ())
        self._cache: OrderedDict[tuple[int, str], str] = OrderedDict()

    @classmethod
    def load_or_create(cls, data_dir: Path) -> SigningRing:
        """The ring in ``data_dir/signing``, with a first key made if it has none.

        Raises:
            SigningKeyError: a key file cannot be read, or the first one cannot be made.
        """
        ring = cls(data_dir / SIGNING_DIR)
        try:
            ring.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
            with ring._file_lock():
                if not ring._read_keys():
                    ring._write_new_key()
        except OSError as exc:
            raise SigningKeyError(f"无法生成签名密钥（{ring.directory}）：{_why(exc)}") from None
        ring.current()
        return ring

    # -- reading ----------------------------------------------------------------------------

    def current(self) -> KeySet:
        """The keys now (read again if the directory changed since the last call).

        A key file that became unreadable while the server runs is logged and the keys read
        before stay in use.
        """
        try:
            info = self.directory.stat()
        except OSError as exc:
            log.error("cannot read the signing keys in %s: %s", self.directory, exc)
            return self._keys
        stamp = (info.st_ino, info.st_mtime_ns)
        with self._lock:
            if stamp == self._stamp:
                return self._keys
            try:
                keys = tuple(self._read_keys())
            except SigningKeyError as exc:
                log.error("%s; signing with the keys read before", exc)
                return self._keys
            self._stamp = stamp
            if keys != self._keys.keys:
                self._keys = KeySet(self._keys.generation + 1, keys)
            return self._keys

    def public_keys(self) -> list[dict[str, str]]:
        """The current public keys as ``[{"id", "public_key"}]``."""
        return self.current().public_keys()

    def signature_header(self, keys: KeySet, body: bytes, digest: str) -> str:
        """The ``X-Manifest-Signature`` value for ``body`` (whose sha256 is ``digest``) by every
        key of ``keys``; "" for no keys. Made once per (key set, body)."""
        if not keys.keys:
            return ""
        cache_key = (keys.generation, digest)
        with self._lock:
            cached = self._cache.get(cache_key)
            if cached is not None:
                self._cache.move_to_end(cache_key)
                return cached
        message = signed_message(body)
        header = format_header((key.id, key.private.sign(message)) for key in keys.keys)
        if self.cache_entries > 0:
            with self._lock:
                self._cache[cache_key] = header
                while len(self._cache) > self.cache_entries:
                    self._cache.popitem(last=False)
        return header

    # -- changing ---------------------------------------------------------------------------

    def add(self) -> RingKey:
        """Make a new key; from now on it signs beside the others.

        Raises:
            SigningKeyError: the key file cannot be written.
        """
        try:
            with self._file_lock():
                kid = self._write_new_key()
        except OSError as exc:
            raise SigningKeyError(f"无法生成签名密钥（{self.directory}）：{_why(exc)}") from None
        return next(key for key in self._refresh().keys if key.id == kid)

    def retire(self, kid: str) -> RingKey:
        """Remove key ``kid``: it signs no more manifests and they no longer list it, so
        screens forget it at their next manifest. Its private key file is deleted.

        Raises:
            UnknownSigningKey: no such key.
            LastSigningKey: it is the only key.
            SigningKeyError: the file cannot be removed.
        """
        try:
            with self._file_lock():
                keys = self._read_keys()
                found = [key for key in keys if key.id == kid]
                if not found:
                    raise UnknownSigningKey(kid)
                if len(keys) == 1:
                    raise LastSigningKey(kid)
                (self.directory / f"{kid}{KEY_SUFFIX}").unlink()
                _fsync_dir(self.directory)
        except OSError as exc:
            raise SigningKeyError(f"无法删除签名密钥 {kid}：{_why(exc)}") from None
        log.info("retired signing key %s", kid)
        self._refresh()
        return found[0]

    # -- the files --------------------------------------------------------------------------

    def _refresh(self) -> KeySet:
        with self._lock:
            self._stamp = None
        return self.current()

    @contextlib.contextmanager
    def _file_lock(self) -> Iterator[None]:
        """Serialise changes across server processes sharing the data directory."""
        with open(self.directory / LOCK_FILE, "a+b") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def _read_keys(self) -> list[RingKey]:
        keys = []
        for path in sorted(self.directory.glob(f"*{KEY_SUFFIX}")):
            if not path.name.startswith("."):
                keys.append(_read_key(path))
        return sorted(keys, key=lambda key: (key.created_at, key.id))

    def _write_new_key(self) -> str:
        private = Ed25519PrivateKey.generate()
        kid = key_id(_raw_public(private))
        pem = private.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        staging = self.directory / f".{kid}.{secrets.token_hex(4)}.tmp"
        try:
            fd = os.open(staging, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as file:
                file.write(pem)
                file.flush()
                os.fsync(file.fileno())
            os.replace(staging, self.directory / f"{kid}{KEY_SUFFIX}")
        finally:
            staging.unlink(missing_ok=True)
        _fsync_dir(self.directory)
        log.info("made signing key %s in %s", kid, self.directory)
        return kid


def _read_key(path: Path) -> RingKey:
    try:
        data = path.read_bytes()
        info = path.stat()
        private = serialization.load_pem_private_key(data, password=None)
    except OSError as exc:
        raise SigningKeyError(f"无法读取签名密钥文件 {path}：{_why(exc)}") from None
    except (ValueError, TypeError, UnsupportedAlgorithm):
        raise SigningKeyError(f"签名密钥文件 {path} 不是有效的私钥") from None
    if not isinstance(private, Ed25519PrivateKey):
        raise SigningKeyError(f"签名密钥文件 {path} 不是 Ed25519 私钥")
    if info.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        log.warning("%s can be read by other users; chmod 600 it", path)
    raw = _raw_public(private)
    created = datetime.fromtimestamp(info.st_mtime_ns / 1e9, UTC)
    return RingKey(key_id(raw), encode_key(raw), created, private)


def _raw_public(private: Ed25519PrivateKey) -> bytes:
    return private.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _why(exc: Exception) -> str:
    return (exc.strerror if isinstance(exc, OSError) else None) or str(exc)
