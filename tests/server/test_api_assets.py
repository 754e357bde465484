"""Uploading and serving assets: content addressing, image checks, caching and Range."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from PIL import features
from server_helpers import AUTH, image_bytes, upload

NOT_AN_IMAGE = "上传的文件不是可识别的图片（支持 JPEG、PNG、WebP）"
IMMUTABLE = "public, max-age=31536000, immutable"

FORMATS = [("PNG", "image/png"), ("JPEG", "image/jpeg"), ("GIF", "image/gif")]
if features.check("webp"):
    FORMATS.append(("WEBP", "image/webp"))


def stored_files(data_dir: Path) -> list[str]:
    return sorted(p.name for p in (data_dir / "assets").iterdir())


def staged_files(data_dir: Path) -> list[str]:
    return sorted(p.name for p in (data_dir / "tmp").iterdir())


@pytest.mark.parametrize(("fmt", "media_type"), FORMATS)
def test_upload_stores_an_image_by_its_sha256(
    client: TestClient, data_dir: Path, fmt: str, media_type: str
) -> None:
    data = image_bytes(fmt)
    response = upload(client, data, f"poster.{fmt.lower()}")
    assert response.status_code == 201, response.text
    sha256 = hashlib.sha256(data).hexdigest()
    assert response.json() == {"sha256": sha256, "size": len(data), "media_type": media_type}
    assert (data_dir / "assets" / sha256).read_bytes() == data
    assert staged_files(data_dir) == []


def test_uploading_the_same_file_twice_is_harmless(client: TestClient, data_dir: Path) -> None:
    data = image_bytes()
    first = upload(client, data).json()
    second = upload(client, data, "another-name.png").json()
    assert first == second
    assert stored_files(data_dir) == [first["sha256"]]
    assert staged_files(data_dir) == []


def test_asset_is_served_immutable_with_its_etag(client: TestClient) -> None:
    data = image_bytes()
    sha256 = upload(client, data).json()["sha256"]
    response = client.get(f"/assets/{sha256}")
    assert response.status_code == 200
    assert response.content == data
    assert response.headers["Cache-Control"] == IMMUTABLE
    assert response.headers["ETag"] == f'"{sha256}"'
    assert response.headers["Content-Type"] == "image/png"
    assert response.headers["Accept-Ranges"] == "bytes"


def test_asset_supports_range_requests(client: TestClient) -> None:
    data = image_bytes("JPEG")
    sha256 = upload(client, data, "p.jpg").json()["sha256"]
    response = client.get(f"/assets/{sha256}", headers={"Range": "bytes=10-"})
    assert response.status_code == 206
    assert response.content == data[10:]
    assert response.headers["Content-Range"] == f"bytes 10-{len(data) - 1}/{len(data)}"
    middle = client.get(f"/assets/{sha256}", headers={"Range": "bytes=5-9"})
    assert middle.status_code == 206
    assert middle.content == data[5:10]


def test_asset_revalidation_and_head(client: TestClient) -> None:
    data = image_bytes()
    sha256 = upload(client, data).json()["sha256"]
    cached = client.get(f"/assets/{sha256}", headers={"If-None-Match": f'"{sha256}"'})
    assert cached.status_code == 304
    assert cached.content == b""
    head = client.head(f"/assets/{sha256}")
    assert head.status_code == 200
    assert head.headers["Content-Length"] == str(len(data))
    assert head.content == b""


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("notes.txt", "这不是图片\n".encode() * 50),
        ("truncated.jpg", image_bytes("JPEG", (400, 300))[:-600]),
        ("half.png", image_bytes("PNG", (300, 200))[:200]),
        ("empty.png", b""),
        ("fake.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 100),
    ],
)
def test_upload_that_is_not_an_image_is_refused_and_not_stored(
    client: TestClient, data_dir: Path, name: str, data: bytes
) -> None:
    response = upload(client, data, name)
    assert response.status_code == 422
    assert response.json() == {"detail": NOT_AN_IMAGE, "code": "not_an_image"}
    assert stored_files(data_dir) == []
    assert staged_files(data_dir) == []


def test_image_with_too_many_pixels_is_refused(
    make_client: Callable[..., TestClient], data_dir: Path
) -> None:
    client = make_client(max_image_pixels=100)
    response = upload(client, image_bytes("PNG", (20, 20)))
    assert response.status_code == 422
    assert response.json()["code"] == "image_too_large"
    assert stored_files(data_dir) == []


def test_upload_over_the_size_limit_is_refused_with_413(
    make_client: Callable[..., TestClient], data_dir: Path
) -> None:
    client = make_client(max_upload_bytes=1000)
    response = upload(client, b"x" * 5000, "big.bin", purpose="any")
    assert response.status_code == 413
    assert response.json()["code"] == "too_large"
    assert "1000 B" in response.json()["detail"]
    assert stored_files(data_dir) == []
    assert staged_files(data_dir) == []


def test_declared_length_over_the_limit_is_refused_before_reading(
    make_client: Callable[..., TestClient],
) -> None:
    client = make_client(max_upload_bytes=10)
    response = upload(client, b"x" * (2 * 1024 * 1024), "big.bin", purpose="any")
    assert response.status_code == 413


def test_any_purpose_accepts_other_files(client: TestClient, data_dir: Path) -> None:
    data = b"\x00\x00\x00\x18ftypmp42" + bytes(range(256)) * 40
    response = upload(client, data, "lesson.mp4", purpose="any")
    assert response.status_code == 201, response.text
    ref = response.json()
    assert ref["media_type"] == "video/mp4"
    served = client.get(f"/assets/{ref['sha256']}")
    assert served.content == data
    assert served.headers["Content-Type"] == "video/mp4"


def test_any_purpose_still_recognises_images(client: TestClient) -> None:
    response = upload(client, image_bytes("JPEG"), "no-extension", purpose="any")
    assert response.json()["media_type"] == "image/jpeg"


def test_purpose_may_come_as_a_form_field(client: TestClient) -> None:
    response = client.post(
        "/api/assets",
        headers=AUTH,
        data={"purpose": "any"},
        files={"file": ("notes.txt", b"plain text")},
    )
    assert response.status_code == 201, response.text
    assert response.json()["media_type"] == "text/plain"


def test_bad_purpose_is_refused(client: TestClient) -> None:
    response = upload(client, image_bytes(), purpose="audio")
    assert response.status_code == 422
    assert response.json()["code"] == "bad_purpose"


def test_empty_file_is_refused_even_for_any_purpose(client: TestClient, data_dir: Path) -> None:
    response = upload(client, b"", "empty.bin", purpose="any")
    assert response.status_code == 422
    assert response.json()["code"] == "empty_file"
    assert stored_files(data_dir) == []


def test_upload_without_a_file_field(client: TestClient, data_dir: Path) -> None:
    response = client.post("/api/assets", headers=AUTH, files={"picture": ("a.png", image_bytes())})
    assert response.status_code == 400
    assert response.json()["code"] == "missing_file"
    assert staged_files(data_dir) == []


def test_upload_that_is_not_multipart(client: TestClient) -> None:
    response = client.post("/api/assets", headers=AUTH, content=image_bytes())
    assert response.status_code == 400
    assert response.json()["code"] == "bad_upload"


def test_truncated_multipart_body_is_refused(client: TestClient, data_dir: Path) -> None:
    body = (
        b'--XyZ\r\nContent-Disposition: form-data; name="file"; filename="a.png"\r\n\r\n'
        + image_bytes()
    )
    headers = {**AUTH, "Content-Type": "multipart/form-data; boundary=XyZ"}
    response = client.post("/api/assets", headers=headers, content=body)
    assert response.status_code == 400
    assert response.json()["code"] == "upload_incomplete"
    assert stored_files(data_dir) == []
    assert staged_files(data_dir) == []


@pytest.mark.parametrize(
    "name",
    [
        "0" * 63,
        "0" * 65,
        "A" * 64,
        "..%2F..%2Fetc%2Fpasswd",
        "%2e%2e",
        "g" * 64,
    ],
)
def test_asset_path_that_is_not_a_sha256_is_not_found(client: TestClient, name: str) -> None:
    response = client.get(f"/assets/{name}")
    assert response.status_code in (400, 404)
    assert response.json()["code"] in ("asset_not_found", "not_found")


def test_unknown_asset_is_not_found(client: TestClient) -> None:
    response = client.get(f"/assets/{'ab' * 32}")
    assert response.status_code == 404
    assert response.json() == {"detail": "找不到该素材", "code": "asset_not_found"}


def test_stale_staging_files_are_removed_on_start(
    make_client: Callable[..., TestClient], data_dir: Path
) -> None:
    (data_dir / "tmp").mkdir(parents=True)
    stale = data_dir / "tmp" / "upload-crashed.part"
    stale.write_bytes(b"half")
    import os

    os.utime(stale, (0, 0))
    make_client()
    assert not stale.exists()
