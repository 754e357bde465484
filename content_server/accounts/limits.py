"""Failed logins, counted in the database per account and per client address, so the limits
hold across a restart and across server processes.

Five failures within 15 minutes of the first lock the key (``account:<name>`` or
``address:<ip>``) for 15 minutes: while locked, logins are refused without looking at the
password (HTTP 429 with ``Retry-After``). A successful login clears its account's count, not
its address's (or one's own account could reset a guesser's address).
"""

from __future__ import annotations

import math
import sqlite3
from collections.abc import Iterable
from datetime import datetime, timedelta

from content_server.timefmt import from_db, to_db

MAX_FAILURES = 5
WINDOW = timedelta(minutes=15)
LOCKOUT = timedelta(minutes=15)


def account_key(name: str) -> str:
    return f"account:{name[:64]}"


def address_key(address: str) -> str:
    return f"address:{address[:64]}"


def locked_seconds(conn: sqlite3.Connection, keys: Iterable[str], now: datetime) -> int:
    """Seconds until every one of ``keys`` is unlocked (0: none is locked)."""
    longest = 0
    for key in keys:
        row = conn.execute(
            "SELECT locked_until FROM login_failures WHERE key = ?", (key,)
        ).fetchone()
        if row is not None and row[0] is not None:
            left = (from_db(row[0]) - now).total_seconds()
            longest = max(longest, math.ceil(left))
    return longest


def record_failure(conn: sqlite3.Connection, keys: Iterable[str], now: datetime) -> None:
    """Count one failure against each key (inside the caller's write transaction)."""
    conn.execute(
        "DELETE FROM login_failures WHERE first_at < ? AND (locked_until IS NULL OR "
        "locked_until < ?)",
        (to_db(now - WINDOW - LOCKOUT), to_db(now)),
    )
    for key in keys:
        row = conn.execute(
            "SELECT failures, first_at FROM login_failures WHERE key = ?", (key,)
        ).fetchone()
        if row is None or from_db(row["first_at"]) + WINDOW <= now:
            failures, first_at = 1, now
        else:
            failures, first_at = int(row["failures"]) + 1, from_db(row["first_at"])
        locked_until = None
        if failures >= MAX_FAILURES:
            locked_until, failures, first_at = to_db(now + LOCKOUT), 0, now
        conn.execute(
            "INSERT INTO login_failures (key, failures, first_at, locked_until) "
            "VALUES (?, ?, ?, ?) ON CONFLICT (key) DO UPDATE SET failures = excluded.failures, "
            "first_at = excluded.first_at, "
            "locked_until = COALESCE(excluded.locked_until, login_failures.locked_until)",
            (key, failures, to_db(first_at), locked_until),
        )


def clear(conn: sqlite3.Connection, key: str) -> None:
    """Forget the failures of ``key`` (after a successful login)."""
    conn.execute("DELETE FROM login_failures WHERE key = ?", (key,))
