"""Signed manifests end to end: the real server (``kiosk server`` on loopback) signs, the sync
engine verifies. Faults come from a real HTTP proxy between them that relays the server's
answer with a changed byte, without the signature, or re-signed by another key; a key
rotation is done with the server's own routes."""

from __future__ import annotations

import logging
from collections.abc import Iterator, MutableMapping
from pathlib import Path

import pytest

from content_cache.signature import SIGNATURE_HEADER
from content_cache.store import CacheStore
from content_cache.sync import SyncEngine, SyncLoop, SyncResult
from content_cache.trust import TrustStore
from tests.support.images import jpeg_bytes
from tests.support.processes import run_kiosk
from tests.support.proxy import FaultProxy
from tests.support.signing import ManifestSigner

SCREEN = "hall-1"


@pytest.fixture
def proxy(server) -> Iterator[FaultProxy]:
    relay = FaultProxy(server.url)
    yield relay
    relay.close()


def publish_poster(publisher, tmp_path: Path, title: str, colour: tuple[int, int, int]) -> str:
    path = tmp_path / f"{title}.jpg"
    path.write_bytes(jpeg_bytes(colour=colour))
    ref = publisher.upload_asset(path)
    payload = {"kind": "poster", "title": title, "to": "all", "image": ref}
    return str(publisher.publish(payload)["id"])


def screen(server, url: str, cache: Path, trusted: list[dict[str, str]] | None) -> SyncEngine:
    """A screen's engine; ``trusted``: the keys it was given at enrollment (None: none)."""
    store = CacheStore(cache)
    trust = TrustStore(store.root)
    if trusted is not None:
        trust.trust_initial(trusted)
    return SyncEngine(store, url, SCREEN, token=server.screen_token(SCREEN), trust=trust)


def server_keys(publisher) -> list[dict[str, str]]:
    keys = publisher.signing_keys()["keys"]
    return [{"id": key["id"], "public_key": key["public_key"]} for key in keys]


def sync_in_loop(engine: SyncEngine) -> SyncResult:
    """One round of the screen's sync loop (which logs the outcome), then stop."""
    loop = SyncLoop(engine, push=False)
    results: list[SyncResult] = []

    def done(result: SyncResult) -> None:
        results.append(result)
        loop.stop()

    loop.run(done)
    return results[0]


def items(engine: SyncEngine) -> list[str]:
    snapshot = engine.store.current()
    return [item.title for item in snapshot.manifest.items] if snapshot else []


def warnings(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]


def test_a_signed_manifest_is_accepted_and_kept_with_its_signature(
    server, publisher, tmp_path
) -> None:
    publish_poster(publisher, tmp_path, "海报一", (200, 0, 0))
    engine = screen(server, server.url, tmp_path / "cache", server_keys(publisher))
    result = engine.sync_once()
    assert result.status == "updated", result.message
    assert items(engine) == ["海报一"]
    kept = engine.store.signed_body()  # the cache can be checked again later
    assert kept is not None and kept.signature
    again = TrustStore(engine.store.root).verify(kept.body, kept.signature)
    assert again.key_id == server_keys(publisher)[0]["id"]


def _flip_title(body: bytes, headers: MutableMapping[str, str]):
    return body.replace("海报二".encode(), "海报三".encode()), headers  # same length


def _drop_signature(body: bytes, headers: MutableMapping[str, str]):
    del headers[SIGNATURE_HEADER]
    return body, headers


def _re_sign(body: bytes, headers: MutableMapping[str, str]):
    headers[SIGNATURE_HEADER] = ManifestSigner().header(body)  # a key nobody gave the screen
    return body, headers


