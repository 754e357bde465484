"""The asset store: files on disk named by their sha256, and the check that an image is one.

An upload is written to ``tmp/`` while it is hashed, checked, then moved into ``assets/`` with
one ``os.replace``: a crash at any instant leaves either no asset or a complete one.

Images (purpose ``image``) are stored as the screens should show them. A good upload is stored
byte for byte. Two kinds of phone photo are converted instead, and the answer names the
converted file (its own sha256, size and ``image/jpeg``):

- a JPEG whose EXIF orientation is not "upright" is turned upright
  (``ImageOps.exif_transpose``) and stored without EXIF (which also drops a phone's location);
- a JPEG with more pixels than ``max_pixels`` (108 and 200 megapixel phone cameras) is decoded
  at 1/2, 1/4 or 1/8 of its size by libjpeg itself (``Image.draft``: never more than
  ``max_pixels`` decoded) and stored at that size, if one of those fits.

Other formats beyond ``max_pixels`` are refused, as is HEIC (Apple's photo format) in one
sentence saying what to do: see :data:`HEIC_REFUSAL` and docs/content-server.md for why it is
not converted.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import io
import logging
import mimetypes
import os
import re
import tempfile
import threading
import time
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from PIL import Image, ImageOps

if TYPE_CHECKING:
    from content_server.video_probe import VideoFacts

log = logging.getLogger("content_server")

SHA256_RE = re.compile(r"[0-9a-f]{64}")
STALE_UPLOAD_SECONDS = 24 * 3600
PURPOSES = ("image", "video", "any")

# Pillow format -> media type; the formats screens can show. MPO is what many phone
# cameras write: a JPEG with extra frames.
IMAGE_MEDIA_TYPES = {
    "JPEG": "image/jpeg",
    "MPO": "image/jpeg",
    "PNG": "image/png",
    "WEBP": "image/webp",
    "GIF": "image/gif",
}
_PILLOW_FORMATS = ("JPEG", "PNG", "WEBP", "GIF")  # the MPO reader is reached through JPEG
_JPEG_FORMATS = ("JPEG", "MPO")
# libjpeg decodes a JPEG at 1/1, 1/2, 1/4 or 1/8 of its size; a larger reduction is refused.
_DRAFT_SCALES = (2, 4, 8)
CONVERTED_JPEG_QUALITY = 90
EXIF_ORIENTATION = 0x0112
# ISO base media file brands of HEIF images (iPhone photos are "heic"); at offset 8 of the
# file, after the box size and "ftyp".
_HEIF_BRANDS = frozenset({b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1"})
HEIC_REFUSAL = (
    "这是苹果手机的 HEIC 格式照片，请在手机设置→相机→格式中选\u201c兼容性最佳\u201d后重新拍摄，"
    "或先转换为 JPG"
)


class AssetRejected(Exception):
    """The upload cannot become an asset; ``code`` and the Chinese ``detail`` are for the API."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail


class UploadTooLarge(AssetRejected):
    """The upload is larger than the configured limit."""


@dataclass(frozen=True)
class StoredAsset:
    """A file in the store."""

    sha256: str
    size: int
    media_type: str
    video: VideoFacts | None = None  # purpose ``video``: what the probe found


class StagedFile:
    """An upload being written to ``tmp/``, hashed and counted as it arrives."""

    def __init__(self, file: BinaryIO, path: Path, max_bytes: int) -> None:
        self.path = path
        self.size = 0
        self._file = file
        self._hash = hashlib.sha256()
        self._max_bytes = max_bytes

    def write(self, data: bytes) -> None:
        """Append ``data``.

        Raises:
            UploadTooLarge: the file grew beyond the limit.
        """
        self.size += len(data)
        if self.size > self._max_bytes:
            raise UploadTooLarge("too_large", f"文件太大（上限 {format_size(self._max_bytes)}）")
        self._hash.update(data)
        self._file.write(data)

    def finish(self) -> None:
        """Flush the bytes to disk (before they become an immutable asset) and close."""
        if not self._file.closed:
            self._file.flush()
            os.fsync(self._file.fileno())
            self._file.close()

    def discard(self) -> None:
        """Close and delete the temporary file."""
        self._file.close()
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()

    @property
    def sha256(self) -> str:
        """Hex digest of the bytes written so far."""
        return self._hash.hexdigest()


