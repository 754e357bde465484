"""Publishing items and the manifests screens fetch: contents, order, revision and ETag."""

from __future__ import annotations

import hashlib

from fastapi.testclient import TestClient
from server_helpers import (
    AUTH,
    ID_RE,
    FakeClock,
    get_manifest,
    image_bytes,
    manifest,
    poster_payload,
    publish,
)

from content_cache.wire import Notice, Poster, parse_manifest


def test_poster_and_notice_reach_the_manifest(client: TestClient) -> None:
    data = image_bytes()
    ref = client.post("/api/assets", headers=AUTH, files={"file": ("p.png", data)}).json()
    poster = publish(
        client, kind="poster", title="不忘初心", to="all", image={"sha256": ref["sha256"]}
    )
    notice = publish(client, kind="notice", title="会议通知", text="周五开会", to="all")
    assert ID_RE.match(poster["id"]) and poster["id"].startswith("p-")
    assert notice["id"].startswith("n-")
    assert notice["revision"] == poster["revision"] + 1

    response = get_manifest(client, "screen-1")
    parsed = parse_manifest(response.content)
    assert parsed.screen_id == "screen-1"
    assert parsed.revision == notice["revision"]
    assert [item.id for item in parsed.items] == [poster["id"], notice["id"]]
    first, second = parsed.items
    assert isinstance(first, Poster) and isinstance(second, Notice)
    assert first.title == "不忘初心"
    assert first.image.sha256 == hashlib.sha256(data).hexdigest()
    assert first.image.size == len(data)
    assert first.image.media_type == "image/png"
    assert second.text == "周五开会"


def test_items_are_ordered_by_priority_then_publishing_order(client: TestClient) -> None:
    low = publish(client, kind="notice", text="低", to="all", priority=-5)
    first = publish(client, kind="notice", text="先", to="all")
    high = publish(client, kind="notice", text="高", to="all", priority=10)
    second = publish(client, kind="notice", text="后", to="all")
    ids = [item["id"] for item in manifest(client)["items"]]
    assert ids == [high["id"], first["id"], second["id"], low["id"]]


def test_unchanged_manifest_is_byte_identical_and_revalidates_with_304(
    client: TestClient, clock: FakeClock
) -> None:
    publish(client, kind="notice", text="通知", to="all")
    first = get_manifest(client, "screen-1")
    clock.advance(minutes=5)
    second = get_manifest(client, "screen-1")
    assert first.content == second.content
    etag = first.headers["ETag"]
    assert etag.startswith('"') and not etag.startswith("W/")
    assert second.headers["ETag"] == etag
    assert first.headers["Cache-Control"] == "no-cache"
    assert first.headers["Content-Type"].startswith("application/json")

    cached = get_manifest(client, "screen-1", headers={"If-None-Match": etag})
    assert cached.status_code == 304
    assert cached.content == b""
    assert cached.headers["ETag"] == etag
    stale = get_manifest(client, "screen-1", headers={"If-None-Match": '"old"'})
    assert stale.status_code == 200


def test_publishing_to_one_screen_leaves_the_others_alone(client: TestClient) -> None:
    publish(client, kind="notice", text="全体", to="all")
    before_a = get_manifest(client, "screen-a")
    before_b = get_manifest(client, "screen-b")

    only_a = publish(client, kind="notice", text="只给 A", to="screen-a")

    after_a = get_manifest(client, "screen-a")
    after_b = get_manifest(client, "screen-b")
    assert after_b.headers["ETag"] == before_b.headers["ETag"]
    assert after_b.json()["revision"] == before_b.json()["revision"]
    assert after_a.headers["ETag"] != before_a.headers["ETag"]
    assert after_a.json()["revision"] == only_a["revision"]
    assert only_a["id"] in [item["id"] for item in after_a.json()["items"]]
    assert only_a["id"] not in [item["id"] for item in after_b.json()["items"]]


def test_screen_prefix_in_target_is_accepted(client: TestClient) -> None:
    item = publish(client, kind="notice", text="A", to="screen:screen-a")
    assert [i["id"] for i in manifest(client, "screen-a")["items"]] == [item["id"]]


def test_withdrawing_removes_the_item_and_bumps_the_revision(client: TestClient) -> None:
    keep = publish(client, kind="notice", text="保留", to="all")
    gone = publish(client, kind="notice", text="撤回", to="all")
    before = get_manifest(client, "screen-1")

    response = client.delete(f"/api/items/{gone['id']}", headers=AUTH)
    assert response.status_code == 200
    withdrawn = response.json()
    assert withdrawn["id"] == gone["id"]
    assert withdrawn["revision"] > gone["revision"]

    after = get_manifest(client, "screen-1")
    assert after.headers["ETag"] != before.headers["ETag"]
    assert after.json()["revision"] == withdrawn["revision"]
    assert [item["id"] for item in after.json()["items"]] == [keep["id"]]

    again = client.delete(f"/api/items/{gone['id']}", headers=AUTH)
    assert again.status_code == 200
    assert again.json() == withdrawn


def test_withdrawing_a_screens_only_item_counts_for_that_screen(client: TestClient) -> None:
    item = publish(client, kind="notice", text="A", to="screen-a")
    withdrawn = client.delete(f"/api/items/{item['id']}", headers=AUTH).json()
    assert manifest(client, "screen-a")["revision"] == withdrawn["revision"]
    assert manifest(client, "screen-a")["items"] == []
    assert manifest(client, "screen-b")["revision"] == 0


