"""Sign-in state and the wall plan's sign-in card, with an injected clock."""

from datetime import datetime, timedelta
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest

from content_cache.signin_token import TokenCheck, check_token
from content_cache.wire import Manifest, Meeting, Notice, ScreenSettings, SignInParams
from kiosk.core.schedule import plan_for
from kiosk.core.signin import SignInPhase, open_meetings, signin_edges, signin_state

CST = ZoneInfo("Asia/Shanghai")
START = datetime(2026, 11, 24, 14, 30, tzinfo=CST)
SECRET = "s3cret-for-tests-only-0123456789"
BASE = "http://10.0.0.5:8080/m/m1"


def meeting(item_id="m1", start=START, period=30, signin=True, **fields):
    params = SignInParams(
        url=f"http://10.0.0.5:8080/m/{item_id}",
        secret=SECRET,
        period_seconds=period,
        opens_at=start - timedelta(minutes=30),
        closes_at=start + timedelta(minutes=30),
    )
    return Meeting(
        id=item_id, title="专题会", meeting_type="支部党员大会", start=start,
        end=start + timedelta(hours=1), signin=params if signin else None, **fields,
    )  # fmt: skip


def manifest(*items, **settings):
    return Manifest(
        revision=1, screen_id="s1", generated_at=START, settings=ScreenSettings(**settings),
        items=list(items),
    )  # fmt: skip


def test_not_yet_open_changes_when_sign_in_opens():
    m = meeting()
    now = START - timedelta(minutes=40)
    state = signin_state(m, now)
    assert state.phase is SignInPhase.NOT_YET and state.url is None
    assert state.changes_at == START - timedelta(minutes=30)
    assert state.seconds_left == 600


def test_open_state_encodes_a_token_the_server_accepts():
    m = meeting()
    now = START - timedelta(minutes=5, seconds=3)
    state = signin_state(m, now)
    assert state.is_open
    parts = urlsplit(state.url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == BASE
    query = parse_qs(parts.query)
    assert int(query["w"][0]) == state.window
    assert check_token(SECRET, "m1", query["w"][0], query["t"][0], now) is TokenCheck.VALID
    assert check_token(SECRET, "other", query["w"][0], query["t"][0], now) is TokenCheck.INVALID


def test_the_code_changes_exactly_at_the_window_edge():
    now = datetime.fromtimestamp(1_795_000_020 - 7, CST)  # 7 s before a 30 s boundary
    m = meeting(start=now + timedelta(minutes=10))
    first = signin_state(m, now)
    assert first.seconds_left == pytest.approx(7)
    assert first.changes_at.timestamp() == 1_795_000_020
    just_before = signin_state(m, first.changes_at - timedelta(microseconds=1))
    at_edge = signin_state(m, first.changes_at)
    assert just_before.url == first.url
    assert at_edge.url != first.url and at_edge.window == first.window + 1
    assert at_edge.seconds_left == 30


def test_the_last_code_lasts_until_sign_in_closes():
    m = meeting()
    closes = START + timedelta(minutes=30)
    state = signin_state(m, closes - timedelta(seconds=4))
    assert state.is_open and state.changes_at == closes
    closed = signin_state(m, closes)  # the end is exclusive
    assert closed.phase is SignInPhase.CLOSED and closed.url is None
    assert closed.changes_at is None


def test_a_meeting_without_sign_in_is_never_open():
    m = meeting(signin=False)
    assert signin_state(m, START).phase is SignInPhase.CLOSED
    assert open_meetings([m], START) == [] and signin_edges([m], START) == []


def test_naive_now_is_refused():
    with pytest.raises(ValueError):
        signin_state(meeting(), START.replace(tzinfo=None))


def test_with_two_open_the_one_starting_first_is_shown():
    early = meeting("early", START)
    late = meeting("late", START + timedelta(minutes=20))
    now = START - timedelta(minutes=5)
    assert [m.id for m in open_meetings([late, early], now)] == ["early", "late"]
    plan = plan_for(manifest(late, early), now)
    assert plan.signin is not None and plan.signin.id == "early"
    after = plan_for(manifest(late, early), START + timedelta(minutes=30))  # early closed
    assert after.signin is not None and after.signin.id == "late"


def test_plan_changes_at_sign_in_open_and_close():
    m = meeting()
    opens, closes = START - timedelta(minutes=30), START + timedelta(minutes=30)
    before = plan_for(manifest(m), opens - timedelta(minutes=1))
    assert before.signin is None and before.next_change == opens
    during = plan_for(manifest(m), opens)
    assert during.signin == m and during.next_change == closes
    assert plan_for(manifest(m), closes).signin is None


def test_sign_in_needs_the_meeting_in_its_display_window_and_no_stop():
    now = START
    withdrawn_early = meeting(valid_until=now - timedelta(minutes=1))
    assert plan_for(manifest(withdrawn_early), now).signin is None
    assert plan_for(manifest(meeting()), now).signin is not None
    stopped = plan_for(manifest(meeting(), emergency_stop=True), now)
    assert stopped.signin is None and stopped.stopped


def test_urgent_notice_and_sign_in_are_both_in_the_plan():
    urgent = Notice(id="u1", text="停电", urgent=True)
    plan = plan_for(manifest(meeting(), urgent), START)
    assert plan.urgent == urgent and plan.signin is not None  # the screen lets urgent win
