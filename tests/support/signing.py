"""Signed manifests for tests that serve hand-made ones from their own HTTP server.

The signatures are made by the content server's own code (``content_server.signing``), with a
key ring in a temporary directory, so a screen verifies them exactly as it verifies a real
server's. A screen that trusts nothing yet accepts them on first use (the body lists the key);
``trust(store_root)`` pins the key instead.
"""

from __future__ import annotations

import functools
import hashlib
import json
import tempfile
from pathlib import Path
from typing import Any

from content_cache.signature import SIGNATURE_HEADER
from content_cache.trust import TrustStore
from content_server.signing import KeySet, SigningRing


class ManifestSigner:
    """Signs manifest bodies with the keys of a ring in ``directory`` (a temporary one if
    None, removed with the signer)."""

    def __init__(self, directory: Path | None = None) -> None:
        if directory is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="manifest-signer-")
            directory = Path(self._tmp.name)
        self.ring = SigningRing.load_or_create(directory)

    @property
    def keys(self) -> KeySet:
        return self.ring.current()

    def public_keys(self) -> list[dict[str, str]]:
        """``[{"id", "public_key"}]``, as enrollment and manifests carry them."""
        return self.ring.public_keys()

    def body(self, manifest: dict[str, Any]) -> bytes:
        """``manifest`` as JSON bytes, listing the signer's keys unless it lists its own."""
        return json.dumps({"signing_keys": self.public_keys(), **manifest}).encode()

    def header(self, body: bytes) -> str:
        """The ``X-Manifest-Signature`` value for exactly these bytes."""
        digest = hashlib.sha256(body).hexdigest()
        return self.ring.signature_header(self.keys, body, digest)

    def headers(self, body: bytes) -> dict[str, str]:
        return {SIGNATURE_HEADER: self.header(body)}

    def trust(self, store_root: Path) -> TrustStore:
        """A trust store in ``store_root`` that trusts exactly this signer's keys."""
        store = TrustStore(store_root)
        store.trust_initial(self.public_keys())
        return store


@functools.cache
def default_signer() -> ManifestSigner:
    """One signer for the whole test session."""
    return ManifestSigner()
