"""Who is using the console, and the checks every form goes through.

Session: logging in makes a session in the same table as ``POST /api/login`` (so a password
change ends console sessions too) and puts its token in the ``console_session`` cookie:
HttpOnly, SameSite=Lax, Secure when the console is reached over HTTPS. The cookie is only ever
read by console routes; the JSON API never accepts it (it takes ``Authorization`` only), so a
forged cross-site request cannot reach the API with a person's cookie.

CSRF: the double-submit pattern. Each browser gets a random ``console_csrf`` cookie
(HttpOnly, SameSite=Strict); every page puts the same value in its forms (a hidden ``csrf``
field) and in ``<meta name="csrf-token">`` for scripts (the ``X-CSRF-Token`` header). A POST
is accepted only when the field or header equals the cookie (constant-time), and, when the
browser sends an ``Origin`` header, only from the console's own origin.

Acting node: a person may hold roles on several nodes; the console acts for one at a time
(chosen in the header, kept in the ``console_node`` cookie), by default the highest one.
"""

from __future__ import annotations

import hmac
import secrets
import sqlite3
from dataclasses import dataclass, replace
from urllib.parse import quote, urlsplit

from fastapi import Request
from starlette.responses import Response

from content_server import db
from content_server.accounts import store
from content_server.accounts.store import SESSION_PREFIX
from content_server.audit.log import client_address
from content_server.context import ServerContext
from content_server.org import tree
from content_server.org.tree import Node
from content_server.scope import ROLE_LABELS, ROLES, Action, Grant, Principal

SESSION_COOKIE = "console_session"
CSRF_COOKIE = "console_csrf"
NODE_COOKIE = "console_node"
CSRF_FIELD = "csrf"
CSRF_HEADER = "x-csrf-token"


class CsrfRefused(Exception):
    """A form or script request without the right CSRF token, or from another origin."""


class LoginRequired(Exception):
    """A page that needs a login, asked for without one: redirect to ``url`` (the login
    page, which comes back afterwards)."""

    def __init__(self, url: str) -> None:
        super().__init__(url)
        self.url = url


@dataclass(frozen=True)
class Acting:
    """The node a person acts for in the console, and what they may do there.

    Attributes:
        node: the node.
        roles: the person's roles that reach this node (held on it or an ancestor).
        label: ``第一党支部（发布员）`` for the header.
        path_label: the node's path from the root, ``示范街道党委/第一党支部``.
    """

    node: Node
    roles: tuple[str, ...]
    label: str
    path_label: str

    def may(self, action: Action) -> bool:
        return any(action in ROLES[role] for role in self.roles)


def is_https(ctx: ServerContext, request: Request) -> bool:
    """True when cookies must be ``Secure``: the request came over HTTPS, or the server's
    public address is HTTPS (behind a TLS-terminating proxy)."""
    public = ctx.settings.public_url or ""
    return request.url.scheme == "https" or public.lower().startswith("https://")


def current_principal(ctx: ServerContext, request: Request) -> Principal | None:
    """The account of the console session cookie, or None (no cookie, expired, ended)."""
    token = request.cookies.get(SESSION_COOKIE, "")
    if not token.startswith(SESSION_PREFIX):
        return None
    with ctx.db.connect() as conn, db.read_transaction(conn):
        who = store.principal_for(conn, token, ctx.clock())
    return replace(who, address=client_address(request)) if who is not None else None


def set_session(ctx: ServerContext, request: Request, response: Response, token: str) -> None:
    """Put a fresh session token in the session cookie."""
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=int(ctx.settings.session_hours * 3600),
        path="/console",
        httponly=True,
        samesite="lax",
        secure=is_https(ctx, request),
    )


def clear_session(response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/console")


def csrf_token(request: Request) -> str:
    """This browser's CSRF token (a new one if it has none yet: :func:`keep_csrf` sets it)."""
    token = request.cookies.get(CSRF_COOKIE, "")
    if len(token) < 32:
        token = getattr(request.state, "new_csrf", "") or secrets.token_urlsafe(32)
        request.state.new_csrf = token
    return token


def keep_csrf(ctx: ServerContext, request: Request, response: Response) -> None:
    """Set the CSRF cookie when :func:`csrf_token` had to make one for this page."""
    new = getattr(request.state, "new_csrf", "")
    if new:
        response.set_cookie(
            CSRF_COOKIE,
            new,
            path="/console",
            httponly=True,
            samesite="strict",
            secure=is_https(ctx, request),
        )


def check_csrf(ctx: ServerContext, request: Request, submitted: str | None) -> None:
    """Refuse a state-changing request whose token does not match the cookie, or that a
    browser says came from another site.

    Raises:
        CsrfRefused: with the reason (for the log; the person sees one Chinese sentence).
    """
    origin = request.headers.get("origin")
    if origin and origin != "null" and not _same_origin(ctx, request, origin):
        raise CsrfRefused(f"origin {origin[:100]!r} is not this console's")
    cookie = request.cookies.get(CSRF_COOKIE, "")
    given = submitted or request.headers.get(CSRF_HEADER, "")
    if len(cookie) < 32 or not hmac.compare_digest(cookie.encode(), given.encode()):
        raise CsrfRefused("CSRF token missing or different from the cookie")


def _same_origin(ctx: ServerContext, request: Request, origin: str) -> bool:
    ours = {f"{request.url.scheme}://{request.headers.get('host', '')}".lower()}
    if ctx.settings.public_url:
        public = urlsplit(ctx.settings.public_url)
        ours.add(f"{public.scheme}://{public.netloc}".lower())
    return origin.lower().rstrip("/") in ours


def require_login(ctx: ServerContext, request: Request) -> tuple[Principal, Acting | None]:
    """The person and the node they act for, or a redirect to the login page (and back).

    Raises:
        LoginRequired: nobody is logged in (no session, or it ended).
    """
    who = current_principal(ctx, request)
    if who is None:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise LoginRequired(f"/console/login?next={quote(target)}")
    return who, acting_for(ctx, request, who)


def acting_choices(ctx: ServerContext, who: Principal) -> list[Acting]:
    """The nodes a person may act for: each node they hold a role on, highest first."""
    by_node: dict[int, list[Grant]] = {}
    for grant in who.grants:
        by_node.setdefault(grant.node_id, []).append(grant)
    choices = []
    with ctx.db.connect() as conn, db.read_transaction(conn):
        for node_id in by_node:
            node = tree.get_node(conn, node_id)
            if node is None:
                continue
            roles = tuple(
                sorted(
                    {g.role for g in who.grants if node.path.startswith(g.node_path)},
                    key=list(ROLES).index,
                )
            )
            names = _path_names(conn, node)
            label = f"{node.name}（{'、'.join(ROLE_LABELS[r] for r in roles)}）"
            choices.append(Acting(node, roles, label, "/".join(names)))
    choices.sort(key=lambda each: (each.node.depth, each.node.path))
    return choices


def acting_for(ctx: ServerContext, request: Request, who: Principal) -> Acting | None:
    """The node the person acts for now: the one in the node cookie if they still hold a
    role there, else the highest; None for a person without any role."""
    choices = acting_choices(ctx, who)
    wanted = request.cookies.get(NODE_COOKIE, "")
    for choice in choices:
        if str(choice.node.id) == wanted:
            return choice
    return choices[0] if choices else None


def _path_names(conn: sqlite3.Connection, node: Node) -> list[str]:
    names = []
    for each in node.ancestry:
        ancestor = tree.get_node(conn, each)
        names.append(ancestor.name if ancestor else str(each))
    return names
