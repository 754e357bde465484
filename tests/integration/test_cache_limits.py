"""Cache limits against the real server: refetch of dropped files, quota, a full disk."""

import errno
import hashlib
import os
import subprocess
import time
from pathlib import Path

import pytest

from content_cache.store import CacheStore
from content_cache.sync import SyncEngine
from content_cache.wire import AssetRef
from tests.support.images import jpeg_bytes

SCREEN = "limits-1"


def publish_poster(publisher, tmp_path, name, size=(320, 480)):
    path = tmp_path / f"{name}.jpg"
    path.write_bytes(jpeg_bytes(*size, colour=(len(name) * 20 % 255, 40, 40)))
    ref = publisher.upload_asset(path)
    return publisher.publish({"kind": "poster", "title": name, "to": "all", "image": ref})[
        "id"
    ], ref


def publish_video(publisher, tmp_path, name, size):
    path = tmp_path / f"{name}.mp4"
    path.write_bytes(os.urandom(size))
    ref = publisher.upload_asset(path, purpose="any")
    payload = {"kind": "video", "title": name, "to": "all", "video": ref, "category": "党史故事"}
    return publisher.publish(payload)["id"], ref


def test_a_dropped_file_is_fetched_again_without_a_manifest_change(server, publisher, tmp_path):
    engine = SyncEngine(
        CacheStore(tmp_path / "cache"), server.url, SCREEN, token=server.screen_token(SCREEN)
    )
    _, ref = publish_poster(publisher, tmp_path, "海报")
    assert engine.sync_once().status == "updated"
    path = engine.store.assets_dir / ref["sha256"]
    path.unlink()  # what Snapshot.verify does to a file whose bytes changed
    result = engine.sync_once()
    assert result.status == "updated" and result.downloaded_bytes == ref["size"]
    assert path.exists()


def test_quota_keeps_unused_files_and_evicts_the_least_recently_shown(server, publisher, tmp_path):
    first_id, first = publish_poster(publisher, tmp_path, "一")
    second_id, second = publish_poster(publisher, tmp_path, "二二")
    keep_id, keep = publish_poster(publisher, tmp_path, "三三三")
    quota = keep["size"] + second["size"] + 100  # room for one unused file besides `keep`
    engine = SyncEngine(
        CacheStore(tmp_path / "cache", quota_bytes=quota * 2),
        server.url,
        SCREEN,
        token=server.screen_token(SCREEN),
    )
    assert engine.sync_once().status == "updated"
    engine.store.quota_bytes = quota
    snapshot = engine.store.current()
    now = time.time()
    os.utime(snapshot.assets_dir / first["sha256"], (now - 100, now - 100))  # shown long ago
    os.utime(snapshot.assets_dir / second["sha256"], (now - 10, now - 10))  # shown recently
    publisher.withdraw(first_id)
    publisher.withdraw(second_id)
    assert engine.sync_once().status == "updated"
    assert not engine.store.has_asset(_ref(first)) and engine.store.has_asset(_ref(second))
    publisher.publish({"kind": "poster", "title": "再发布", "to": "all", "image": second})
    again = engine.sync_once()
    assert again.status == "updated" and again.downloaded_bytes == 0  # reused from the cache
    assert keep_id in [i.id for i in engine.store.current().manifest.items]


def test_content_over_the_quota_fails_in_one_line_and_keeps_the_old_snapshot(
    server, publisher, tmp_path
):
    poster_id, _ = publish_poster(publisher, tmp_path, "海报")
    engine = SyncEngine(
        CacheStore(tmp_path / "cache", quota_bytes=1_000_000),
        server.url,
        SCREEN,
        token=server.screen_token(SCREEN),
    )
    assert engine.sync_once().status == "updated"
    publish_video(publisher, tmp_path, "党课", 2_000_000)
    result = engine.sync_once()
    assert result.status == "failed" and "no room" in result.message and "\n" not in result.message
    assert [i.id for i in engine.store.current().manifest.items] == [poster_id]


@pytest.fixture
def small_disk(tmp_path):
    mount_point = tmp_path / "small-disk"
    mount_point.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mount_point)],
        capture_output=True, check=False,
    )  # fmt: skip
    if mounted.returncode != 0:
        pytest.skip("cannot mount a small tmpfs here (needs root)")
    yield mount_point
    subprocess.run(["umount", "-l", str(mount_point)], check=False)


def test_a_full_disk_fails_in_one_line_and_keeps_the_old_snapshot(
    server, publisher, tmp_path, small_disk: Path
):
    poster_id, _ = publish_poster(publisher, tmp_path, "海报")
    store = CacheStore(small_disk / "cache", disk_reserve_bytes=512 * 1024)
    engine = SyncEngine(store, server.url, SCREEN, token=server.screen_token(SCREEN))
    assert engine.sync_once().status == "updated"
    publish_video(publisher, tmp_path, "党课", 6_000_000)
    result = engine.sync_once()
    assert result.status == "failed" and "no room" in result.message
    assert [i.id for i in store.current().manifest.items] == [poster_id]
    assert list(store.staging_dir.iterdir()) == []


def test_a_write_that_hits_a_full_disk_leaves_nothing_behind(small_disk: Path):
    store = CacheStore(small_disk / "cache", disk_reserve_bytes=0)
    data = os.urandom(6_000_000)
    ref = _ref(
        {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data), "media_type": "video/mp4"}
    )
    with pytest.raises(OSError) as err:
        store.add_asset(ref, iter([data[:3_000_000], data[3_000_000:]]))
    assert err.value.errno == errno.ENOSPC
    assert list(store.staging_dir.iterdir()) == [] and list(store.assets_dir.iterdir()) == []


def _ref(raw):
    return AssetRef(**raw)
