"""Hostile manifests against the parser, the store and the sync engine (property-based).

Whatever a server, or something pretending to be one, sends, the screen must keep a usable
snapshot and must never write outside its cache directory. The generated input is mostly
well-formed with a few hostile changes (wrong types, path-like ids and hashes, absurd sizes,
naive datetimes, inverted windows, unknown kinds and fields, duplicates), because wholly
random bytes are rejected at the first character and test little.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from hypothesis import Phase, event, example, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from content_cache.signature import SIGNATURE_HEADER
from content_cache.store import AssetError, CacheStore, Snapshot, file_sha256
from content_cache.sync import SyncEngine, SyncResult
from content_cache.wire import (
    ITEM_ID_PATTERN,
    MAX_ASSET_BYTES,
    AssetRef,
    Manifest,
    ManifestError,
    Poster,
    parse_manifest,
)
from tests.support.signing import default_signer

SCREEN = "s1"
HEX64 = re.compile(r"[0-9a-f]{64}")
PART = re.compile(r"[0-9a-f]{64}\.part")
GOOD_ID = re.compile(r"g\d+")

# No example database: the examples are cheap to find again and CI runs without a cache.
# No deadline: a slow example on a loaded CI machine is not a bug (a per-example deadline made
# this flaky under load). No explain phase: it re-runs failures under a tracer, which turned one
# failure into a five-minute hang.
PHASES = [Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink]
FAST = settings(database=None, max_examples=100, deadline=None, phases=PHASES)
HTTP = settings(database=None, max_examples=100, deadline=None, phases=PHASES)

# -- hostile values ---------------------------------------------------------------------------

PATH_LIKE = [
    "../../etc/passwd", "/abs", "/etc/passwd", "a/b", "..", ".", "", "a\x00b", "\x00",
    "a\\b", "~root", "C:\\Windows", "%2e%2e%2f", "ünïcødé", "海报/../x", "abc\n", "\tabc",
    "a" * 65, "-leading-dash", "_x",
]  # fmt: skip
path_like = st.sampled_from(PATH_LIKE) | st.builds(lambda: "党" * 100_000)  # a huge string
ABSURD_SIZES = [
    -1, 0, 10**15, 2**63, 2**64, -(2**63), MAX_ASSET_BYTES + 1, 10**100, 1.5, "10", True, None,
]  # fmt: skip
BAD_DATETIMES = [
    "2026-01-01T00:00:00",  # naive
    "2026-01-01",
    "2026-13-01T00:00:00Z",
    "yesterday",
    "",
    "0001-01-01T00:00:00+14:00",
    "9999-12-31T23:59:59-14:00",
    "2026-01-01T00:00:00+05:30:15",
    1e300,
    -1e20,
]
UNKNOWN_KINDS = ["banner", "Poster", "poster ", "", None, 7, ["poster"], {"kind": "poster"}]
OFFSETS = [UTC, timezone(timedelta(hours=8)), timezone(timedelta(hours=-9, minutes=-30))]


def bad_hashes(good: str) -> list[str]:
    """Strings that look a little like ``good`` but are not 64 lowercase hex digits."""
    return [
        good.upper(), good[:63], good + "0", "g" * 64, "../" + good[3:],
        good[:32] + "/" + good[33:], good + "\n", good[:63] + "\x00", " " + good[1:], "０" * 64,
        "١" * 64, "../../etc/passwd", "", "/" + good[1:], good[:-2] + "..",
    ]  # fmt: skip


json_leaves = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()  # NaN and Infinity included: json.dumps writes them and servers might too
    | st.text(max_size=12)
    | path_like
)
json_values = st.recursive(
    json_leaves,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=10,
)
hostile_values = st.one_of(
    json_values,
    path_like,
    st.sampled_from(ABSURD_SIZES),
    st.sampled_from(BAD_DATETIMES),
    st.sampled_from(bad_hashes(hashlib.sha256(b"x").hexdigest())),
)

# -- well-formed pieces -----------------------------------------------------------------------

safe_ids = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9_-]{0,12}", fullmatch=True)
aware = st.datetimes(
    min_value=datetime(2000, 1, 1),
    max_value=datetime(2100, 1, 1),
    timezones=st.sampled_from(OFFSETS),
)
unknown_fields = st.dictionaries(
    st.from_regex(r"x_[a-z]{1,6}", fullmatch=True), json_values, max_size=2
)
random_refs = st.fixed_dictionaries(
    {
        "sha256": st.text("0123456789abcdef", min_size=64, max_size=64),
        "size": st.integers(1, MAX_ASSET_BYTES),
        "media_type": st.sampled_from(["image/jpeg", "image/png", "video/mp4"]),
    }
)


@st.composite
def common_fields(draw: st.DrawFn) -> dict[str, Any]:
    """Optional fields of every item, valid, including an ordered display window."""
    fields: dict[str, Any] = {}
    if draw(st.booleans()):
        fields["title"] = draw(st.text(max_size=20))
    start, end = sorted(draw(st.lists(aware, min_size=2, max_size=2, unique=True)))
    if draw(st.booleans()):
        fields["valid_from"] = start.isoformat()
    if draw(st.booleans()):
        fields["valid_until"] = end.isoformat()
    if draw(st.booleans()):
        fields["priority"] = draw(st.integers(-1000, 1000))
    if draw(st.booleans()):
        fields["show_on"] = draw(st.lists(st.sampled_from(["01-01", "07-01", "10-01", "12-31"])))
    fields.update(draw(unknown_fields))
    return fields


def good_items(refs: st.SearchStrategy[dict[str, Any]]) -> st.SearchStrategy[dict[str, Any]]:
    """Valid items of every kind whose asset references come from ``refs`` (id set later)."""
    poster = st.fixed_dictionaries({"kind": st.just("poster"), "image": refs})
    video = st.fixed_dictionaries(
        {"kind": st.just("video"), "video": refs},
        optional={
            "cover": refs,
            "category": st.sampled_from(["党史故事", ""]),
            "length_seconds": st.floats(0, 1e6),
        },
    )
    notice = st.fixed_dictionaries(
        {"kind": st.just("notice"), "text": st.text(max_size=30)},
        optional={"urgent": st.booleans()},
    )
    entry = st.fixed_dictionaries({"name": st.text(max_size=10)}, optional={"photo": refs})
    honor = st.fixed_dictionaries(
        {"kind": st.just("honor_roll"), "entries": st.lists(entry, max_size=3)}
    )
    meeting = st.builds(
        lambda start, minutes: {
            "kind": "meeting",
            "meeting_type": "支部党员大会",
            "start": start.isoformat(),
            "end": (start + timedelta(minutes=minutes)).isoformat(),
        },
        aware,
        st.integers(1, 600),
    )
    kinds = st.one_of(poster, video, notice, honor, meeting)
    return st.builds(lambda item, extra: {**extra, **item}, kinds, common_fields())


def _slots(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Every path to a value inside nested dicts and lists."""
    items = value.items() if isinstance(value, dict) else enumerate(value)
    for key, child in items:
        yield (*path, key)
        if isinstance(child, dict | list) and child:
            yield from _slots(child, (*path, key))


