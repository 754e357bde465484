"""Enrolling real screens (``kiosk run`` offscreen) against the real server over loopback.

A screen with no credential logs a pairing code and shows it on its waiting page; the code
entered with ``kiosk admin screen enroll`` gives it its own credential and content arrives.
Revoking one of two screens stops that one (it keeps its cache on screen and says so) while
the other keeps syncing; a new code enrolls it again.
"""

from __future__ import annotations

import json
import stat
from pathlib import Path
from typing import Any

import pytest

from content_cache.enrollment import CREDENTIAL_FILE
from content_cache.trust import TRUST_FILE
from tests.support.images import jpeg_bytes
from tests.support.processes import LogLine, ScreenProcess, ServerProcess, event, run_kiosk
from tests.support.processes import publish_cli as publish

pytestmark = pytest.mark.e2e
WAIT = 30.0


def admin(server: ServerProcess, *args: str) -> str:
    """``kiosk admin ACTION ...``; returns its last line."""
    result = run_kiosk("admin", "--server", server.url, f"--token={server.token}", *args)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    return result.stdout.strip().splitlines()[-1]


def screen_args(tmp_path: Path, server: ServerProcess, screen: str) -> list[str]:
    config = tmp_path / f"{screen}.toml"
    config.write_text("poll_seconds = 2\nmax_backoff_seconds = 2\n")
    return [
        "--config", str(config), "--server", server.url, "--screen", screen,
        "--cache", str(tmp_path / screen), "--windowed",
    ]  # fmt: skip


def code_shown(screen: ScreenProcess, where: str, revoked: bool = False) -> LogLine:
    """The pairing code the screen logged, checked against what it shows (and where)."""
    logged = screen.wait_for(event("pairing_code"), timeout=WAIT)
    shown = screen.wait_for(event("pairing_shown", code=logged["code"]), timeout=WAIT)
    assert (shown["where"], shown["revoked"]) == (where, revoked)
    code = logged["code"]
    assert f"{code[:3]} {code[3:]}" in shown["text"]
    return logged


def poster(tmp_path: Path, server: ServerProcess, name: str, to: str, colour: Any) -> str:
    path = tmp_path / f"{name}.jpg"
    path.write_bytes(jpeg_bytes(colour=colour))
    return publish(server, "poster", str(path), "--title", name, "--to", to)


def test_a_new_screen_shows_a_code_is_enrolled_and_gets_content(tmp_path, server, screens):
    branch = admin(server, "org", "add", "第一党支部", "--kind", "党支部")
    item = poster(tmp_path, server, "七一海报", f"node:{branch}", (200, 0, 0))
    screen = screens(*screen_args(tmp_path, server, "hall-1"))
    screen.wait_for(event("screen_credential", source="none"), timeout=WAIT)
    logged = code_shown(screen, "waiting_page")
    assert f"kiosk admin screen enroll {logged['code']}" in logged["msg"]
    shown = next(r for r in screen.lines if r.get("event") == "pairing_shown")
    assert shown["title"] == "本屏尚未登记"

    assert admin(server, "screen", "enroll", logged["code"], "--node", "第一党支部") == "hall-1"
    screen.wait_for(event("screen_enrolled"), timeout=WAIT)
    screen.wait_for(event("item_shown", item_id=item), timeout=WAIT)
    credential = tmp_path / "hall-1" / CREDENTIAL_FILE
    assert stat.S_IMODE(credential.stat().st_mode) == 0o600
    trusted = json.loads((tmp_path / "hall-1" / TRUST_FILE).read_text(encoding="utf-8"))
    assert trusted["keys"] and [r for r in screen.lines if r.get("event") == "trust_enrolled"]
    assert screen.stop() == 0

    again = screens(*screen_args(tmp_path, server, "hall-1"))  # a restart uses the stored one
    again.wait_for(event("screen_credential", source="enrolled"), timeout=WAIT)
    again.wait_for(event("item_shown", item_id=item), timeout=WAIT)
    assert not [r for r in again.lines if r.get("event") == "pairing_code"]
    assert not [r for r in screen.lines + again.lines if r.get("level") in ("ERROR", "CRITICAL")]


def test_revoking_one_of_two_screens_leaves_the_other_syncing(tmp_path, server, screens):
    branch = admin(server, "org", "add", "第二党支部", "--kind", "党支部")
    admin(server, "screen", "assign", "old-1", "--node", branch)
    first = poster(tmp_path, server, "学习海报", f"node:{branch}", (0, 120, 200))
    enrolled = screens(*screen_args(tmp_path, server, "new-1"))
    admin(
        server, "screen", "enroll", code_shown(enrolled, "waiting_page")["code"], "--node", branch
    )
    old = screens(*screen_args(tmp_path, server, "old-1"), token=server.screen_token("old-1"))
    for screen in (enrolled, old):
        screen.wait_for(event("item_shown", item_id=first), timeout=WAIT)

    assert admin(server, "screen", "revoke", "new-1") == "new-1"
    enrolled.wait_for(event("screen_revoked"), timeout=WAIT)
    new_code = code_shown(enrolled, "status_strip", revoked=True)
    strip = next(r for r in enrolled.lines if r.get("event") == "pairing_shown" and r["revoked"])
    assert "本屏已被管理员停用（撤销登记）" in strip["text"]

    second = poster(tmp_path, server, "通知海报", f"node:{branch}", (0, 160, 60))
    old.wait_for(event("item_shown", item_id=second), timeout=WAIT)  # the other one syncs
    shown = [r.get("item_id") for r in enrolled.lines if r.get("event") == "item_shown"]
    assert second not in shown and shown[-1] == first  # the revoked one keeps its cache
    start = next(i for i, r in enumerate(enrolled.lines) if r.get("event") == "item_shown")
    assert not [r for r in enrolled.lines[start:] if r.get("event") == "idle_shown"]
    assert enrolled.proc.poll() is None

    admin(server, "screen", "enroll", new_code["code"], "--node", branch)
    enrolled.wait_for(event("screen_enrolled"), timeout=WAIT)
    enrolled.wait_for(event("item_shown", item_id=second), timeout=WAIT)
    for screen in (enrolled, old):
        assert not [r for r in screen.lines if r.get("level") in ("ERROR", "CRITICAL")]
        assert not any("Traceback" in line for line in screen.raw)
