"""The one module that imports the Qt binding (PySide6).

Every other module of the Qt layer imports Qt names from here, never from PySide6 directly,
so an upgrade or a switch of binding touches one place (qutebrowser's ``qt`` wrapper works
the same way). Add a name here when a module needs it.

It also works around a binding defect seen with shiboken6 6.12.0 on Python 3.11: every call of
a C++ function returning void drops one reference to ``None`` that it never took, and every
``Signal.emit()`` one to ``True``. Python 3.12+ makes these objects immortal, so there it does
no harm; on 3.11 their counts reach zero after an hour or so of posters and the interpreter
aborts ("deallocating None"). When the defect is detected at import, the three singletons are
made immortal the way 3.12 does it: a count so high it never reaches zero.

And it makes a check the binding runs on every later import cheaper. To support
``from __feature__ import snake_case``, importing PySide6 wraps ``__import__`` so that each
module imported afterwards is asked whether it uses PySide6, by reading its whole source with
``inspect.getsource``. That keeps every such file's lines in ``linecache`` for the life of the
process: measured on the screen, about 60 ms of start-up and 10 MB of memory that stays (the
same "startup tax" is napari issue #8584). The check is replaced by the same test on the file's
bytes (does it contain "PySide6"), which caches nothing. Nothing here uses ``__feature__``.
"""

import ctypes
import sys

from PySide6.QtCore import (
    QCoreApplication,
    QEasingCurve,
    QEvent,
    QMessageLogContext,
    QObject,
    QPoint,
    QPointF,
    QRect,
    QRectF,
    QRunnable,
    QSize,
    QSocketNotifier,
    Qt,
    QThread,
    QThreadPool,
    QTimeLine,
    QTimer,
    QtMsgType,
    QVariantAnimation,
    Signal,
    qInstallMessageHandler,
    qVersion,
)
from PySide6.QtGui import (
    QColor,
    QCursor,
    QFont,
    QFontMetrics,
    QHideEvent,
    QImage,
    QImageIOHandler,
    QImageReader,
    QImageWriter,
    QMouseEvent,
    QPainter,
    QPainterPath,
    QPaintEvent,
    QPalette,
    QPen,
    QPixmap,
    QRegion,
    QResizeEvent,
    QShowEvent,
    QTextLayout,
    QTextOption,
)
from PySide6.QtWidgets import (
    QAbstractSlider,
    QApplication,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLayout,
    QScrollArea,
    QScroller,
    QSlider,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)


def _steals_singleton_references() -> bool:
    """True if void calls or ``emit()`` drop references to None or True they never took."""
    if sys.version_info >= (3, 12):
        return False  # immortal there: a dropped reference changes nothing

    class _Probe(QObject):
        probed = Signal()

    probe = _Probe()
    none_before, true_before = sys.getrefcount(None), sys.getrefcount(True)
    for _ in range(20):
        probe.setObjectName("")
        probe.probed.emit()
    return sys.getrefcount(None) < none_before - 10 or sys.getrefcount(True) < true_before - 10


def _mentions_pyside(module: object) -> bool:
    """Whether ``module``'s source file contains "PySide6" (the binding's own test)."""
    path = getattr(module, "__file__", None)
    if not isinstance(path, str) or not path.endswith(".py"):
        return False  # built in or compiled: inspect.getsource has no source for it either
    try:
        with open(path, "rb") as source:
            return b"PySide6" in source.read()
    except OSError:
        return False


def _lighten_feature_check() -> bool:
    """Replace the binding's per-import source check (see the module docstring)."""
    feature = sys.modules.get("shibokensupport.feature")
    if feature is None or not callable(getattr(feature, "_mod_uses_pyside", None)):
        return False  # another binding version: leave it alone
    setattr(feature, "_mod_uses_pyside", _mentions_pyside)  # noqa: B010 (no type stub has it)
    return True


FEATURE_CHECK_LIGHTENED = _lighten_feature_check()


def _immortalize(*objects: object) -> None:
    """Raise the reference counts of static singletons so far that they never reach zero."""
    for obj in objects:
        ctypes.c_ssize_t.from_address(id(obj)).value += 1 << 40


BINDING_STEALS_REFERENCES = _steals_singleton_references()
if BINDING_STEALS_REFERENCES:
    _immortalize(None, True, False)

__all__ = [
    "BINDING_STEALS_REFERENCES",
    "QAbstractSlider",
    "QApplication",
    "QColor",
    "QCoreApplication",
    "QCursor",
    "QEasingCurve",
    "QEvent",
    "QFont",
    "QFontMetrics",
    "QFrame",
    "QGridLayout",
    "QHBoxLayout",
    "QHideEvent",
    "QImage",
    "QImageIOHandler",
    "QImageWriter",
    "QImageReader",
    "QLabel",
    "QLayout",
    "QMessageLogContext",
    "QMouseEvent",
    "QObject",
    "QPaintEvent",
    "QPainter",
    "QPainterPath",
    "QPalette",
    "QPen",
    "QPixmap",
    "QPoint",
    "QPointF",
    "QRect",
    "QRectF",
    "QRegion",
    "QResizeEvent",
    "QRunnable",
    "QScrollArea",
    "QScroller",
    "QShowEvent",
    "QSize",
    "QSlider",
    "QSocketNotifier",
    "QStackedWidget",
    "QTextLayout",
    "QTextOption",
    "QThread",
    "QThreadPool",
    "QTimeLine",
    "QTimer",
    "QVBoxLayout",
    "QVariantAnimation",
    "QWidget",
    "Qt",
    "QtMsgType",
    "Signal",
    "qInstallMessageHandler",
    "qVersion",
]
