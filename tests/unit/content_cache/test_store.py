"""The on-disk store: verified assets, atomic snapshots, garbage collection."""

import hashlib
import json
import os
from datetime import UTC, datetime

import pytest

from content_cache.store import AssetError, CacheStore, rendition_name
from content_cache.wire import AssetRef, Manifest, Poster


def ref_for(data: bytes) -> AssetRef:
    return AssetRef(sha256=hashlib.sha256(data).hexdigest(), size=len(data), media_type="image/png")


def manifest_with(*refs: AssetRef, revision: int = 1) -> Manifest:
    items = [Poster(id=f"p{i}", title=f"海报{i}", image=r) for i, r in enumerate(refs)]
    return Manifest(revision=revision, screen_id="s1", generated_at=datetime.now(UTC), items=items)


def test_empty_store_has_no_snapshot(tmp_path):
    assert CacheStore(tmp_path).current() is None


def test_add_commit_and_read_back(tmp_path):
    store = CacheStore(tmp_path)
    ref = ref_for(b"png bytes")
    assert store.add_asset(ref, iter([b"png ", b"bytes"])) == 9
    store.commit(manifest_with(ref), '"etag-1"')
    snapshot = CacheStore(tmp_path).current()  # a fresh process sees the same
    assert snapshot is not None and snapshot.etag == '"etag-1"'
    assert snapshot.asset_path(ref).read_bytes() == b"png bytes"
    assert snapshot.is_available(snapshot.manifest.items[0])


@pytest.mark.parametrize("chunks", [[b"png bytez"], [b"png"], [b"png bytes and more"]])
def test_wrong_bytes_are_not_stored(tmp_path, chunks):
    store = CacheStore(tmp_path)
    ref = ref_for(b"png bytes")
    with pytest.raises(AssetError):
        store.add_asset(ref, iter(chunks))
    assert not store.has_asset(ref)
    assert list(store.staging_dir.iterdir()) == []


def test_commit_refuses_a_manifest_with_missing_assets(tmp_path):
    store = CacheStore(tmp_path)
    good = ref_for(b"one")
    store.add_asset(good, iter([b"one"]))
    store.commit(manifest_with(good), None)
    with pytest.raises(AssetError):
        store.commit(manifest_with(good, ref_for(b"two"), revision=2), None)
    assert store.current().manifest.revision == 1


def test_garbage_collection_keeps_only_what_the_current_snapshot_uses(tmp_path):
    store = CacheStore(tmp_path)
    old, new = ref_for(b"old"), ref_for(b"new")
    for ref, data in ((old, b"old"), (new, b"new")):
        store.add_asset(ref, iter([data]))
    (store.staging_dir / "leftover.part").write_bytes(b"x")
    store.commit(manifest_with(new), None)
    assert store.collect_garbage() == 2
    assert store.has_asset(new) and not store.has_asset(old)


def test_a_corrupt_snapshot_file_reads_as_none(tmp_path, caplog):
    store = CacheStore(tmp_path)
    (tmp_path / "current.json").write_text(json.dumps({"manifest": {"revision": "x"}}))
    assert store.current() is None
    assert "unreadable" in caplog.text


def test_a_missing_file_makes_its_item_unavailable(tmp_path):
    store = CacheStore(tmp_path)
    ref = ref_for(b"data")
    store.add_asset(ref, iter([b"data"]))
    snapshot = store.commit(manifest_with(ref), None)
    snapshot.asset_path(ref).unlink()
    assert not snapshot.is_available(snapshot.manifest.items[0])


def test_a_file_changed_on_disk_is_detected_and_dropped(tmp_path, caplog):
    store = CacheStore(tmp_path)
    ref = ref_for(b"good bytes")
    store.add_asset(ref, iter([b"good bytes"]))
    snapshot = store.commit(manifest_with(ref), None)
    assert snapshot.verify(ref)
    snapshot.asset_path(ref).write_bytes(b"bad! bytes")  # same size, other bytes
    assert not snapshot.verify(ref)
    assert not snapshot.asset_path(ref).exists()
    assert "changed on disk" in caplog.text


def test_a_partial_download_resumes(tmp_path):
    store = CacheStore(tmp_path)
    data = bytes(range(256)) * 100
    ref = ref_for(data)
    store.append_partial(ref, iter([data[:1000]]), 0)
    assert store.partial_size(ref) == 1000
    store.append_partial(ref, iter([data[1000:]]), 1000)
    store.finish_partial(ref)
    assert store.has_asset(ref) and store.partial_size(ref) == 0


def test_a_dropped_source_keeps_the_partial_but_a_disk_error_does_not(tmp_path):
    store = CacheStore(tmp_path)
    data = b"x" * 5000
    ref = ref_for(data)

    def dropped():
        yield data[:2000]
        raise ConnectionError("connection reset")

    with pytest.raises(ConnectionError):
        store.append_partial(ref, dropped(), 0)
    assert store.partial_size(ref) == 2000
    with pytest.raises(AssetError):
        store.append_partial(ref, iter([data]), 2000)  # too many bytes: the partial goes
    assert store.partial_size(ref) == 0


def test_garbage_collection_keeps_renditions_only_for_the_current_snapshot(tmp_path):
    store = CacheStore(tmp_path, quota_bytes=10_000)  # the unused asset itself may stay
    kept, dropped = ref_for(b"kept"), ref_for(b"dropped")
    for ref, data in ((kept, b"kept"), (dropped, b"dropped")):
        store.add_asset(ref, [data])
    store.commit(manifest_with(kept), None)
    store.renditions_dir.mkdir()
    for ref in (kept, dropped):
        (store.renditions_dir / rendition_name(ref.sha256, 1080, 1500)).write_bytes(b"jpeg")
    fresh = store.renditions_dir / ".writing.tmp"  # the screen is writing it right now
    fresh.write_bytes(b"half")
    abandoned = store.renditions_dir / ".crashed.tmp"
    abandoned.write_bytes(b"half")
    old = datetime(2020, 1, 1, tzinfo=UTC).timestamp()
    os.utime(abandoned, (old, old))

    store.collect_garbage()

    assert sorted(p.name for p in store.renditions_dir.iterdir()) == [
        ".writing.tmp",
        rendition_name(kept.sha256, 1080, 1500),
    ]
