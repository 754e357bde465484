"""After every kind of transition the main zone shows exactly the new poster and its fill.

Judged on the pixels the window system has (the offscreen platform's backing store, read with
``QScreen.grabWindow``), not on a fresh render of the widgets: the poster view paints opaque
and builds its fade on what the backing store holds, so a fresh render would hide a ghost.
Posters are solid, distinct colours, so any pixel of another colour in the main zone is left
over from the item before.
"""

from __future__ import annotations

import io
from collections import Counter
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from qt_helpers import SHANGHAI, JumpingClock, Screen, SnapshotBuilder, image_bytes, shown_ids

from content_cache.sync import SyncResult
from kiosk.qt import image_loader
from kiosk.qt.poster_view import fit_rect
from kiosk.qt.qt import QColor, QImage, QRect, QSize
from kiosk.qt.renditions import PosterRenditions
from kiosk.qt.window import Page

RED = (220, 0, 0)
BLUE = (0, 40, 230)


def _zone_on_screen(screen: Screen) -> QImage:
    """The main zone as the backing store holds it."""
    window = screen.window
    shot = window.screen().grabWindow(window.winId()).toImage()
    return shot.copy(window.main_zone.geometry())


def _colours(image: QImage, step: int = 3) -> Counter[int]:
    return Counter(
        image.pixel(x, y) & 0xFFFFFF
        for y in range(0, image.height(), step)
        for x in range(0, image.width(), step)
    )


def _rgb(colour: tuple[int, int, int]) -> int:
    return (colour[0] << 16) | (colour[1] << 8) | colour[2]


def _settled_on(screen: Screen, qtbot: Any, kiosk_log: Any, item_id: str) -> QImage:
    """Wait until ``item_id`` is shown and its fade has ended; the zone then."""
    qtbot.waitUntil(lambda: shown_ids(kiosk_log)[-1:] == [item_id], timeout=20_000)
    view = screen.window.poster_view
    qtbot.waitUntil(lambda: screen.window.page() is Page.POSTERS, timeout=5000)
    qtbot.waitUntil(lambda: not view.is_fading(), timeout=5000)
    qtbot.waitUntil(lambda: not view.holds_full(), timeout=5000)  # the end state is painted
    return _zone_on_screen(screen)


def _assert_only(image: QImage, poster: tuple[int, int, int], background: QColor) -> None:
    """Only ``poster``'s colour and the background in ``image``."""
    colours = _colours(image)
    strangers = {
        f"#{c:06x}": n
        for c, n in colours.items()
        if c not in (_rgb(poster), background.rgb() & 0xFFFFFF)
    }
    assert strangers == {}, f"left over from before: {strangers}"


def _assert_poster_at(image: QImage, poster_size: QSize, colour: tuple[int, int, int]) -> None:
    rect = fit_rect(poster_size, QRect(0, 0, image.width(), image.height()))
    inside = rect.adjusted(2, 2, -2, -2)
    for x, y in (
        (inside.left(), inside.top()),
        (inside.right(), inside.bottom()),
        (rect.center().x(), rect.center().y()),
    ):
        assert image.pixel(x, y) & 0xFFFFFF == _rgb(colour)


SHAPES = {"portrait": (300, 600), "landscape": (600, 300), "square": (400, 400)}


@pytest.mark.parametrize(
    ("size", "before", "after"),
    [
        ((540, 960), "portrait", "landscape"),  # the case of the report
        ((540, 960), "landscape", "portrait"),
        ((960, 540), "landscape", "portrait"),
        ((960, 540), "portrait", "landscape"),
        ((1080, 1920), "square", "landscape"),
    ],
)
def test_a_poster_of_another_shape_leaves_nothing_of_the_one_before(
    make_screen: Callable[..., Screen],
    builder: SnapshotBuilder,
    kiosk_log: Any,
    qtbot: Any,
    theme: Any,
    size: tuple[int, int],
    before: str,
    after: str,
) -> None:
    builder.poster("before", image_bytes(*SHAPES[before], RED), display_seconds=1)
    builder.poster("after", image_bytes(*SHAPES[after], BLUE), display_seconds=60)
    screen = make_screen(builder.commit(), size=size)
    zone = _settled_on(screen, qtbot, kiosk_log, "after")
    assert shown_ids(kiosk_log) == ["before", "after"]
    _assert_only(zone, BLUE, theme.color("background"))
    _assert_poster_at(zone, QSize(*SHAPES[after]), BLUE)


def test_a_poster_after_an_honor_roll(make_screen, builder, kiosk_log, qtbot, theme) -> None:
    builder.honor_roll("roll", 3, photos=False, display_seconds=1)
    builder.poster("after", image_bytes(*SHAPES["landscape"], BLUE), display_seconds=60)
    screen = make_screen(builder.commit(), size=(540, 960))
    zone = _settled_on(screen, qtbot, kiosk_log, "after")
    assert shown_ids(kiosk_log) == ["roll", "after"]
    _assert_only(zone, BLUE, theme.color("background"))
    _assert_poster_at(zone, QSize(*SHAPES["landscape"]), BLUE)


