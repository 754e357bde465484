"""The screen's trusted manifest-signing keys, and the check of a manifest's signature (no Qt).

    <data_dir>/trusted_keys.json   {"keys": [{"id", "public_key"}], "source", "configured"}
                                   written aside and renamed into place

Where the keys come from, in order of precedence:

1. **Enrollment** (``trust_initial``): the server hands its public keys over with the screen's
   credential, on the connection the administrator vouched for by entering the pairing code.
2. **``server_keys``** in the screen's config (printed by ``kiosk admin keys list``): for an
   install set up with a ``screen_token`` and no enrollment. The list is applied when it
   differs from the one applied last, so editing it re-seeds the store (the way out for a
   screen that trusts only keys its server no longer has); otherwise learned keys win.
3. **Trust on first use**: a screen with neither accepts the first manifest that is signed by
   a key its own body lists, keeps those keys, and says so in one warning line. Existing
   installs thereby upgrade without anyone visiting each screen; from then on a swapped key
   or an altered manifest is refused.

After that the set changes only through ``learn``: a manifest whose signature verified with a
key already trusted replaces the set with the keys it lists (a key added on the server is
learnt, a retired one forgotten), never with an empty set.

Refusals (:class:`SignatureRefused`) are one line each: no signature, a signature that does
not verify (the body was altered on the way), or signatures only by keys this screen does not
trust.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from content_cache.signature import (
    SIGNATURE_HEADER,
    decode_key,
    encode_key,
    key_id,
    parse_header,
    signed_message,
)
from content_cache.wire import SigningKey

log = logging.getLogger("content_cache.trust")

TRUST_FILE = "trusted_keys.json"

Refusal = Literal["missing", "bad", "unknown_key"]
Source = Literal["enrollment", "config", "first_use", "manifest", "none"]


class SignatureRefused(Exception):
    """A manifest's signature is missing, wrong, or by keys this screen does not trust.

    Attributes:
        reason: ``missing``, ``bad`` or ``unknown_key``.
    """

    def __init__(self, reason: Refusal, message: str) -> None:
        super().__init__(message)
        self.reason: Refusal = reason


@dataclass(frozen=True)
class Verified:
    """Which key verified a manifest, and whether it was trusted only on first use (the
    store had no key yet and the key is one the manifest's own body lists)."""

    key_id: str
    first_use: bool = False


class TrustStore:
    """The keys one screen trusts, kept in ``data_dir`` (the screen's cache directory).

    Args:
        data_dir: where ``trusted_keys.json`` is kept.
        configured: the ``server_keys`` setting (base64 public keys); applied when it differs
            from the list applied last.
    """

    def __init__(self, data_dir: Path, configured: Sequence[str] = ()) -> None:
        self.path = Path(data_dir) / TRUST_FILE
        self._lock = threading.Lock()
        self._stamp: tuple[int, int, int] | None = None
        self._keys: dict[str, bytes] = {}
        self._source: Source = "none"
        self._configured: list[str] = []
        with self._lock:
            self._reload()
            wanted = [encode_key(decode_key(text)) for text in configured]
            if wanted and wanted != self._configured:
                keys = {key_id(decode_key(text)): decode_key(text) for text in wanted}
                self._save(keys, "config", wanted)
                log.info(
                    "trusting the signing keys set in server_keys: %s",
                    ", ".join(keys),
                    extra={"event": "trust_configured", "keys": list(keys)},
                )

    # -- reading ---------------------------------------------------------------------------

    def trusted(self) -> list[str]:
        """The ids of the keys trusted now."""
        with self._lock:
            self._reload()
            return list(self._keys)

    @property
    def source(self) -> Source:
        """Where the current set came from (``none`` while no key is trusted)."""
        with self._lock:
            self._reload()
            return self._source

    # -- changing --------------------------------------------------------------------------

    def trust_initial(self, keys: Sequence[Mapping[str, str]]) -> None:
        """Trust exactly ``keys`` (``[{"id", "public_key"}]``, as enrollment hands them over).

        An empty list (a server that does not sign) changes nothing.

        Raises:
            OSError: the file cannot be written.
        """
        parsed = _parse_key_list(keys)
        if not parsed:
            log.warning("enrollment brought no signing keys; trust left as it was")
            return
        with self._lock:
            self._reload()
            self._save(parsed, "enrollment", self._configured)
        log.info(
            "trusting the server's signing keys from enrollment: %s",
            ", ".join(parsed),
            extra={"event": "trust_enrolled", "keys": list(parsed)},
        )

    def verify(self, body: bytes, header: str | None) -> Verified:
        """Check ``body`` against its :data:`SIGNATURE_HEADER` value ``header``.

        With no key trusted yet, a signature by a key that the body itself lists is accepted
        (trust on first use; ``Verified.first_use``).

        Raises:
            SignatureRefused: no signature, one that does not verify, or none by a trusted key.
        """
        pairs = parse_header(header or "")
        if not pairs:
            raise SignatureRefused(
                "missing", f"manifest refused: no signature ({SIGNATURE_HEADER} header missing)"
            )
        with self._lock:
            self._reload()
            trusted, first_use = dict(self._keys), not self._keys
        if first_use:
            trusted = _keys_in_body(body)
        message = signed_message(body)
        failed = []
        for kid, signature in pairs:
            raw = trusted.get(kid)
            if raw is None:
                continue
            try:
                Ed25519PublicKey.from_public_bytes(raw).verify(signature, message)
            except InvalidSignature:
                failed.append(kid)
                continue
            return Verified(kid, first_use)
        if failed:
            raise SignatureRefused(
                "bad",
                f"manifest refused: its signature by key {', '.join(failed)} does not verify "
                "(altered on the way?)",
            )
        signers = ", ".join(kid for kid, _ in pairs)
        if first_use:
            raise SignatureRefused(
                "unknown_key", f"manifest refused: signed by {signers}, a key it does not list"
            )
        raise SignatureRefused(
            "unknown_key",
            f"manifest refused: signed only by keys this screen does not trust ({signers}; "
            f"it trusts {', '.join(trusted)}): enrol the screen again, or set server_keys "
            "(kiosk admin keys list)",
        )

    def learn(self, keys: Sequence[SigningKey], verified: Verified) -> None:
        """Take the key list of a manifest that ``verified`` checked: trust exactly ``keys``.

        An empty list, or one without the key that verified the manifest, changes nothing
        (a screen never ends up trusting no key, or only keys it has not seen sign). A file
        that cannot be written is logged; the keys are still used until the screen restarts.
        """
        listed = {key.id: key.raw() for key in keys}
        if verified.key_id not in listed:
            return
        with self._lock:
            self._reload()
            before = set(self._keys)
            if before == set(listed) and not verified.first_use:
                return
            source: Source = "first_use" if verified.first_use else "manifest"
            try:
                self._save(listed, source, self._configured)
            except OSError as exc:
                self._keys, self._source = listed, source
                log.warning("cannot store trusted signing keys in %s: %s", self.path, exc)
        if verified.first_use:
            log.warning(
                "trusting the server's signing keys on first use: %s (this screen was given "
                "none: enrol it, or set server_keys, to pin them)",
                ", ".join(listed),
                extra={"event": "trust_first_use", "keys": list(listed)},
            )
            return
        added, dropped = sorted(set(listed) - before), sorted(before - set(listed))
        log.info(
            "signing keys now trusted: %s (learnt %s; dropped %s)",
            ", ".join(listed),
            ", ".join(added) or "none",
            ", ".join(dropped) or "none",
            extra={"event": "trust_learned", "added": added, "dropped": dropped},
        )

    # -- the file ---------------------------------------------------------------------------

    def _reload(self) -> None:
        """Read the file again if it changed (another TrustStore may have written it)."""
        try:
            info = self.path.stat()
        except FileNotFoundError:
            self._stamp, self._keys, self._source, self._configured = None, {}, "none", []
            return
        except OSError as exc:
            log.error("cannot read %s: %s", self.path, exc)
            return
        stamp = (info.st_ino, info.st_size, info.st_mtime_ns)
        if stamp == self._stamp:
            return
        self._stamp = stamp
        try:
            stored = json.loads(self.path.read_text(encoding="utf-8"))
            keys = _parse_key_list(stored["keys"])
            source = stored.get("source", "none")
            configured = [str(text) for text in stored.get("configured", [])]
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            log.error("ignoring unreadable trusted keys in %s: %s", self.path, str(exc)[:200])
            keys, source, configured = {}, "none", []
        self._keys, self._configured = keys, configured
        self._source = source if keys else "none"

    def _save(self, keys: dict[str, bytes], source: Source, configured: list[str]) -> None:
        body: dict[str, Any] = {
            "keys": [{"id": kid, "public_key": encode_key(raw)} for kid, raw in keys.items()],
            "source": source,
            "configured": configured,
        }
        self.path.parent.mkdir(parents=True, exist_ok=True)
        _atomic_write(self.path, (json.dumps(body, indent=1) + "\n").encode())
        self._keys, self._source, self._configured = dict(keys), source, list(configured)
        self._stamp = None
        self._reload()


def _parse_key_list(keys: Sequence[Mapping[str, str]]) -> dict[str, bytes]:
    """``[{"id", "public_key"}]`` as ``{id: raw key}``; entries whose id is not their key's
    are left out."""
    parsed: dict[str, bytes] = {}
    for entry in keys:
        try:
            raw = decode_key(str(entry["public_key"]))
        except (KeyError, TypeError, ValueError):
            continue
        if key_id(raw) == entry.get("id", key_id(raw)):
            parsed[key_id(raw)] = raw
    return parsed


def _keys_in_body(body: bytes) -> dict[str, bytes]:
    """The keys a manifest body lists (for trust on first use), without trusting anything else
    in it: the body is parsed properly only after its signature verified."""
    try:
        listed = json.loads(body).get("signing_keys", [])
        return _parse_key_list(listed) if isinstance(listed, list) else {}
    except (ValueError, AttributeError, RecursionError):
        return {}


def _atomic_write(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)
