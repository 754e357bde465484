"""Publish → sync → display, end to end: `kiosk server`, `kiosk publish` and `kiosk run`."""

import pytest

from tests.support.images import jpeg_bytes
from tests.support.processes import event
from tests.support.processes import publish_cli as publish

pytestmark = pytest.mark.e2e
SCREEN = "e2e-screen"


def screen_args(tmp_path, server_url):
    config = tmp_path / "kiosk.toml"
    config.write_text("poll_seconds = 1\nmax_backoff_seconds = 2\n")
    return [
        "--config", str(config), "--server", server_url, "--screen", SCREEN,
        "--cache", str(tmp_path / "cache"), "--windowed",
    ]  # fmt: skip


def poster_file(tmp_path, name, colour):
    path = tmp_path / f"{name}.jpg"
    path.write_bytes(jpeg_bytes(colour=colour))
    return path


def test_publish_withdraw_server_down_and_offline_restart(tmp_path, server, screens):
    from content_server.client import PublishClient

    PublishClient(server.url, server.token).put_settings(SCREEN, {"poster_seconds": 2})
    token = server.screen_token(SCREEN)
    screen = screens(*screen_args(tmp_path, server.url), token=token)
    screen.wait_for(event("idle_shown"))

    first = publish(
        server, "poster", str(poster_file(tmp_path, "a", (200, 0, 0))), "--title", "初心"
    )
    screen.wait_for(event("item_shown", item_id=first, title="初心"))

    second = publish(
        server, "poster", str(poster_file(tmp_path, "b", (0, 0, 200))), "--title", "使命",
        "--to", SCREEN,
    )  # fmt: skip
    screen.wait_for(event("item_shown", item_id=second))

    notice = publish(server, "notice", "--text", "周五下午三点召开支部党员大会")
    screen.wait_for(lambda r: r.get("event") == "notices_shown" and notice in r.get("item_ids", []))

    publish(server, "withdraw", first)
    loaded = screen.wait_for(event("snapshot_loaded"))
    for _ in range(3):  # after the withdrawal, only the second poster is shown
        shown = screen.wait_for(lambda r: r.get("event") in ("item_shown", "snapshot_loaded"))
        assert shown.get("item_id") != first, (loaded, shown)

    server.stop()
    screen.wait_for(lambda r: "sync failed" in r.get("msg", "") and "unreachable" in r["msg"])
    screen.wait_for(lambda r: "sync failed" in r.get("msg", ""))  # retries with backoff
    assert screen.proc.poll() is None, "the screen must keep running with the server down"
    first_shown = next(i for i, r in enumerate(screen.lines) if r.get("event") == "item_shown")
    idles = [r for r in screen.lines[first_shown:] if r.get("event") == "idle_shown"]
    assert idles == [], "never idle while posters exist, server down or not"
    assert screen.stop() == 0

    restarted = screens(*screen_args(tmp_path, server.url), token=token)
    restarted.wait_for(event("item_shown", item_id=second))
    assert not any(r.get("level") in ("ERROR", "CRITICAL") for r in restarted.lines)


def test_nothing_cached_and_server_down_shows_the_waiting_screen(tmp_path, screens):
    screen = screens(*screen_args(tmp_path, "http://127.0.0.1:9"))
    idle = screen.wait_for(event("idle_shown"))
    assert idle["reason"] == "no_snapshot"
    # With no credential the screen asks for a pairing code first: that fails the same way.
    screen.wait_for(lambda r: "failed: server unreachable" in r.get("msg", ""))
    assert screen.proc.poll() is None
    assert screen.stop() == 0
