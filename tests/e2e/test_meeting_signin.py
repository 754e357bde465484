"""Meeting sign-in end to end, all real processes: `kiosk server`, a roster and a meeting published
with `kiosk publish`, the screen (`kiosk run`, offscreen, 1080x1920) showing the sign-in card; the
QR code is read with zbar from a screenshot the screen saves on SIGUSR1, opened in headless
Chromium, a member signs in, and the screen's live count goes up (its `meeting_count` log line).
"""

import json
import os
import signal
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.support.processes import event
from tests.support.processes import publish_cli as publish
from tests.support.qr import decode_qr
from tests.support.signin import BRANCH, ensure_branch, write_roster_csv

pytestmark = pytest.mark.e2e
SCREEN = "signin-e2e"


def _portrait_platform(tmp_path: Path) -> dict[str, str]:
    """The offscreen platform with one 1080x1920 screen."""
    config = tmp_path / "screen.json"
    screen = {"name": "s", "x": 0, "y": 0, "width": 1080, "height": 1920, "logicalDpi": 96,
              "logicalBaseDpi": 96, "dpr": 1}  # fmt: skip
    config.write_text(json.dumps({"screens": [screen]}))
    return {"QT_QPA_PLATFORM": f"offscreen:configfile={config}"}


def _screenshot(screen, folder: Path) -> Path:  # noqa: ANN001
    os.kill(screen.proc.pid, signal.SIGUSR1)
    saved = screen.wait_for(event("screenshot_saved"))
    path = Path(saved["path"])
    assert path.parent == folder and path.is_file()
    return path


def test_scan_the_screen_sign_in_on_a_phone_and_the_count_goes_up(
    tmp_path, server, chromium
) -> None:
    from tests.support.processes import ScreenProcess

    roster = write_roster_csv(tmp_path / "名单.csv")
    ensure_branch(server, BRANCH)  # a roster belongs to an organisation node
    assert publish(server, "roster", "--branch", BRANCH, str(roster)) == "3"
    start = datetime.now(UTC) + timedelta(minutes=10)  # sign-in opens 30 min before: open now
    meeting = publish(
        server, "meeting", "--type", "支部党员大会", "--title", "学习贯彻全会精神专题会",
        "--branch", BRANCH, "--place", "党员活动室", "--start", start.isoformat(),
        "--end", (start + timedelta(hours=1)).isoformat(), "--to", SCREEN,
    )  # fmt: skip
    shots = tmp_path / "shots"
    config = tmp_path / "kiosk.toml"
    config.write_text("poll_seconds = 2\nmax_backoff_seconds = 2\n")
    screen = ScreenProcess(
        ["--config", str(config), "--server", server.url, "--screen", SCREEN,
         "--cache", str(tmp_path / "cache"), "--screenshot-dir", str(shots)],
        env=_portrait_platform(tmp_path), token=server.screen_token(SCREEN),
    )  # fmt: skip
    try:
        shown = screen.wait_for(event("meeting_signin_shown", meeting_id=meeting), timeout=30)
        assert shown["meeting_type"] == "支部党员大会"
        screen.wait_for(event("meeting_count", meeting_id=meeting, present=0, expected=3))

        [url] = decode_qr(_screenshot(screen, shots))
        assert url.startswith(f"{server.url}/m/{meeting}?w=")

        page = chromium.new_page()
        try:
            page.goto(url)
            page.fill("#signin-name", "李红")
            page.fill("#signin-factor", "9002")
            page.click("#signin-button")
            page.wait_for_selector("text=签到成功")
        finally:
            page.close()

        counted = screen.wait_for(event("meeting_count", meeting_id=meeting, present=1))
        assert counted["expected"] == 3
        assert screen.proc.poll() is None
        assert not [r for r in screen.lines if r.get("level") in ("ERROR", "CRITICAL")]
    finally:
        screen.stop()
