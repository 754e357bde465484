"""Honor rolls: the grid, paging, photos (cropped, verified, placeholders), plain-text names."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from qt_helpers import SnapshotBuilder, events, image_bytes, layout_problems, photo_bytes

from kiosk.qt.honor_player import MIN_PAGE_SECONDS, page_seconds
from kiosk.qt.honor_view import honor_grid, surname
from kiosk.qt.image_loader import DecodeError, decode_photo
from kiosk.qt.qt import QColor, QLabel, QSize
from kiosk.qt.theme import Metrics, Theme
from kiosk.qt.window import Page

SIZES = [(1080, 1920), (1920, 1080), (3840, 2160)]
MARKUP_NAME = "<b>张三</b><img src=x>"


def _wait_for_roll(qtbot, kiosk_log, pages: int = 1) -> None:  # noqa: ANN001
    qtbot.waitUntil(lambda: len(events(kiosk_log, "honor_page_shown")) >= pages, timeout=5000)


def _wait_for_photos(qtbot, screen) -> None:  # noqa: ANN001
    """Until every photo of the page shown is decoded or known to fail."""
    view = screen.window.honor_view

    def settled() -> bool:
        keys = [e.photo.sha256 for e in view.page_entries() if e.photo is not None]
        return all(screen.photos.pixmap(k) or screen.photos.failure(k) for k in keys)

    qtbot.waitUntil(settled, timeout=5000)


# -- the grid ---------------------------------------------------------------------------------


@pytest.mark.parametrize("size", SIZES)
def test_grid_keeps_names_legible_and_cards_apart(theme: Theme, qapp, size) -> None:  # noqa: ANN001
    metrics = Metrics.for_size(theme, *size)
    zone = QSize(size[0], size[1] - metrics.header_height - metrics.notice_height)
    grid = honor_grid(theme, metrics, zone, entries=500)
    assert metrics.px("honor_name") >= 0.035 * metrics.unit  # legible from two metres
    assert 4 <= grid.per_page <= 12
    assert grid.photo.width() * 4 == grid.photo.height() * 3  # 3:4 portrait photos
    assert grid.photo.height() >= metrics.px("honor_photo_min")
    area = QSize(zone)
    for index, card in enumerate(grid.cards):
        assert 0 <= card.left() and card.right() < area.width()
        assert card.top() > grid.heading.bottom() and card.bottom() < area.height()
        assert card.contains(grid.photo_rect(card)) and card.contains(grid.text_rect(card))
        assert not grid.photo_rect(card).intersects(grid.text_rect(card))
        for other in grid.cards[index + 1 :]:
            assert not card.intersects(other)


def test_portrait_has_two_columns_landscape_more(theme: Theme, qapp) -> None:  # noqa: ANN001
    portrait = Metrics.for_size(theme, 1080, 1920)
    landscape = Metrics.for_size(theme, 1920, 1080)
    tall = honor_grid(theme, portrait, QSize(1080, 1500), 500)
    wide = honor_grid(theme, landscape, QSize(1920, 800), 500)
    assert (tall.columns, tall.rows) == (2, 4)
    assert wide.columns > wide.rows


def test_a_short_roll_gets_larger_cards(theme: Theme, qapp) -> None:  # noqa: ANN001
    metrics = Metrics.for_size(theme, 1080, 1920)
    long = honor_grid(theme, metrics, QSize(1080, 1500), 100)
    short = honor_grid(theme, metrics, QSize(1080, 1500), 2)
    assert short.per_page >= 2
    assert short.photo.height() > long.photo.height()


def test_pages_share_the_entries_evenly(theme: Theme, qapp) -> None:  # noqa: ANN001
    grid = honor_grid(theme, Metrics.for_size(theme, 1080, 1920), QSize(1080, 1500), 500)
    per_page = grid.per_page
    spans = [grid.page_span(per_page + 1, page) for page in range(grid.pages(per_page + 1))]
    assert [count for _, count in spans] == [per_page // 2 + 1, (per_page + 1) // 2][: len(spans)]
    assert spans[1][0] == spans[0][1]


def test_page_time() -> None:
    assert page_seconds(None, 5, default=8) == 8  # theme's time per page
    assert page_seconds(60, 3, default=8) == 20  # the roll's time spread over its pages
    assert page_seconds(30, 100, default=8) == MIN_PAGE_SECONDS  # never unreadably short


# -- on screen --------------------------------------------------------------------------------


@pytest.mark.parametrize("size", SIZES)
def test_honor_roll_on_screen_at_each_size(
    make_screen, builder: SnapshotBuilder, kiosk_log, qtbot, size
) -> None:
    builder.honor_roll("roll", 10)
    builder.notice("n1", "本周五下午三点召开支部党员大会")
    screen = make_screen(builder.commit(), size=size)
    _wait_for_roll(qtbot, kiosk_log)
    _wait_for_photos(qtbot, screen)
    window, view = screen.window, screen.window.honor_view
    assert window.page() is Page.HONOR
    assert view.size() == window.main_zone.size()
    assert layout_problems(window) == []
    cards = view.card_rects()
    assert len(cards) == len(view.page_entries()) > 0
    for index, card in enumerate(cards):
        assert view.rect().contains(card)
        assert all(not card.intersects(other) for other in cards[index + 1 :])
    assert view.placeholders == []  # every photo decoded
    shot = view.grab().toImage()
    photo = view.grid.photo_rect(cards[0])
    head = shot.pixelColor(photo.center().x(), photo.top() + photo.height() // 4)
    assert head == QColor(235, 200, 170) or abs(head.red() - 235) < 12  # the head is kept
    [shown] = events(kiosk_log, "item_shown")
    assert (shown.kind, shown.item_id, shown.entries) == ("honor_roll", "roll", 10)


def test_names_are_plain_text_never_markup(
    make_screen, builder: SnapshotBuilder, kiosk_log, qtbot
) -> None:
    entries = [{"name": MARKUP_NAME, "title": "<i>优秀</i>", "citation": "<a href=x>链接</a>"}]
    builder.honor_roll("roll", entries=entries)
    screen = make_screen(builder.commit(), size=(1080, 1920))
    _wait_for_roll(qtbot, kiosk_log)
    view = screen.window.honor_view
    assert layout_problems(screen.window) == []  # paints
    drawn = [text.text for text in view.drawn_text]
    assert MARKUP_NAME in drawn and "<i>优秀</i>" in drawn and "<a href=x>链接</a>" in drawn
    assert view.findChildren(QLabel) == []  # painted, never handed to a rich-text label
    assert all(
        label.textFormat() == QLabel().textFormat().PlainText
        for label in screen.window.findChildren(QLabel)
    )


def test_missing_and_absent_photos_show_placeholders(
    make_screen, builder: SnapshotBuilder, store, kiosk_log, qtbot
) -> None:
    gone = builder.asset(photo_bytes(1), "image/jpeg")
    kept = builder.asset(photo_bytes(2), "image/jpeg")
    entries = [
        {"name": "王芳", "title": "优秀共产党员", "photo": kept},
        {"name": "李娜", "title": "党员先锋岗", "photo": gone},
        {"name": "刘洋", "title": "优秀党务工作者"},  # no photo published
    ]
    builder.honor_roll("roll", entries=entries)
    snapshot = builder.commit()
    (store.assets_dir / gone["sha256"]).unlink()
    screen = make_screen(snapshot, size=(1080, 1920))
    _wait_for_roll(qtbot, kiosk_log)  # the roll shows although a file is missing
    _wait_for_photos(qtbot, screen)
    view = screen.window.honor_view
    assert layout_problems(screen.window) == []
    assert sorted(view.placeholders) == ["刘洋", "李娜"]
    assert {"李", "刘"} <= {text.text for text in view.drawn_text}  # surname on the disc
    [skipped] = events(kiosk_log, "photo_skipped")
    assert (skipped.item_id, skipped.entry, skipped.reason) == ("roll", 2, "file missing")


def test_a_photo_whose_bytes_changed_is_not_shown(
    make_screen, builder: SnapshotBuilder, store, kiosk_log, qtbot
) -> None:
    ref = builder.asset(photo_bytes(3), "image/jpeg")
    builder.honor_roll("roll", entries=[{"name": "赵磊", "photo": ref}])
    snapshot = builder.commit()
    path = store.assets_dir / ref["sha256"]
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    screen = make_screen(snapshot, size=(1080, 1920))
    _wait_for_roll(qtbot, kiosk_log)
    _wait_for_photos(qtbot, screen)
    assert layout_problems(screen.window) == []
    assert screen.window.honor_view.placeholders == ["赵磊"]
    assert "changed on disk" in events(kiosk_log, "photo_skipped")[0].reason
    assert not path.exists()  # dropped, so the next sync fetches it again


def test_extreme_entries_keep_the_layout(
    make_screen, builder: SnapshotBuilder, kiosk_log, qtbot
) -> None:
    entries = [
        {"name": "名" * 300, "title": "称号" * 200, "citation": "事迹" * 900},
        {"name": "   ", "title": "", "citation": ""},
        {"name": "Zhang San-Li Si Wang Wu " * 10, "citation": "word " * 300},
    ]
    builder.honor_roll("roll", entries=entries)
    screen = make_screen(builder.commit(), size=(1080, 1920))
    _wait_for_roll(qtbot, kiosk_log)
    view = screen.window.honor_view
    assert layout_problems(screen.window) == []
    names = [t.text for t in view.drawn_text if t.text.startswith("名名")]
    assert names and names[0].endswith("…")


def test_500_entries_page_and_only_the_page_is_laid_out(
    make_screen, builder: SnapshotBuilder, kiosk_log, qtbot
) -> None:
    shared = builder.asset(photo_bytes(7), "image/jpeg")
    entries = [{"name": f"党员{i}", "title": "优秀共产党员", "photo": shared} for i in range(500)]
    builder.honor_roll("big", entries=entries)
    screen = make_screen(builder.commit(), size=(1080, 1920))
    _wait_for_roll(qtbot, kiosk_log)
    view = screen.window.honor_view
    per_page = view.grid.per_page
    assert view.pages() == math.ceil(500 / per_page)
    [first] = events(kiosk_log, "honor_page_shown")
    assert (first.page, first.pages) == (1, view.pages())
    seen: list[str] = []
    for page in range(view.pages()):
        view.set_page(page)
        assert len(view.card_rects()) == len(view.page_entries()) <= per_page
        seen.extend(entry.name for entry in view.page_entries())
    assert seen == [f"党员{i}" for i in range(500)]  # every entry once, in order
    view.set_page(view.pages() - 1)
    assert layout_problems(screen.window) == []
    assert len(view.drawn_text) < 6 * per_page  # only this page's text was painted


def test_the_rotation_moves_on_after_the_last_page(
    make_screen, builder: SnapshotBuilder, kiosk_log, qtbot
) -> None:
    entries = [{"name": f"党员{i}"} for i in range(40)]
    builder.honor_roll("roll", entries=entries, priority=5, display_seconds=1)
    builder.poster("p1", display_seconds=60)
    screen = make_screen(builder.commit(), size=(1080, 1920))
    pages = screen.window.honor_view.pages()
    assert pages >= 2
    qtbot.waitUntil(
        lambda: [r.item_id for r in events(kiosk_log, "item_shown")] == ["roll", "p1"],
        timeout=(pages + 2) * MIN_PAGE_SECONDS * 1000,
    )
    shown = [(r.page, r.pages) for r in events(kiosk_log, "honor_page_shown")]
    assert shown == [(n, pages) for n in range(1, pages + 1)]
    assert screen.window.page() is Page.POSTERS


def test_a_republished_roll_restarts_and_a_withdrawn_one_leaves(
    make_screen, builder: SnapshotBuilder, kiosk_log, qtbot
) -> None:
    from content_cache.sync import SyncResult

    builder.honor_roll("roll", 3, photos=False)
    builder.poster("p1", display_seconds=60)
    screen = make_screen(builder.commit(1))
    _wait_for_roll(qtbot, kiosk_log)
    builder.items[0] = {**builder.items[0], "entries": builder.items[0]["entries"][:2]}
    screen.controller.on_sync_result(SyncResult("updated", builder.commit(2)))
    shown = events(kiosk_log, "item_shown")  # edited: shown again at once, from its start
    assert [(r.item_id, r.entries) for r in shown] == [("roll", 3), ("roll", 2)]
    assert len(screen.window.honor_view.card_rects()) == 2
    builder.items = builder.items[1:]
    screen.controller.on_sync_result(SyncResult("updated", builder.commit(3)))
    qtbot.waitUntil(lambda: screen.window.page() is Page.POSTERS, timeout=5000)


# -- photo decoding ------------------------------------------------------------------------------


def _two_colour(path: Path, width: int, height: int) -> Path:
    from PIL import Image

    image = Image.new("RGB", (width, height), (0, 0, 255))
    image.paste((255, 0, 0), (0, 0, width, height // 4))  # a red "head" band at the top
    image.save(path, "PNG")
    return path


def test_tall_photos_are_cropped_from_the_top(qapp, tmp_path: Path) -> None:  # noqa: ANN001
    image = decode_photo(_two_colour(tmp_path / "tall", 300, 900), QSize(150, 200))
    assert (image.width(), image.height()) == (150, 200)
    assert image.pixelColor(75, 2).red() > 200  # the top is kept
    assert image.pixelColor(75, 199).blue() > 200


def test_wide_photos_are_cropped_at_the_centre(qapp, tmp_path: Path) -> None:  # noqa: ANN001
    from PIL import Image

    path = tmp_path / "wide"
    image = Image.new("RGB", (900, 300), (0, 0, 255))
    image.paste((0, 255, 0), (300, 0, 600, 300))  # the middle third
    image.save(path, "PNG")
    photo = decode_photo(path, QSize(150, 200))
    assert (photo.width(), photo.height()) == (150, 200)
    assert photo.pixelColor(75, 100).green() > 200 and photo.pixelColor(2, 100).green() > 200


def test_broken_photos_are_refused(qapp, tmp_path: Path) -> None:  # noqa: ANN001
    data = image_bytes(300, 400, (1, 2, 3))
    (tmp_path / "half").write_bytes(data[: len(data) // 2])
    with pytest.raises(DecodeError, match="truncated"):
        decode_photo(tmp_path / "half", QSize(150, 200))
    with pytest.raises(DecodeError):
        decode_photo(tmp_path / "half", QSize(0, 0))


def test_surname_for_the_placeholder() -> None:
    assert surname("张三") == "张"
    assert surname("  欧阳修") == "欧"
    assert surname(MARKUP_NAME) == "b"
    assert surname("   ") == ""


@pytest.mark.parametrize("size", SIZES)
def test_cards_have_room_for_two_citation_lines(theme: Theme, qapp, size) -> None:  # noqa: ANN001
    from kiosk.qt.honor_view import MAX_STACKED_CITATION_LINES, CardFonts
    from kiosk.qt.text import line_height

    metrics = Metrics.for_size(theme, *size)
    fonts = CardFonts.of(theme, metrics)
    needed = line_height(fonts.name) + line_height(fonts.title)
    needed += MAX_STACKED_CITATION_LINES * line_height(fonts.citation)
    for entries in (1, 4, 500):
        grid = honor_grid(theme, metrics, QSize(size[0], size[1] * 7 // 10), entries)
        box = grid.text_rect(grid.cards[0])
        assert box.height() >= (needed if not grid.side else needed - line_height(fonts.citation))