def _parent(root: Any, path: tuple[Any, ...]) -> Any:
    for key in path[:-1]:
        root = root[key]
    return root


@st.composite
def mutated(draw: st.DrawFn, value: dict[str, Any], max_changes: int = 3) -> dict[str, Any]:
    """``value`` (a deep copy) with a few of its fields replaced by hostile values or deleted."""
    value = json.loads(json.dumps(value))
    for _ in range(draw(st.integers(1, max_changes))):
        slots = list(_slots(value))
        if not slots:
            break
        path = draw(st.sampled_from(slots))
        parent = _parent(value, path)
        if isinstance(parent, dict) and draw(st.booleans()):
            del parent[path[-1]]
        else:
            parent[path[-1]] = draw(hostile_values)
    return value


@st.composite
def hostile_items(draw: st.DrawFn, refs: st.SearchStrategy[dict[str, Any]]) -> Any:
    """An item with something wrong with it, or no item at all."""
    item = {"id": "h" + draw(safe_ids), **draw(good_items(refs))}
    how = draw(
        st.sampled_from(
            ["mutate", "path_id", "kind", "inverted", "naive", "bad_hash", "bad_size", "not_a_dict"]
        )
    )
    if how == "mutate":
        item = draw(mutated(item))
    elif how == "path_id":
        item["id"] = draw(path_like)
    elif how == "kind":
        item["kind"] = draw(st.sampled_from(UNKNOWN_KINDS))
    elif how == "inverted":
        start, end = sorted(draw(st.lists(aware, min_size=2, max_size=2, unique=True)))
        item.update(valid_from=end.isoformat(), valid_until=start.isoformat())
    elif how == "naive":
        item["valid_from"] = draw(st.datetimes()).isoformat()
    elif how in ("bad_hash", "bad_size"):
        keys = ("image", "video", "cover", "photo")
        refs_in_item = [_parent(item, s)[s[-1]] for s in _slots(item) if s[-1] in keys]
        refs_in_item = [ref for ref in refs_in_item if isinstance(ref, dict)]  # photo may be None
        if not refs_in_item:
            return draw(json_values)
        target = draw(st.sampled_from(refs_in_item))
        if how == "bad_hash":
            target["sha256"] = draw(st.sampled_from(bad_hashes(target["sha256"])))
        else:
            target["size"] = draw(st.sampled_from(ABSURD_SIZES))
    else:
        return draw(json_values)
    if isinstance(item, dict) and isinstance(item.get("id"), str) and GOOD_ID.fullmatch(item["id"]):
        item["id"] = "h" + item["id"]  # never collide with the well-formed items' ids
    return item


