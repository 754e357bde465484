"""Queries of the enrollment tables (``content_server.enrollment.schema``).

Secrets (a pairing's handle, a screen's credential) are 256-bit random strings; only their
sha256 is stored, so a copy of the database opens no screen. Checks of who may do what are the
caller's (``content_server.enrollment.service``).
"""

from __future__ import annotations

import hashlib
import secrets
import sqlite3
from dataclasses import dataclass
from datetime import datetime, timedelta

from content_server.timefmt import from_db, to_db

CODE_DIGITS = 6
CODE_LIFETIME = timedelta(minutes=15)
# After an administrator entered the code, the screen has this long to collect its credential.
COLLECT_WITHIN = timedelta(minutes=15)
PURGE_AFTER = timedelta(days=1)
CREDENTIAL_PREFIX = "kc_"
HANDLE_PREFIX = "kh_"

_PAIRING_COLUMNS = (
    "id, code, screen_id, display_name, orientation, address, created_at, expires_at, "
    "approved_at, approved_by, node_id, collected_at"
)
_ENROLLMENT_COLUMNS = (
    "screen_id, token_hash, pairing_id, display_name, orientation, enrolled_at, enrolled_by, "
    "collected_at, revoked_at, revoked_by"
)


@dataclass(frozen=True)
class Pairing:
    """A screen's request to be enrolled."""

    id: int
    code: str
    screen_id: str
    display_name: str
    orientation: str
    address: str
    created_at: datetime
    expires_at: datetime
    approved_at: datetime | None
    approved_by: str | None
    node_id: int | None
    collected_at: datetime | None


@dataclass(frozen=True)
class Enrollment:
    """A screen that was enrolled (or revoked)."""

    screen_id: str
    token_hash: str | None
    pairing_id: int | None
    display_name: str
    orientation: str
    enrolled_at: datetime | None
    enrolled_by: str | None
    collected_at: datetime | None
    revoked_at: datetime | None
    revoked_by: str | None

    @property
    def state(self) -> str:
        """``revoked``, ``enrolled`` (the screen holds its credential) or ``awaiting_screen``
        (the code was entered; the screen has not collected its credential yet)."""
        if self.revoked_at is not None:
            return "revoked"
        return "enrolled" if self.token_hash is not None else "awaiting_screen"


