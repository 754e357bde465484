"""The footprint floor: the smallest PySide6 program that shows one image fullscreen.

Prints ``FIRST_FRAME <unix time>`` when the image is first painted, then runs until killed.
Used by ``bench/footprint.py``; not part of the product.
"""

import sys
import time

from PySide6.QtCore import Qt
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import QApplication, QLabel


class Floor(QLabel):
    """A label that reports its first paint."""

    def __init__(self) -> None:
        super().__init__()
        self._painted = False

    def paintEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().paintEvent(event)
        if not self._painted:
            self._painted = True
            print(f"FIRST_FRAME {time.time():.6f}", flush=True)


def main() -> int:
    app = QApplication(sys.argv[:1])
    screen = app.primaryScreen().geometry()
    label = Floor()
    label.setAlignment(Qt.AlignmentFlag.AlignCenter)
    label.setStyleSheet("background: black")
    label.setPixmap(
        QPixmap(sys.argv[1]).scaled(
            screen.size(),
            Qt.AspectRatioMode.KeepAspectRatio,
            Qt.TransformationMode.SmoothTransformation,
        )
    )
    label.setWindowFlag(Qt.WindowType.FramelessWindowHint)
    label.setGeometry(screen)
    label.showFullScreen()
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
