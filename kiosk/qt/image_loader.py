"""Images decoded off the GUI thread, scaled for the screen before their turn.

A :class:`PosterLoader` decodes files on its own ``QThreadPool``: each worker reads the file
with ``QImageReader`` directly at the size it will be shown (JPEG decodes at reduced size),
and posts the ``QImage`` back with a queued signal. Only the conversion to ``QPixmap`` happens
on the GUI thread. Workers never touch widgets.

Posters are fitted whole (:func:`decode_poster`); honor-roll photos are cropped to fill their
frame from the top centre, so heads are kept (:func:`decode_photo`). One loader per kind.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from kiosk.qt.qt import (
    QCoreApplication,
    QEvent,
    QImage,
    QImageIOHandler,
    QImageReader,
    QObject,
    QPixmap,
    QRunnable,
    QSize,
    Qt,
    QThreadPool,
    Signal,
)

log = logging.getLogger("kiosk.screen")

TAIL_BYTES = 64 * 1024
# The last bytes of a complete file, by the format QImageReader detected. A truncated JPEG
# would otherwise decode "successfully" with a grey lower half (and a Qt warning), a truncated
# PNG with a libpng message on stderr.
_END_MARKERS = {b"jpeg": b"\xff\xd9", b"png": b"IEND"}


class DecodeError(Exception):
    """The file cannot be shown; the message is one line for the log."""


Decoder = Callable[[Path, QSize], QImage]


def decode_poster(path: Path, target: QSize) -> QImage:
    """Read the image at ``path`` scaled to fit ``target``, keeping its aspect ratio.

    Safe to call off the GUI thread. EXIF orientation is applied.

    Raises:
        DecodeError: the file is missing, truncated, not an image, or cannot be decoded.
    """
    return fit_poster(open_image(path), target)


def fit_poster(reader: QImageReader, target: QSize) -> QImage:
    """:func:`decode_poster` for a reader from :func:`open_image`."""
    image = _read_scaled(reader, target, Qt.AspectRatioMode.KeepAspectRatio)
    fitted = image.size().scaled(target, Qt.AspectRatioMode.KeepAspectRatio)
    if image.size() != fitted:
        image = image.scaled(
            fitted, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation
        )
    return screen_format(image)


def decode_photo(path: Path, target: QSize) -> QImage:
    """Read a portrait photo at ``path`` cropped to exactly ``target`` (e.g. 3:4).

    The image is scaled to cover ``target``; what is too wide is cut evenly from both sides,
    what is too tall is cut from the bottom only, so the head at the top is kept. Safe to
    call off the GUI thread; EXIF orientation is applied.

    Raises:
        DecodeError: the file is missing, truncated, not an image, or cannot be decoded.
    """
    if target.isEmpty():
        raise DecodeError("no room for the photo")
    expand = Qt.AspectRatioMode.KeepAspectRatioByExpanding
    image = _read_scaled(open_image(path), target, expand)
    covering = image.size().scaled(target, expand)
    if image.size() != covering:
        image = image.scaled(covering, expand, Qt.TransformationMode.SmoothTransformation)
    left = max(0, (image.width() - target.width()) // 2)
    image = image.copy(left, 0, target.width(), target.height())  # top-centre
    return screen_format(image)


def open_image(path: Path) -> QImageReader:
    """A reader of the image file at ``path``, with EXIF orientation applied.

    Raises:
        DecodeError: the file is missing, not an image, or a truncated JPEG or PNG.
    """
    if not path.is_file():
        raise DecodeError("file missing")
    reader = QImageReader(str(path))
    reader.setAutoTransform(True)
    if not reader.canRead():
        raise DecodeError(f"not an image: {reader.errorString()}")
    _check_complete(path, bytes(reader.format().data()))
    return reader


def read_image(reader: QImageReader) -> QImage:
    """Decode with ``reader`` (as set up by the caller).

    Raises:
        DecodeError: the data cannot be decoded.
    """
    image = reader.read()
    if image.isNull():
        raise DecodeError(f"cannot decode: {reader.errorString()}")
    return image


def _read_scaled(reader: QImageReader, target: QSize, mode: Qt.AspectRatioMode) -> QImage:
    """The reader's image, decoded at about the size that ``mode`` gives for ``target``."""
    source = reader.size()
    if source.isValid() and not source.isEmpty():
        reader.setScaledSize(_fitted_source_size(reader, source, target, mode))
    return read_image(reader)


def screen_format(image: QImage) -> QImage:
    """``image`` in the format the screen paints fastest (premultiplied if it has alpha)."""
    opaque = QImage.Format.Format_RGB32
    return image.convertToFormat(
        QImage.Format.Format_ARGB32_Premultiplied if image.hasAlphaChannel() else opaque
    )


def _fitted_source_size(
    reader: QImageReader,
    source: QSize,
    target: QSize,
    mode: Qt.AspectRatioMode = Qt.AspectRatioMode.KeepAspectRatio,
) -> QSize:
    """The size to decode at, in the file's own orientation, so the shown image fits ``target``."""
    rotated = bool(reader.transformation() & QImageIOHandler.Transformation.TransformationRotate90)
    shown = source.transposed() if rotated else source
    fitted = shown.scaled(target, mode)
    return fitted.transposed() if rotated else fitted


def _check_complete(path: Path, image_format: bytes) -> None:
    marker = _END_MARKERS.get(image_format)
    if marker is None:
        return  # other formats: the decoder's own checks decide
    try:
        with open(path, "rb") as handle:
            size = handle.seek(0, 2)
            handle.seek(max(0, size - TAIL_BYTES))
            tail = handle.read()
    except OSError as exc:
        raise DecodeError(f"cannot read: {exc.strerror}") from None
    if marker not in tail:
        raise DecodeError(f"truncated {image_format.decode()} file")


