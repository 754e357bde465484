"""Queries of the account tables (``content_server.accounts.schema``).

Session and personal API tokens are 256-bit random strings; only their sha256 is stored (a
slow hash adds nothing to a random 256-bit secret), so a copy of the database opens nothing.
"""

from __future__ import annotations

import hashlib
import secrets
import sqlite3
from dataclasses import dataclass
from datetime import datetime

from content_server.scope import Grant, Principal
from content_server.timefmt import from_db, to_db

SESSION_PREFIX = "ks_"
API_TOKEN_PREFIX = "kp_"


@dataclass(frozen=True)
class Account:
    id: int
    name: str
    password_hash: str
    home_node_id: int


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_token(prefix: str) -> str:
    return prefix + secrets.token_urlsafe(32)


def get_account(conn: sqlite3.Connection, name: str) -> Account | None:
    row = conn.execute(
        "SELECT id, name, password_hash, home_node_id FROM accounts WHERE name = ?", (name,)
    ).fetchone()
    return _account(row) if row else None


def account_by_id(conn: sqlite3.Connection, account_id: int) -> Account | None:
    row = conn.execute(
        "SELECT id, name, password_hash, home_node_id FROM accounts WHERE id = ?", (account_id,)
    ).fetchone()
    return _account(row) if row else None


def list_accounts(conn: sqlite3.Connection) -> list[Account]:
    rows = conn.execute(
        "SELECT id, name, password_hash, home_node_id FROM accounts ORDER BY name"
    ).fetchall()
    return [_account(row) for row in rows]


def add_account(
    conn: sqlite3.Connection, name: str, password_hash: str, home_node_id: int, now: datetime
) -> int:
    row = conn.execute(
        "INSERT INTO accounts (name, password_hash, home_node_id, created_at, "
        "password_changed_at) VALUES (?, ?, ?, ?, ?) RETURNING id",
        (name, password_hash, home_node_id, to_db(now), to_db(now)),
    ).fetchone()
    return int(row[0])


def set_password(
    conn: sqlite3.Connection, account_id: int, password_hash: str, now: datetime
) -> None:
    conn.execute(
        "UPDATE accounts SET password_hash = ?, password_changed_at = ? WHERE id = ?",
        (password_hash, to_db(now), account_id),
    )


def grants_of(conn: sqlite3.Connection, account_id: int) -> tuple[Grant, ...]:
    """The account's roles, with each node's current path; roles on removed nodes are gone."""
    rows = conn.execute(
        "SELECT g.node_id, n.path, g.role FROM role_grants g "
        "JOIN org_nodes n ON n.id = g.node_id WHERE g.account_id = ? ORDER BY n.path, g.role",
        (account_id,),
    ).fetchall()
    return tuple(Grant(int(row[0]), str(row[1]), str(row[2])) for row in rows)


def add_grant(
    conn: sqlite3.Connection, account_id: int, node_id: int, role: str, now: datetime
) -> bool:
    """True if the grant is new."""
    cursor = conn.execute(
        "INSERT INTO role_grants (account_id, node_id, role, granted_at) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (account_id, node_id, role) DO NOTHING",
        (account_id, node_id, role, to_db(now)),
    )
    return cursor.rowcount > 0


def remove_grant(conn: sqlite3.Connection, account_id: int, node_id: int, role: str) -> bool:
    """True if there was such a grant."""
    cursor = conn.execute(
        "DELETE FROM role_grants WHERE account_id = ? AND node_id = ? AND role = ?",
        (account_id, node_id, role),
    )
    return cursor.rowcount > 0


def add_session(conn: sqlite3.Connection, account_id: int, now: datetime, expires: datetime) -> str:
    """A new session; returns its token (stored only as a hash)."""
    token = new_token(SESSION_PREFIX)
    conn.execute(
        "INSERT INTO sessions (token_hash, account_id, created_at, expires_at) VALUES (?, ?, ?, ?)",
        (token_hash(token), account_id, to_db(now), to_db(expires)),
    )
    return token


def end_sessions(conn: sqlite3.Connection, account_id: int, *, except_id: int | None = None) -> int:
    """End the account's sessions (all but ``except_id``); returns how many."""
    cursor = conn.execute(
        "DELETE FROM sessions WHERE account_id = ? AND id IS NOT ?", (account_id, except_id)
    )
    return cursor.rowcount


def end_session(conn: sqlite3.Connection, session_id: int) -> None:
    conn.execute("DELETE FROM sessions WHERE id = ?", (session_id,))


def add_api_token(
    conn: sqlite3.Connection, account_id: int, label: str, now: datetime
) -> tuple[int, str]:
    """A new personal API token; returns its id and the token (shown once)."""
    token = new_token(API_TOKEN_PREFIX)
    row = conn.execute(
        "INSERT INTO api_tokens (token_hash, account_id, label, created_at) "
        "VALUES (?, ?, ?, ?) RETURNING id",
        (token_hash(token), account_id, label, to_db(now)),
    ).fetchone()
    return int(row[0]), token


def api_tokens(conn: sqlite3.Connection, account_id: int) -> list[sqlite3.Row]:
    """The account's tokens that are not revoked, oldest first."""
    return conn.execute(
        "SELECT id, label, created_at FROM api_tokens "
        "WHERE account_id = ? AND revoked_at IS NULL ORDER BY id",
        (account_id,),
    ).fetchall()


def revoke_api_token(
    conn: sqlite3.Connection, account_id: int, token_id: int, now: datetime
) -> bool:
    """Revoke one of the account's own tokens; False if it has no such live token."""
    cursor = conn.execute(
        "UPDATE api_tokens SET revoked_at = ? "
        "WHERE id = ? AND account_id = ? AND revoked_at IS NULL",
        (to_db(now), token_id, account_id),
    )
    return cursor.rowcount > 0


def principal_for(conn: sqlite3.Connection, token: str, now: datetime) -> Principal | None:
    """The account a session or personal API token belongs to, or None (unknown, expired,
    revoked)."""
    digest = token_hash(token)
    session_id = token_id = None
    if token.startswith(SESSION_PREFIX):
        row = conn.execute(
            "SELECT id, account_id, expires_at FROM sessions WHERE token_hash = ?", (digest,)
        ).fetchone()
        if row is None or from_db(row["expires_at"]) <= now:
            return None
        session_id = int(row["id"])
    elif token.startswith(API_TOKEN_PREFIX):
        row = conn.execute(
            "SELECT id, account_id FROM api_tokens WHERE token_hash = ? AND revoked_at IS NULL",
            (digest,),
        ).fetchone()
        if row is None:
            return None
        token_id = int(row["id"])
    else:
        return None
    account = account_by_id(conn, int(row["account_id"]))
    if account is None:
        return None
    return Principal(
        name=account.name,
        account_id=account.id,
        grants=grants_of(conn, account.id),
        session_id=session_id,
        token_id=token_id,
    )


def _account(row: sqlite3.Row) -> Account:
    return Account(int(row[0]), str(row[1]), str(row[2]), int(row[3]))