class AssetStore:
    """Files by sha256 under ``assets_dir``, staged in ``tmp_dir`` (same filesystem).

    Args:
        assets_dir: where the finished files live, one per sha256.
        tmp_dir: staging area for uploads in progress.
        max_bytes: the largest upload accepted.
        max_pixels: the largest image (width x height) accepted for purpose ``image``.
        decode_slots: how many images may be decoded at once (each can take hundreds of MB).
    """

    def __init__(
        self,
        assets_dir: Path,
        tmp_dir: Path,
        *,
        max_bytes: int,
        max_pixels: int,
        decode_slots: int = 2,
    ) -> None:
        self.assets_dir = assets_dir
        self.tmp_dir = tmp_dir
        self.max_bytes = max_bytes
        self.max_pixels = max_pixels
        self._decode_slots = threading.BoundedSemaphore(decode_slots)
        assets_dir.mkdir(parents=True, exist_ok=True)
        tmp_dir.mkdir(parents=True, exist_ok=True)

    def remove_stale_uploads(self, now: float | None = None) -> int:
        """Delete staging files left over by a crash more than a day ago; returns the count."""
        cutoff = (time.time() if now is None else now) - STALE_UPLOAD_SECONDS
        removed = 0
        for path in self.tmp_dir.glob("upload-*"):
            with contextlib.suppress(FileNotFoundError):
                if path.stat().st_mtime < cutoff:
                    path.unlink()
                    removed += 1
        if removed:
            log.info("removed %d stale uploads from %s", removed, self.tmp_dir)
        return removed

    @contextlib.contextmanager
    def staging(self) -> Iterator[StagedFile]:
        """A new staged file; it is deleted on exit unless :meth:`commit` moved it."""
        fd, name = tempfile.mkstemp(prefix="upload-", suffix=".part", dir=self.tmp_dir)
        staged = StagedFile(os.fdopen(fd, "wb"), Path(name), self.max_bytes)
        try:
            yield staged
        finally:
            staged.discard()

    def commit(self, staged: StagedFile, purpose: str, filename: str = "") -> StoredAsset:
        """Check a complete staged file and move it into the store.

        Args:
            staged: the upload, fully written.
            purpose: ``image`` (must be a JPEG/PNG/WebP/GIF that decodes completely),
                ``video`` (must be a video the screens can play, see ``video_probe``) or
                ``any`` (other files; the media type is guessed).
            filename: the name the client gave, used only to guess a media type.

        Raises:
            AssetRejected: the file is empty, not an image, too large an image, or not a
                video the screens can play.
            ProbeUnavailable: purpose ``video`` and ffprobe is not installed.
            OSError: the disk failed (``errno.ENOSPC`` when full).
        """
        staged.finish()
        return self.commit_file(staged.path, staged.size, staged.sha256, purpose, filename)

    def commit_file(
        self, path: Path, size: int, sha256: str, purpose: str, filename: str = ""
    ) -> StoredAsset:
        """Check a complete file in ``tmp_dir`` (written and fsync'ed, ``size`` bytes hashing
        to ``sha256``) and move it into the store: :meth:`commit` for a file that was not
        staged in one piece (``content_server.resumable``). The file is moved, or left where
        it is when the store has it already (its caller deletes it then).

        Raises:
            As :meth:`commit`.
        """
        video = None
        if purpose == "image":
            media_type, converted = self._prepare_image(path)  # empty: "not an image"
            if converted is not None:
                return self._store_bytes(converted, media_type)
        elif purpose == "video":
            video = self.probe_video(path)  # an empty file is "not a video"
            media_type = video.media_type
        elif size == 0:
            raise AssetRejected("empty_file", "上传的文件是空的")
        else:
            media_type = sniff_image(path) or guess_media_type(filename)
        target = self.path_for(sha256)
        if target.exists() and target.stat().st_size == size:
            log.info("asset %s already stored", sha256[:12])
        else:
            os.replace(path, target)
            log.info("stored asset %s (%s, %d bytes)", sha256[:12], media_type, size)
        return StoredAsset(sha256, size, media_type, video)

    def path_for(self, sha256: str) -> Path:
        """Where the file with this hash lives.

        Raises:
            ValueError: ``sha256`` is not 64 lowercase hex digits (never a path).
        """
        if not SHA256_RE.fullmatch(sha256):
            raise ValueError("not a sha256")
        return self.assets_dir / sha256

    def _prepare_image(self, path: Path) -> tuple[str, bytes | None]:
        with self._decode_slots:
            return prepare_image(path, self.max_pixels)

    def _store_bytes(self, data: bytes, media_type: str) -> StoredAsset:
        """Store ``data`` (an image converted from an upload) the way uploads are stored."""
        with self.staging() as staged:
            staged.write(data)
            staged.finish()
            target = self.path_for(staged.sha256)
            if not (target.exists() and target.stat().st_size == staged.size):
                os.replace(staged.path, target)
            log.info("stored converted image %s (%d bytes)", staged.sha256[:12], staged.size)
            return StoredAsset(staged.sha256, staged.size, media_type)

    def probe_video(self, path: Path) -> VideoFacts:
        """Probe a video (staged or stored) in one of the decode slots; see ``video_probe``."""
        from content_server.video_probe import probe_video  # it imports AssetRejected from here

        with self._decode_slots:
            return probe_video(path)


def check_image(path: Path, max_pixels: int) -> str:
    """Decode the whole image and return its media type (the checks of :func:`prepare_image`,
    for a file checked before it is uploaded).

    Raises:
        AssetRejected: as :func:`prepare_image`.
    """
    return prepare_image(path, max_pixels)[0]


