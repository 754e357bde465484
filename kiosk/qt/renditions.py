"""Posters kept in the cache as the main zone shows them, so each turn decodes only that.

Decoded the plain way, a 4K poster for a 3022x1700 main zone is read at libjpeg's nearest
reduced size (7/8: 3360x1890, 25 MB) and smooth-scaled to the zone (20 MB more) while both are
held, on every turn of the rotation. A *rendition* is the zone's picture made once and stored
as a JPEG in the cache's ``renditions/`` folder: a turn then decodes exactly the pixels it shows
(one 20 MB buffer, about half the decode time).

A rendition is exactly the zone's size. It holds the poster fitted to the zone (never
stretched) and, where the poster's shape leaves bars (a portrait poster on a landscape screen,
or the reverse), a *backdrop*: the poster scaled to cover the zone, blurred, muted and darkened,
as signage players fill their letterbox instead of leaving flat colour. The backdrop is made on
a grid of at most :data:`BACKDROP_CELLS` cells from the poster already in the rendition, so it
costs little, once; it is dark and a third grey, sober under every theme (the solemn theme of
mourning days included: the poster itself keeps its colours, the backdrop stays in the
background). A poster that fills the zone exactly has no backdrop; one with transparency is
shown fitted on the theme's background, as before, and gets no rendition (JPEG has no alpha).

It is made once per poster and zone size, and made with bounded memory: the source is decoded
in bands of rows (``QImageReader.setClipRect``), each band drawn scaled straight into the
zone-sized result, so the whole source is never in memory at once. Band decoding costs a few
decodes' worth of CPU, once.

Files are ``renditions/<asset sha256>-<zone width>x<zone height>.jpg``, written to a temporary
name and renamed, so a crash leaves no half file under the real name. A rendition that no
longer decodes, or is not the zone's size, is deleted and made again. Each rendition carries
the way it was made in a JPEG comment (:func:`rendition_style`: a version and the backdrop's
settings), read from the file's header; one made another way (the fitted-only renditions of
earlier versions, or a backdrop of other settings) is made again, once, with one info line.
One whose poster the current snapshot no longer uses is removed with the cache's garbage
(``CacheStore.collect_garbage``). Renditions are an optimisation: when one cannot be written
(disk full, read-only cache) the poster is shown all the same, made the same way.

The first poster of a run without its rendition is rendered in bigger bands (faster, and
little else is in memory yet at start-up) and its rendition is written on another pool thread
after the image is handed over, so the first frame waits for neither; the next rendition is
made once that write is done (the write holds the first image: made beside it, the second
zone-sized image was about 17 MB more at the peak, measured at 4K). With its rendition, the
screen can start reading it before its window exists (:meth:`PosterRenditions.prefetch`): the
decode then runs while the rest of the screen is loaded and built, instead of after.

Sources that gain nothing from bands (not JPEG, with an EXIF rotation, with transparency, or
not scaled down by between 1x and 2x, where libjpeg's own reduced decode is small already) are
rendered the plain way, still once.
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
import shutil
import tempfile
import threading
from functools import partial
from pathlib import Path

from content_cache.store import rendition_asset, rendition_name
from kiosk.qt.image_loader import (
    DecodeError,
    fit_poster,
    open_image,
    read_image,
    screen_format,
)
from kiosk.qt.qt import (
    QColor,
    QImage,
    QImageIOHandler,
    QImageReader,
    QImageWriter,
    QPainter,
    QPoint,
    QRect,
    QRectF,
    QRegion,
    QSize,
    Qt,
    QThreadPool,
)

log = logging.getLogger("kiosk.screen")

JPEG_QUALITY = 95
# Decoded source rows held at once while rendering. Each band is decoded from the top of the
# file, so smaller bands cost more CPU: at 4K, 4 MB bands take ~310 ms and add ~27 MB at the
# peak, 12 MB bands ~150 ms and ~31 MB, the plain decode ~90 ms and ~45 MB (measured).
BAND_BYTES = 4 * 1024 * 1024
START_BAND_BYTES = 12 * 1024 * 1024
BAND_MARGIN_ROWS = 2  # source rows beyond a band's own, so smoothing has neighbours
# Never fill the disk with renditions: logs, the OS and new content need room first.
DISK_RESERVE_BYTES = 128 * 1024 * 1024
# The letterbox backdrop (see the module docstring): made on a grid whose longer side has this
# many cells, box-blurred (three passes each way: close to a Gaussian of ~2 cells), then half
# grey and darkened, and drawn scaled up to the zone around the poster.
BACKDROP_CELLS = 64
BACKDROP_BLUR_RADIUS = 2
BACKDROP_BLUR_PASSES = 3
BACKDROP_GREY = 0.35  # how much of the colour is replaced by its grey
BACKDROP_SHADE = 0.45  # how much black is laid over it: 55 % of the poster's brightness is left
# The JPEG comment that says how a rendition was made; bump the version when the way it is made
# changes other than through the settings above (they are part of the comment themselves).
STYLE_KEY = "kiosk-rendition"
RENDITION_VERSION = 2  # 1: the poster alone, fitted (no comment); 2: zone-sized, with backdrop


class PosterRenditions:
    """A poster decoder (see ``PosterLoader``'s ``decode``) that keeps renditions in ``folder``.

    Safe to use from several pool threads at once for different posters.

    Args:
        folder: where renditions are kept (the cache's ``renditions/``); created if missing.
        disk_reserve_bytes: free space a rendition is never written into.
    """

    def __init__(self, folder: Path, disk_reserve_bytes: int = DISK_RESERVE_BYTES) -> None:
        self.folder = Path(folder)
        self.disk_reserve_bytes = disk_reserve_bytes
        self._disk_warned = False
        self._lock = threading.Lock()
        self._first = True
        self._prefetched: _Prefetch | None = None
        # start-up work off the screen's path: the prefetch, the first rendition's writing
        self._startup_work = QThreadPool()
        self._startup_work.setMaxThreadCount(1)
        with contextlib.suppress(OSError):  # a read-only cache: posters are shown regardless
            self.folder.mkdir(parents=True, exist_ok=True)

    def decode(self, path: Path, target: QSize) -> QImage:
        """``path`` fitted to ``target``: from its rendition, or rendered and kept.

        Raises:
            DecodeError: the source file cannot be shown (a bad rendition is only remade).
        """
        rendition = self.folder / rendition_name(path.name, target.width(), target.height())
        with self._lock:
            first, self._first = self._first, False
            prefetched, self._prefetched = self._prefetched, None
        if prefetched is not None and prefetched.rendition == rendition:
            image = prefetched.result()
            if image is not None and image.size() == target:
                return screen_format(image)
        del prefetched  # a guess that missed: its image is let go
        if rendition.is_file():
            try:
                return self._read(rendition, target)
            except _Outdated as exc:
                log.info(
                    "rendition %s made another way (%s); making it again",
                    rendition.name,
                    exc,
                    extra={"event": "rendition_outdated", "file": rendition.name},
                )
                rendition.unlink(missing_ok=True)
            except DecodeError as exc:
                log.warning(
                    "rendition %s unusable (%s); making it again",
                    rendition.name,
                    exc,
                    extra={"event": "rendition_dropped", "file": rendition.name},
                )
                rendition.unlink(missing_ok=True)
        if first:  # start-up: show it soon, keep its rendition from the image later
            image = render_rendition(path, target, START_BAND_BYTES)
            if not image.hasAlphaChannel():
                self._startup_work.start(partial(self._keep, image, rendition))
            return image
        # The first poster's rendition may still be being written, which holds its image: let
        # that finish (and the image go) before another is made beside it (peak memory).
        self._startup_work.waitForDone()
        image = render_rendition(path, target)
        if not image.hasAlphaChannel():
            self._keep(image, rendition)
        return image

    def prefetch(self, path: Path | None) -> bool:
        """Start reading the rendition of the poster ``path`` now, before its size is asked for.

        For start-up: the screen knows which poster it will show first before it knows the
        size of its main zone, and an asset has one rendition (for the zone it was last shown
        in). :meth:`decode` uses the image if it asks for that rendition first; any other
        first call lets it go. Nothing is logged here: a rendition that turns out bad is
        found, logged and remade by :meth:`decode` as usual. Returns whether a read started.
        """
        if path is None:
            return False
        try:
            found = sorted(self.folder.glob(rendition_name(path.name, "*", "*")))
        except OSError:
            return False
        if not found:
            return False
        prefetch = _Prefetch(found[-1])
        with self._lock:
            if not self._first or self._prefetched is not None:
                return False  # too late: posters are being decoded already
            self._prefetched = prefetch
        self._startup_work.start(prefetch.run)
        return True

    def close(self, timeout_ms: int = 5_000) -> None:
        """Wait for start-up work still under way: a prefetch, a rendition being written
        (at most ``timeout_ms``)."""
        self._startup_work.waitForDone(timeout_ms)

    def _read(self, rendition: Path, target: QSize) -> QImage:
        reader = open_image(rendition)
        style = reader.text(STYLE_KEY)
        if style != rendition_style():  # judged from the header: not decoded
            raise _Outdated(repr(style) if style else "an earlier version, without backdrop")
        image = read_image(reader)
        if image.size() != target:
            size = image.size()
            raise DecodeError(f"made for another size ({size.width()}x{size.height()})")
        return screen_format(image)

    def _keep(self, image: QImage, rendition: Path) -> None:
        """Write ``image`` as ``rendition`` (atomically) and drop the asset's other sizes."""
        estimate = image.width() * image.height()  # a JPEG at this quality is well below
        try:
            free = shutil.disk_usage(self.folder).free
        except OSError as exc:
            self._skip(rendition, f"cannot check free space: {exc.strerror}")
            return
        if free - estimate < self.disk_reserve_bytes:
            self._skip(rendition, f"only {free / 1e6:.0f} MB free on disk")
            return
        try:
            fd, tmp = tempfile.mkstemp(dir=self.folder, prefix=".", suffix=".tmp")
        except OSError as exc:
            self._skip(rendition, exc.strerror or str(exc))
            return
        os.close(fd)
        writer = QImageWriter(tmp, b"jpeg")
        writer.setQuality(JPEG_QUALITY)
        writer.setText(STYLE_KEY, rendition_style())
        if not writer.write(image):
            Path(tmp).unlink(missing_ok=True)
            self._skip(rendition, writer.errorString())
            return
        try:
            os.replace(tmp, rendition)
        except OSError as exc:
            Path(tmp).unlink(missing_ok=True)
            self._skip(rendition, exc.strerror or str(exc))
            return
        asset = rendition_asset(rendition.name)
        for other in self.folder.glob(rendition_name(asset, "*", "*")):
            if other.name != rendition.name:
                other.unlink(missing_ok=True)  # made for a zone size this screen left

    def _skip(self, rendition: Path, reason: str) -> None:
        """One warning line the first time, then debug lines: the poster is shown anyway."""
        level = logging.DEBUG if self._disk_warned else logging.WARNING
        self._disk_warned = True
        log.log(
            level,
            "rendition %s not kept (%s); posters are decoded from their sources",
            rendition.name,
            reason,
            extra={"event": "rendition_not_kept", "file": rendition.name},
        )


class _Outdated(DecodeError):
    """A rendition made another way than :func:`rendition_style` says renditions are made now."""


def rendition_style() -> str:
    """How renditions are made now, as their JPEG comment says it: the version and the backdrop's
    settings (read when called, so a change of them is a new style)."""
    return (
        f"{RENDITION_VERSION} backdrop {BACKDROP_CELLS} {BACKDROP_BLUR_RADIUS}x"
        f"{BACKDROP_BLUR_PASSES} grey {BACKDROP_GREY} shade {BACKDROP_SHADE}"
    )


class _Prefetch:
    """One rendition read on a pool thread; :meth:`result` waits for it."""

    def __init__(self, rendition: Path) -> None:
        self.rendition = rendition
        self._done = threading.Event()
        self._image: QImage | None = None

    def run(self) -> None:
        try:
            reader = open_image(self.rendition)
            made_now = reader.text(STYLE_KEY) == rendition_style()
            self._image = read_image(reader) if made_now else None  # else decode() remakes it
        except Exception:  # broad on purpose: decode() reads it again and says what is wrong
            self._image = None
        finally:
            self._done.set()

    def result(self) -> QImage | None:
        self._done.wait()
        return self._image


def render_rendition(path: Path, target: QSize, band_bytes: int | None = None) -> QImage:
    """The rendition of the image at ``path`` for a main zone of ``target``: the poster fitted
    and centred, on its letterbox backdrop (see the module docstring), ``target``'s size.

    A poster that fills ``target`` exactly is returned as it is, and so is one with
    transparency (fitted, with its alpha: it is shown on the theme's background).

    Raises:
        DecodeError: the file is missing, truncated, not an image, or cannot be decoded.
    """
    reader = open_image(path)
    banded = _banded_size(reader, target)
    if banded is not None and banded != target:
        out, place = _zone_image(target, banded)
        _render_in_bands(path, reader.size(), banded, band_bytes or BAND_BYTES, out, place)
    else:
        poster = (
            fit_poster(reader, target)
            if banded is None
            else _render_in_bands(path, reader.size(), banded, band_bytes or BAND_BYTES)
        )
        if poster.size() == target or poster.hasAlphaChannel():
            return poster
        out, place = _zone_image(target, poster.size())
        painter = QPainter(out)
        painter.drawImage(place.topLeft(), poster)
        painter.end()
        del poster
    paint_backdrop(out, place)
    return out


def render_poster(path: Path, target: QSize, band_bytes: int | None = None) -> QImage:
    """Read the image at ``path`` fitted to ``target``, like ``decode_poster``, holding only a
    band of the source's rows at a time where that saves memory (see the module docstring).

    Raises:
        DecodeError: the file is missing, truncated, not an image, or cannot be decoded.
    """
    reader = open_image(path)
    banded = _banded_size(reader, target)
    if banded is None:
        return fit_poster(reader, target)
    return _render_in_bands(path, reader.size(), banded, band_bytes or BAND_BYTES)


def paint_backdrop(out: QImage, place: QRect) -> None:
    """Fill ``out`` outside ``place`` (where the poster is) with the letterbox backdrop, made
    from the poster's pixels in ``place``: the poster covering ``out``, blurred, muted and
    darkened (see the module docstring)."""
    zone = out.rect()
    if place.contains(zone) or place.isEmpty():
        return
    grid = zone.size().scaled(
        QSize(BACKDROP_CELLS, BACKDROP_CELLS), Qt.AspectRatioMode.KeepAspectRatio
    )
    grid = grid.expandedTo(QSize(1, 1))
    # the middle of the poster in the zone's shape: what shows when the poster covers the zone
    crop = grid.scaled(place.size(), Qt.AspectRatioMode.KeepAspectRatio).expandedTo(QSize(1, 1))
    left = place.x() + (place.width() - crop.width()) // 2
    top = place.y() + (place.height() - crop.height()) // 2
    small = _shrunk(out, QRect(QPoint(left, top), crop), grid)
    for _ in range(BACKDROP_BLUR_PASSES):
        small = _box_blur(_box_blur(small, BACKDROP_BLUR_RADIUS, True), BACKDROP_BLUR_RADIUS, False)
    grey = small.convertToFormat(QImage.Format.Format_Grayscale8)
    painter = QPainter(small)
    painter.setOpacity(BACKDROP_GREY)
    painter.drawImage(QPoint(0, 0), grey)
    painter.setOpacity(BACKDROP_SHADE)
    painter.fillRect(small.rect(), QColor("black"))
    painter.end()
    painter = QPainter(out)
    painter.setClipRegion(QRegion(zone) - QRegion(place))
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    painter.drawImage(QRectF(zone), small)
    painter.end()


def _zone_image(target: QSize, poster: QSize) -> tuple[QImage, QRect]:
    """An opaque image of the zone's size, and where in it a poster of ``poster``'s size goes."""
    out = QImage(target, QImage.Format.Format_RGB32)
    if out.isNull():
        raise DecodeError("not enough memory for the poster")
    left = (target.width() - poster.width()) // 2
    top = (target.height() - poster.height()) // 2
    return out, QRect(QPoint(left, top), poster)


def _shrunk(image: QImage, area: QRect, size: QSize) -> QImage:
    """``area`` of ``image`` scaled down to ``size``, every source pixel averaged in.

    The first halving is drawn straight from ``area`` (at exactly half size, smooth drawing
    averages 2x2 pixels), so no full-size copy of the area is made; ``QImage.scaled`` averages
    the rest.
    """
    if area.width() >= 2 * size.width() and area.height() >= 2 * size.height():
        half = QImage(area.width() // 2, area.height() // 2, QImage.Format.Format_RGB32)
        painter = QPainter(half)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        painter.drawImage(QRectF(half.rect()), image, QRectF(area))
        painter.end()
    else:
        half = image.copy(area)
    return half.scaled(
        size, Qt.AspectRatioMode.IgnoreAspectRatio, Qt.TransformationMode.SmoothTransformation
    )


def _box_blur(image: QImage, radius: int, horizontal: bool) -> QImage:
    """``image`` averaged over ``2 * radius + 1`` pixels along one axis (for small images).

    Shifted copies are drawn over it with opacity 1/2, 1/3, ..., which keeps a running mean
    (pixels near the edge average the copies that reach them).
    """
    source = image.copy()
    painter = QPainter(image)
    shifts = [s for s in range(-radius, radius + 1) if s != 0]
    for count, shift in enumerate(shifts, start=2):
        painter.setOpacity(1 / count)
        painter.drawImage(QPoint(shift, 0) if horizontal else QPoint(0, shift), source)
    painter.end()
    return image


def _banded_size(reader: QImageReader, target: QSize) -> QSize | None:
    """The fitted size if ``reader``'s image is worth rendering in bands, else None."""
    source = reader.size()
    plain = (
        bytes(reader.format().data()) != b"jpeg"
        or not source.isValid()
        or source.isEmpty()
        or reader.transformation() != QImageIOHandler.Transformation.TransformationNone
    )
    if plain:
        return None
    fitted = source.scaled(target, Qt.AspectRatioMode.KeepAspectRatio)
    if fitted.isEmpty() or not 1 < source.height() / fitted.height() < 2:
        return None
    return fitted


def _render_in_bands(
    path: Path,
    source: QSize,
    fitted: QSize,
    band_bytes: int,
    out: QImage | None = None,
    place: QRect | None = None,
) -> QImage:
    """The source at ``path`` drawn at ``fitted`` size band by band, into ``place`` of ``out``
    (a new image of ``fitted``'s size if not given)."""
    if out is None:
        out = QImage(fitted, QImage.Format.Format_RGB32)
        if out.isNull():
            raise DecodeError("not enough memory for the poster")
    origin = place.topLeft() if place is not None else QPoint(0, 0)
    scale_x = source.width() / fitted.width()
    scale_y = source.height() / fitted.height()
    source_rows = max(16, band_bytes // (4 * source.width()))
    out_rows = max(1, math.floor((source_rows - 2 * BAND_MARGIN_ROWS) / scale_y))
    painter = QPainter(out)
    try:
        painter.translate(origin)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        for first in range(0, fitted.height(), out_rows):
            last = min(fitted.height(), first + out_rows)
            top = max(0, math.floor(first * scale_y) - BAND_MARGIN_ROWS)
            bottom = min(source.height(), math.ceil(last * scale_y) + BAND_MARGIN_ROWS)
            reader = QImageReader(str(path))
            reader.setClipRect(QRect(0, top, source.width(), bottom - top))
            band = read_image(reader)
            if band.height() != bottom - top:
                raise DecodeError(f"cannot decode rows {top}-{bottom}")
            painter.setClipRect(QRect(0, first, fitted.width(), last - first))
            painter.drawImage(
                QRectF(0, top / scale_y, source.width() / scale_x, (bottom - top) / scale_y),
                band,
            )
            del band
    finally:
        painter.end()
    return out
