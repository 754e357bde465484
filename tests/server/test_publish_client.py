"""``PublishClient`` against a real server: what the demo and the CLI rely on."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from server_helpers import TOKEN, RunningServer, get_manifest, image_bytes

from content_server.client import PublishClient, PublishError

pytestmark = pytest.mark.e2e


@pytest.fixture
def client(live_server: RunningServer) -> Iterator[PublishClient]:
    client = PublishClient(live_server.url + "/", TOKEN)
    yield client
    client.close()


def test_upload_then_publish_with_the_returned_reference(
    client: PublishClient, live_server: RunningServer, tmp_path: Path
) -> None:
    path = tmp_path / "poster.png"
    path.write_bytes(image_bytes())
    ref = client.upload_asset(path)
    assert ref == {
        "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
        "size": path.stat().st_size,
        "media_type": "image/png",
    }
    result = client.publish(
        {"kind": "poster", "title": "海报", "to": "client-screen", "image": ref}
    )
    assert result["id"].startswith("p-")
    assert result["id"] in {item["id"] for item in client.list_items()}


def test_large_upload_is_streamed_intact(
    client: PublishClient, live_server: RunningServer, tmp_path: Path
) -> None:
    path = tmp_path / "课程.mp4"
    path.write_bytes(os.urandom(3 * 1024 * 1024 + 17))
    ref = client.upload_asset(path, purpose="any")
    assert ref["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert ref["media_type"] == "video/mp4"
    served = requests.get(f"{live_server.url}/assets/{ref['sha256']}", timeout=30)
    assert served.content == path.read_bytes()
    ranged = requests.get(
        f"{live_server.url}/assets/{ref['sha256']}", headers={"Range": "bytes=10-"}, timeout=30
    )
    assert ranged.status_code == 206
    assert ranged.content == path.read_bytes()[10:]


def test_settings_and_withdraw(client: PublishClient, live_server: RunningServer) -> None:
    answer = client.put_settings("client-screen", {"org_name": "第一党支部"})
    assert answer["settings"]["org_name"] == "第一党支部"
    item = client.publish({"kind": "notice", "text": "通知", "to": "client-screen"})
    withdrawn = client.withdraw(item["id"])
    assert withdrawn["id"] == item["id"]
    assert withdrawn["revision"] > item["revision"]
    manifest = get_manifest(live_server.url, "client-screen")
    assert manifest.json()["revision"] == withdrawn["revision"]
    assert manifest.json()["settings"]["org_name"] == "第一党支部"


def test_get_settings_of_a_screen(client: PublishClient) -> None:
    client.put_settings("client-get", {"mode": "touch"})
    view = client.get_settings("client-get")
    assert view["screen_id"] == "client-get"
    assert view["own"] == {"mode": "touch"}
    assert view["settings"]["mode"] == "touch"
    assert client.get_settings("all")["screen_id"] == "all"


def test_errors_carry_message_code_and_status(
    client: PublishClient, live_server: RunningServer, tmp_path: Path, closed_port_url: str
) -> None:
    with pytest.raises(PublishError) as wrong_token:
        PublishClient(live_server.url, "wrong").publish({"kind": "notice", "text": "t"})
    assert (wrong_token.value.code, wrong_token.value.status) == ("unauthorized", 401)
    assert wrong_token.value.message == "令牌无效或缺失"

    text = tmp_path / "a.png"
    text.write_bytes(b"not an image")
    with pytest.raises(PublishError) as not_image:
        client.upload_asset(text)
    assert (not_image.value.code, not_image.value.status) == ("not_an_image", 422)

    with pytest.raises(PublishError) as missing:
        client.upload_asset(tmp_path / "nothing.png")
    assert (missing.value.code, missing.value.status) == ("file_not_found", None)

    with pytest.raises(PublishError) as unknown:
        client.withdraw("p-unknown0000")
    assert (unknown.value.code, unknown.value.status) == ("item_not_found", 404)

    with pytest.raises(PublishError) as down:
        PublishClient(closed_port_url, TOKEN).publish({"kind": "notice"})
    assert (down.value.code, down.value.status) == ("connection_failed", None)
    assert str(down.value).endswith("(connection_failed)")

    with pytest.raises(PublishError) as bad_url:
        PublishClient("ftp://example", TOKEN)
    assert bad_url.value.code == "bad_server_url"