def test_a_poster_after_a_wall_video(
    make_screen, builder, kiosk_log, qtbot, theme, test_videos
) -> None:
    builder.items.append(
        {"kind": "video", "id": "v1", "title": "课程v1", "category": "党史故事",
         "video": builder.asset(test_videos.path("short").read_bytes(), "video/mp4"),
         "length_seconds": 1, "rotation": True}
    )  # fmt: skip
    builder.poster("after", image_bytes(*SHAPES["landscape"], BLUE), display_seconds=60)
    screen = make_screen(builder.commit(), size=(540, 960))
    zone = _settled_on(screen, qtbot, kiosk_log, "after")
    assert shown_ids(kiosk_log) == ["v1", "after"]
    _assert_only(zone, BLUE, theme.color("background"))


def test_a_poster_after_an_urgent_page(make_screen, builder, kiosk_log, qtbot, theme) -> None:
    builder.poster("after", image_bytes(*SHAPES["landscape"], BLUE), display_seconds=60)
    builder.notice("u1", "因线路检修，党员活动室暂停开放。", urgent=True)
    screen = make_screen(builder.commit(1), size=(540, 960))
    assert screen.window.page() is Page.URGENT
    qtbot.waitUntil(lambda: not _colours(_zone_on_screen(screen)).keys() <= {0}, timeout=5000)
    builder.items = [item for item in builder.items if item["id"] != "u1"]
    screen.controller.on_sync_result(SyncResult("updated", builder.commit(2)))
    zone = _settled_on(screen, qtbot, kiosk_log, "after")
    _assert_only(zone, BLUE, theme.color("background"))


def test_a_poster_after_the_sign_in_card(make_screen, builder, kiosk_log, qtbot, theme) -> None:
    now = datetime(2026, 11, 24, 14, 10, tzinfo=SHANGHAI)
    start = now + timedelta(minutes=20)
    builder.items.append(
        {"kind": "meeting", "id": "m1", "title": "支部党员大会", "meeting_type": "支部党员大会",
         "start": start.isoformat(), "end": (start + timedelta(hours=1)).isoformat(),
         "signin": {"url": "http://10.1.2.3:8080/m/m1", "secret": "0123456789abcdef" * 2,
                    "opens_at": (start - timedelta(minutes=30)).isoformat(),
                    "closes_at": (start + timedelta(minutes=30)).isoformat()}}
    )  # fmt: skip
    builder.poster("after", image_bytes(*SHAPES["landscape"], BLUE), display_seconds=60)
    clock = JumpingClock(now)
    screen = make_screen(builder.commit(), size=(540, 960), clock=clock)
    assert screen.window.page() is Page.MEETING
    qtbot.waitUntil(lambda: len(_colours(_zone_on_screen(screen))) > 3, timeout=5000)
    clock.now = start + timedelta(minutes=31)  # sign-in closes: the rotation goes on
    screen.controller.replan()
    zone = _settled_on(screen, qtbot, kiosk_log, "after")
    _assert_only(zone, BLUE, theme.color("background"))


def _framed_jpeg(width: int, height: int, colour: tuple[int, int, int]) -> bytes:
    """A poster of ``colour`` with a white frame, so its backdrop is not one flat colour."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (width, height), colour)
    ImageDraw.Draw(image).rectangle([20, 20, width - 21, height - 21], outline="white", width=12)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90)
    return out.getvalue()


@pytest.mark.parametrize(
    ("size", "before", "after"),
    [((960, 540), (300, 600), (600, 450)), ((540, 960), (600, 300), (300, 500))],
)
def test_posters_from_renditions_fill_the_zone_with_their_own_backdrop(
    make_screen: Callable[..., Screen],
    builder: SnapshotBuilder,
    kiosk_log: Any,
    qtbot: Any,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    size: tuple[int, int],
    before: tuple[int, int],
    after: tuple[int, int],
) -> None:
    renditions = PosterRenditions(tmp_path / "renditions")
    monkeypatch.setattr(image_loader, "decode_poster", renditions.decode)  # as the screen does
    builder.poster("before", _framed_jpeg(*before, RED), display_seconds=1)
    item = builder.poster("after", _framed_jpeg(*after, BLUE), display_seconds=60)
    screen = make_screen(builder.commit(), size=size)
    zone = _settled_on(screen, qtbot, kiosk_log, "after")
    renditions.close()

    path = builder.store.assets_dir / item["image"]["sha256"]
    expected = PosterRenditions(tmp_path / "again").decode(path, screen.window.main_zone.size())
    assert zone.size() == expected.size()
    differing = sum(
        zone.pixel(x, y) != expected.pixel(x, y)
        for y in range(0, zone.height(), 3)
        for x in range(0, zone.width(), 3)
    )
    assert differing == 0  # the whole zone is the new rendition: nothing of the red one
    reds = [c for c in _colours(zone) if (c >> 16) > 150 and (c & 0xFF) < 100]
    assert reds == []
