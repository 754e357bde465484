"""Phone photos through POST /api/assets: turned upright by their EXIF orientation, too many
pixels converted down (JPEG) or refused, HEIC refused in one sentence; good uploads unchanged."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

from fastapi.testclient import TestClient
from server_helpers import AUTH, image_bytes, upload

from content_server.assets import HEIC_REFUSAL
from tests.support.photos import BLUE, RED, heic_header, opened, plain_jpeg, turned_photo


def stored(data_dir: Path) -> list[Path]:
    return sorted((data_dir / "assets").iterdir())


def near(pixel: tuple[int, ...], colour: tuple[int, int, int]) -> bool:
    return all(abs(a - b) < 40 for a, b in zip(pixel, colour, strict=False))


def test_a_sideways_phone_photo_is_stored_upright_without_exif(
    client: TestClient, data_dir: Path
) -> None:
    answer = upload(client, turned_photo(400, 300), "IMG_0001.JPG")
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert body["media_type"] == "image/jpeg"
    [path] = stored(data_dir)
    data = path.read_bytes()
    assert body["sha256"] == path.name == hashlib.sha256(data).hexdigest()
    assert body["size"] == len(data)
    image = opened(data)
    assert image.size == (300, 400)
    assert near(image.getpixel((150, 10)), RED) and near(image.getpixel((150, 390)), BLUE)
    assert image.getexif().get(0x0112) is None
    served = client.get(f"/assets/{body['sha256']}")
    assert served.content == data


def test_a_good_upload_is_stored_byte_for_byte(client: TestClient, data_dir: Path) -> None:
    data = image_bytes("JPEG", (64, 48))
    answer = upload(client, data, "poster.jpg")
    assert answer.json()["sha256"] == hashlib.sha256(data).hexdigest()
    assert stored(data_dir)[0].read_bytes() == data


def test_a_jpeg_with_too_many_pixels_is_converted_down(
    make_client: Callable[..., TestClient], data_dir: Path
) -> None:
    client = make_client(max_image_pixels=1_000_000)
    answer = upload(client, plain_jpeg(2400, 1800), "big.jpg")  # 4.3 MP: a quarter fits
    assert answer.status_code == 201, answer.text
    [path] = stored(data_dir)
    assert opened(path.read_bytes()).size == (600, 450)


def test_too_many_pixels_to_convert_is_refused_in_a_sentence(
    make_client: Callable[..., TestClient], data_dir: Path
) -> None:
    client = make_client(max_image_pixels=10_000)
    for data in (plain_jpeg(1200, 900), image_bytes("PNG", (200, 200))):
        answer = upload(client, data, "big")
        assert answer.status_code == 422
        assert answer.json() == {
            "detail": "图片像素太多（上限约 1 万像素），请缩小后再上传",
            "code": "image_too_large",
        }
    assert stored(data_dir) == []


def test_heic_is_refused_by_its_content_whatever_its_name(
    client: TestClient, data_dir: Path
) -> None:
    for name in ("IMG_0002.HEIC", "photo.jpg"):
        answer = upload(client, heic_header(), name)
        assert answer.status_code == 422
        assert answer.json() == {"detail": HEIC_REFUSAL, "code": "heic_not_supported"}
    assert stored(data_dir) == []
    assert client.get("/api/items", headers=AUTH).json()["items"] == []
