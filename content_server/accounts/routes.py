"""HTTP routes of accounts.

Anyone:
    POST   /api/login                         name + password -> session token and expiry
A logged-in person (session or personal API token; the admin token for /api/me):
    POST   /api/logout                        end this session
    GET    /api/me                            name and roles (with node paths)
    POST   /api/me/password                   change one's password; ends one's other sessions
    POST   /api/me/tokens                     a new personal API token (shown once)
    GET    /api/me/tokens                     one's live tokens (never the tokens themselves)
    DELETE /api/me/tokens/{id}                revoke one of one's tokens
An administrator of a node (or the superuser), for accounts made under its subtree:
    GET    /api/accounts                      the accounts it manages, with their roles
    POST   /api/accounts                      a new account under a node
    PUT    /api/accounts/{name}/password      set a password; ends that person's sessions
    POST   /api/accounts/{name}/grants        give a role on a node of its subtree
    DELETE /api/accounts/{name}/grants/{node_id}/{role}   take it back
"""

from __future__ import annotations

import logging
import re
import sqlite3
from datetime import timedelta
from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field

from content_server import db
from content_server.accounts import limits, store
from content_server.accounts.passwords import hash_password, password_problem, verify_password
from content_server.audit.log import home_node_id, record
from content_server.auth import Caller
from content_server.context import ServerContext
from content_server.errors import ApiError, error_responses
from content_server.org import tree
from content_server.scope import (
    ROLE_LABELS,
    ROLE_NAMES,
    Action,
    Principal,
    check_node,
    check_node_id,
    path_filter,
)
from content_server.timefmt import from_db

log = logging.getLogger("content_server.accounts")

NAME_RE = re.compile(r"[^\s/\\:]{1,64}")
NAME_RULE = "账号名为 1 到 64 个字符，不能含空白、/、\\ 或 :"


