"""Finger scrolling: a scroll area that flicks with a finger or a dragged mouse, no scrollbars.

``QScroller`` with the left-mouse-button gesture gives kinetic scrolling for mouse drags and
for touches (which Qt turns into mouse events where no widget takes the touch itself); a tap
still reaches the tile under the finger. Scrollbars are hidden: nobody can hit a 10-pixel bar
with a finger, and the list itself is what moves.
"""

from __future__ import annotations

from kiosk.qt.qt import QFrame, QPointF, QScrollArea, QScroller, Qt, QWidget


def finger_scroll_area(content: QWidget, parent: QWidget | None = None) -> QScrollArea:
    """A frameless, transparent, bar-less scroll area around ``content`` that a finger flicks."""
    area = QScrollArea(parent)
    area.setFrameShape(QFrame.Shape.NoFrame)
    area.setWidgetResizable(True)
    area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    area.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    area.setWidget(content)
    # the page's own background shows through (no grey viewport); children paint themselves
    area.setStyleSheet("QScrollArea { background: transparent; }")
    area.viewport().setStyleSheet("background: transparent;")
    QScroller.grabGesture(area.viewport(), QScroller.ScrollerGestureType.LeftMouseButtonGesture)
    return area


def scroll_by_page(area: QScrollArea, pages: float) -> None:
    """Scroll ``area`` by ``pages`` screens (negative: up), smoothly."""
    bar = area.verticalScrollBar()
    target = bar.value() + round(pages * area.viewport().height() * 0.8)
    target = max(bar.minimum(), min(bar.maximum(), target))
    QScroller.scroller(area.viewport()).scrollTo(QPointF(0, target), 300)