@st.composite
def item_lists(draw: st.DrawFn, refs: st.SearchStrategy[dict[str, Any]]) -> list[Any]:
    """Well-formed items with ids g0, g1, ..., hostile items, and later duplicates of good ids."""
    good = [
        {**item, "id": f"g{i}"}
        for i, item in enumerate(draw(st.lists(good_items(refs), max_size=5)))
    ]
    bad = draw(st.lists(hostile_items(refs), max_size=5))
    mixed = draw(st.permutations(good + bad))
    if good and draw(st.booleans()):
        original = draw(st.sampled_from(good))
        mixed.append({**original, "title": "duplicate"})
    return mixed


def top_level(items: list[Any], revision: int = 7) -> dict[str, Any]:
    return {
        "wire_version": 1,
        "revision": revision,
        "screen_id": SCREEN,
        "generated_at": datetime(2026, 11, 24, 8, 0, tzinfo=UTC).isoformat(),
        "settings": {"org_name": "第一党支部", "poster_seconds": 10},
        "items": items,
    }


@st.composite
def encoded(draw: st.DrawFn, manifest: Any) -> bytes:
    """``manifest`` as the bytes of an HTTP body, sometimes damaged."""
    body = json.dumps(manifest, ensure_ascii=draw(st.booleans())).encode()
    damage = draw(st.sampled_from(["none"] * 6 + ["invalid_utf8", "truncated", "bom"]))
    cut = draw(st.integers(0, len(body)))
    if damage == "invalid_utf8":
        bad = draw(st.sampled_from([b"\xff", b"\xc3", b"\xed\xa0\x80", b"\xc0\xaf"]))
        body = body[:cut] + bad + body[cut:]
    elif damage == "truncated":
        body = body[:cut]
    elif damage == "bom":
        body = b"\xef\xbb\xbf" + body
    return body


@st.composite
def hostile_manifests(draw: st.DrawFn, refs: st.SearchStrategy[dict[str, Any]]) -> Any:
    """A manifest as a dict (mostly valid, perhaps mutated), or something that is not one."""
    manifest: Any = top_level(draw(item_lists(refs)), draw(st.integers(0, 10)))
    shape = draw(st.sampled_from(["valid_top"] * 3 + ["mutated_top", "not_a_dict", "unknown"]))
    if shape == "mutated_top":
        manifest = draw(mutated(manifest, max_changes=2))
    elif shape == "not_a_dict":
        manifest = draw(json_values.filter(lambda v: not isinstance(v, dict)))
    elif shape == "unknown":
        manifest.update(draw(unknown_fields))
        manifest["settings"] = draw(mutated(manifest["settings"], max_changes=1))
    return manifest


