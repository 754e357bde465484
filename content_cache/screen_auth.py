"""A screen's credentials on the wire: ``Authorization: Bearer <screen token>``.

The token is the screen's own credential, received when an administrator entered its pairing
code (``content_cache.enrollment``), or on an install set up before enrollment existed, the
token the server derives from its screen key (``kiosk publish ... screen-token SCREEN_ID``,
the screen's ``screen_token`` setting). It goes only with the requests that need it (the
manifest, the event stream, uploads), not with asset downloads, so caches and CDNs in front of
``/assets`` keep working. A revoked screen is answered 403 ``screen_revoked``.
"""

from __future__ import annotations

import requests

REVOKED_CODE = "screen_revoked"


def auth_headers(token: str | None) -> dict[str, str]:
    """The header that carries ``token``; none without a token."""
    return {"Authorization": f"Bearer {token}"} if token else {}


def refused_message(screen_id: str) -> str:
    """One log line for a 401 from the server: what to set and how to get it."""
    return (
        "server refused this screen's token: set screen_token "
        f"(kiosk publish ... screen-token {screen_id}), or leave it out and enroll the screen "
        "with the pairing code it then shows"
    )


def is_revoked(response: requests.Response) -> bool:
    """Did the server answer that this screen was revoked (403 ``screen_revoked``)?"""
    if response.status_code != 403:
        return False
    try:
        body = response.json()
    except ValueError:
        return False
    return isinstance(body, dict) and body.get("code") == REVOKED_CODE


def revoked_message(screen_id: str) -> str:
    """One log line for a revoked screen."""
    return (
        f"server says screen {screen_id} was revoked by an administrator: "
        "it keeps showing its cache and asks for a new pairing code"
    )


def screen_session(token: str | None, user_agent: str) -> requests.Session:
    """A session that sends ``token`` with every request (for a client whose every request
    is one of the screen's own, such as the learning-record uploader)."""
    session = requests.Session()
    session.headers["User-Agent"] = user_agent
    session.headers.update(auth_headers(token))
    return session
