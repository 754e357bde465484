"""What to show now, with an injected clock."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from content_cache.wire import AssetRef, Manifest, Notice, Poster, ScreenSettings
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
    assert plan_for(m, NOW + 3 * hour).next_change is None


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


def test_naive_now_is_refused():
    with pytest.raises(ValueError):
        plan_for(manifest(), NOW.replace(tzinfo=None))


def test_windows_compare_across_timezones():
    utc_end = datetime(2026, 11, 24, 1, 0, tzinfo=ZoneInfo("UTC"))  # == 09:00 China time
    m = manifest(poster("p", end=utc_end))
    assert plan_for(m, NOW).rotation == []
    assert [p.id for p in plan_for(m, NOW - timedelta(seconds=1)).rotation] == ["p"]