class Login(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(max_length=200)
    password: str = Field(max_length=1000)


class PasswordChange(BaseModel):
    model_config = ConfigDict(extra="forbid")
    current_password: str = Field(max_length=1000)
    new_password: str = Field(max_length=1000)


class NewPassword(BaseModel):
    model_config = ConfigDict(extra="forbid")
    password: str = Field(max_length=1000)


class NewToken(BaseModel):
    model_config = ConfigDict(extra="forbid")
    label: str = Field(default="", max_length=100, description="What the token is for.")


class NewAccount(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(max_length=200)
    password: str = Field(max_length=1000)
    node_id: int = Field(description="The node the account is made under (who manages it).")


class NewGrant(BaseModel):
    model_config = ConfigDict(extra="forbid")
    node_id: int
    role: str = Field(description=f"One of {', '.join(ROLE_NAMES)}.")


def build_router(ctx: ServerContext) -> APIRouter:
    """Routes of logins, one's own account, and account administration."""
    router = APIRouter(tags=["accounts"])

    @router.post("/api/login", responses=error_responses(401, 422, 429))
    def login(body: Login, request: Request) -> dict[str, Any]:
        """Log in: ``{token, expires_at, name}``; the token goes in ``Authorization: Bearer``."""
        address = request.client.host if request.client else "-"
        return log_in(ctx, body.name, body.password, address)

    @router.post("/api/logout", responses=error_responses(401))
    def logout(who: Caller) -> dict[str, bool]:
        """End the session this request came with (a personal token stays valid)."""
        if who.session_id is None:
            return {"ended": False}
        with ctx.db.connect() as conn, db.write_transaction(conn):
            store.end_session(conn, who.session_id)
            record(conn, who, "logout", home_node_id(conn, who), at=ctx.clock())
        return {"ended": True}

    @router.get("/api/me", responses=error_responses(401))
    def me(who: Caller) -> dict[str, Any]:
        """The caller: name, whether it is the superuser, and its roles with node paths."""
        with ctx.db.connect() as conn, db.read_transaction(conn):
            grants = [_grant_view(conn, g.node_id, g.role) for g in who.grants]
        return {"name": who.name, "superuser": who.superuser, "grants": grants}

    @router.post("/api/me/password", responses=error_responses(401, 403, 422))
    def change_password(body: PasswordChange, who: Caller) -> dict[str, Any]:
        """Change one's own password; every other session of the person ends."""
        account_id = _account_id(who)
        _check_password(body.new_password)
        with ctx.db.connect() as conn:
            account = store.account_by_id(conn, account_id)
            if account is None or not verify_password(account.password_hash, body.current_password):
                raise ApiError(403, "bad_password", "当前密码不正确 (wrong current password)")
            new_hash = hash_password(body.new_password)
            with db.write_transaction(conn):
                store.set_password(conn, account_id, new_hash, ctx.clock())
                ended = store.end_sessions(conn, account_id, except_id=who.session_id)
                record(conn, who, "password_change", account.home_node_id, at=ctx.clock())
        log.info("account %s changed its password; %d other sessions ended", who.name, ended)
        return {"name": who.name, "ended_sessions": ended}

    @router.post("/api/me/tokens", status_code=201, responses=error_responses(401, 403, 422))
    def create_token(body: NewToken, who: Caller) -> dict[str, Any]:
        """A new personal API token: the answer is the only time it is shown."""
        account_id = _account_id(who)
        now = ctx.clock()
        with ctx.db.connect() as conn, db.write_transaction(conn):
            token_id, token = store.add_api_token(conn, account_id, body.label.strip(), now)
            record(conn, who, "token_create", home_node_id(conn, who), at=now, target=str(token_id))
        log.info("account %s made personal API token %d", who.name, token_id)
        return {
            "id": token_id,
            "label": body.label.strip(),
            "token": token,
            "created_at": now.isoformat(),
        }

    @router.get("/api/me/tokens", responses=error_responses(401, 403))
    def list_tokens(who: Caller) -> dict[str, Any]:
        """One's tokens that are not revoked: id, label, when made (never the token)."""
        account_id = _account_id(who)
        with ctx.db.connect() as conn:
            rows = store.api_tokens(conn, account_id)
        tokens = [
            {
                "id": row["id"],
                "label": row["label"],
                "created_at": from_db(row["created_at"]).isoformat(),
            }
            for row in rows
        ]
        return {"tokens": tokens}

    @router.delete("/api/me/tokens/{token_id}", responses=error_responses(401, 403, 404, 422))
    def revoke_token(token_id: int, who: Caller) -> dict[str, Any]:
        """Revoke one of one's own tokens (another person's: 404)."""
        account_id = _account_id(who)
        with ctx.db.connect() as conn, db.write_transaction(conn):
            found = store.revoke_api_token(conn, account_id, token_id, ctx.clock())
            if found:
                node_id = home_node_id(conn, who)
                record(conn, who, "token_revoke", node_id, at=ctx.clock(), target=str(token_id))
        if not found:
            raise ApiError(404, "token_not_found", f"找不到令牌 {token_id}")
        log.info("account %s revoked personal API token %d", who.name, token_id)
        return {"id": token_id, "revoked": True}

    @router.get("/api/accounts", responses=error_responses(401))
    def list_accounts(who: Caller) -> dict[str, Any]:
        """The accounts made under nodes the caller administers, with their roles."""
        condition, params = path_filter(who, Action.ADMINISTER, "n.path")
        with ctx.db.connect() as conn, db.read_transaction(conn):
            rows = conn.execute(
                "SELECT a.id, a.name, a.home_node_id FROM accounts a "
                f"JOIN org_nodes n ON n.id = a.home_node_id WHERE {condition} ORDER BY a.name",
                params,
            ).fetchall()
            accounts = [_account_view(conn, int(r[0]), str(r[1]), int(r[2])) for r in rows]
        return {"accounts": accounts}

    @router.post(
        "/api/accounts", status_code=201, responses=error_responses(401, 403, 404, 409, 422)
    )
    def add_account(body: NewAccount, who: Caller) -> dict[str, Any]:
        """Make an account under ``node_id`` (administrator of that node needed)."""
        name = body.name.strip()
        if not NAME_RE.fullmatch(name):
            raise ApiError(422, "bad_account_name", NAME_RULE)
        _check_password(body.password)
        password_hash = hash_password(body.password)
        with ctx.db.connect() as conn, db.write_transaction(conn):
            check_node_id(conn, who, body.node_id, Action.ADMINISTER)
            if store.get_account(conn, name) is not None:
                raise ApiError(409, "account_exists", f"账号「{name}」已存在")
            account_id = store.add_account(conn, name, password_hash, body.node_id, ctx.clock())
            record(conn, who, "account_create", body.node_id, at=ctx.clock(), target=name)
            view = _account_view(conn, account_id, name, body.node_id)
        log.info("account %s made under node %d by %s", name, body.node_id, who.name)
        return view

    @router.put("/api/accounts/{name}/password", responses=error_responses(401, 403, 404, 422))
    def set_password(name: str, body: NewPassword, who: Caller) -> dict[str, Any]:
        """Set a person's password (a forgotten one); all of that person's sessions end."""
        _check_password(body.password)
        password_hash = hash_password(body.password)
        with ctx.db.connect() as conn, db.write_transaction(conn):
            account = _managed(conn, who, name)
            store.set_password(conn, account.id, password_hash, ctx.clock())
            ended = store.end_sessions(conn, account.id)
            record(conn, who, "password_set", account.home_node_id, at=ctx.clock(), target=name)
        log.info("password of %s set by %s; %d sessions ended", name, who.name, ended)
        return {"name": name, "ended_sessions": ended}

    @router.post("/api/accounts/{name}/grants", responses=error_responses(401, 403, 404, 422))
    def grant(name: str, body: NewGrant, who: Caller) -> dict[str, Any]:
        """Give ``role`` on ``node_id`` (and so on its subtree)."""
        role = _role(body.role)
        with ctx.db.connect() as conn, db.write_transaction(conn):
            account = _managed(conn, who, name)
            check_node_id(conn, who, body.node_id, Action.ADMINISTER)
            changed = store.add_grant(conn, account.id, body.node_id, role, ctx.clock())
            if changed:
                detail = ROLE_LABELS[role]
                record(conn, who, "grant", body.node_id, at=ctx.clock(), target=name, detail=detail)
            view = _account_view(conn, account.id, account.name, account.home_node_id)
        log.info("%s granted %s on node %d to %s", who.name, role, body.node_id, name)
        return {**view, "changed": changed}

    @router.delete(
        "/api/accounts/{name}/grants/{node_id}/{role}",
        responses=error_responses(401, 403, 404, 422),
    )
    def revoke(name: str, node_id: int, role: str, who: Caller) -> dict[str, Any]:
        """Take back a role."""
        role = _role(role)
        with ctx.db.connect() as conn, db.write_transaction(conn):
            account = _managed(conn, who, name)
            check_node_id(conn, who, node_id, Action.ADMINISTER)
            if not store.remove_grant(conn, account.id, node_id, role):
                raise ApiError(
                    404, "grant_not_found", f"「{name}」在组织 {node_id} 没有角色 {role}"
                )
            detail = ROLE_LABELS[role]
            record(conn, who, "grant_revoke", node_id, at=ctx.clock(), target=name, detail=detail)
            view = _account_view(conn, account.id, account.name, account.home_node_id)
        log.info("%s revoked %s on node %d from %s", who.name, role, node_id, name)
        return view

    return router


def log_in(ctx: ServerContext, name: str, password: str, address: str) -> dict[str, Any]:
    """Check a name and password against the stored login limits; a new session:
    ``{name, token, expires_at}``.

    Raises:
        ApiError: 429 ``too_many_attempts`` while locked, 401 ``bad_credentials`` (the same
            for an unknown name and a wrong password).
    """
    now = ctx.clock()
    keys = (limits.account_key(name), limits.address_key(address))
    with ctx.db.connect() as conn:
        wait = limits.locked_seconds(conn, keys, now)
        if wait > 0:
            log.warning("login refused: locked name=%s client=%s", name[:64], address)
            minutes = max(1, -(-wait // 60))
            raise ApiError(
                429,
                "too_many_attempts",
                f"登录失败次数过多，请 {minutes} 分钟后再试 "
                f"(too many failed logins; try again in {minutes} min)",
                {"Retry-After": str(wait)},
            )
        account = store.get_account(conn, name)
        good = verify_password(account.password_hash if account else None, password)
        with db.write_transaction(conn):
            if not good or account is None:
                limits.record_failure(conn, keys, now)
                node_id = account.home_node_id if account else None
                record(conn, name, "login_failed", node_id, at=now, address=address)
                token = None
            else:
                limits.clear(conn, keys[0])
                expires = now + timedelta(hours=ctx.settings.session_hours)
                token = store.add_session(conn, account.id, now, expires)
                person = Principal(account.name, account.id, address=address)
                record(conn, person, "login", account.home_node_id, at=now)
    if token is None or account is None:
        log.warning("login failed: name=%s client=%s", name[:64], address)
        raise ApiError(
            401,
            "bad_credentials",
            "账号或密码不正确 (wrong name or password)",
            {"WWW-Authenticate": "Bearer"},
        )
    log.info("login: %s from %s", account.name, address)
    return {"name": account.name, "token": token, "expires_at": expires.isoformat()}


def _account_id(who: Principal) -> int:
    if who.account_id is None:
        raise ApiError(403, "not_an_account", "管理员令牌不是个人账号：请用个人账号登录后再操作")
    return who.account_id


def _check_password(password: str) -> None:
    problem = password_problem(password)
    if problem:
        raise ApiError(422, "weak_password", problem)


def _role(role: str) -> str:
    if role not in ROLE_NAMES:
        raise ApiError(422, "bad_role", f"角色应为 {'、'.join(ROLE_NAMES)} 之一")
    return role


def _managed(conn: sqlite3.Connection, who: Principal, name: str) -> store.Account:
    """An account the caller administers (its home node is in the caller's subtree)."""
    missing = ApiError(404, "account_not_found", f"找不到账号「{name[:64]}」")
    account = store.get_account(conn, name)
    home = tree.get_node(conn, account.home_node_id) if account else None
    check_node(who, home, Action.ADMINISTER, missing)
    assert account is not None
    return account


def node_path_label(conn: sqlite3.Connection, node_id: int) -> str:
    """``本级党组织/机关党委/第一党支部``."""
    node = tree.get_node(conn, node_id)
    if node is None:
        return str(node_id)
    names = []
    for each in node.ancestry:
        ancestor = tree.get_node(conn, each)
        names.append(ancestor.name if ancestor else str(each))
    return "/".join(names)


def _grant_view(conn: sqlite3.Connection, node_id: int, role: str) -> dict[str, Any]:
    return {"node_id": node_id, "path": node_path_label(conn, node_id), "role": role}


def _account_view(
    conn: sqlite3.Connection, account_id: int, name: str, home_node_id: int
) -> dict[str, Any]:
    grants = store.grants_of(conn, account_id)
    return {
        "name": name,
        "home": {"node_id": home_node_id, "path": node_path_label(conn, home_node_id)},
        "grants": [_grant_view(conn, g.node_id, g.role) for g in grants],
    }
