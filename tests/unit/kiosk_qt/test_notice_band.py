"""The notice band's running line (ticker) and pages, the urgent page's pages, and honor-roll
citations: text that moves at reading speed and breaks where Chinese text may break."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from qt_helpers import SnapshotBuilder, events, layout_problems

from content_cache.sync import SyncResult
from content_cache.wire import Notice
from kiosk.core.linebreak import CLOSING, SENTENCE_ENDS, content_length
from kiosk.qt.bands import READING_CHARS_PER_SECOND, TICKER_MAX_WIDTHS, NoticeBand
from kiosk.qt.honor_view import CardFonts
from kiosk.qt.qt import QEvent, QFontMetrics, QImage, QObject, QRect, QWidget
from kiosk.qt.theme import Metrics, Theme, ThemeLibrary, default_themes_dir

DEMO = (
    "本周五下午三点在党员活动室召开支部党员大会，"
    "请全体党员准时参加，不能参加的请提前向支部书记请假。"
)  # the demo's notice, and the issue's: 支部 once became 支 | 部, a page held only 部书记请假。
SENTENCES = (
    "本周五下午三点在党员活动室召开支部党员大会。请全体党员准时参加！"
    "不能参加的请提前向支部书记请假；"
)
PORTRAIT = (1080, 1920)


@pytest.fixture
def themes(tmp_path: Path) -> ThemeLibrary:
    """The shipped themes and "paged": party-red with ``notice_style = "pages"``."""
    folder = tmp_path / "themes"
    shutil.copytree(default_themes_dir(), folder)
    shutil.copytree(folder / "party-red", folder / "paged")
    toml = folder / "paged" / "theme.toml"
    text = toml.read_text(encoding="utf-8").replace('name = "party-red"', 'name = "paged"')
    toml.write_text(text.replace('notice_style = "ticker"', 'notice_style = "pages"'))
    return ThemeLibrary(folder)


def notice(item_id: str, text: str, title: str = "会议通知") -> Notice:
    return Notice(id=item_id, title=title, text=text)


def make_band(qtbot: Any, theme: Theme, width: int = PORTRAIT[0]) -> NoticeBand:
    """A band as the window lays it out at 1080x1920 (``width`` wide)."""
    metrics = Metrics.for_size(theme, *PORTRAIT)
    band = NoticeBand(theme)
    qtbot.addWidget(band)
    band.set_style(theme, metrics)
    band.resize(width, metrics.notice_height)
    band.show()
    qtbot.waitExposed(band)
    return band


class PaintRecorder(QObject):
    """Records the rectangle of every paint event of the widget it watches."""

    def __init__(self, widget: QWidget) -> None:
        super().__init__(widget)
        self.rects: list[QRect] = []
        widget.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if event.type() == QEvent.Type.Paint:
            self.rects.append(QRect(event.rect()))  # type: ignore[attr-defined]
        return False


def changed_rows_and_columns(a: QImage, b: QImage) -> QRect:
    """The bounding box of the pixels that differ between ``a`` and ``b`` (same size)."""
    xs: list[int] = []
    ys: list[int] = []
    for y in range(0, a.height()):
        for x in range(0, a.width(), 2):
            if a.pixel(x, y) != b.pixel(x, y):
                xs.append(x)
                ys.append(y)
    if not xs:
        return QRect()
    return QRect(min(xs), min(ys), max(xs) - min(xs) + 1, max(ys) - min(ys) + 1)


# -- the ticker -------------------------------------------------------------------------------


def test_a_short_notice_runs_across_the_band_at_reading_speed(qtbot: Any, theme: Theme) -> None:
    band = make_band(qtbot, theme)
    band.set_notices([notice("n1", DEMO)])
    assert band.mode == "ticker" and band.pages() == 0
    assert band.shown_text() == ["会议通知", DEMO]  # the title leads the running line
    em = QFontMetrics(theme.font(Metrics.for_size(theme, *PORTRAIT).px("notice_text")))
    assert band.ticker_speed() == pytest.approx(
        READING_CHARS_PER_SECOND * em.horizontalAdvance("字")
    )
    start = band.ticker_offset
    qtbot.waitUntil(lambda: band.ticker_offset > start + 30, timeout=3000)
    assert band.is_cycling()
    assert layout_problems_of(band) == []


def layout_problems_of(band: NoticeBand) -> list[str]:
    band.grab()
    return [t.text for t in band.drawn_text if not t.fits() or not band.rect().contains(t.rect)]


def test_each_frame_repaints_only_the_running_line(qtbot: Any, theme: Theme) -> None:
    band = make_band(qtbot, theme)
    band.set_notices([notice("n1", DEMO)])
    line = band.ticker_rect()
    assert band.rect().contains(line) and line.height() < band.height()
    qtbot.waitUntil(lambda: band.ticker_offset > 100, timeout=3000)  # the text is in view
    before = band.grab().toImage()
    recorder = PaintRecorder(band)
    offset = band.ticker_offset
    qtbot.waitUntil(lambda: band.ticker_offset > offset + 40 and len(recorder.rects) >= 3)
    after = band.grab().toImage()
    frames = recorder.rects[:-1]  # (the last: the grab's own full paint)
    assert frames and all(line.contains(rect) for rect in frames)
    changed = changed_rows_and_columns(before, after)
    assert not changed.isEmpty() and line.contains(changed)  # the text moved, nothing else


def test_after_one_pass_the_next_notice_runs_and_a_single_one_runs_again(
    qtbot: Any, theme: Theme
) -> None:
    band = make_band(qtbot, theme, width=420)  # a narrow band: a pass of about 1.5 s
    band.set_notices([notice("n1", "请交党费", title=""), notice("n2", "按时学习", title="")])
    assert band.mode == "ticker" and band.current().id == "n1"
    qtbot.waitUntil(lambda: band.current().id == "n2", timeout=5000)
    assert band.ticker_offset < 30  # from the right edge again
    band.set_notices([notice("n2", "按时学习", title="")])
    farthest = [0]

    def looped() -> bool:
        farthest[0] = max(farthest[0], band.ticker_offset)
        return farthest[0] > 150 and band.ticker_offset < 30

    qtbot.waitUntil(looped, timeout=5000)
    assert band.current().id == "n2"


def test_a_long_notice_pages_through_the_band(qtbot: Any, theme: Theme) -> None:
    text = SENTENCES * 4  # some 190 characters: longer than three band widths
    band = make_band(qtbot, theme)
    band.set_notices([notice("n1", text)])
    assert band.mode == "pages" and band.pages() > 1 and band.is_cycling()
    pages = ["".join(band.page_text(page)) for page in range(band.pages())]
    assert "".join(pages) == text
    assert not any(page[0] in CLOSING for page in pages)
    assert all(page[-1] in SENTENCE_ENDS | {"，"} for page in pages)  # sentences fit a page here
    assert layout_problems_of(band) == []
    band.advance()
    assert band.page == 1 and layout_problems_of(band) == []


def test_the_ticker_takes_notices_up_to_three_band_widths(qtbot: Any, theme: Theme) -> None:
    band = make_band(qtbot, theme)
    band.set_notices([notice("n1", "党", title="")])
    font = theme.font(Metrics.for_size(theme, *PORTRAIT).px("notice_text"))
    em = QFontMetrics(font).horizontalAdvance("字")
    chars = TICKER_MAX_WIDTHS * band.ticker_rect().width() // em
    band.set_notices([notice("n1", "党" * (chars - 1), title="")])
    assert band.mode == "ticker"
    band.set_notices([notice("n1", "党" * (chars + 1), title="")])
    assert band.mode == "pages"


def test_the_ticker_holds_while_the_band_is_hidden_or_covered(qtbot: Any, theme: Theme) -> None:
    metrics = Metrics.for_size(theme, *PORTRAIT)
    parent = QWidget()
    qtbot.addWidget(parent)
    parent.resize(PORTRAIT[0], metrics.notice_height)
    band = NoticeBand(theme, parent)
    band.set_style(theme, metrics)
    band.setGeometry(parent.rect())
    parent.show()
    qtbot.waitExposed(parent)
    band.set_notices([notice("n1", DEMO)])
    assert band.is_cycling()
    band.hide()
    assert not band.is_cycling()
    band.show()
    assert band.is_cycling()
    cover = QWidget(parent)  # as touch mode's screens lie over the window
    cover.setAutoFillBackground(True)
    cover.setGeometry(parent.rect())
    cover.show()
    cover.raise_()
    qtbot.waitUntil(lambda: not band.is_cycling(), timeout=2000)
    held = band.ticker_offset
    cover.hide()
    qtbot.waitUntil(lambda: band.is_cycling() and band.ticker_offset > held, timeout=3000)
    assert band.ticker_offset < held + 200  # on from where it stopped, not jumped ahead


def test_the_theme_chooses_pages_or_ticker(make_screen, builder: SnapshotBuilder) -> None:
    builder.poster("p1")
    builder.notice("n1", DEMO)
    builder.settings["theme"] = "paged"
    screen = make_screen(builder.commit(1), size=PORTRAIT)
    band = screen.window.notice_band
    assert screen.window.theme.motion.notice_style == "pages"
    assert band.mode == "pages" and band.is_cycling()
    assert ["".join(band.page_text(page)) for page in range(band.pages())] == [
        "本周五下午三点在党员活动室召开支部党员大会，请全体党员准时参加，",
        "不能参加的请提前向支部书记请假。",
    ]
    assert layout_problems(screen.window) == []
    builder.settings["theme"] = "party-red"
    screen.controller.on_sync_result(SyncResult("updated", builder.commit(2)))
    assert band.mode == "ticker" and band.is_cycling()
    assert layout_problems(screen.window) == []


# -- the urgent page ---------------------------------------------------------------------------


def test_an_urgent_notice_pages_at_sentence_ends(make_screen, builder: SnapshotBuilder) -> None:
    builder.notice("u1", SENTENCES * 40, urgent=True)
    window = make_screen(builder.commit(), size=PORTRAIT).window
    page = window.urgent_page
    assert page.pages() > 1 and page.is_paging()
    pages = ["".join(page.page_text(n)) for n in range(page.pages())]
    assert "".join(pages) == SENTENCES * 40
    assert all(text[-1] in SENTENCE_ENDS for text in pages)  # each page a whole sentence
    assert layout_problems(window) == []


# -- honor-roll citations ------------------------------------------------------------------------


def test_a_citation_does_not_end_with_a_lone_character(
    make_screen, builder: SnapshotBuilder, kiosk_log, qtbot, theme: Theme
) -> None:
    builder.honor_roll("roll", 3, photos=False)
    screen = make_screen(builder.commit(1), size=PORTRAIT)
    qtbot.waitUntil(lambda: len(events(kiosk_log, "honor_page_shown")) >= 1, timeout=5000)
    view = screen.window.honor_view
    citation_font = CardFonts.of(theme, screen.window.metrics()).citation
    em = QFontMetrics(citation_font).horizontalAdvance("字")
    chars = view.grid.text_rect(view.card_rects()[0]).width() // em
    citation = "好" * chars + "人。"  # one full line, then one character and its full stop
    for entry in builder.items[-1]["entries"]:
        entry["citation"] = citation
    screen.controller.on_sync_result(SyncResult("updated", builder.commit(2)))
    qtbot.waitUntil(lambda: view.roll is not None and view.roll.entries[0].citation == citation)
    view.grab()
    lines = [t.text for t in view.drawn_text if t.font.pixelSize() == citation_font.pixelSize()]
    assert lines and "".join(lines) == citation * 3
    assert all(content_length(line) >= 2 for line in lines)
    assert layout_problems(screen.window) == []
