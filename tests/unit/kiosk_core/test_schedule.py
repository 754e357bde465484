"""What to show now, with an injected clock."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from content_cache.wire import AssetRef, Manifest, Notice, Poster, ScreenSettings, Video
from kiosk.core.schedule import plan_for

CST = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 24, 9, 0, tzinfo=CST)
REF = AssetRef(sha256="a" * 64, size=10, media_type="image/jpeg")


def poster(item_id, start=None, end=None, priority=0):
    return Poster(
        id=item_id, title=item_id, image=REF, valid_from=start, valid_until=end, priority=priority
    )


def manifest(*items, **settings):
    return Manifest(
        revision=1,
        screen_id="s1",
        generated_at=NOW,
        settings=ScreenSettings(**settings),
        items=list(items),
    )


def test_nothing_cached_means_nothing_to_show():
    plan = plan_for(None, NOW)
    assert plan.rotation == [] and plan.urgent is None and plan.next_change is None


def test_only_items_in_their_window_are_shown_and_the_next_edge_is_reported():
    hour = timedelta(hours=1)
    m = manifest(
        poster("past", NOW - 2 * hour, NOW - hour),
        poster("now", NOW - hour, NOW + hour),
        poster("later", NOW + 2 * hour),
        poster("always"),
    )
    plan = plan_for(m, NOW)
    assert [p.id for p in plan.rotation] == ["now", "always"]
    assert plan.next_change == NOW + hour
    later = plan_for(m, NOW + hour)  # end is exclusive
    assert [p.id for p in later.rotation] == ["always"]
    assert later.next_change == NOW + 2 * hour
    midnight = datetime(2026, 11, 25, 0, 0, tzinfo=CST)
    assert plan_for(m, NOW + 3 * hour).next_change == midnight  # the day turns


def test_priority_orders_the_rotation_stably():
    m = manifest(poster("a"), poster("b", priority=5), poster("c"), poster("d", priority=5))
    assert [p.id for p in plan_for(m, NOW).rotation] == ["b", "d", "a", "c"]


def test_notices_and_urgent_insert():
    m = manifest(
        Notice(id="n1", text="普通通知"),
        Notice(id="u1", text="紧急插播", urgent=True),
        poster("p1"),
    )
    plan = plan_for(m, NOW)
    assert [n.id for n in plan.notices] == ["n1"]
    assert plan.urgent is not None and plan.urgent.id == "u1"


def test_emergency_stop_blanks_everything():
    plan = plan_for(manifest(poster("p1"), emergency_stop=True), NOW)
    assert plan.rotation == [] and plan.notices == []


def test_the_screen_opens_on_the_head_of_the_rotation_when_nothing_covers_it():
    from content_cache.wire import HonorRoll, PowerRule

    assert plan_for(manifest(poster("a"), poster("b", priority=5)), NOW).opening_poster().id == "b"
    roll = HonorRoll(id="r", title="光荣榜", entries=[], priority=9)
    covered = [
        manifest(roll, poster("a")),  # a roll first: nothing to decode ahead
        manifest(poster("a"), Notice(id="u", text="紧急插播", urgent=True)),
        manifest(poster("a"), emergency_stop=True),
        manifest(poster("a"), power=[PowerRule(weekdays=[1], on="20:00", off="21:00")]),
        manifest(),
    ]
    assert [plan_for(m, NOW).opening_poster() for m in covered] == [None] * len(covered)
    assert plan_for(None, NOW).opening_poster() is None


def test_naive_now_is_refused():
    with pytest.raises(ValueError):
        plan_for(manifest(), NOW.replace(tzinfo=None))


def test_windows_compare_across_timezones():
    utc_end = datetime(2026, 11, 24, 1, 0, tzinfo=ZoneInfo("UTC"))  # == 09:00 China time
    m = manifest(poster("p", end=utc_end))
    assert plan_for(m, NOW).rotation == []
    assert [p.id for p in plan_for(m, NOW - timedelta(seconds=1)).rotation] == ["p"]


def at(month, day, hour=9, minute=0):
    return datetime(2026, month, day, hour, minute, tzinfo=CST)


def test_calendar_items_show_on_their_day_without_anyone_publishing():
    national_day = Poster(id="guoqing", image=REF, show_on=["10-01"], festive=True)
    m = manifest(national_day, poster("always"))
    assert [p.id for p in plan_for(m, at(10, 1)).rotation] == ["guoqing", "always"]
    assert [p.id for p in plan_for(m, at(10, 2)).rotation] == ["always"]
    assert [p.id for p in plan_for(m, at(9, 30, 23, 59)).rotation] == ["always"]
    assert plan_for(m, at(9, 30, 23, 59)).next_change == at(10, 1, 0, 0)


def test_mourning_days_are_solemn_and_hold_back_festive_items():
    festive = Poster(id="festive", image=REF, festive=True)
    m = manifest(festive, poster("plain"), mourning_dates=["2026-04-04"])
    for day in (at(12, 13), at(4, 4)):
        plan = plan_for(m, day)
        assert plan.mourning and plan.theme == "solemn"
        assert [p.id for p in plan.rotation] == ["plain"]
    ordinary = plan_for(m, at(12, 14))
    assert not ordinary.mourning and ordinary.theme == "party-red"
    assert [p.id for p in ordinary.rotation] == ["festive", "plain"]


def test_the_day_turns_in_the_screens_timezone():
    m = manifest(poster("plain"))  # 12-13 00:30 in Shanghai is still 12-12 in UTC
    assert plan_for(m, datetime(2026, 12, 12, 16, 30, tzinfo=ZoneInfo("UTC"))).mourning


def test_power_schedule_and_its_edges():
    from content_cache.wire import PowerRule

    weekdays = PowerRule(weekdays=[1, 2, 3, 4, 5], on="07:30", off="18:00")
    m = manifest(poster("p"), power=[weekdays])
    tuesday = at(11, 24)  # 2026-11-24 is a Tuesday
    assert plan_for(m, tuesday.replace(hour=7, minute=29)).screen_on is False
    assert plan_for(m, tuesday.replace(hour=7, minute=30)).screen_on is True
    assert plan_for(m, tuesday.replace(hour=18)).screen_on is False  # off is exclusive
    assert plan_for(m, at(11, 28, 12)).screen_on is False  # Saturday
    assert plan_for(m, tuesday.replace(hour=17)).next_change == tuesday.replace(hour=18)
    assert plan_for(m, tuesday.replace(hour=19)).next_change == at(11, 25, 0, 0)


def test_a_power_rule_past_midnight():
    from content_cache.wire import PowerRule

    late = PowerRule(weekdays=[5], on="20:00", off="02:00")  # Friday evening into Saturday
    m = manifest(power=[late])
    assert plan_for(m, at(11, 27, 21)).screen_on  # Friday 21:00
    assert plan_for(m, at(11, 28, 1)).screen_on  # Saturday 01:00
    assert not plan_for(m, at(11, 28, 3)).screen_on
    assert not plan_for(m, at(11, 26, 21)).screen_on  # Thursday


def test_emergency_stop_keeps_theme_and_power_but_shows_nothing():
    plan = plan_for(
        manifest(poster("p"), Notice(id="n", text="x"), emergency_stop=True), at(12, 13)
    )
    assert plan.stopped and plan.rotation == [] and plan.notices == [] and plan.urgent is None
    assert plan.theme == "solemn"


def test_honor_rolls_rotate_with_posters_and_the_highest_urgent_notice_wins():
    from content_cache.wire import HonorEntry, HonorRoll

    roll = HonorRoll(id="roll", title="光荣榜", entries=[HonorEntry(name="张三")], priority=1)
    m = manifest(
        poster("p"),
        roll,
        Notice(id="u1", text="一", urgent=True),
        Notice(id="u2", text="二", urgent=True, priority=9),
    )
    plan = plan_for(m, NOW)
    assert [i.id for i in plan.rotation] == ["roll", "p"]
    assert plan.urgent.id == "u2"


def test_an_unknown_timezone_falls_back_to_china_time():
    m = manifest(poster("p"), timezone="Mars/Olympus")
    assert plan_for(m, datetime(2026, 12, 12, 16, 30, tzinfo=ZoneInfo("UTC"))).mourning


def test_courses_are_in_the_library_and_only_rotation_videos_rotate():
    clip = AssetRef(sha256="b" * 64, size=10, media_type="video/mp4")
    course = Video(id="course", title="党史故事一", video=clip, category="党史故事")
    promo = Video(id="promo", title="宣传片", video=clip, rotation=True, display_seconds=30)
    plan = plan_for(manifest(poster("p"), course, promo), NOW)
    assert [i.id for i in plan.rotation] == ["p", "promo"]
    assert [v.id for v in plan.courses] == ["course", "promo"]