def digest(secret: str) -> str:
    """The stored form of a secret: its sha256 in hex."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def new_secret(prefix: str) -> str:
    return prefix + secrets.token_urlsafe(32)


def format_code(code: str) -> str:
    """``123456`` -> ``123 456`` (as the screen shows it)."""
    return f"{code[:3]} {code[3:]}"


def live_pairings(conn: sqlite3.Connection, now: datetime) -> int:
    """How many codes are good now (not expired, not entered yet)."""
    row = conn.execute(
        "SELECT COUNT(*) FROM screen_pairings WHERE expires_at > ? AND approved_at IS NULL",
        (to_db(now),),
    ).fetchone()
    return int(row[0])


def pairings_from(conn: sqlite3.Connection, address: str, since: datetime) -> list[datetime]:
    """When the pairings asked for from ``address`` after ``since`` were made, oldest first."""
    rows = conn.execute(
        "SELECT created_at FROM screen_pairings WHERE address = ? AND created_at > ? "
        "ORDER BY created_at",
        (address, to_db(since)),
    ).fetchall()
    return [from_db(row[0]) for row in rows]


def purge(conn: sqlite3.Connection, now: datetime) -> None:
    """Forget pairings that ended more than a day ago (expired or collected)."""
    conn.execute("DELETE FROM screen_pairings WHERE expires_at < ?", (to_db(now - PURGE_AFTER),))


def add_pairing(
    conn: sqlite3.Connection,
    screen_id: str,
    display_name: str,
    orientation: str,
    address: str,
    now: datetime,
) -> tuple[Pairing, str]:
    """A new pairing with a code no live pairing has; returns it and its handle (the secret the
    screen polls with, stored only as its hash)."""
    taken = {
        str(row[0])
        for row in conn.execute(
            "SELECT code FROM screen_pairings WHERE expires_at > ?", (to_db(now),)
        ).fetchall()
    }
    code = _random_code()
    while code in taken:
        code = _random_code()
    handle = new_secret(HANDLE_PREFIX)
    row = conn.execute(
        "INSERT INTO screen_pairings (code, handle_hash, screen_id, display_name, orientation, "
        f"address, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
        f"RETURNING {_PAIRING_COLUMNS}",
        (
            code,
            digest(handle),
            screen_id,
            display_name,
            orientation,
            address,
            to_db(now),
            to_db(now + CODE_LIFETIME),
        ),
    ).fetchone()
    return _pairing(row), handle


def pairing_by_code(conn: sqlite3.Connection, code: str, now: datetime) -> Pairing | None:
    """The live pairing with ``code``: not expired and not entered yet."""
    row = conn.execute(
        f"SELECT {_PAIRING_COLUMNS} FROM screen_pairings "
        "WHERE code = ? AND expires_at > ? AND approved_at IS NULL",
        (code, to_db(now)),
    ).fetchone()
    return _pairing(row) if row else None


def pairing_by_handle(conn: sqlite3.Connection, handle: str) -> Pairing | None:
    row = conn.execute(
        f"SELECT {_PAIRING_COLUMNS} FROM screen_pairings WHERE handle_hash = ?",
        (digest(handle),),
    ).fetchone()
    return _pairing(row) if row else None


def approve(
    conn: sqlite3.Connection, pairing: Pairing, node_id: int, by: str, now: datetime
) -> Enrollment | None:
    """Mark ``pairing`` entered by ``by`` for node ``node_id``; the screen's other waiting
    codes end, and its enrollment is (re)made, awaiting the screen. Returns the enrollment the
    screen had before (None if none)."""
    before = enrollment_of(conn, pairing.screen_id)
    conn.execute(
        "UPDATE screen_pairings SET approved_at = ?, approved_by = ?, node_id = ?, "
        "expires_at = ? WHERE id = ?",
        (to_db(now), by, node_id, to_db(now + COLLECT_WITHIN), pairing.id),
    )
    end_pairings(conn, pairing.screen_id, now, keep=pairing.id)
    conn.execute(
        "INSERT INTO screen_enrollments (screen_id, token_hash, pairing_id, display_name, "
        "orientation, enrolled_at, enrolled_by) VALUES (?, NULL, ?, ?, ?, ?, ?) "
        "ON CONFLICT (screen_id) DO UPDATE SET token_hash = NULL, "
        "pairing_id = excluded.pairing_id, display_name = excluded.display_name, "
        "orientation = excluded.orientation, enrolled_at = excluded.enrolled_at, "
        "enrolled_by = excluded.enrolled_by, collected_at = NULL, revoked_at = NULL, "
        "revoked_by = NULL",
        (pairing.screen_id, pairing.id, pairing.display_name, pairing.orientation, to_db(now), by),
    )
    return before


def end_pairings(
    conn: sqlite3.Connection, screen_id: str, now: datetime, keep: int | None = None
) -> None:
    """End the screen's pairings that are not collected (other than ``keep``): their codes
    and handles stop working."""
    conn.execute(
        "UPDATE screen_pairings SET expires_at = ? "
        "WHERE screen_id = ? AND collected_at IS NULL AND id <> ? AND expires_at > ?",
        (to_db(now), screen_id, keep if keep is not None else -1, to_db(now)),
    )


def collect(conn: sqlite3.Connection, pairing: Pairing, now: datetime) -> str:
    """Make the screen's credential (returned once; only its hash is kept) and close the
    pairing."""
    credential = new_secret(CREDENTIAL_PREFIX)
    conn.execute(
        "UPDATE screen_enrollments SET token_hash = ?, collected_at = ? "
        "WHERE screen_id = ? AND pairing_id = ?",
        (digest(credential), to_db(now), pairing.screen_id, pairing.id),
    )
    conn.execute(
        "UPDATE screen_pairings SET collected_at = ?, expires_at = ? WHERE id = ?",
        (to_db(now), to_db(now), pairing.id),
    )
    return credential


def enrollment_of(conn: sqlite3.Connection, screen_id: str) -> Enrollment | None:
    row = conn.execute(
        f"SELECT {_ENROLLMENT_COLUMNS} FROM screen_enrollments WHERE screen_id = ?", (screen_id,)
    ).fetchone()
    return _enrollment(row) if row else None


def enrollments(conn: sqlite3.Connection) -> dict[str, Enrollment]:
    """Every enrollment, by screen id."""
    rows = conn.execute(f"SELECT {_ENROLLMENT_COLUMNS} FROM screen_enrollments").fetchall()
    return {str(row["screen_id"]): _enrollment(row) for row in rows}


def revoke(conn: sqlite3.Connection, screen_id: str, by: str, now: datetime) -> bool:
    """Revoke the screen (its credential and its derived token); its codes and an uncollected
    credential end too. False if it was revoked already."""
    before = enrollment_of(conn, screen_id)
    end_pairings(conn, screen_id, now)
    if before is not None and before.revoked_at is not None:
        return False
    conn.execute(
        "INSERT INTO screen_enrollments (screen_id, revoked_at, revoked_by) VALUES (?, ?, ?) "
        "ON CONFLICT (screen_id) DO UPDATE SET revoked_at = excluded.revoked_at, "
        "revoked_by = excluded.revoked_by",
        (screen_id, to_db(now), by),
    )
    return True


def _random_code() -> str:
    return f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"


def _time(value: str | None) -> datetime | None:
    return from_db(value) if value is not None else None


def _pairing(row: sqlite3.Row) -> Pairing:
    return Pairing(
        id=int(row["id"]),
        code=str(row["code"]),
        screen_id=str(row["screen_id"]),
        display_name=str(row["display_name"]),
        orientation=str(row["orientation"]),
        address=str(row["address"]),
        created_at=from_db(row["created_at"]),
        expires_at=from_db(row["expires_at"]),
        approved_at=_time(row["approved_at"]),
        approved_by=row["approved_by"],
        node_id=row["node_id"],
        collected_at=_time(row["collected_at"]),
    )


def _enrollment(row: sqlite3.Row) -> Enrollment:
    return Enrollment(
        screen_id=str(row["screen_id"]),
        token_hash=row["token_hash"],
        pairing_id=row["pairing_id"],
        display_name=str(row["display_name"]),
        orientation=str(row["orientation"]),
        enrolled_at=_time(row["enrolled_at"]),
        enrolled_by=row["enrolled_by"],
        collected_at=_time(row["collected_at"]),
        revoked_at=_time(row["revoked_at"]),
        revoked_by=row["revoked_by"],
    )
