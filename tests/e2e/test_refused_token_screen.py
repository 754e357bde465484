"""``kiosk run`` with a token the server refuses: it shows its cached content and says in one
log line what to set."""

import pytest

from tests.support.images import jpeg_bytes
from tests.support.processes import event, run_kiosk
from tests.support.processes import publish_cli as publish

pytestmark = pytest.mark.e2e
SCREEN = "token-e2e"


def test_a_refused_token_keeps_the_cached_content_on_screen(tmp_path, server, screens):
    poster = tmp_path / "初心.jpg"
    poster.write_bytes(jpeg_bytes(colour=(200, 0, 0)))
    item = publish(server, "poster", str(poster), "--title", "初心", "--to", SCREEN)
    cache = tmp_path / "cache"
    args = ["--server", server.url, "--screen", SCREEN, "--cache", str(cache)]
    synced = run_kiosk(
        "sync", "--once", *args, env={"KIOSK_SCREEN_TOKEN": server.screen_token(SCREEN)}
    )
    assert synced.returncode == 0, synced.stderr

    config = tmp_path / "kiosk.toml"
    config.write_text("poll_seconds = 1\nmax_backoff_seconds = 2\n")
    screen = screens("--config", str(config), *args, "--windowed", token="0" * 64)
    screen.wait_for(event("item_shown", item_id=item))
    refused = screen.wait_for(lambda r: "server refused this screen's token" in r.get("msg", ""))
    assert f"screen-token {SCREEN}" in refused["msg"]
    screen.wait_for(lambda r: "server refused this screen's token" in r.get("msg", ""))  # retried
    assert screen.proc.poll() is None
    assert not any("Traceback" in line for line in screen.raw)
    assert not any(r.get("event") == "idle_shown" for r in screen.lines)
    assert screen.stop() == 0