@dataclass(frozen=True)
class PosterSource:
    """A file to decode and, optionally, a check of its bytes run on the worker first.

    ``verify`` is the cache's hash check (``Snapshot.verify``): a file whose bytes changed on
    disk since it was downloaded is never shown.
    """

    path: Path
    verify: Callable[[], bool] | None = None


class _DecodeTask(QRunnable):
    """One decode on a pool thread; the result goes to ``deliver``."""

    def __init__(
        self,
        key: str,
        source: PosterSource,
        target: QSize,
        generation: int,
        deliver: Callable[[str, int, object, str], None],
        decode: Decoder | None = None,
    ) -> None:
        super().__init__()
        self._key, self._source, self._target = key, source, QSize(target)
        self._generation, self._deliver = generation, deliver
        self._decode = decode

    def run(self) -> None:
        decode = self._decode or decode_poster  # looked up now: tests may replace it
        try:
            if not self._source.path.is_file():
                raise DecodeError("file missing")
            if self._source.verify is not None and not self._source.verify():
                raise DecodeError("file changed on disk; dropped, it will be fetched again")
            image: QImage | None = decode(self._source.path, self._target)
            error = ""
        except DecodeError as exc:
            image, error = None, str(exc)
        except Exception as exc:  # broad on purpose: a bug here must not leave it "loading"
            image, error = None, f"decoder failed: {type(exc).__name__}: {exc}"
        self._deliver(self._key, self._generation, image, error)


class PosterLoader(QObject):
    """Decodes posters ahead of time and keeps the few that are about to be shown.

    Keys are the assets' sha256: content-addressed, so a file that failed to decode fails
    again, and is not retried until it leaves the rotation.

    Args:
        pool: the thread pool to decode on (one with two threads is made if not given).
        parent: the QObject parent.
        decode: how to decode a file for a target size (default :func:`decode_poster`;
            :func:`decode_photo` for honor-roll photos).

    Signals:
        ready(key): the pixmap for ``key`` is available from :meth:`pixmap`.
        failed(key, reason): ``key`` cannot be shown; ``reason`` is one line.
    """

    ready = Signal(str)
    failed = Signal(str, str)
    _decoded = Signal(str, int, object, str)

    def __init__(
        self,
        pool: QThreadPool | None = None,
        parent: QObject | None = None,
        decode: Decoder | None = None,
    ) -> None:
        super().__init__(parent)
        self._decode = decode
        self._pool = pool or QThreadPool(self)
        if pool is None:
            self._pool.setMaxThreadCount(2)
        self._target = QSize(1080, 1920)
        self._generation = 0
        self._loading: dict[str, PosterSource] = {}
        self._pixmaps: dict[str, QPixmap] = {}
        self._failures: dict[str, str] = {}
        self._closed = False
        self._decoded.connect(self._on_decoded, Qt.ConnectionType.QueuedConnection)

    def set_target_size(self, size: QSize) -> None:
        """Decode for ``size`` device pixels from now on; drop what was decoded for another."""
        if size == self._target or size.isEmpty():
            return
        self._target = QSize(size)
        self._generation += 1
        self._pixmaps.clear()
        for key, source in self._loading.items():
            self._submit(key, source)

    def request(self, key: str, source: PosterSource | Path) -> None:
        """Start decoding ``source`` unless it is ready, loading, or known to fail."""
        if self._closed or key in self._pixmaps or key in self._loading or key in self._failures:
            return
        source = source if isinstance(source, PosterSource) else PosterSource(source)
        self._loading[key] = source
        self._submit(key, source)

    def pixmap(self, key: str) -> QPixmap | None:
        """The decoded pixmap of ``key``, or None if it is not ready."""
        return self._pixmaps.get(key)

    def failure(self, key: str) -> str | None:
        """Why ``key`` cannot be shown, or None if it has not failed."""
        return self._failures.get(key)

    def forget_failures(self) -> None:
        """Try failed files again (new content arrived: a dropped file may be back)."""
        self._failures.clear()

    def retain(self, pixmaps: Iterable[str], failures: Iterable[str]) -> None:
        """Forget every decoded pixmap and every failure whose key is not listed."""
        keep_pixmaps, keep_failures = set(pixmaps), set(failures)
        self._pixmaps = {k: v for k, v in self._pixmaps.items() if k in keep_pixmaps}
        self._failures = {k: v for k, v in self._failures.items() if k in keep_failures}

    def settle(self, timeout_ms: int) -> bool:
        """Wait up to ``timeout_ms`` for the decodes under way and deliver their results now.

        For start-up, before the window is shown: a poster decoded by then is in the window's
        first frame, instead of fading in after it. Returns whether all of them finished.
        """
        done = self._pool.waitForDone(timeout_ms)
        QCoreApplication.sendPostedEvents(self, QEvent.Type.MetaCall)
        return done

    def close(self) -> None:
        """Drop queued decodes and wait for the running ones; later results are ignored."""
        self._closed = True
        self._pool.clear()
        self._pool.waitForDone()

    def _submit(self, key: str, source: PosterSource) -> None:
        task = _DecodeTask(
            key, source, self._target, self._generation, self._decoded.emit, self._decode
        )
        self._pool.start(task)

    def _on_decoded(self, key: str, generation: int, image: QImage | None, error: str) -> None:
        if self._closed or generation != self._generation or key not in self._loading:
            return
        del self._loading[key]
        if image is None:
            self._failures[key] = error
            self.failed.emit(key, error)
            return
        self._pixmaps[key] = QPixmap.fromImage(image)
        self.ready.emit(key)
