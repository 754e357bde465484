"""Settings for all screens (``/api/screens/all/settings``) under each screen's own settings:
merging, the emergency stop's precedence, revisions, ETags and change notifications."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from server_helpers import AUTH, RecordingNotifier, get_manifest, manifest, publish

SCREENS = ("screen-a", "screen-b", "screen-c")


@pytest.fixture
def notifier() -> RecordingNotifier:
    return RecordingNotifier()


@pytest.fixture
def client(make_client: Callable[..., TestClient], notifier: RecordingNotifier) -> TestClient:
    return make_client(notifier=notifier)


def put(client: TestClient, level: str, **settings: Any) -> dict[str, Any]:
    response = client.put(f"/api/screens/{level}/settings", headers=AUTH, json=settings)
    assert response.status_code == 200, response.text
    return dict(response.json())


def get(client: TestClient, level: str) -> dict[str, Any]:
    response = client.get(f"/api/screens/{level}/settings", headers=AUTH)
    assert response.status_code == 200, response.text
    return dict(response.json())


def settings_of(client: TestClient, screen: str) -> dict[str, Any]:
    return dict(manifest(client, screen)["settings"])


def etags(client: TestClient) -> dict[str, str]:
    return {s: get_manifest(client, s).headers["ETag"] for s in SCREENS}


def test_all_screens_settings_sit_under_each_screens_own(client: TestClient) -> None:
    put(client, "all", org_name="中共示范街道委员会", theme="solemn", poster_seconds=20)
    put(client, "screen-a", org_name="第一党支部")

    a, b = settings_of(client, "screen-a"), settings_of(client, "screen-b")
    assert a["org_name"] == "第一党支部"  # the screen's own wins
    assert b["org_name"] == "中共示范街道委员会"  # follows all screens
    assert a["theme"] == b["theme"] == "solemn"
    assert a["poster_seconds"] == b["poster_seconds"] == 20
    assert a["orientation"] == "auto"  # set nowhere: the default


def test_null_on_a_screen_makes_it_follow_all_screens_again(client: TestClient) -> None:
    put(client, "all", theme="high-contrast")
    put(client, "screen-a", theme="party-red")
    assert settings_of(client, "screen-a")["theme"] == "party-red"
    put(client, "screen-a", theme=None)
    assert settings_of(client, "screen-a")["theme"] == "high-contrast"
    put(client, "all", theme=None)
    assert settings_of(client, "screen-a")["theme"] == "party-red"  # the default


def test_an_empty_power_list_on_a_screen_overrides_the_all_screens_schedule(
    client: TestClient,
) -> None:
    rule = {"weekdays": [1, 2, 3, 4, 5], "on": "07:30", "off": "18:00"}
    put(client, "all", power=[rule])
    put(client, "screen-a", power=[])
    assert settings_of(client, "screen-a")["power"] == []
    assert settings_of(client, "screen-b")["power"][0]["on"] == "07:30:00"


def test_mourning_dates_of_both_levels_are_combined(client: TestClient) -> None:
    put(client, "all", mourning_dates=["2026-04-04"])
    put(client, "screen-a", mourning_dates=["2026-09-30", "2026-04-04"])
    assert settings_of(client, "screen-a")["mourning_dates"] == ["2026-04-04", "2026-09-30"]
    assert settings_of(client, "screen-b")["mourning_dates"] == ["2026-04-04"]


def test_all_screens_change_changes_every_revision_and_etag_and_notifies_all(
    client: TestClient, notifier: RecordingNotifier
) -> None:
    put(client, "screen-a", org_name="第一党支部")
    publish(client, kind="notice", text="只给 B", to="screen-b")
    before = etags(client)
    notifier.calls.clear()

    answer = put(client, "all", theme="solemn")

    after = etags(client)
    assert all(after[s] != before[s] for s in SCREENS)
    assert {manifest(client, s)["revision"] for s in SCREENS} == {answer["revision"]}
    assert notifier.calls == [(["all"], answer["revision"])]


def test_a_screens_own_change_notifies_only_that_screen(
    client: TestClient, notifier: RecordingNotifier
) -> None:
    put(client, "all", theme="solemn")
    before = etags(client)
    answer = put(client, "screen-a", mode="touch")
    after = etags(client)
    assert after["screen-a"] != before["screen-a"]
    assert after["screen-b"] == before["screen-b"]
    assert notifier.calls[-1] == (["screen:screen-a"], answer["revision"])


def test_setting_what_is_set_already_is_no_change(
    client: TestClient, notifier: RecordingNotifier
) -> None:
    first = put(client, "all", theme="solemn")
    before = etags(client)
    notifier.calls.clear()
    again = put(client, "all", theme="solemn")
    assert again["changed"] is False and first["changed"] is True
    assert again["revision"] == first["revision"]
    assert etags(client) == before
    assert notifier.calls == []


def test_revision_never_goes_back_when_all_screens_settings_are_older(
    client: TestClient,
) -> None:
    put(client, "all", theme="solemn")
    item = publish(client, kind="notice", text="通知", to="screen-a")
    assert manifest(client, "screen-a")["revision"] == item["revision"]
    assert manifest(client, "screen-b")["revision"] == item["revision"] - 1


# --- emergency stop: all screens OR the screen's own --------------------------------------


def stopped(client: TestClient, screen: str) -> bool:
    return bool(settings_of(client, screen)["emergency_stop"])


def test_a_stop_for_all_screens_stops_every_screen_even_one_that_says_false(
    client: TestClient,
) -> None:
    put(client, "screen-a", emergency_stop=False)
    put(client, "all", emergency_stop=True)
    assert all(stopped(client, s) for s in SCREENS)
    view = get(client, "screen-a")
    assert view["settings"]["emergency_stop"] is True
    assert view["all_screens"] == {"emergency_stop": True}
    assert "emergency_stop" not in view["own"]  # false is stored as "no stop of its own"


def test_resuming_all_screens_keeps_a_screens_own_stop(client: TestClient) -> None:
    put(client, "screen-b", emergency_stop=True)
    put(client, "all", emergency_stop=True)
    resumed = put(client, "all", emergency_stop=False)
    assert resumed["screens_stopped"] == ["screen-b"]
    assert resumed["own"] == {}
    assert [stopped(client, s) for s in SCREENS] == [False, True, False]


def test_resuming_one_screen_during_a_stop_for_all_leaves_it_stopped(client: TestClient) -> None:
    put(client, "screen-a", emergency_stop=True)
    put(client, "all", emergency_stop=True)
    view = put(client, "screen-a", emergency_stop=False)
    assert view["own"] == {}
    assert view["settings"]["emergency_stop"] is True
    assert stopped(client, "screen-a")
    put(client, "all", emergency_stop=False)
    assert not stopped(client, "screen-a")


def test_a_screens_own_stop_leaves_the_others_playing(client: TestClient) -> None:
    put(client, "screen-c", emergency_stop=True)
    assert [stopped(client, s) for s in SCREENS] == [False, False, True]
    put(client, "screen-c", emergency_stop=None)
    assert not stopped(client, "screen-c")


# --- the admin's views -----------------------------------------------------------------------


def test_get_settings_of_all_screens_and_of_a_screen(client: TestClient) -> None:
    assert get(client, "all") == {
        "screen_id": "all",
        "node": {"id": 1, "name": "本级党组织", "kind": "党委"},
        "revision": 0,
        "settings": get(client, "never-seen")["settings"],
        "own": {},
        "all_screens": {},
        "above": [],
        "screens_stopped": [],
        "nodes_stopped": [],
        "screens_overriding": {},
    }
    put(client, "all", theme="solemn", org_name="委员会")
    put(client, "screen-a", theme="party-red", org_name="一支部")
    put(client, "screen-b", theme="party-red")
    shared = get(client, "all")
    assert shared["own"] == {"theme": "solemn", "org_name": "委员会"}
    assert shared["screens_overriding"] == {"org_name": 1, "theme": 2}
    screen = get(client, "screen-a")
    assert screen["own"] == {"theme": "party-red", "org_name": "一支部"}
    assert screen["all_screens"] == shared["own"]
    assert screen["revision"] == manifest(client, "screen-a")["revision"]
    assert screen["settings"] == settings_of(client, "screen-a")


def test_settings_need_the_admin_token(client: TestClient) -> None:
    assert client.get("/api/screens/all/settings").status_code == 401
    assert client.put("/api/screens/all/settings", json={"theme": "solemn"}).status_code == 401


# --- errors ----------------------------------------------------------------------------------


def test_all_is_not_a_screen(client: TestClient) -> None:
    for path in ("/api/screens/all/manifest", "/api/screens/all/events", "/api/screens/all/token"):
        response = client.get(path, headers=AUTH)
        assert response.status_code == 400
        assert response.json()["code"] == "reserved_screen_id"
    refused = client.post(
        "/api/items", headers=AUTH, json={"kind": "notice", "text": "t", "to": "screen:all"}
    )
    assert refused.status_code == 422
    assert refused.json()["code"] == "bad_target"


def test_invalid_all_screens_settings_change_nothing(
    client: TestClient, notifier: RecordingNotifier
) -> None:
    before = etags(client)
    bad = client.put("/api/screens/all/settings", headers=AUTH, json={"poster_seconds": 1})
    assert bad.status_code == 422
    assert bad.json()["code"] == "invalid_settings"
    assert "poster_seconds" in bad.json()["detail"]
    typo = client.put("/api/screens/all/settings", headers=AUTH, json={"emergency_stopp": True})
    assert typo.json() == {"detail": "未知的设置项：emergency_stopp", "code": "unknown_field"}
    zone = client.put("/api/screens/all/settings", headers=AUTH, json={"timezone": "Mars/Base"})
    assert zone.status_code == 422
    assert zone.json()["code"] == "unknown_timezone"
    assert etags(client) == before
    assert notifier.calls == []


def test_a_valid_timezone_is_accepted(client: TestClient) -> None:
    assert put(client, "all", timezone="Asia/Urumqi")["settings"]["timezone"] == "Asia/Urumqi"
