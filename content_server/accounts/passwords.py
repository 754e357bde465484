"""Password hashing with argon2id through argon2-cffi's ``PasswordHasher`` (its defaults are
the RFC 9106 low-memory profile); never a hash of our own."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_CHARS = 8
MAX_CHARS = 256

_HASHER = PasswordHasher()
# Verified against when the account does not exist, so an unknown name takes as long as a
# wrong password and the timing says nothing about which names exist.
_DUMMY = _HASHER.hash("no such account: timing only")


def hash_password(password: str) -> str:
    """The encoded argon2id hash (``$argon2id$v=19$m=...``)."""
    return _HASHER.hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    """True if ``password`` matches ``stored_hash`` (None: no account, always False)."""
    try:
        return _HASHER.verify(stored_hash or _DUMMY, password) and stored_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def password_problem(password: str) -> str | None:
    """Why ``password`` is refused (Chinese), or None."""
    if len(password) < MIN_CHARS:
        return f"密码太短：至少 {MIN_CHARS} 个字符"
    if len(password) > MAX_CHARS:
        return f"密码太长：最多 {MAX_CHARS} 个字符"
    return None
