"""Sign-in token maths (``content_cache.signin_token``) with an injected clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from urllib.parse import parse_qs, urlsplit

import pytest

from content_cache.signin_token import (
    TokenCheck,
    accepted_windows,
    check_token,
    seconds_left,
    signin_url,
    token_for,
    window_at,
)

SECRET = "s3cret-s3cret-s3cret-0123456789"
MEETING = "m-AbCdEfGhIj"
PERIOD = 30
# A window boundary: 2026-06-01T04:00:00Z is a multiple of 30 s.
EDGE = datetime(2026, 6, 1, 4, 0, tzinfo=UTC)


def at(seconds: float) -> datetime:
    return EDGE + timedelta(seconds=seconds)


def code(moment: datetime, meeting: str = MEETING, secret: str = SECRET) -> tuple[int, str]:
    """The window and token a screen shows at ``moment``."""
    window = window_at(moment, PERIOD)
    return window, token_for(secret, meeting, window)


def check(window: object, token: object, now: datetime, **kw: object) -> TokenCheck:
    return check_token(SECRET, MEETING, window, token, now, PERIOD, **kw)  # type: ignore[arg-type]


def test_windows_start_inclusive_at_the_edge() -> None:
    assert window_at(at(0)) == window_at(at(29.999)) == window_at(at(-0.001)) + 1
    assert window_at(at(30)) == window_at(at(0)) + 1
    assert seconds_left(at(0)) == 30
    assert seconds_left(at(29.5)) == pytest.approx(0.5)


def test_window_needs_an_aware_time() -> None:
    with pytest.raises(ValueError):
        window_at(datetime(2026, 6, 1, 12, 0))


def test_same_instant_same_window_in_any_zone() -> None:
    beijing = EDGE.astimezone(timezone(timedelta(hours=8)))
    assert window_at(beijing) == window_at(EDGE)


def test_current_window_is_valid_up_to_its_last_instant() -> None:
    window, token = code(at(0))
    assert check(window, token, at(0)) is TokenCheck.VALID
    assert check(window, token, at(29.999)) is TokenCheck.VALID


def test_previous_window_is_accepted() -> None:
    window, token = code(at(0))
    assert check(window, token, at(30)) is TokenCheck.VALID
    assert check(window, token, at(59.999)) is TokenCheck.VALID


def test_two_windows_old_is_expired() -> None:
    window, token = code(at(0))
    assert check(window, token, at(60)) is TokenCheck.EXPIRED
    assert check(window, token, at(3600)) is TokenCheck.EXPIRED


def test_a_screen_clock_a_few_seconds_ahead_is_accepted() -> None:
    # The screen already shows the next window's code; the server is 4 s behind.
    window, token = code(at(30))
    assert check(window, token, at(26), skew=5) is TokenCheck.VALID
    assert check(window, token, at(24), skew=5) is TokenCheck.INVALID
    assert check(window, token, at(26), skew=0) is TokenCheck.INVALID


def test_a_code_from_the_future_is_invalid() -> None:
    window, token = code(at(600))
    assert check(window, token, at(0)) is TokenCheck.INVALID


def test_another_meeting_or_secret_is_refused() -> None:
    window, other_meeting = code(at(0), meeting="m-Other00000")
    assert check(window, other_meeting, at(0)) is TokenCheck.INVALID
    window, other_secret = code(at(0), secret="another-secret-0123456789")
    assert check(window, other_secret, at(0)) is TokenCheck.INVALID
    # A genuine token with the window number changed is forged too.
    window, token = code(at(0))
    assert check(window + 1, token, at(0)) is TokenCheck.INVALID
    assert check(window - 1, token, at(0)) is TokenCheck.INVALID


def test_tokens_differ_per_window_and_look_like_base32() -> None:
    tokens = {token_for(SECRET, MEETING, w) for w in range(1000, 1050)}
    assert len(tokens) == 50
    token = token_for(SECRET, MEETING, 1000)
    assert len(token) == 16 and token.isalnum() and token == token.lower()


@pytest.mark.parametrize(
    ("window", "token"),
    [
        ("", "x"),
        ("abc", "x"),
        ("1.5", "x"),
        (None, "x"),
        ("12", None),
        ("12", 12345),
        ("12", ""),
        ("12", "a" * 65),
        ("12", "非ascii令牌"),
        ("-1", "aaaaaaaaaaaaaaaa"),
        ("99999999999999999999999", "aaaaaaaaaaaaaaaa"),
    ],
)
def test_malformed_input_is_invalid_not_an_error(window: object, token: object) -> None:
    assert check(window, token, at(0)) is TokenCheck.INVALID


def test_raw_strings_from_a_url_and_upper_case_tokens_are_fine() -> None:
    window, token = code(at(0))
    assert check(str(window), token.upper(), at(0)) is TokenCheck.VALID
    assert check(f" {window}", f" {token} ", at(0)) is TokenCheck.VALID


def test_accepted_windows() -> None:
    current = window_at(at(10))
    assert accepted_windows(at(10), PERIOD, 5) == {current, current - 1}
    assert accepted_windows(at(27), PERIOD, 5) == {current, current - 1, current + 1}


def test_signin_url_carries_window_and_token_but_never_the_secret() -> None:
    url = signin_url("http://10.0.0.5:8080/m/" + MEETING, SECRET, MEETING, at(1), PERIOD)
    parts = urlsplit(url)
    assert (parts.scheme, parts.netloc, parts.path) == ("http", "10.0.0.5:8080", "/m/" + MEETING)
    query = parse_qs(parts.query)
    window, token = code(at(1))
    assert query == {"w": [str(window)], "t": [token]}
    assert SECRET not in url
    assert check(query["w"][0], query["t"][0], at(1)) is TokenCheck.VALID


def test_signin_url_keeps_an_existing_query() -> None:
    url = signin_url("https://x.example/m/a?src=screen", SECRET, MEETING, at(0), PERIOD)
    assert parse_qs(urlsplit(url).query)["src"] == ["screen"]
    assert "w=" in url and "t=" in url