# -- (a) the parser ---------------------------------------------------------------------------


def assert_safe(manifest: Manifest) -> None:
    """Nothing in a parsed manifest can name a path outside the cache."""
    assert re.fullmatch(ITEM_ID_PATTERN, manifest.screen_id)
    for item in manifest.items:
        assert re.fullmatch(ITEM_ID_PATTERN, item.id), item.id
        for ref in item.assets():
            assert HEX64.fullmatch(ref.sha256), ref.sha256
            assert 1 <= ref.size <= MAX_ASSET_BYTES
    assert all(HEX64.fullmatch(sha) for sha in manifest.assets())


@FAST
@given(st.data())
def test_parser_returns_a_safe_manifest_or_raises_manifest_error(data):
    manifest = data.draw(hostile_manifests(random_refs), label="manifest")
    form = data.draw(st.sampled_from(["bytes", "str", "dict", "raw_bytes"]), label="form")
    if form == "bytes":
        raw: Any = data.draw(encoded(manifest), label="body")
    elif form == "str":
        raw = json.dumps(manifest, ensure_ascii=False)
    elif form == "dict" and isinstance(manifest, dict):
        raw = manifest
    else:
        raw = data.draw(st.binary(max_size=200), label="raw")
    try:
        parsed = parse_manifest(raw)
    except ManifestError as exc:
        assert "\n" not in str(exc)  # one line for the log
        event("rejected")
        return
    event(f"parsed, {min(len(parsed.items), 3)}+ items")
    assert isinstance(parsed, Manifest)
    assert_safe(parsed)


@FAST
@given(item_lists(random_refs))
def test_bad_items_are_dropped_without_rejecting_the_manifest(items):
    parsed = parse_manifest(json.dumps(top_level(items)).encode())
    ids = [item.id for item in parsed.items]
    assert len(ids) == len(set(ids))
    good = [i["id"] for i in items if isinstance(i, dict) and GOOD_ID.fullmatch(str(i.get("id")))]
    first_of_each = list(dict.fromkeys(good))
    assert [i for i in ids if GOOD_ID.fullmatch(i)] == first_of_each
    assert all(item.title != "duplicate" for item in parsed.items if GOOD_ID.fullmatch(item.id))
    assert_safe(parsed)


# -- the store, driven by a state machine -----------------------------------------------------

BLOBS = [b"p", b"poster " * 40, hashlib.shake_256(b"noise").digest(5000), b"video " * 2000]
REFS = [
    AssetRef(sha256=hashlib.sha256(b).hexdigest(), size=len(b), media_type="image/png")
    for b in BLOBS
]
blob_indexes = st.integers(0, len(BLOBS) - 1)


def chunked(data: bytes, cuts: list[int]) -> list[bytes]:
    bounds = sorted({0, len(data), *(c % (len(data) + 1) for c in cuts)})
    return [data[a:b] for a, b in zip(bounds, bounds[1:], strict=False)]


def damaged(data: bytes, how: str) -> bytes:
    return {
        "exact": data,
        "flipped": bytes([data[0] ^ 1]) + data[1:],
        "short": data[:-1],
        "long": data + b"!",
    }[how]


def staged(store: CacheStore, ref: AssetRef) -> Path:
    """Where the cache keeps a download in progress (the layout documented in store.py)."""
    return store.staging_dir / f"{ref.sha256}.part"


class _NetworkDown(Exception):
    pass


def failing_after(chunks: list[bytes], count: int) -> Iterator[bytes]:
    yield from chunks[:count]
    raise _NetworkDown("connection lost")