@pytest.mark.parametrize(
    ("alter", "reason", "words"),
    [
        (_flip_title, "bad", "does not verify"),
        (_drop_signature, "missing", "no signature"),
        (_re_sign, "unknown_key", "does not trust"),
    ],
    ids=["changed_byte", "dropped_header", "unknown_key"],
)
def test_a_manifest_changed_on_the_way_is_refused_and_the_old_snapshot_stays(
    server, publisher, proxy, tmp_path, caplog, alter, reason, words
) -> None:
    publish_poster(publisher, tmp_path, "海报一", (200, 0, 0))
    engine = screen(server, proxy.url, tmp_path / "cache", server_keys(publisher))
    assert engine.sync_once().status == "updated"
    before = (engine.store.root / "current.json").read_bytes()
    publish_poster(publisher, tmp_path, "海报二", (0, 0, 200))
    proxy.manifest_hook = alter
    caplog.clear()
    result = sync_in_loop(engine)
    assert result.status == "failed" and result.refused == reason
    assert words in result.message and "\n" not in result.message
    assert warnings(caplog) == [f"sync failed: {result.message} (next in 1 s)"]
    assert (engine.store.root / "current.json").read_bytes() == before
    assert items(engine) == ["海报一"]
    proxy.manifest_hook = None  # the proxy stops meddling: the screen converges
    assert engine.sync_once().status == "updated" and items(engine) == ["海报一", "海报二"]


def test_a_key_rotation_reaches_a_screen_that_keeps_syncing(
    server, publisher, tmp_path, caplog
) -> None:
    caplog.set_level(logging.INFO, logger="content_cache.trust")
    publish_poster(publisher, tmp_path, "海报一", (200, 0, 0))
    [old] = server_keys(publisher)
    engine = screen(server, server.url, tmp_path / "cache", [old])
    away = screen(server, server.url, tmp_path / "away", [old])  # will miss the rotation
    assert engine.sync_once().status == "updated" and away.sync_once().status == "updated"

    new = publisher.add_signing_key()["key"]
    publish_poster(publisher, tmp_path, "海报二", (0, 0, 200))
    assert engine.sync_once().status == "updated", "signed by both: the old key verifies"
    assert engine.trust.trusted() == [old["id"], new["id"]]
    assert f"learnt {new['id']}" in caplog.text

    publisher.retire_signing_key(old["id"])
    publish_poster(publisher, tmp_path, "海报三", (0, 200, 0))
    result = engine.sync_once()
    assert result.status == "updated", result.message
    assert engine.trust.trusted() == [new["id"]]
    assert items(engine) == ["海报一", "海报二", "海报三"]

    missed = away.sync_once()  # trusts only the retired key
    assert missed.status == "failed" and missed.refused == "unknown_key"
    assert new["id"] in missed.message and old["id"] in missed.message
    assert "enrol the screen again, or set server_keys" in missed.message
    assert items(away) == ["海报一"]


def test_a_screen_given_no_key_trusts_its_server_on_first_use_with_one_warning(
    server, publisher, tmp_path, caplog
) -> None:
    publish_poster(publisher, tmp_path, "海报一", (200, 0, 0))
    engine = screen(server, server.url, tmp_path / "cache", None)
    with caplog.at_level(logging.INFO):
        assert engine.sync_once().status == "updated"
    [warning] = warnings(caplog)
    assert "first use" in warning
    assert engine.trust.source == "first_use"
    assert engine.trust.trusted() == [k["id"] for k in server_keys(publisher)]


def test_kiosk_sync_trusts_the_server_keys_line_of_its_config(server, publisher, tmp_path) -> None:
    publish_poster(publisher, tmp_path, "海报一", (200, 0, 0))
    config = tmp_path / "kiosk.toml"
    common = f'server = "{server.url}"\nscreen = "{SCREEN}"\ncache = "{tmp_path / "cache"}"\n'
    stranger = ManifestSigner(tmp_path / "stranger").public_keys()[0]["public_key"]
    config.write_text(common + f'server_keys = ["{stranger}"]\n', encoding="utf-8")
    env = {"KIOSK_SCREEN_TOKEN": server.screen_token(SCREEN)}
    refused = run_kiosk("sync", "--once", "--config", str(config), env=env)
    assert refused.returncode == 1 and "Traceback" not in refused.stderr
    assert "manifest refused: signed only by keys this screen does not trust" in refused.stderr
    config.write_text(common + publisher.signing_keys()["server_keys"] + "\n", encoding="utf-8")
    synced = run_kiosk("sync", "--once", "--config", str(config), env=env)
    assert synced.returncode == 0, synced.stderr
    assert "sync updated" in synced.stderr
