"""Manifest signatures on the wire: the header, key ids and what exactly is signed.

Shared by the server, which signs (``content_server/signing.py``), and the screen, which
verifies (``content_cache/trust.py``). This module only encodes and decodes; the Ed25519
arithmetic lives with its two users, so importing it costs nothing.

- The server signs every manifest body it sends with each of its current Ed25519 keys and puts
  the signatures in one response header, so the body and its ETag stay as they are::

      X-Manifest-Signature: 3f9a0c5e1b2d4f60=<base64 signature>, 8c1e...=<base64 signature>

- What is signed is :data:`SIGNED_CONTEXT` followed by the body's exact bytes: the fixed
  prefix keeps a signature made for anything else with the same key from passing as a
  manifest's.
- A key's id is the first 16 hex digits of the sha256 of its raw 32-byte public key; keys are
  written as standard base64 of those 32 bytes (44 characters).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Iterable

SIGNATURE_HEADER = "X-Manifest-Signature"
SIGNED_CONTEXT = b"party-kiosk manifest signature v1\n"
PUBLIC_KEY_BYTES = 32
SIGNATURE_BYTES = 64
KEY_ID_HEX = 16
KEY_ID_PATTERN = r"^[0-9a-f]{16}$"
# A screen looks at no more signatures than this in one header (a server signs with one key,
# two while a key is rotated).
MAX_SIGNATURES = 8

_KEY_ID = re.compile(KEY_ID_PATTERN)


def key_id(public_key: bytes) -> str:
    """The id of a raw public key: the first 16 hex digits of its sha256."""
    return hashlib.sha256(public_key).hexdigest()[:KEY_ID_HEX]


def encode_key(public_key: bytes) -> str:
    """A raw public key as standard base64 (how manifests, enrollment and configs carry it)."""
    return base64.b64encode(public_key).decode("ascii")


def decode_key(text: str) -> bytes:
    """The raw 32-byte public key in ``text`` (standard base64).

    Raises:
        ValueError: not base64 of 32 bytes (the message is one line).
    """
    raw = _b64(text.strip())
    if raw is None or len(raw) != PUBLIC_KEY_BYTES:
        raise ValueError(f"not an Ed25519 public key (base64 of {PUBLIC_KEY_BYTES} bytes)")
    return raw


def signed_message(body: bytes) -> bytes:
    """What a signature covers: :data:`SIGNED_CONTEXT` + the body's exact bytes."""
    return SIGNED_CONTEXT + body


def format_header(signatures: Iterable[tuple[str, bytes]]) -> str:
    """``id=base64, id=base64`` for the :data:`SIGNATURE_HEADER`."""
    return ", ".join(f"{kid}={base64.b64encode(sig).decode('ascii')}" for kid, sig in signatures)


def parse_header(value: str) -> list[tuple[str, bytes]]:
    """The ``(key id, signature)`` pairs of a :data:`SIGNATURE_HEADER` value, at most
    :data:`MAX_SIGNATURES`; malformed entries are left out.
    """
    pairs: list[tuple[str, bytes]] = []
    for entry in value.split(",")[:MAX_SIGNATURES]:
        kid, sep, encoded = entry.strip().partition("=")
        signature = _b64(encoded) if sep else None
        if _KEY_ID.match(kid) and signature is not None and len(signature) == SIGNATURE_BYTES:
            pairs.append((kid, signature))
    return pairs


def _b64(text: str) -> bytes | None:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return None
