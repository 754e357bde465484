"""Posters decoded off the GUI thread, scaled to fit, with broken files refused cleanly."""

from __future__ import annotations

import io
import threading
from pathlib import Path

import pytest
from PIL import Image
from qt_helpers import image_bytes

from kiosk.qt.image_loader import DecodeError, PosterLoader, decode_poster
from kiosk.qt.qt import QSize


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


@pytest.mark.parametrize("image_format", ["PNG", "JPEG"])
def test_decoded_to_fit_the_target_keeping_the_aspect_ratio(
    qapp: object, tmp_path: Path, image_format: str
) -> None:
    path = _write(tmp_path / "p", image_bytes(2000, 1000, (0, 0, 255), image_format))
    image = decode_poster(path, QSize(1080, 1920))
    assert (image.width(), image.height()) == (1080, 540)


def test_small_images_are_scaled_up_to_fit(qapp: object, tmp_path: Path) -> None:
    path = _write(tmp_path / "p", image_bytes(100, 200, (0, 255, 0)))
    image = decode_poster(path, QSize(1000, 1000))
    assert (image.width(), image.height()) == (500, 1000)


def test_exif_orientation_is_applied(qapp: object, tmp_path: Path) -> None:
    out = io.BytesIO()
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise when shown
    Image.new("RGB", (400, 200), (200, 0, 0)).save(out, "JPEG", exif=exif)
    image = decode_poster(_write(tmp_path / "p", out.getvalue()), QSize(1000, 1000))
    assert image.height() > image.width()
    assert (image.width(), image.height()) == (500, 1000)


@pytest.mark.parametrize("image_format", ["PNG", "JPEG"])
def test_truncated_files_are_refused_without_qt_warnings(
    qapp: object, tmp_path: Path, image_format: str
) -> None:
    data = image_bytes(600, 400, (10, 20, 30), image_format)
    path = _write(tmp_path / "p", data[: len(data) // 2])
    with pytest.raises(DecodeError, match="truncated"):
        decode_poster(path, QSize(100, 100))


def test_missing_and_non_image_files_are_refused(qapp: object, tmp_path: Path) -> None:
    with pytest.raises(DecodeError, match="missing"):
        decode_poster(tmp_path / "absent", QSize(100, 100))
    with pytest.raises(DecodeError, match="not an image"):
        decode_poster(_write(tmp_path / "text", b"hello " * 100), QSize(100, 100))


def test_loader_decodes_off_the_gui_thread(qtbot, tmp_path: Path, monkeypatch) -> None:
    threads: list[str] = []
    real = decode_poster

    def recording(path: Path, target: QSize):  # noqa: ANN202
        threads.append(threading.current_thread().name)
        return real(path, target)

    monkeypatch.setattr("kiosk.qt.image_loader.decode_poster", recording)
    loader = PosterLoader()
    loader.set_target_size(QSize(200, 200))
    path = _write(tmp_path / "p", image_bytes(400, 100, (0, 0, 255)))
    with qtbot.waitSignal(loader.ready, timeout=5000) as blocker:
        loader.request("k1", path)
    assert blocker.args == ["k1"]
    pixmap = loader.pixmap("k1")
    assert pixmap is not None and (pixmap.width(), pixmap.height()) == (200, 50)
    assert threads and threads[0] != threading.main_thread().name
    loader.close()


def test_loader_reports_a_failure_once_and_remembers_it(qtbot, tmp_path: Path) -> None:
    loader = PosterLoader()
    path = _write(tmp_path / "p", b"\x89PNG\r\n\x1a\n" + b"\0" * 100)
    with qtbot.waitSignal(loader.failed, timeout=5000) as blocker:
        loader.request("bad", path)
    assert blocker.args[0] == "bad"
    assert loader.failure("bad")
    with qtbot.assertNotEmitted(loader.failed, wait=100):
        loader.request("bad", path)  # known to fail: not decoded again
    loader.retain(pixmaps=(), failures=())
    assert loader.failure("bad") is None
    loader.close()


def test_a_new_target_size_decodes_again(qtbot, tmp_path: Path) -> None:
    loader = PosterLoader()
    loader.set_target_size(QSize(100, 100))
    path = _write(tmp_path / "p", image_bytes(400, 400, (0, 0, 255)))
    with qtbot.waitSignal(loader.ready, timeout=5000):
        loader.request("k", path)
    loader.set_target_size(QSize(300, 300))
    assert loader.pixmap("k") is None
    with qtbot.waitSignal(loader.ready, timeout=5000):
        loader.request("k", path)
    assert loader.pixmap("k").width() == 300
    loader.close()


def test_settle_delivers_a_finished_decode_without_the_event_loop(qapp, tmp_path: Path) -> None:
    loader = PosterLoader()
    loader.set_target_size(QSize(200, 200))
    ready: list[str] = []
    loader.ready.connect(ready.append)
    loader.request("k", _write(tmp_path / "p", image_bytes(400, 100, (0, 0, 255))))

    assert loader.settle(5000)  # start-up: before the window is shown
    assert ready == ["k"]
    assert loader.pixmap("k").size() == QSize(200, 50)
    assert loader.settle(0)  # nothing under way
    loader.close()
