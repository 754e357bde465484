"""The wire format: strict where mistakes show the wrong thing, forgiving for newer servers."""

import hashlib
import json
import logging
from datetime import UTC, datetime, timedelta

import pytest

from content_cache.wire import ManifestError, Notice, Poster, parse_manifest

T0 = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)
SHA = hashlib.sha256(b"poster").hexdigest()


def poster(item_id="p1", **extra):
    ref = {"sha256": SHA, "size": 6, "media_type": "image/png"}
    return {"kind": "poster", "id": item_id, "title": "海报", "image": ref, **extra}


def manifest(items, **extra):
    return {
        "revision": 3,
        "screen_id": "s1",
        "generated_at": T0.isoformat(),
        "items": items,
        **extra,
    }


def test_parses_every_kind():
    items = [
        poster(),
        {"kind": "notice", "id": "n1", "text": "通知", "urgent": True},
        {
            "kind": "video",
            "id": "v1",
            "video": {"sha256": SHA, "size": 6, "media_type": "video/mp4"},
            "category": "党史故事",
        },
        {"kind": "honor_roll", "id": "h1", "entries": [{"name": "张三", "title": "优秀共产党员"}]},
        {
            "kind": "meeting",
            "id": "m1",
            "meeting_type": "支部党员大会",
            "start": T0.isoformat(),
            "end": (T0 + timedelta(hours=1)).isoformat(),
        },
    ]
    parsed = parse_manifest(json.dumps(manifest(items)))
    assert [i.kind for i in parsed.items] == ["poster", "notice", "video", "honor_roll", "meeting"]
    assert isinstance(parsed.items[0], Poster) and isinstance(parsed.items[1], Notice)
    assert set(parsed.assets()) == {SHA}


def test_unknown_kind_and_fields_are_skipped_with_a_log_line(caplog):
    caplog.set_level(logging.INFO, "content_cache.wire")
    raw = manifest([poster(sparkle=True), {"kind": "hologram", "id": "x"}], future_field=1)
    parsed = parse_manifest(raw)
    assert [i.id for i in parsed.items] == ["p1"]
    text = caplog.text
    assert "unknown kind hologram" in text
    assert "sparkle" in text and "future_field" in text


@pytest.mark.parametrize(
    "bad_item",
    [
        poster(item_id="../../etc/passwd"),
        poster(image={"sha256": "not-hex", "size": 6, "media_type": "image/png"}),
        poster(image={"sha256": SHA, "size": -1, "media_type": "image/png"}),
        poster(image={"sha256": SHA, "size": 10**13, "media_type": "image/png"}),
        poster(valid_from=T0.isoformat(), valid_until=(T0 - timedelta(1)).isoformat()),
        poster(valid_from="2026-11-24T08:00:00"),  # naive: refused
        "just a string",
    ],
)
def test_a_bad_item_is_skipped_and_the_rest_kept(bad_item, caplog):
    parsed = parse_manifest(manifest([bad_item, poster("p2")]))
    assert [i.id for i in parsed.items] == ["p2"]
    assert "skipped item #0" in caplog.text


def test_duplicate_ids_keep_the_first():
    parsed = parse_manifest(manifest([poster("p1", title="a"), poster("p1", title="b")]))
    assert [i.title for i in parsed.items] == ["a"]


@pytest.mark.parametrize(
    "raw",
    [
        b"{not json",
        b"[]",
        json.dumps(manifest([], revision="three")).encode(),
        json.dumps(manifest([], screen_id="../x")).encode(),
        json.dumps(manifest({"not": "a list"})).encode(),
        json.dumps({k: v for k, v in manifest([]).items() if k != "revision"}).encode(),
    ],
)
def test_a_bad_manifest_is_rejected_in_one_line(raw):
    with pytest.raises(ManifestError) as err:
        parse_manifest(raw)
    assert "\n" not in str(err.value)


def test_display_window_is_end_exclusive():
    item = parse_manifest(
        manifest(
            [poster(valid_from=T0.isoformat(), valid_until=(T0 + timedelta(hours=1)).isoformat())]
        )
    ).items[0]
    assert not item.in_window(T0 - timedelta(seconds=1))
    assert item.in_window(T0)
    assert item.in_window(T0 + timedelta(minutes=59, seconds=59))
    assert not item.in_window(T0 + timedelta(hours=1))