class StoreMachine(RuleBasedStateMachine):
    """Random sequences of store operations keep the cache consistent at every step."""

    def __init__(self) -> None:
        super().__init__()
        self._tmp = tempfile.TemporaryDirectory(prefix="store-machine-")
        self.store = CacheStore(Path(self._tmp.name) / "cache")
        self.committed: Manifest | None = None
        self.revision = 0

    def teardown(self) -> None:
        self._tmp.cleanup()

    @rule(index=blob_indexes, how=st.sampled_from(["exact"] * 3 + ["flipped", "short", "long"]),
          cuts=st.lists(st.integers(0, 10_000), max_size=3))  # fmt: skip
    def add_asset(self, index, how, cuts):
        ref, data = REFS[index], damaged(BLOBS[index], how)
        if how == "exact":
            assert self.store.add_asset(ref, chunked(data, cuts)) == len(data)
            assert self.store.has_asset(ref)
        else:
            had = self.store.has_asset(ref)
            with pytest.raises(AssetError):
                self.store.add_asset(ref, chunked(data, cuts))
            assert self.store.has_asset(ref) == had  # a verified copy is never replaced by junk
        assert not staged(self.store, ref).exists()

    @rule(index=blob_indexes, upto=st.integers(0, 10_000), how=st.sampled_from(["exact", "long"]),
          network_fails=st.booleans())  # fmt: skip
    def download_some(self, index, upto, how, network_fails):
        """What the sync engine does: continue at partial_size(), maybe losing the connection."""
        ref = REFS[index]
        offset = self.store.partial_size(ref)
        data = damaged(BLOBS[index], how)[offset : offset + upto]
        chunks = chunked(data, [upto // 2])
        if how == "long" and offset + len(data) > ref.size:
            with pytest.raises(AssetError):
                self.store.append_partial(ref, chunks, offset)
            assert not staged(self.store, ref).exists()
        elif network_fails:
            with pytest.raises(_NetworkDown):
                self.store.append_partial(ref, failing_after(chunks, 1), offset)
            kept = offset + (len(chunks[0]) if chunks else 0)  # flushed before the failure
            assert self.store.partial_size(ref) == (kept if kept < ref.size else 0)
        else:
            assert self.store.append_partial(ref, chunks, offset) == len(data)

    @rule(index=blob_indexes)
    def finish(self, index):
        ref = REFS[index]
        part = staged(self.store, ref)
        complete = part.exists() and part.read_bytes() == BLOBS[index]
        if complete:
            event("a staged download was moved in")
            self.store.finish_partial(ref)
            assert self.store.has_asset(ref)
        else:
            with pytest.raises((AssetError, OSError)):
                self.store.finish_partial(ref)
        assert not part.exists()

    @rule(indexes=st.lists(blob_indexes, max_size=4), etag=st.none() | st.text(max_size=8),
          only_stored=st.booleans())  # fmt: skip
    def commit(self, indexes, etag, only_stored):
        if only_stored:  # otherwise most commits would be refused
            indexes = [i for i in range(len(BLOBS)) if self.store.has_asset(REFS[i])]
        self.revision += 1
        items = [Poster(id=f"p{n}", image=REFS[i]) for n, i in enumerate(indexes)]
        manifest = Manifest(
            revision=self.revision, screen_id=SCREEN, generated_at=datetime.now(UTC), items=items
        )
        snapshot_file = self.store.root / "current.json"
        before = snapshot_file.read_bytes() if snapshot_file.exists() else None
        if all(self.store.has_asset(REFS[i]) for i in indexes):
            self.store.commit(manifest, etag)
            self.committed = manifest
            event(f"commit of {min(len(set(indexes)), 2)}+ assets")
            assert self.store.current().etag == etag
        else:
            with pytest.raises(AssetError):
                self.store.commit(manifest, etag)
            after = snapshot_file.read_bytes() if snapshot_file.exists() else None
            assert after == before

    @rule()
    def collect_garbage(self):
        self.store.collect_garbage()  # no quota: everything the snapshot does not use goes
        used = set(self.committed.assets()) if self.committed else set()
        assert {p.name for p in self.store.assets_dir.iterdir()} == used
        assert list(self.store.staging_dir.iterdir()) == []

    @invariant()
    def every_stored_file_is_named_by_its_hash(self):
        for path in self.store.assets_dir.iterdir():
            assert HEX64.fullmatch(path.name) and file_sha256(path) == path.name
        for path in self.store.staging_dir.iterdir():
            assert PART.fullmatch(path.name)

    @invariant()
    def the_last_commit_is_current_and_complete(self):
        snapshot = self.store.current()
        if self.committed is None:
            assert snapshot is None
            return
        assert snapshot is not None and snapshot.manifest == self.committed
        assert_snapshot_complete(snapshot)


TestStoreMachine = StoreMachine.TestCase
TestStoreMachine.settings = settings(
    database=None, max_examples=60, stateful_step_count=25, deadline=None, phases=PHASES
)


def assert_snapshot_complete(snapshot: Snapshot) -> None:
    """Every file the snapshot needs is on disk with its size and sha256."""
    for ref in snapshot.manifest.assets().values():
        path = snapshot.asset_path(ref)
        assert path.stat().st_size == ref.size, ref.sha256
        assert file_sha256(path) == ref.sha256


# -- (b), (c) the sync engine against a loopback server serving hostile content ---------------

OLD_BLOB = b"the poster of the known good snapshot"
OLD_REF = AssetRef(
    sha256=hashlib.sha256(OLD_BLOB).hexdigest(), size=len(OLD_BLOB), media_type="image/jpeg"
)
ASSET_MODES = ["good"] * 6 + ["dropped_once"] * 3 + ["ignores_range"]
ASSET_MODES += ["corrupt", "short", "long", "missing"]


@dataclass
class Site:
    """What the in-test server answers; replaced for every example."""

    manifest: bytes = b""
    manifest_status: int = 200
    etag: str | None = None
    assets: dict[str, tuple[str, bytes]] = field(default_factory=dict)  # sha256 -> (mode, bytes)
    hits: dict[str, int] = field(default_factory=dict)
    ranges: int = 0  # 206 answers to resumed downloads


class _Handler(BaseHTTPRequestHandler):
    site: Site

    def do_GET(self) -> None:  # noqa: N802 - the name http.server calls
        if self.path == f"/api/screens/{SCREEN}/manifest":
            self._manifest()
        elif self.path.startswith("/assets/") and self.path[8:] in self.site.assets:
            self._asset(self.path[8:])
        else:
            self._send(404, b"not found")

    def _manifest(self) -> None:
        site = self.site
        if site.etag and self.headers.get("If-None-Match") == site.etag:
            self._send(304, b"", {"ETag": site.etag})
        else:
            # Signed by a key the screen trusts, whatever the bytes: a hostile server that
            # holds the key, so the body reaches the parser.
            headers = {SIGNATURE_HEADER: default_signer().header(site.manifest)}
            self._send(
                site.manifest_status,
                site.manifest,
                headers | ({"ETag": site.etag} if site.etag else {}),
            )

    def _asset(self, sha: str) -> None:
        mode, data = self.site.assets[sha]
        hits = self.site.hits[sha] = self.site.hits.get(sha, 0) + 1
        body = damaged(
            data, {"corrupt": "flipped", "short": "short", "long": "long"}.get(mode, "exact")
        )
        if mode == "missing":
            return self._send(404, b"gone")
        match = re.fullmatch(r"bytes=(\d+)-", self.headers.get("Range", ""))
        if match and mode != "ignores_range":
            start = int(match.group(1))
            if start >= len(body):
                return self._send(416, b"")
            ranged = {"Content-Range": f"bytes {start}-{len(body) - 1}/{len(body)}"}
            self.site.ranges += 1
            return self._send(206, body[start:], ranged)
        if mode == "dropped_once" and hits == 1:
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body[: len(body) // 2])
            self.close_connection = True  # the client sees a connection lost mid-body
            return None
        return self._send(200, body)

    def _send(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        if status != 304:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - http.server's name
        pass


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that stops reading an oversized asset is expected, not news


@pytest.fixture(scope="module")
def site() -> Iterator[tuple[type[_Handler], str]]:
    """A tiny content server on loopback, shared by the examples (module scope for hypothesis)."""
    handler = type("Handler", (_Handler,), {"site": Site()})
    httpd = _QuietServer(("127.0.0.1", 0), handler)
    httpd.daemon_threads = True
    thread = threading.Thread(
        target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, name="fuzz-site", daemon=True
    )
    thread.start()
    yield handler, f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()
    httpd.server_close()
    thread.join(5)


@dataclass(frozen=True)
class SyncCase:
    manifest: bytes
    manifest_status: int
    etag: str | None
    assets: dict[str, tuple[str, bytes]]

    def __repr__(self) -> str:  # short: hypothesis prints it for a failing example
        assets = {sha[:12]: (mode, len(data)) for sha, (mode, data) in self.assets.items()}
        body = self.manifest[:3000] + (b"..." if len(self.manifest) > 3000 else b"")
        return f"SyncCase({body!r}, {self.manifest_status}, {self.etag!r}, {assets})"

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:  # hypothesis's printer
        printer.text(repr(self))


@st.composite
def sync_cases(draw: st.DrawFn) -> SyncCase:
    """A manifest whose references point at a few served blobs, some served wrongly."""
    sizes = st.integers(1, 3000) | st.integers(100_000, 300_000)  # larger ones resume mid-file
    seeds = st.lists(st.tuples(st.binary(max_size=8), sizes), min_size=1, max_size=3)
    blobs = list(dict.fromkeys(hashlib.shake_256(seed).digest(size) for seed, size in draw(seeds)))
    blobs = [b for b in blobs if b != OLD_BLOB]
    served = {hashlib.sha256(b).hexdigest(): (draw(st.sampled_from(ASSET_MODES)), b) for b in blobs}
    served[OLD_REF.sha256] = (draw(st.sampled_from(ASSET_MODES)), OLD_BLOB)

    @st.composite
    def pool_refs(draw2: st.DrawFn) -> dict[str, Any]:
        sha = draw2(st.sampled_from(sorted(served)))
        size = len(served[sha][1])
        ref = {"sha256": sha, "size": size, "media_type": "image/jpeg"}
        twist = draw2(st.sampled_from(["none"] * 8 + ["size", "hash"]))
        if twist == "size":
            ref["size"] = draw2(st.sampled_from([size - 1, size + 1, 0, -1, 10**15]))
        elif twist == "hash":
            ref["sha256"] = draw2(st.sampled_from(bad_hashes(sha)))
        return ref

    shape = draw(st.sampled_from(["served"] * 8 + ["old_again", "hostile"]))
    if shape == "old_again":
        body = json.dumps(known_good_manifest().model_dump(mode="json")).encode()
    elif shape == "hostile":
        body = draw(encoded(draw(hostile_manifests(pool_refs()))))
    else:
        manifest = top_level(draw(item_lists(pool_refs())), draw(st.integers(0, 10)))
        body = json.dumps(manifest).encode()
    return SyncCase(
        manifest=body,
        manifest_status=draw(st.sampled_from([200] * 10 + [500, 404, 204])),
        etag=draw(st.sampled_from([None, '"v1"', 'W/"v1"', '"../../etc/passwd"'])),
        assets=served,
    )


def known_good_manifest() -> Manifest:
    return Manifest(
        revision=5,
        screen_id=SCREEN,
        generated_at=datetime(2026, 11, 1, tzinfo=UTC),
        items=[Poster(id="old", title="旧海报", image=OLD_REF)],
    )


def cache_layout_problems(parent: Path, cache: Path, canary: Path) -> list[str]:
    """Anything under ``parent`` that the cache should not have made."""
    problems = []
    allowed_top = {"assets", "staging", "current.json", "lock", "trusted_keys.json"}
    for dirpath, dirnames, filenames in os.walk(parent):
        here = Path(dirpath)
        for name in dirnames + filenames:
            path = here / name
            if path.is_symlink():
                problems.append(f"symlink {path}")
            elif here == parent and name not in (cache.name, canary.name):
                problems.append(f"outside the cache: {path}")
            elif here == canary and name != "canary.txt":
                problems.append(f"in the canary dir: {path}")
            elif here == cache and name not in allowed_top:
                problems.append(f"unexpected in cache: {name!r}")
            elif here == cache / "assets" and not (HEX64.fullmatch(name) and path.is_file()):
                problems.append(f"unexpected in assets/: {name!r}")
            elif here == cache / "staging" and not (PART.fullmatch(name) and path.is_file()):
                problems.append(f"unexpected in staging/: {name!r}")
            elif here not in (parent, canary, cache, cache / "assets", cache / "staging"):
                problems.append(f"unexpected nesting: {path}")
    return problems


def check_sync_result(result: SyncResult, store: CacheStore, before: bytes) -> None:
    """(c): an update is complete on disk; a failure leaves the snapshot file as it was."""
    snapshot_file = store.root / "current.json"
    current = store.current()
    assert current is not None  # there was a good snapshot before; there always is one after
    if result.status == "updated":
        assert result.snapshot is not None and current.manifest == result.snapshot.manifest
        assert_safe(current.manifest)
    elif result.status == "unchanged":  # the ETag may have been updated, nothing else
        previous = json.loads(before)["manifest"]
        assert current.manifest.model_dump(mode="json") == previous, result.message
    else:
        assert result.status == "failed", result.status
        assert snapshot_file.read_bytes() == before, result.message
    assert_snapshot_complete(current)


def resumable_case() -> SyncCase:
    """One case that always runs: a large file whose first download is cut halfway."""
    blob = hashlib.shake_256(b"resume").digest(200_000)
    sha = hashlib.sha256(blob).hexdigest()
    ref = {"sha256": sha, "size": len(blob), "media_type": "video/mp4"}
    items = [{"kind": "video", "id": "g0", "video": ref}, {"kind": "poster", "id": "g1"}]
    return SyncCase(
        manifest=json.dumps(top_level(items)).encode(),
        manifest_status=200,
        etag='"v1"',
        assets={sha: ("dropped_once", blob), OLD_REF.sha256: ("good", OLD_BLOB)},
    )


@HTTP
@given(sync_cases())
@example(case=resumable_case())
def test_sync_of_hostile_content_stays_inside_the_cache_and_keeps_a_complete_snapshot(site, case):
    handler, url = site
    handler.site = Site(case.manifest, case.manifest_status, case.etag, case.assets)
    with tempfile.TemporaryDirectory(prefix="sync-fuzz-") as tmp:
        parent = Path(tmp)
        canary = parent / "canary"
        canary.mkdir()
        (canary / "canary.txt").write_bytes(b"do not touch")
        store = CacheStore(parent / "cache")
        store.add_asset(OLD_REF, [OLD_BLOB])
        store.commit(known_good_manifest(), '"old"')
        trust = default_signer().trust(store.root)
        engine = SyncEngine(store, url, SCREEN, timeout=(2.0, 5.0), trust=trust)
        for attempt in (1, 2):  # the second resumes dropped downloads or gets a 304
            before = (store.root / "current.json").read_bytes()
            result = engine.sync_once()
            event(f"sync {attempt}: {result.status}, {bool(result.downloaded_bytes)} bytes")
            check_sync_result(result, store, before)
            assert cache_layout_problems(parent, store.root, canary) == []
            assert (canary / "canary.txt").read_bytes() == b"do not touch"
        if handler.site.ranges:
            event("a download resumed with Range")
        engine.session.close()


# -- bugs these tests found (fixed) --


@pytest.mark.parametrize("etag", [None, "changes"], ids=["no_etag", "new_etag"])
def test_a_dropped_file_is_fetched_again_when_the_manifest_comes_back_equal(site, tmp_path, etag):
    handler, url = site
    blob = b"poster bytes"
    ref = {"sha256": hashlib.sha256(blob).hexdigest(), "size": len(blob), "media_type": "image/png"}
    manifest = json.dumps(top_level([{"kind": "poster", "id": "p1", "image": ref}])).encode()
    handler.site = Site(manifest, 200, '"a"' if etag else None, {ref["sha256"]: ("good", blob)})
    store = CacheStore(tmp_path / "cache")
    engine = SyncEngine(store, url, SCREEN, trust=default_signer().trust(store.root))
    assert engine.sync_once().status == "updated"
    snapshot = engine.store.current()
    snapshot.asset_path(snapshot.manifest.items[0].image).write_bytes(b"poster bytez")
    assert not snapshot.verify(snapshot.manifest.items[0].image)  # the screen drops it
    if etag:
        handler.site.etag = '"b"'  # e.g. a server upgrade serialises the same manifest anew

    result = engine.sync_once()
    engine.session.close()
    assert result.status != "failed", result.message
    path = tmp_path / "cache" / "assets" / ref["sha256"]
    assert path.is_file() and path.read_bytes() == blob, f"still missing after '{result.status}'"
