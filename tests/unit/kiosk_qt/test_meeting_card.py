"""The meeting sign-in card: layout at three sizes, a QR code that decodes and rotates, the live
count; and wall mode showing it above the rotation while sign-in is open.

Set ``KIOSK_TEST_SHOTS=DIR`` to save the grabs of the layout test there.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from qt_helpers import (
    SHANGHAI,
    JumpingClock,
    ShiftedClock,
    SnapshotBuilder,
    events,
    layout_problems,
    shown_ids,
)

from content_cache.live_count import LiveCount
from content_cache.wire import Meeting
from kiosk.core.signin import signin_state
from kiosk.qt.meeting_view import (
    COUNT_PENDING,
    COUNT_UNAVAILABLE,
    QR_MIN_SHARE,
    MeetingCard,
    meeting_time_text,
)
from kiosk.qt.theme import Metrics
from kiosk.qt.window import Page
from tests.support.qr import decode_qr

SIZES = [(1080, 1920), (1920, 1080), (3840, 2160)]
THEMES = ["party-red", "high-contrast"]
SECRET = "0123456789abcdef0123456789abcdef"
NOW = datetime(2026, 11, 24, 14, 10, 5, tzinfo=SHANGHAI)
START = datetime(2026, 11, 24, 14, 30, tzinfo=SHANGHAI)
LONG_TITLE = "学习贯彻党的二十届四中全会精神暨“不忘初心、牢记使命”主题教育专题组织生活会" * 3


def add_meeting(
    builder: SnapshotBuilder, item_id: str = "m1", start: datetime = START, **fields: Any
) -> dict[str, Any]:
    """Add a meeting whose sign-in runs from 30 min before ``start`` to 30 min after."""
    item = {
        "kind": "meeting", "id": item_id, "title": "学习贯彻全会精神专题会",
        "meeting_type": "支部党员大会", "branch": "第一党支部", "place": "党员活动室",
        "start": start.isoformat(), "end": (start + timedelta(hours=1, minutes=30)).isoformat(),
        "signin": {
            "url": f"http://10.1.2.3:8080/m/{item_id}", "secret": SECRET, "period_seconds": 30,
            "opens_at": (start - timedelta(minutes=30)).isoformat(),
            "closes_at": (start + timedelta(minutes=30)).isoformat(),
        },
        **fields,
    }  # fmt: skip
    builder.items.append(item)
    return item


def meeting_of(builder: SnapshotBuilder, **fields: Any) -> Meeting:
    item = add_meeting(builder, **fields)
    builder.items.remove(item)
    return Meeting.model_validate(item)


def _shoot(widget, name: str) -> None:  # noqa: ANN001
    folder = os.environ.get("KIOSK_TEST_SHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        widget.grab().save(str(Path(folder) / f"{name}.png"))


# -- the card in the wall window ---------------------------------------------------------------


@pytest.mark.parametrize("theme", THEMES)
@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_card_fits_the_main_zone(
    make_screen, builder: SnapshotBuilder, kiosk_log, size, theme
) -> None:
    builder.settings.update(theme=theme)
    builder.notice("n1", "请各位党员按时交纳党费。")
    builder.poster("p1")
    add_meeting(builder, title=LONG_TITLE, place="党员活动室" * 30, meeting_type="主题党日" * 12)
    screen = make_screen(builder.commit(), size=size, clock=JumpingClock(NOW))
    card = screen.window.meeting_card
    assert screen.window.page() is Page.MEETING
    names = ["<b>张三</b>", "李秀英" * 20, "王五", "赵六", "钱七"]
    card.set_count(LiveCount("m1", 12, 30, 2, tuple(names)))
    _shoot(screen.window, f"meeting-{theme}-{size[0]}x{size[1]}")

    assert layout_problems(screen.window) == []
    regions = card.regions()
    assert set(regions) >= {"tag", "title", "time", "qr", "hint", "count", "latest"}
    inside = card.rect()
    for name, rect in regions.items():
        assert inside.contains(rect), (name, rect, inside)
    boxes = list(regions.items())
    for i, (first, a) in enumerate(boxes):
        for second, b in boxes[i + 1 :]:
            assert not a.intersects(b), (first, second)
    zone = screen.window.main_zone
    assert card.qr_rect().width() >= QR_MIN_SHARE * min(zone.width(), zone.height())
    assert regions["qr"].contains(card.qr_rect())
    drawn = {text.text for text in card.drawn_text}
    assert any(t.startswith("最新签到：<b>张三</b>") and t.endswith("…") for t in drawn)
    assert any(t.endswith("…") for t in drawn if "活动室" in t)  # the long place is elided
    assert "已签到 12 / 应到 30 · 请假 2" in drawn
    assert all(text.fits() for text in card.drawn_text)


def test_qr_code_decodes_to_the_sign_in_url(
    make_screen, builder: SnapshotBuilder, tmp_path: Path
) -> None:
    add_meeting(builder)
    clock = JumpingClock(NOW)
    screen = make_screen(builder.commit(), size=(1080, 1920), clock=clock)
    card = screen.window.meeting_card
    expected = signin_state(card.meeting, NOW).url
    assert card.url == expected and expected.startswith("http://10.1.2.3:8080/m/m1?w=")
    shot = tmp_path / "screen.png"
    assert screen.window.grab().save(str(shot))
    assert decode_qr(shot) == [expected]


def test_code_rotates_at_each_window_and_counts_down(qtbot, theme, builder) -> None:
    meeting = meeting_of(builder)
    start = datetime.fromtimestamp(1_795_000_020 - 12.4, UTC)  # 12.4 s before a window edge
    clock = JumpingClock(start)
    card = MeetingCard(theme, clock, timezone=SHANGHAI)
    qtbot.addWidget(card)
    card.set_style(theme, Metrics.for_size(theme, 1080, 1920))
    card.resize(1080, 1500)
    card.set_meeting(meeting.model_copy(update={"signin": meeting.signin.model_copy(
        update={"opens_at": start - timedelta(minutes=5),
                "closes_at": start + timedelta(minutes=5)})}))  # fmt: skip
    card.show()
    first = card.url
    assert card.countdown_text().startswith("二维码 13 秒后更新")
    clock.now = start + timedelta(seconds=12)
    card.refresh()
    assert card.url == first and card.countdown_text().startswith("二维码 1 秒后更新")
    clock.now = start + timedelta(seconds=12.4)
    with qtbot.waitSignal(card.url_changed) as changed:
        card.refresh()
    assert changed.args == [card.url] and card.url != first
    assert card.countdown_text().startswith("二维码 30 秒后更新")
    clock.now = start + timedelta(minutes=5)  # sign-in closes: no code any more
    with qtbot.waitSignal(card.phase_changed) as phase:
        card.refresh()
    assert phase.args == ["closed"] and card.url is None and card.qr_rect().isEmpty()


def test_the_card_ticks_by_itself_while_shown(qtbot, theme, builder) -> None:
    meeting = meeting_of(builder, start=datetime.now(UTC) + timedelta(minutes=5))
    card = MeetingCard(theme, lambda: datetime.now(UTC), timezone=SHANGHAI)
    qtbot.addWidget(card)
    card.resize(800, 1200)
    card.set_meeting(meeting)
    card.show()
    shown = card.countdown_text()
    qtbot.waitUntil(lambda: card.countdown_text() != shown, timeout=3000)
    card.hide()
    assert not card._timer.isActive()  # nothing ticks while the card is not shown


def test_count_updates_and_unavailable_count(qtbot, theme, builder) -> None:
    card = MeetingCard(theme, JumpingClock(NOW), timezone=SHANGHAI)
    qtbot.addWidget(card)
    card.resize(1080, 1500)
    card.set_meeting(meeting_of(builder))
    card.show()
    assert card.count_text() == COUNT_PENDING
    card.set_count(LiveCount("m1", 3, 30, 0, ("<i>李四</i>",)))
    card.set_count(LiveCount("other", 99, 99))  # another meeting's count is ignored
    assert card.count_text() == "已签到 3 / 应到 30"
    assert card.latest_text() == "最新签到：<i>李四</i>"  # markup stays literal
    card.set_count_unavailable()
    card.grab()
    assert card.count_text() == COUNT_UNAVAILABLE and card.latest_text() == ""
    assert card.url is not None and not card.qr_rect().isEmpty()  # the code stays
    assert COUNT_UNAVAILABLE in {text.text for text in card.drawn_text}
    card.set_count(LiveCount("m1", 4, 30, 1, ("王五", "<i>李四</i>")))
    assert card.count_text() == "已签到 4 / 应到 30 · 请假 1"


def test_not_yet_open_shows_when_sign_in_starts(qtbot, theme, builder) -> None:
    card = MeetingCard(theme, JumpingClock(START - timedelta(hours=1)), timezone=SHANGHAI)
    qtbot.addWidget(card)
    card.resize(1600, 900)
    card.set_meeting(meeting_of(builder))
    card.show()
    card.grab()
    assert card.url is None
    assert "签到将于 11月24日 14:00 开始" in {text.text for text in card.drawn_text}


def test_time_text_in_chinese() -> None:
    meeting = Meeting(
        id="m", meeting_type="党课", start=START, end=START + timedelta(hours=1, minutes=30)
    )
    assert meeting_time_text(meeting, SHANGHAI) == "11月24日 14:30–16:00"
    overnight = meeting.model_copy(update={"end": START + timedelta(days=1)})
    assert meeting_time_text(overnight, SHANGHAI) == "11月24日 14:30–11月25日 14:30"


# -- wall mode ---------------------------------------------------------------------------------


def test_wall_shows_the_card_above_the_rotation_until_sign_in_closes(
    make_screen, builder: SnapshotBuilder, kiosk_log, qtbot
) -> None:
    builder.poster("p1", display_seconds=60)
    closes = START + timedelta(minutes=30)
    add_meeting(builder)
    clock = ShiftedClock(closes - timedelta(seconds=1.5))
    screen = make_screen(builder.commit(), clock=clock)
    assert screen.window.page() is Page.MEETING
    assert screen.controller.next_replan == closes  # sign-in closing is a change instant
    [shown] = events(kiosk_log, "meeting_signin_shown")
    assert (shown.meeting_id, shown.meeting_type) == ("m1", "支部党员大会")
    assert shown_ids(kiosk_log) == []  # the rotation waits
    qtbot.waitUntil(lambda: shown_ids(kiosk_log) == ["p1"], timeout=10_000)
    assert screen.window.page() is Page.POSTERS
    [closed] = events(kiosk_log, "meeting_signin_closed")
    assert (closed.meeting_id, closed.reason) == ("m1", "closed")


def test_urgent_notice_and_emergency_stop_win_over_the_card(
    make_screen, builder: SnapshotBuilder, kiosk_log
) -> None:
    add_meeting(builder)
    builder.notice("u1", "停电检修", urgent=True)
    screen = make_screen(builder.commit(), clock=JumpingClock(NOW))
    assert screen.window.page() is Page.URGENT
    assert events(kiosk_log, "meeting_signin_shown") == []
    builder.items = [i for i in builder.items if i["id"] != "u1"]
    screen.controller.on_sync_result(_updated(builder.commit(2)))
    assert screen.window.page() is Page.MEETING
    builder.settings["emergency_stop"] = True
    screen.controller.on_sync_result(_updated(builder.commit(3)))
    assert screen.window.page() is Page.STOPPED
    [closed] = events(kiosk_log, "meeting_signin_closed")
    assert closed.reason == "stopped"


def test_two_open_meetings_show_the_one_starting_first(
    make_screen, builder: SnapshotBuilder, kiosk_log
) -> None:
    add_meeting(builder, "late", START + timedelta(minutes=20))
    add_meeting(builder, "early", START)
    screen = make_screen(builder.commit(), clock=JumpingClock(NOW))
    assert screen.window.meeting_card.meeting.id == "early"


def test_without_a_live_feed_the_count_shows_unavailable(
    make_screen, builder: SnapshotBuilder
) -> None:
    add_meeting(builder)
    screen = make_screen(builder.commit(), clock=JumpingClock(NOW))
    card = screen.window.meeting_card
    assert card.count_text() == COUNT_UNAVAILABLE and card.url is not None


def _updated(snapshot):  # noqa: ANN001, ANN202
    from content_cache.sync import SyncResult

    return SyncResult("updated", snapshot)


def test_unreachable_server_greys_the_count_and_keeps_the_code(
    make_screen, builder: SnapshotBuilder, kiosk_log, qtbot
) -> None:
    import socket

    from kiosk.qt.live_feed import LiveCountFeed

    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    feed = LiveCountFeed(f"http://127.0.0.1:{port}", poll_seconds=0.2)
    add_meeting(builder)
    screen = make_screen(builder.commit(), clock=JumpingClock(NOW), live_counts=feed)
    card = screen.window.meeting_card
    assert feed.meeting_id == "m1"
    qtbot.waitUntil(lambda: card.count_available is False, timeout=10_000)
    assert card.count_text() == COUNT_UNAVAILABLE and card.url is not None
    [unavailable] = events(kiosk_log, "meeting_count_unavailable")
    assert unavailable.meeting_id == "m1"
    assert feed.close()