def test_withdrawing_an_unknown_item(client: TestClient) -> None:
    response = client.delete("/api/items/p-doesnotexist", headers=AUTH)
    assert response.status_code == 404
    assert response.json()["code"] == "item_not_found"


def test_a_new_screen_gets_defaults_and_the_items_for_all(client: TestClient) -> None:
    empty = manifest(client, "never-seen")
    assert empty["revision"] == 0
    assert empty["items"] == []
    assert empty["settings"]["theme"] == "party-red"
    item = publish(client, kind="notice", text="全体", to="all")
    assert [i["id"] for i in manifest(client, "also-new")["items"]] == [item["id"]]


def test_naive_times_are_beijing_time(client: TestClient) -> None:
    publish(
        client,
        kind="notice",
        text="国庆",
        to="all",
        valid_from="2026-10-01T08:00",
        valid_until="2026-10-08 00:00",
    )
    item = manifest(client)["items"][0]
    assert item["valid_from"] == "2026-10-01T08:00:00+08:00"
    assert item["valid_until"] == "2026-10-08T00:00:00+08:00"


def test_offsets_are_kept(client: TestClient) -> None:
    publish(client, kind="notice", text="UTC", to="all", valid_from="2026-10-01T00:00:00Z")
    assert manifest(client)["items"][0]["valid_from"] == "2026-10-01T00:00:00Z"


def test_future_items_are_included_and_long_ended_ones_dropped(
    client: TestClient, clock: FakeClock
) -> None:
    later = publish(
        client, kind="notice", text="明天", to="all", valid_from="2026-06-02T08:00+08:00"
    )
    ending = publish(
        client, kind="notice", text="一小时", to="all", valid_until="2026-06-01T13:00+08:00"
    )
    assert {i["id"] for i in manifest(client)["items"]} == {later["id"], ending["id"]}
    clock.advance(hours=6)  # ended five hours ago: still sent, the screen hides it
    assert {i["id"] for i in manifest(client)["items"]} == {later["id"], ending["id"]}
    clock.advance(days=2)
    assert [i["id"] for i in manifest(client)["items"]] == [later["id"]]


def test_generated_at_is_when_the_revision_was_made(client: TestClient, clock: FakeClock) -> None:
    publish(client, kind="notice", text="通知", to="all")
    published_at = clock.now
    clock.advance(hours=3)
    parsed = parse_manifest(get_manifest(client, "screen-1").content)
    assert parsed.generated_at == published_at


def test_every_item_kind_round_trips(client: TestClient) -> None:
    photo = client.post(
        "/api/assets", headers=AUTH, files={"file": ("zhang.jpg", image_bytes("JPEG"))}
    ).json()
    video = client.post(
        "/api/assets",
        headers=AUTH,
        params={"purpose": "any"},
        files={"file": ("lesson.mp4", b"\0\0\0\x18ftypmp42" + b"v" * 500)},
    ).json()
    publish(client, **poster_payload(client))
    publish(
        client,
        kind="video",
        title="党史故事",
        to="all",
        video={"sha256": video["sha256"]},
        cover={"sha256": photo["sha256"]},
        category="党史故事",
        length_seconds=300,
    )
    publish(
        client,
        kind="honor_roll",
        title="光荣榜",
        to="all",
        entries=[
            {"name": "张建国", "title": "优秀共产党员", "citation": "扎根基层", "photo": photo},
            {"name": "李秀英", "title": "党员先锋岗"},
        ],
    )
    publish(
        client,
        kind="meeting",
        title="支部党员大会",
        to="all",
        meeting_type="支部党员大会",
        place="党员活动室",
        start="2026-06-05T15:00",
        end="2026-06-05T17:00",
        signin={
            "url": "http://127.0.0.1/signin/m1",
            "secret": "s" * 32,
            "opens_at": "2026-06-05T14:30",
            "closes_at": "2026-06-05T15:30",
        },
    )
    parsed = parse_manifest(get_manifest(client, "screen-1").content)
    assert [item.kind for item in parsed.items] == ["poster", "video", "honor_roll", "meeting"]
    assert len(parsed.assets()) == 3
    assert parsed.items[1].video.media_type == "video/mp4"  # type: ignore[union-attr]
    assert parsed.items[3].start.utcoffset().total_seconds() == 8 * 3600  # type: ignore[union-attr]


def test_admin_list_shows_each_items_status(client: TestClient, clock: FakeClock) -> None:
    active = publish(client, kind="notice", text="现在", to="all")
    scheduled = publish(
        client, kind="notice", text="以后", to="screen-a", valid_from="2026-07-01T00:00"
    )
    ended = publish(
        client, kind="notice", text="结束", to="all", valid_until="2026-06-01T12:30+08:00"
    )
    withdrawn = publish(client, kind="notice", text="撤回", to="all")
    client.delete(f"/api/items/{withdrawn['id']}", headers=AUTH)
    clock.advance(hours=1)

    response = client.get("/api/items", headers=AUTH)
    assert response.status_code == 200
    items = {item["id"]: item for item in response.json()["items"]}
    assert items[active["id"]]["status"] == "active"
    assert items[scheduled["id"]]["status"] == "scheduled"
    assert items[scheduled["id"]]["to"] == "screen-a"
    assert items[ended["id"]]["status"] == "ended"
    assert items[withdrawn["id"]]["status"] == "withdrawn"
    assert list(items)[0] == withdrawn["id"]  # newest first
