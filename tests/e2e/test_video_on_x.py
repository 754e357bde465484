"""Video frames really reach the screen: the screen runs under a real X server (Xvfb) with
libvlc drawing into its native video surface, and root-window screenshots (``import -window
root``) must show a picture that is not uniform and that changes. ``QWidget.grab()`` cannot
show this: libvlc draws into its own X window (see ENVIRONMENT.md).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image, ImageChops, ImageStat

from tests.support.processes import ScreenProcess, event, publish_cli

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(
        not (shutil.which("Xvfb") and shutil.which("import")),
        reason="needs Xvfb and ImageMagick (scripts/setup.sh)",
    ),
]
SIZE = (1280, 720)
SCREEN = "video-x"


@pytest.fixture
def display() -> Iterator[str]:
    """A fresh Xvfb on a display number it picks itself (``-displayfd``)."""
    read, write = os.pipe()
    xvfb = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write), "-screen", "0", f"{SIZE[0]}x{SIZE[1]}x24",
         "-nolisten", "tcp"],
        pass_fds=(write,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    os.close(write)
    with os.fdopen(read) as pipe:
        number = pipe.readline().strip()  # written once the server accepts connections
    assert number, "Xvfb did not start"
    yield f":{number}"
    xvfb.terminate()
    xvfb.wait(10)


def screenshot(display: str, path: Path) -> Image.Image:
    subprocess.run(["import", "-display", display, "-window", "root", str(path)],
                   check=True, timeout=30)  # fmt: skip
    with Image.open(path) as image:
        return image.convert("RGB")


def centre(image: Image.Image, x: float, y: float) -> Image.Image:
    """The box of a fifth of the screen around (``x``, ``y``) (fractions of the screen)."""
    w, h = image.size
    return image.crop((int(w * (x - 0.1)), int(h * (y - 0.1)), int(w * (x + 0.1)),
                       int(h * (y + 0.1))))  # fmt: skip


def assert_video_plays(display: str, tmp_path: Path, x: float, y: float) -> None:
    # "Started" is logged when playback is asked for; the first frame follows within moments
    # (later on a busy machine), so the picture is awaited before it is judged.
    deadline = time.monotonic() + 15
    while True:
        first = centre(screenshot(display, tmp_path / "first.png"), x, y)
        spread = max(ImageStat.Stat(first).stddev)
        if spread > 20 or time.monotonic() > deadline:
            break
    assert spread > 20, f"the video area is uniform (stddev {spread:.1f}): no frames drawn"
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:  # wait for the picture to change (it moves)
        later = centre(screenshot(display, tmp_path / "later.png"), x, y)
        if ImageChops.difference(first, later).getbbox() is not None:
            return
    pytest.fail("the video area did not change within 15 s: the picture is frozen")


def test_wall_video_frames_reach_the_screen(tmp_path, server, test_videos, display) -> None:
    video = publish_cli(server, "video", str(test_videos.path("good")), "--title", "党史故事一",
                        "--category", "党史故事", "--rotation", "--to", SCREEN)  # fmt: skip
    screen = ScreenProcess(
        ["--server", server.url, "--screen", SCREEN, "--cache", str(tmp_path / "cache")],
        env={"QT_QPA_PLATFORM": "xcb", "DISPLAY": display},
        token=server.screen_token(SCREEN),
    )
    try:
        screen.wait_for(event("item_shown", item_id=video, kind="video"), timeout=60)
        assert_video_plays(display, tmp_path, 0.5, 0.5)
    finally:
        screen.stop()
    assert not [line for line in screen.lines if line.get("event") == "item_skipped"]


def test_touch_player_frames_reach_the_screen(tmp_path, display) -> None:
    """The demo in touch mode with its course player open: the video in the player view."""
    env = {**os.environ, "QT_QPA_PLATFORM": "xcb", "DISPLAY": display, "PYTHONUNBUFFERED": "1"}
    demo = subprocess.Popen(
        [sys.executable, "-m", "kiosk", "demo", "--mode", "touch", "--open", "player",
         "--log-json"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env,
    )  # fmt: skip
    started = threading.Event()

    def pump() -> None:  # read every line, so the demo never blocks on a full pipe
        assert demo.stderr is not None
        for line in demo.stderr:
            if '"course_started"' in line:
                started.set()

    threading.Thread(target=pump, daemon=True).start()
    try:
        assert started.wait(90), "no course started in the demo's player"
        assert_video_plays(display, tmp_path, 0.5, 0.4)
    finally:
        demo.terminate()
        try:
            demo.wait(15)
        except subprocess.TimeoutExpired:
            demo.kill()
            demo.wait()