def prepare_image(path: Path, max_pixels: int) -> tuple[str, bytes | None]:
    """Decode the whole image; return its media type and, when it must be stored converted
    (a JPEG turned by its EXIF orientation, or with more than ``max_pixels``), the JPEG to
    store instead (see the module docstring); None when it is stored as it is.

    Raises:
        AssetRejected: ``heic_not_supported`` for a HEIC/HEIF photo; ``not_an_image`` if
            Pillow cannot fully decode it as one of the supported formats;
            ``image_too_large`` beyond ``max_pixels`` when it cannot be converted down.
    """
    too_large = AssetRejected(
        "image_too_large",
        f"图片像素太多（上限约 {max_pixels // 10_000} 万像素），请缩小后再上传",
    )
    if _is_heif(path):
        raise AssetRejected("heic_not_supported", HEIC_REFUSAL)
    try:
        with warnings.catch_warnings():
            # Sizes are checked here against max_pixels; Pillow's own warning would only
            # repeat it (and is an error under the tests' warning filter).
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(path, formats=_PILLOW_FORMATS) as image:
                return _decoded(image, max_pixels, too_large)
    except AssetRejected:
        raise
    except Image.DecompressionBombError:
        raise too_large from None
    except Exception as exc:  # noqa: BLE001 - any decoder failure means "not an image"
        log.info("upload rejected as not an image: %s: %s", type(exc).__name__, exc)
        raise AssetRejected(
            "not_an_image", "上传的文件不是可识别的图片（支持 JPEG、PNG、WebP）"
        ) from None


def _decoded(
    image: Image.Image, max_pixels: int, too_large: AssetRejected
) -> tuple[str, bytes | None]:
    """The media type and converted bytes (or None) of an opened image; see prepare_image."""
    image_format = image.format or ""
    media_type = IMAGE_MEDIA_TYPES.get(image_format, "application/octet-stream")
    width, height = image.size
    is_jpeg = image_format in _JPEG_FORMATS
    turned = is_jpeg and image.getexif().get(EXIF_ORIENTATION, 1) not in (1, None)
    if width * height <= max_pixels:
        image.load()
        return media_type, _as_jpeg(image) if turned else None
    scale = next(
        (s for s in _DRAFT_SCALES if _reduced(width, s) * _reduced(height, s) <= max_pixels), None
    )
    if not is_jpeg or scale is None:
        raise too_large
    image.draft("RGB", (_reduced(width, scale), _reduced(height, scale)))
    image.load()
    log.info("image of %dx%d converted down to %dx%d", width, height, *image.size)
    return "image/jpeg", _as_jpeg(image)


def _reduced(side: int, scale: int) -> int:
    """A side's length after libjpeg's reduction by ``scale`` (rounded up, as libjpeg does)."""
    return -(-side // scale)


def _as_jpeg(image: Image.Image) -> bytes:
    """``image`` turned upright by its EXIF orientation, as a JPEG without EXIF (the colour
    profile kept)."""
    upright = ImageOps.exif_transpose(image)
    if upright.mode not in ("RGB", "L"):
        upright = upright.convert("RGB")
    out = io.BytesIO()
    options: dict[str, object] = {"quality": CONVERTED_JPEG_QUALITY}
    icc = image.info.get("icc_profile")
    if icc:
        options["icc_profile"] = icc
    upright.save(out, "JPEG", **options)
    return out.getvalue()


def _is_heif(path: Path) -> bool:
    """True if the file is an ISO media file of a HEIF brand (by content, not by name)."""
    try:
        with path.open("rb") as file:
            head = file.read(32)
    except OSError:
        return False
    if len(head) < 12 or head[4:8] != b"ftyp":
        return False
    brands = [head[8:12]] + [head[i : i + 4] for i in range(16, len(head) - 3, 4)]
    return any(brand in _HEIF_BRANDS for brand in brands)


def sniff_image(path: Path) -> str | None:
    """The media type if the file starts like a supported image (header only), else None."""
    try:
        with Image.open(path, formats=_PILLOW_FORMATS) as image:
            return IMAGE_MEDIA_TYPES.get(image.format or "")
    except Exception:  # noqa: BLE001 - not an image is the expected answer for videos
        return None


def guess_media_type(filename: str) -> str:
    """A media type from the file name's extension, or ``application/octet-stream``."""
    guessed, _ = mimetypes.guess_type(filename or "", strict=False)
    return guessed or "application/octet-stream"


def format_size(size: int) -> str:
    """``2147483648`` -> ``2 GiB``; for messages."""
    value = float(size)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{value:.0f} {unit}" if value == int(value) else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} B"


def is_disk_full(exc: OSError) -> bool:
    """True if ``exc`` means the disk is full."""
    return exc.errno in (errno.ENOSPC, errno.EDQUOT)
