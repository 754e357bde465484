"""Rotating sign-in tokens for meeting QR codes (like TOTP, RFC 6238, but keyed per meeting).

The screen computes the token itself from the meeting's secret and the current time window, so the
QR code keeps rotating while the server is unreachable; the server checks it with the same secret.

    window  = floor(unix_time / period)
    token   = base32(HMAC-SHA256(secret, "<meeting_id>:<window>")[:10]), lower case, no padding
    url     = <signin base url>?w=<window>&t=<token>

The window number travels in the URL, so the server can tell an expired code (a genuine token for
an old window: "scan again") from a forged one (no window's token matches). Accepted windows are
the current one and the previous one; a screen whose clock runs up to ``skew`` seconds ahead of the
server is accepted too. The secret itself never appears in a URL.

Pure functions, no I/O: both the screen and the server import this module.
"""

from __future__ import annotations

import base64
import enum
import hashlib
import hmac
from datetime import datetime
from urllib.parse import urlencode, urlsplit, urlunsplit

DEFAULT_PERIOD_SECONDS = 30
DEFAULT_SKEW_SECONDS = 5
TOKEN_BYTES = 10  # 80 bits: 16 base32 characters, small enough for a low-density QR code


class TokenCheck(enum.Enum):
    """The result of checking a token from a scanned code."""

    VALID = "valid"
    EXPIRED = "expired"  # genuine, but for a window that is no longer accepted
    INVALID = "invalid"  # forged, malformed, for another meeting, or from the future


def window_at(moment: datetime, period: int = DEFAULT_PERIOD_SECONDS) -> int:
    """The number of the time window that ``moment`` (timezone-aware) falls in."""
    if moment.tzinfo is None:
        raise ValueError("sign-in windows need a timezone-aware time")
    return int(moment.timestamp() // period)


def window_ends_at(window: int, period: int = DEFAULT_PERIOD_SECONDS) -> float:
    """The Unix time at which ``window`` ends (the next code starts)."""
    return float((window + 1) * period)


def seconds_left(moment: datetime, period: int = DEFAULT_PERIOD_SECONDS) -> float:
    """Seconds until the code shown at ``moment`` changes."""
    return window_ends_at(window_at(moment, period), period) - moment.timestamp()


def token_for(secret: str, meeting_id: str, window: int) -> str:
    """The token for ``meeting_id`` in ``window``."""
    message = f"{meeting_id}:{window}".encode()
    digest = hmac.new(secret.encode(), message, hashlib.sha256).digest()[:TOKEN_BYTES]
    return base64.b32encode(digest).decode("ascii").rstrip("=").lower()


def signin_url(
    base_url: str,
    secret: str,
    meeting_id: str,
    moment: datetime,
    period: int = DEFAULT_PERIOD_SECONDS,
) -> str:
    """The URL to encode in the QR code at ``moment``.

    ``base_url`` is the meeting's sign-in page (``SignInParams.url``); any query it has is kept.
    """
    window = window_at(moment, period)
    parts = urlsplit(base_url)
    query = urlencode({"w": window, "t": token_for(secret, meeting_id, window)})
    query = f"{parts.query}&{query}" if parts.query else query
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, ""))


def accepted_windows(
    now: datetime, period: int = DEFAULT_PERIOD_SECONDS, skew: int = DEFAULT_SKEW_SECONDS
) -> set[int]:
    """The windows whose tokens are accepted at ``now``: current, previous, and a clock ahead."""
    current = window_at(now, period)
    ahead = int((now.timestamp() + skew) // period)
    return {current, current - 1, ahead}


def check_token(
    secret: str,
    meeting_id: str,
    window: object,
    token: object,
    now: datetime,
    period: int = DEFAULT_PERIOD_SECONDS,
    skew: int = DEFAULT_SKEW_SECONDS,
) -> TokenCheck:
    """Check a scanned ``window`` and ``token`` (raw strings from a URL are fine)."""
    try:
        number = int(str(window))
    except ValueError:
        return TokenCheck.INVALID
    if not isinstance(token, str) or len(token) > 64 or not token.isascii():
        return TokenCheck.INVALID
    expected = token_for(secret, meeting_id, number)
    if not hmac.compare_digest(expected, token.strip().lower()):
        return TokenCheck.INVALID
    if number in accepted_windows(now, period, skew):
        return TokenCheck.VALID
    return TokenCheck.EXPIRED if number < window_at(now, period) else TokenCheck.INVALID
