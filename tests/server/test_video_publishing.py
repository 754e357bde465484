"""Video uploads are probed with the real ffprobe/ffmpeg; what the screens cannot play is refused
and nothing is stored. ``kiosk publish video`` end to end against a real server."""

from __future__ import annotations

from pathlib import Path

import pytest
import requests
from fastapi.testclient import TestClient
from server_helpers import (
    AUTH,
    RunningServer,
    assert_one_line_error,
    get_manifest,
    image_bytes,
    last_line,
    manifest,
    publish,
    publish_cli,
    upload,
)


def stored_files(data_dir: Path) -> list[str]:
    return sorted(p.name for p in (data_dir / "assets").iterdir())


def staged_files(data_dir: Path) -> list[str]:
    return sorted(p.name for p in (data_dir / "tmp").iterdir())


def upload_video(client: TestClient, path: Path, purpose: str = "video"):  # noqa: ANN201
    return upload(client, path.read_bytes(), path.name, purpose=purpose)


def test_a_good_h264_mp4_is_accepted_with_its_length_and_codecs(client, test_videos, data_dir):
    response = upload_video(client, test_videos.path("good"))
    assert response.status_code == 201, response.text
    answer = response.json()
    assert answer["media_type"] == "video/mp4"
    facts = answer["video"]
    assert facts["length_seconds"] == pytest.approx(3.0, abs=0.1)
    assert (facts["video_codec"], facts["audio_codec"]) == ("h264", "aac")
    assert (facts["width"], facts["height"]) == (640, 360)
    assert stored_files(data_dir) == [answer["sha256"]]


def test_vp9_webm_is_accepted(client, test_videos):
    response = upload_video(client, test_videos.path("vp9"))
    assert response.status_code == 201, response.text
    assert response.json()["media_type"] == "video/webm"
    assert response.json()["video"]["video_codec"] == "vp9"


@pytest.mark.parametrize(
    ("name", "code", "says"),
    [
        ("garbage", "not_a_video", "不是可识别的视频文件"),
        ("truncated", "truncated", "不完整"),
        ("truncated_moov_last", "not_a_video", "不是可识别的视频文件"),
        ("mpeg2", "unsupported_video_codec", "mpeg2video"),
        ("audio_only", "no_video_stream", "没有视频画面"),
    ],
)
def test_what_screens_cannot_play_is_refused_and_not_stored(
    client, test_videos, data_dir, name, code, says
):
    response = upload_video(client, test_videos.path(name))
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["code"] == code
    assert says in body["detail"] and " / " in body["detail"]  # Chinese / English
    assert "\n" not in body["detail"]
    assert stored_files(data_dir) == []
    assert staged_files(data_dir) == []


def test_an_image_is_not_a_video(client, data_dir):
    response = upload(client, image_bytes("PNG", (64, 48)), "poster.mp4", purpose="video")
    assert response.status_code == 422
    assert response.json()["code"] in ("not_a_video", "no_video_stream")
    assert stored_files(data_dir) == []


def test_an_empty_file_is_not_a_video(client, data_dir):
    response = upload(client, b"", "empty.mp4", purpose="video")
    assert response.status_code == 422
    assert response.json()["code"] == "not_a_video"


def test_published_video_carries_the_servers_facts_not_the_payloads(client, test_videos):
    video = upload_video(client, test_videos.path("good")).json()
    cover = upload(client, image_bytes("JPEG", (160, 90)), "cover.jpg").json()
    result = publish(
        client,
        kind="video",
        title="党史故事第一集",
        category="党史故事",
        to="all",
        video={"sha256": video["sha256"]},
        cover={"sha256": cover["sha256"]},
        length_seconds=9999,  # the publisher's claim is replaced by the probe
        display_seconds=20,
    )
    [item] = [i for i in manifest(client)["items"] if i["id"] == result["id"]]
    assert item["length_seconds"] == pytest.approx(3.0, abs=0.1)
    assert (item["video_codec"], item["audio_codec"], item["width"]) == ("h264", "aac", 640)
    assert item["cover"]["media_type"] == "image/jpeg"
    assert item["category"] == "党史故事" and item["display_seconds"] == 20


def test_a_video_uploaded_as_any_is_published_unchecked(client, test_videos):
    """``purpose=any`` is the escape hatch for arbitrary bytes: no probe, the payload's fields."""
    bad = upload_video(client, test_videos.path("garbage"), purpose="any").json()
    assert "video" not in bad
    result = publish(
        client, kind="video", title="课", to="all", video={"sha256": bad["sha256"]},
        length_seconds=12,
    )  # fmt: skip
    [item] = [i for i in manifest(client)["items"] if i["id"] == result["id"]]
    assert item["length_seconds"] == 12 and item["video_codec"] == ""


def test_a_cover_must_be_an_image(client, test_videos):
    video = upload_video(client, test_videos.path("good")).json()
    response = client.post(
        "/api/items",
        headers=AUTH,
        json={
            "kind": "video",
            "title": "课",
            "to": "all",
            "video": {"sha256": video["sha256"]},
            "cover": {"sha256": video["sha256"]},
        },
    )
    assert response.status_code == 422
    assert response.json()["code"] == "cover_not_an_image"


# --- kiosk publish video, real server and CLI processes -----------------------------------


@pytest.mark.e2e
def test_publish_video_end_to_end(live_server: RunningServer, test_videos, tmp_path):
    cover = tmp_path / "封面.jpg"
    cover.write_bytes(image_bytes("JPEG", (320, 180)))
    result = publish_cli(
        live_server.url, "video", str(test_videos.path("good")), "--title", "国史讲堂第一课",
        "--category", "国史讲堂", "--cover", str(cover), "--seconds", "2",
        "--to", "video-screen",
    )  # fmt: skip
    item_id = last_line(result)
    assert item_id.startswith("v-")
    assert "3.0 秒" in result.stdout and "h264/aac" in result.stdout
    response = get_manifest(live_server.url, "video-screen")
    [item] = [i for i in response.json()["items"] if i["id"] == item_id]
    assert item["kind"] == "video" and item["category"] == "国史讲堂"
    assert item["length_seconds"] == pytest.approx(3.0, abs=0.1)
    assert item["display_seconds"] == 2 and item["rotation"] is True  # --seconds implies it
    assert item["cover"]["media_type"] == "image/jpeg"
    # The screen fetches the very bytes that were probed.
    video = requests.get(f"{live_server.url}/assets/{item['video']['sha256']}", timeout=10)
    assert video.content == test_videos.path("good").read_bytes()


@pytest.mark.e2e
def test_publish_video_refusal_is_one_line(live_server: RunningServer, test_videos):
    result = publish_cli(
        live_server.url, "video", str(test_videos.path("truncated")), "--title", "坏",
        "--category", "党史故事", "--to", "video-refused",
    )  # fmt: skip
    assert_one_line_error(result, "truncated")
    assert "不完整" in result.stderr


@pytest.mark.e2e
def test_publish_video_with_a_bad_cover_is_refused_before_uploading(
    live_server: RunningServer, test_videos
):
    result = publish_cli(
        live_server.url, "video", str(test_videos.path("good")), "--title", "课",
        "--category", "党史故事", "--cover", str(test_videos.path("short")),
        "--to", "video-bad-cover",
    )  # fmt: skip
    assert_one_line_error(result, "not_an_image")
    assert "封面" in result.stderr
