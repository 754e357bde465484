"""The sync engine against the real content server, with faults injected by a proxy."""

import json

import pytest
import requests

from content_cache.store import CacheStore
from content_cache.sync import CHUNK_BYTES, SyncEngine
from tests.support.images import jpeg_bytes
from tests.support.proxy import FaultProxy

SCREEN = "hall-1"


def publish_poster(publisher, tmp_path, name, colour, to="all"):
    path = tmp_path / f"{name}.jpg"
    path.write_bytes(jpeg_bytes(colour=colour))
    ref = publisher.upload_asset(path)
    item = publisher.publish({"kind": "poster", "title": name, "to": to, "image": ref})
    return item["id"], ref


@pytest.fixture
def proxy(server):
    p = FaultProxy(server.url)
    yield p
    p.close()


@pytest.fixture
def engine(tmp_path, proxy, server):
    token = server.screen_token(SCREEN)
    return SyncEngine(CacheStore(tmp_path / "cache"), proxy.url, SCREEN, token=token)


def test_cold_sync_then_no_change_transfers_no_manifest_body(engine, proxy, publisher, tmp_path):
    item_id, ref = publish_poster(publisher, tmp_path, "海报一", (200, 0, 0))
    result = engine.sync_once()
    assert result.status == "updated", result.message
    assert [i.id for i in result.snapshot.manifest.items] == [item_id]
    assert result.downloaded_bytes == ref["size"]

    proxy.reset_counts()
    again = engine.sync_once()
    assert again.status == "unchanged" and again.downloaded_bytes == 0
    assert proxy.requests == [(f"/api/screens/{SCREEN}/manifest", 304, 0)]


def test_only_new_assets_are_downloaded(engine, proxy, publisher, tmp_path):
    publish_poster(publisher, tmp_path, "海报一", (200, 0, 0))
    assert engine.sync_once().status == "updated"
    _, new_ref = publish_poster(publisher, tmp_path, "海报二", (0, 0, 200))
    proxy.reset_counts()
    result = engine.sync_once()
    assert result.status == "updated"
    assert result.downloaded_bytes == new_ref["size"]
    assets = [p for p, _, _ in proxy.requests if p.startswith("/assets/")]
    assert assets == [f"/assets/{new_ref['sha256']}"]


def test_a_corrupt_asset_is_rejected_and_the_old_snapshot_kept(engine, proxy, publisher, tmp_path):
    first_id, _ = publish_poster(publisher, tmp_path, "海报一", (200, 0, 0))
    assert engine.sync_once().status == "updated"
    _, bad_ref = publish_poster(publisher, tmp_path, "海报二", (0, 0, 200))
    proxy.corrupt_assets = True
    result = engine.sync_once()
    assert result.status == "failed" and "sha256" in result.message
    assert [i.id for i in engine.store.current().manifest.items] == [first_id]
    assert not (engine.store.assets_dir / bad_ref["sha256"]).exists()
    assert list(engine.store.staging_dir.iterdir()) == []
    proxy.corrupt_assets = False  # the fault goes away: the screen converges
    assert engine.sync_once().status == "updated"
    assert len(engine.store.current().manifest.items) == 2


@pytest.mark.parametrize(
    "body",
    [b"<html>proxy error</html>", json.dumps({"revision": "nine", "items": []}).encode()],
)
def test_a_manifest_replaced_on_the_way_is_refused(engine, proxy, publisher, tmp_path, body):
    first_id, _ = publish_poster(publisher, tmp_path, "海报一", (200, 0, 0))
    assert engine.sync_once().status == "updated"
    proxy.manifest_override = body  # in place of the server's 304, which carries no signature
    result = engine.sync_once()
    assert result.status == "failed" and "manifest refused" in result.message
    assert result.refused == "missing"
    assert [i.id for i in engine.store.current().manifest.items] == [first_id]


def test_withdraw_removes_the_item_and_its_file(engine, publisher, tmp_path):
    keep_id, _ = publish_poster(publisher, tmp_path, "海报一", (200, 0, 0))
    gone_id, gone_ref = publish_poster(publisher, tmp_path, "海报二", (0, 0, 200))
    assert engine.sync_once().status == "updated"
    publisher.withdraw(gone_id)
    assert engine.sync_once().status == "updated"
    assert [i.id for i in engine.store.current().manifest.items] == [keep_id]
    assert not (engine.store.assets_dir / gone_ref["sha256"]).exists()


def test_items_for_another_screen_do_not_reach_this_one(engine, publisher, tmp_path):
    publish_poster(publisher, tmp_path, "别的屏", (0, 200, 0), to="other-screen")
    mine, _ = publish_poster(publisher, tmp_path, "本屏", (200, 0, 0), to=SCREEN)
    assert engine.sync_once().status == "updated"
    assert [i.id for i in engine.store.current().manifest.items] == [mine]


def test_server_down_keeps_the_snapshot_and_offline_start_works(
    engine, server, publisher, tmp_path
):
    item_id, _ = publish_poster(publisher, tmp_path, "海报一", (200, 0, 0))
    assert engine.sync_once().status == "updated"
    server.stop()
    result = engine.sync_once()
    assert result.status == "failed" and "unreachable" in result.message
    restarted = SyncEngine(CacheStore(engine.store.root), engine.server_url, SCREEN)
    assert [i.id for i in restarted.store.current().manifest.items] == [item_id]


def test_the_manifest_endpoint_answers_304_to_its_etag(server):
    url = f"{server.url}/api/screens/{SCREEN}/manifest"
    auth = server.screen_auth(SCREEN)
    first = requests.get(url, headers=auth, timeout=5)
    second = requests.get(url, headers={**auth, "If-None-Match": first.headers["ETag"]}, timeout=5)
    assert second.status_code == 304 and second.content == b""


def test_a_download_cut_mid_body_resumes_where_it_stopped(engine, proxy, publisher, tmp_path):
    path = tmp_path / "course.mp4"
    path.write_bytes(bytes(range(256)) * 8000)  # 2 MB
    ref = publisher.upload_asset(path, purpose="any")
    payload = {"kind": "video", "title": "党课", "to": "all", "video": ref, "category": "党史故事"}
    publisher.publish(payload)
    proxy.cut_assets_after = ref["size"] // 2
    cut = engine.sync_once()
    assert cut.status == "failed" and "download" in cut.message
    kept = engine.store.partial_size(_ref(ref))
    assert ref["size"] // 2 - CHUNK_BYTES <= kept <= ref["size"] // 2  # at most a chunk is lost
    proxy.cut_assets_after = None
    resumed = engine.sync_once()
    assert resumed.status == "updated"
    assert resumed.downloaded_bytes == ref["size"] - kept
    assert proxy.range_headers == [f"bytes={kept}-"]
    assert engine.store.has_asset(_ref(ref))


def _ref(raw):
    from content_cache.wire import AssetRef

    return AssetRef(**raw)
