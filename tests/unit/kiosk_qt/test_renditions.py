"""Posters kept as the main zone shows them: fitted on their letterbox backdrop, made once (in
bands), read back, remade when bad or made by an earlier version."""

from __future__ import annotations

import io
import logging
import random
from pathlib import Path

import pytest
from PIL import Image, ImageChops, ImageFilter, ImageStat

import kiosk.qt.renditions as renditions
from content_cache.store import rendition_name
from kiosk.qt.image_loader import DecodeError, decode_poster
from kiosk.qt.qt import QImage, QImageReader, QSize
from kiosk.qt.renditions import PosterRenditions, render_poster

ASSET = "a" * 64


def _detailed_jpeg(path: Path, width: int, height: int, seed: int = 1) -> Path:
    """A photo-like JPEG: smoothed noise with edges, so a misplaced band would show."""
    rng = random.Random(seed)
    small = Image.new("RGB", (width // 8, height // 8))
    small.putdata(
        [tuple(rng.randrange(256) for _ in range(3)) for _ in range(small.width * small.height)]
    )
    image = small.resize((width, height), Image.Resampling.BICUBIC)
    image = image.filter(ImageFilter.GaussianBlur(1))
    image.save(path, "JPEG", quality=92)
    return path


def _pil(image: QImage, tmp_path: Path) -> Image.Image:
    out = tmp_path / "shown.png"
    assert image.save(str(out))
    return Image.open(out).convert("RGB")


def _made_rendition(folder: Path, source: Path, target: QSize) -> Path:
    """Show ``source`` once at ``target``, as a screen would; the rendition that left behind."""
    posters = PosterRenditions(folder)
    posters.decode(source, target)
    posters.close()
    kept = folder / rendition_name(source.name, target.width(), target.height())
    assert kept.is_file()
    return kept


def test_bands_give_the_same_picture_as_one_decode(
    qapp: object, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = _detailed_jpeg(tmp_path / ASSET, 1280, 960)
    target = QSize(900, 900)
    monkeypatch.setattr(renditions, "BAND_BYTES", 1 << 30)  # the whole source as one band
    whole = _pil(render_poster(source, target), tmp_path)
    monkeypatch.setattr(renditions, "BAND_BYTES", 64 * 1024)  # ~13 bands
    banded = _pil(render_poster(source, target), tmp_path)

    assert banded.size == whole.size == (900, 675)
    difference = ImageChops.difference(whole, banded)
    assert max(ImageStat.Stat(difference).mean) < 0.2  # of 255
    rows = [  # no seam between bands
        max(ImageStat.Stat(difference.crop((0, y, banded.width, y + 1))).mean)
        for y in range(banded.height)
    ]
    assert max(rows) < 1.0
    # Against the plain decode the smoothing differs a little (bilinear, not area-averaging).
    plain = _pil(decode_poster(source, target), tmp_path)
    assert max(ImageStat.Stat(ImageChops.difference(plain, banded)).mean) < 3.0


def test_a_poster_is_decoded_from_its_rendition_once_one_was_made(
    qapp: object, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = _detailed_jpeg(tmp_path / ASSET, 1280, 960)
    folder = tmp_path / "renditions"
    target = QSize(1000, 600)

    posters = PosterRenditions(folder)
    first = posters.decode(source, target)  # start-up: big bands
    posters.close()  # its rendition is written after the hand-over
    kept = folder / rendition_name(ASSET, target.width(), target.height())
    assert kept.is_file()
    assert (first.width(), first.height()) == (1000, 600)  # the zone: poster and backdrop

    def no_source(*args: object) -> None:
        raise AssertionError("the source was decoded again")

    monkeypatch.setattr(renditions, "fit_poster", no_source)
    monkeypatch.setattr(renditions, "render_poster", no_source)
    monkeypatch.setattr(renditions, "render_rendition", no_source)
    again = PosterRenditions(folder).decode(source, target)
    assert (again.width(), again.height()) == (1000, 600)
    difference = ImageChops.difference(_pil(first, tmp_path), _pil(again, tmp_path))
    assert max(ImageStat.Stat(difference).mean) < 4.0  # a JPEG again; this source is all detail


def test_after_the_first_poster_renditions_are_made_in_smaller_bands(
    qapp: object, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "renditions"
    posters = PosterRenditions(folder)
    posters.decode(_detailed_jpeg(tmp_path / ("b" * 64), 640, 480), QSize(500, 500))
    banded: list[tuple[Path, int]] = []
    real = renditions._render_in_bands

    def recording(path: Path, source: QSize, fitted: QSize, band_bytes: int, *into) -> QImage:
        banded.append((path, band_bytes))
        return real(path, source, fitted, band_bytes, *into)

    monkeypatch.setattr(renditions, "_render_in_bands", recording)
    source = _detailed_jpeg(tmp_path / ASSET, 1280, 960)
    image = posters.decode(source, QSize(1000, 600))
    posters.close()
    assert banded == [(source, renditions.BAND_BYTES)]
    assert (image.width(), image.height()) == (1000, 600)
    assert (folder / rendition_name(ASSET, 1000, 600)).is_file()


def test_a_prefetched_rendition_is_what_the_first_decode_returns(
    qapp: object, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = _detailed_jpeg(tmp_path / ASSET, 1280, 960)
    folder = tmp_path / "renditions"
    target = QSize(1000, 600)
    kept = _made_rendition(folder, source, target)
    original = Image.open(kept).convert("RGB")

    posters = PosterRenditions(folder)
    assert posters.prefetch(source)  # before the zone's size is known
    posters.close()  # the read is done
    Image.new("RGB", original.size, "red").save(kept, "JPEG")  # changed after it was read
    monkeypatch.setattr(renditions, "render_rendition", lambda *args: pytest.fail("rendered"))
    image = posters.decode(source, target)

    assert (image.width(), image.height()) == (1000, 600)
    difference = ImageChops.difference(original, _pil(image, tmp_path))
    assert max(ImageStat.Stat(difference).mean) < 1.0  # the prefetched picture, not the red
    assert Image.open(kept).getpixel((10, 10)) != original.getpixel((10, 10))  # not rewritten


def test_a_prefetch_that_guessed_wrong_changes_nothing(qapp: object, tmp_path: Path) -> None:
    folder = tmp_path / "renditions"
    guessed = _detailed_jpeg(tmp_path / ("b" * 64), 640, 480, seed=2)
    _made_rendition(folder, guessed, QSize(400, 400))
    posters = PosterRenditions(folder)
    assert not posters.prefetch(tmp_path / ("c" * 64))  # no rendition: nothing to read
    assert not posters.prefetch(None)
    assert posters.prefetch(guessed)
    shown = _detailed_jpeg(tmp_path / ASSET, 640, 480, seed=3)

    image = posters.decode(shown, QSize(400, 400))  # the screen opened on another poster
    again = posters.decode(guessed, QSize(200, 200))  # and at another size
    posters.close()

    assert (image.width(), image.height()) == (400, 400)
    picture = _pil(image, tmp_path).crop((0, 50, 400, 350))  # the poster, without backdrop
    for poster, near in ((shown, True), (guessed, False)):
        plain = _pil(decode_poster(poster, QSize(400, 400)), tmp_path)
        difference = max(ImageStat.Stat(ImageChops.difference(plain, picture)).mean)
        assert difference < 5.0 if near else difference > 20.0  # the poster asked for
    assert (again.width(), again.height()) == (200, 200)
    assert not posters.prefetch(guessed)  # only before the first decode


@pytest.mark.parametrize("damage", ["not an image", "another size"])
def test_a_broken_rendition_is_made_again(
    qapp: object, tmp_path: Path, caplog: pytest.LogCaptureFixture, damage: str
) -> None:
    source = _detailed_jpeg(tmp_path / ASSET, 640, 480)
    folder = tmp_path / "renditions"
    folder.mkdir()
    target = QSize(400, 400)
    kept = folder / rendition_name(ASSET, target.width(), target.height())
    if damage == "not an image":
        kept.write_bytes(b"overwritten by something else " * 100)
    else:  # a rendition made as now, but for another zone, under this zone's name
        _made_rendition(tmp_path / "other", source, QSize(200, 150)).rename(kept)

    with caplog.at_level(logging.WARNING, logger="kiosk.screen"):
        posters = PosterRenditions(folder)
        image = posters.decode(source, target)
    posters.close()

    assert (image.width(), image.height()) == (400, 400)
    assert [r.event for r in caplog.records] == ["rendition_dropped"]
    assert Image.open(kept).size == (400, 400)


def test_a_rendition_for_another_zone_size_is_replaced(qapp: object, tmp_path: Path) -> None:
    source = _detailed_jpeg(tmp_path / ASSET, 640, 480)
    folder = tmp_path / "renditions"
    posters = PosterRenditions(folder)
    posters.decode(source, QSize(400, 400))
    posters.close()
    posters.decode(source, QSize(300, 300))
    posters.close()
    assert sorted(p.name for p in folder.iterdir()) == [rendition_name(ASSET, 300, 300)]


def test_no_rendition_for_a_transparent_poster(qapp: object, tmp_path: Path) -> None:
    out = io.BytesIO()
    Image.new("RGBA", (300, 200), (200, 0, 0, 128)).save(out, "PNG")
    source = tmp_path / ASSET
    source.write_bytes(out.getvalue())
    folder = tmp_path / "renditions"
    posters = PosterRenditions(folder)
    image = posters.decode(source, QSize(150, 150))
    posters.close()
    assert image.hasAlphaChannel()
    assert list(folder.iterdir()) == []


def test_a_full_disk_keeps_no_rendition_and_still_shows_the_poster(
    qapp: object, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    folder = tmp_path / "renditions"
    posters = PosterRenditions(folder, disk_reserve_bytes=1 << 60)
    with caplog.at_level(logging.DEBUG, logger="kiosk.screen"):
        for name in ("b" * 64, "c" * 64, ASSET):
            image = posters.decode(_detailed_jpeg(tmp_path / name, 640, 480), QSize(400, 400))
            posters.close()
            assert (image.width(), image.height()) == (400, 400)  # made all the same
    assert list(folder.iterdir()) == []
    skipped = [r for r in caplog.records if getattr(r, "event", "") == "rendition_not_kept"]
    assert [r.levelno for r in skipped] == [logging.WARNING, logging.DEBUG, logging.DEBUG]
    assert "free on disk" in skipped[0].getMessage()


def test_a_bad_source_is_refused_like_a_plain_decode(qapp: object, tmp_path: Path) -> None:
    posters = PosterRenditions(tmp_path / "renditions")
    posters.decode(_detailed_jpeg(tmp_path / ("b" * 64), 64, 64), QSize(32, 32))
    with pytest.raises(DecodeError, match="missing"):
        posters.decode(tmp_path / ASSET, QSize(100, 100))
    data = (_detailed_jpeg(tmp_path / "whole", 640, 480)).read_bytes()
    (tmp_path / ASSET).write_bytes(data[: len(data) // 2])
    with pytest.raises(DecodeError, match="truncated"):
        posters.decode(tmp_path / ASSET, QSize(400, 400))


# -- the letterbox backdrop ---------------------------------------------------------------------


def _patterned_jpeg(path: Path, width: int, height: int) -> Path:
    """A poster with large coloured cells (what a backdrop shows) and fine detail on top (what
    tells a sharp poster from a blurred one)."""
    rng = random.Random(7)
    image = Image.new("RGB", (width, height))
    cell = 150
    for top in range(0, height, cell):
        for left in range(0, width, cell):
            colour = (rng.randrange(60, 256), rng.randrange(60, 256), rng.randrange(60, 256))
            image.paste(colour, (left, top, left + cell, top + cell))
    detail = Image.effect_noise((width, height), 80).convert("RGB")
    Image.blend(image, detail, 0.25).save(path, "JPEG", quality=92)
    return path


def _luminance(image: Image.Image) -> ImageStat.Stat:
    return ImageStat.Stat(image.convert("L"))


def _roughness(image: Image.Image) -> float:
    """Mean difference between horizontally neighbouring pixels (high: detail; low: blur)."""
    grey = image.convert("L")
    shifted = grey.crop((1, 0, grey.width, grey.height))
    return ImageStat.Stat(
        ImageChops.difference(grey.crop((0, 0, grey.width - 1, grey.height)), shifted)
    ).mean[0]


@pytest.mark.parametrize(
    ("source_size", "zone", "poster_box", "bars"),
    [
        # a portrait poster on a landscape zone: bars left and right
        ((900, 1350), (1200, 600), (400, 0, 800, 600), [(0, 0, 400, 600), (800, 0, 1200, 600)]),
        # a landscape poster on a portrait zone: bars above and below
        ((1350, 900), (600, 1200), (0, 400, 600, 800), [(0, 0, 600, 400), (0, 800, 600, 1200)]),
        # rendered in bands straight into the zone (scaled down 1.67x)
        ((1000, 1500), (1200, 900), (300, 0, 900, 900), [(0, 0, 300, 900), (900, 0, 1200, 900)]),
    ],
)
def test_a_letterboxed_poster_stands_sharp_and_centred_on_a_dark_blurred_copy_of_itself(
    qapp: object, tmp_path: Path, source_size, zone, poster_box, bars
) -> None:
    source = _patterned_jpeg(tmp_path / ASSET, *source_size)
    target = QSize(*zone)
    posters = PosterRenditions(tmp_path / "renditions")
    shown = _pil(posters.decode(source, target), tmp_path)
    posters.close()
    kept = Image.open(tmp_path / "renditions" / rendition_name(ASSET, *zone)).convert("RGB")

    assert shown.size == kept.size == zone  # one zone-sized picture, kept as made
    poster = shown.crop(poster_box)
    fitted = _pil(renditions.render_poster(source, target), tmp_path)
    assert fitted.size == poster.size
    assert max(ImageStat.Stat(ImageChops.difference(fitted, poster)).mean) < 0.5  # untouched
    for box in bars:
        bar = shown.crop(box)
        assert max(ImageStat.Stat(bar).stddev) > 3  # not one flat colour: the poster's cells
        assert _luminance(bar).mean[0] < 0.6 * _luminance(poster).mean[0]  # darker
        assert _roughness(bar) < 1.0 < 5.0 < _roughness(poster)  # blurred; the poster sharp
        saturation = ImageStat.Stat(bar.convert("HSV")).mean[1]
        assert saturation < ImageStat.Stat(poster.convert("HSV")).mean[1]  # muted
    assert max(ImageStat.Stat(ImageChops.difference(shown, kept)).mean) < 3.0  # as JPEG


def test_a_poster_that_fills_the_zone_has_no_backdrop(qapp: object, tmp_path: Path) -> None:
    source = _patterned_jpeg(tmp_path / ASSET, 1600, 900)
    target = QSize(1200, 675)
    image = renditions.render_rendition(source, target)
    fitted = renditions.render_poster(source, target)
    assert image.size() == fitted.size() == target
    assert image == fitted


def test_a_rendition_made_with_other_backdrop_settings_is_made_again(
    qapp: object, tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = _patterned_jpeg(tmp_path / ASSET, 600, 900)
    folder = tmp_path / "renditions"
    kept = _made_rendition(folder, source, QSize(800, 600))
    before = Image.open(kept).convert("RGB")
    monkeypatch.setattr(renditions, "BACKDROP_SHADE", 0.2)  # a lighter backdrop from now on
    with caplog.at_level(logging.INFO, logger="kiosk.screen"):
        posters = PosterRenditions(folder)
        assert posters.prefetch(source)  # started, and given up on reading the comment
        posters.decode(source, QSize(800, 600))
        posters.close()

    assert [(r.levelno, r.event) for r in caplog.records] == [(logging.INFO, "rendition_outdated")]
    after = Image.open(kept).convert("RGB")
    bar = (0, 0, 200, 600)  # left of the 400x600 poster
    assert _luminance(after.crop(bar)).mean[0] > _luminance(before.crop(bar)).mean[0] + 10
    assert QImageReader(str(kept)).text(renditions.STYLE_KEY) == renditions.rendition_style()


def test_a_rendition_from_before_backdrops_is_made_again_quietly(
    qapp: object, tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = _patterned_jpeg(tmp_path / ASSET, 600, 900)
    folder = tmp_path / "renditions"
    folder.mkdir()
    kept = folder / rendition_name(ASSET, 800, 600)
    Image.open(source).resize((400, 600)).save(kept, "JPEG")  # fitted only, as made before
    decoded: list[str] = []
    real = renditions.read_image

    def recording(reader):  # noqa: ANN001, ANN202
        decoded.append(reader.fileName())
        return real(reader)

    monkeypatch.setattr(renditions, "read_image", recording)
    with caplog.at_level(logging.INFO, logger="kiosk.screen"):
        posters = PosterRenditions(folder)
        image = posters.decode(source, QSize(800, 600))
        posters.close()

    assert (image.width(), image.height()) == (800, 600)
    assert [(r.levelno, r.event) for r in caplog.records] == [(logging.INFO, "rendition_outdated")]
    assert str(kept) not in decoded  # judged by its size alone
    assert Image.open(kept).size == (800, 600)


def test_at_start_the_next_rendition_is_made_after_the_first_is_written(
    qapp: object, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first poster's rendition is written after its image is handed over, and holds the
    image until then: the next poster's rendition is not made beside it (peak memory)."""
    events: list[tuple[str, str]] = []
    real_render, real_keep = renditions.render_rendition, PosterRenditions._keep

    def render(path: Path, *args: object) -> QImage:
        events.append(("render", path.name[0]))
        return real_render(path, *args)

    def keep(self: PosterRenditions, image: QImage, rendition: Path) -> None:
        real_keep(self, image, rendition)
        events.append(("kept", rendition.name[0]))

    monkeypatch.setattr(renditions, "render_rendition", render)
    monkeypatch.setattr(PosterRenditions, "_keep", keep)
    posters = PosterRenditions(tmp_path / "renditions")
    first = _detailed_jpeg(tmp_path / ("b" * 64), 1280, 960)
    second = _detailed_jpeg(tmp_path / ("c" * 64), 960, 1280)
    posters.decode(first, QSize(1000, 600))
    posters.decode(second, QSize(1000, 600))  # at once: the first may still be being written
    posters.close()
    assert events == [("render", "b"), ("kept", "b"), ("render", "c"), ("kept", "c")]
