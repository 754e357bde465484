"""A screen's credentials on the wire: ``Authorization: Bearer <screen token>``.

The server derives each screen's token from its screen key; the admin prints it with
``kiosk publish ... screen-token SCREEN_ID`` and it goes into the screen's ``screen_token``
setting. The token goes only with the requests that need it (the manifest, the event stream,
uploads), not with asset downloads, so caches and CDNs in front of ``/assets`` keep working.
"""

from __future__ import annotations

import requests


def auth_headers(token: str | None) -> dict[str, str]:
    """The header that carries ``token``; none without a token."""
    return {"Authorization": f"Bearer {token}"} if token else {}


def refused_message(screen_id: str) -> str:
    """One log line for a 401 from the server: what to set and how to get it."""
    return (
        "server refused this screen's token: set screen_token "
        f"(kiosk publish ... screen-token {screen_id})"
    )


def screen_session(token: str | None, user_agent: str) -> requests.Session:
    """A session that sends ``token`` with every request (for a client whose every request
    is one of the screen's own, such as the learning-record uploader)."""
    session = requests.Session()
    session.headers["User-Agent"] = user_agent
    session.headers.update(auth_headers(token))
    return session
