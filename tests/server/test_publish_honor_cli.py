"""``kiosk publish honor-roll --csv FILE`` as a real process against a real server."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest
import requests
from server_helpers import (
    AUTH,
    ID_RE,
    RunningServer,
    assert_one_line_error,
    get_manifest,
    image_bytes,
    last_line,
    publish_cli,
)

pytestmark = pytest.mark.e2e


def honor_items(server: RunningServer, screen: str) -> dict[str, dict[str, Any]]:
    response = get_manifest(server.url, screen)
    response.raise_for_status()
    return {i["id"]: i for i in response.json()["items"] if i["kind"] == "honor_roll"}


def server_state(server: RunningServer) -> tuple[int, set[str]]:
    """How many items were ever published, and which asset files exist."""
    items = requests.get(f"{server.url}/api/items", headers=AUTH, timeout=10).json()["items"]
    return len(items), {path.name for path in (server.data_dir / "assets").iterdir()}


def write_csv(folder: Path, lines: list[str], encoding: str = "utf-8") -> Path:
    path = folder / "光荣榜.csv"
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode(encoding))
    return path


@pytest.fixture
def photos(tmp_path: Path) -> Path:
    """A folder with two photos (one in a subfolder) next to where the CSV goes."""
    (tmp_path / "照片").mkdir()
    (tmp_path / "照片" / "张建国.jpg").write_bytes(image_bytes("JPEG", (120, 160)))
    (tmp_path / "li.png").write_bytes(image_bytes("PNG", (80, 100)))
    (tmp_path / "notes.jpg").write_text("这不是图片", encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk"])
def test_honor_roll_from_csv(live_server: RunningServer, photos: Path, encoding: str) -> None:
    path = write_csv(
        photos,
        [
            "姓名,称号,事迹,照片",
            "张建国,优秀共产党员,扎根社区三十年，服务群众,照片/张建国.jpg",
            '李红,党员先锋岗,"带领群众, 脱贫致富",li.png',
            "王芳,优秀党务工作者,,",
        ],
        encoding,
    )
    screen = f"cli-honor-{encoding}"
    result = publish_cli(
        live_server.url,
        "honor-roll",
        "--title",
        "2026 年度光荣榜",
        "--csv",
        str(path),
        "--to",
        screen,
        "--priority",
        "3",
    )
    item_id = last_line(result)
    assert ID_RE.match(item_id) and item_id.startswith("h-")
    assert "已读取 3 条" in result.stdout and "上传照片 2 张" in result.stdout
    expected_encoding = "GBK" if encoding == "gbk" else "UTF-8"
    assert f"{expected_encoding} 编码" in result.stdout

    item = honor_items(live_server, screen)[item_id]
    assert item["title"] == "2026 年度光荣榜"
    assert item["priority"] == 3
    names = [(e["name"], e["title"], e["citation"]) for e in item["entries"]]
    assert names == [
        ("张建国", "优秀共产党员", "扎根社区三十年，服务群众"),
        ("李红", "党员先锋岗", "带领群众, 脱贫致富"),
        ("王芳", "优秀党务工作者", ""),
    ]
    photo = item["entries"][0]["photo"]
    jpeg = (photos / "照片" / "张建国.jpg").read_bytes()
    assert photo["sha256"] == hashlib.sha256(jpeg).hexdigest()
    assert photo["media_type"] == "image/jpeg"
    assert item["entries"][1]["photo"]["media_type"] == "image/png"
    assert item["entries"][2]["photo"] is None
    assert item_id not in honor_items(live_server, "another-screen")


def test_english_headers_and_markup_stored_verbatim(
    live_server: RunningServer, tmp_path: Path
) -> None:
    name = "<b>赵强</b> & <script>alert(1)</script>"
    path = write_csv(tmp_path, ["序号,name,title,citation", f'1,"{name}",<i>标兵</i>,a &amp; b'])
    result = publish_cli(
        live_server.url, "honor-roll", "--title", "先锋榜", "--csv", str(path), "--to", "cli-x"
    )
    assert "忽略了不认识的列：序号" in result.stdout
    [entry] = honor_items(live_server, "cli-x")[last_line(result)]["entries"]
    assert entry == {"name": name, "title": "<i>标兵</i>", "citation": "a &amp; b", "photo": None}


def test_every_bad_row_in_one_line_and_nothing_published(
    live_server: RunningServer, photos: Path
) -> None:
    # a photo no other test uploads, so the server cannot have it already
    (photos / "unique.png").write_bytes(image_bytes("PNG", (97, 131)))
    path = write_csv(
        photos,
        [
            "姓名,称号,事迹,照片",
            "张建国,优秀共产党员,,unique.png",
            ",优秀共产党员,,li.png",
            "李红,,,照片/不存在.jpg",
            "王芳,,,notes.jpg",
            "长" * 501 + ",,,",
        ],
        "gbk",
    )
    before = server_state(live_server)
    result = publish_cli(live_server.url, "honor-roll", "--title", "光荣榜", "--csv", str(path))
    assert_one_line_error(result, "bad_csv")
    line = result.stderr.strip()
    assert "有 4 处问题，没有发布任何内容" in line
    assert "第 3 行：缺少姓名" in line
    assert "第 4 行：照片 照片/不存在.jpg 不存在" in line
    assert "第 5 行：照片 notes.jpg 不是可识别的图片" in line
    assert "第 6 行：姓名太长（501 字，最多 500 字）" in line
    assert result.stdout == ""
    assert server_state(live_server) == before  # no item, and not one photo uploaded


def test_a_csv_without_a_header(live_server: RunningServer, tmp_path: Path) -> None:
    path = write_csv(tmp_path, ["张建国,优秀共产党员", "李红,党员先锋岗"])
    result = publish_cli(live_server.url, "honor-roll", "--title", "t", "--csv", str(path))
    assert_one_line_error(result, "bad_csv")
    assert "第一行应是表头" in result.stderr


def test_a_missing_csv_file(live_server: RunningServer, tmp_path: Path) -> None:
    result = publish_cli(
        live_server.url, "honor-roll", "--title", "t", "--csv", str(tmp_path / "gone.csv")
    )
    assert_one_line_error(result, "file_not_found")


def test_bad_times_are_reported_before_the_csv_is_read(
    closed_port_url: str, tmp_path: Path
) -> None:
    path = write_csv(tmp_path, ["姓名", "张建国"])
    result = publish_cli(
        closed_port_url, "honor-roll", "--title", "t", "--csv", str(path), "--until", "明天"
    )
    assert_one_line_error(result, "--until", exit_code=2)


def test_an_excel_workbook_instead_of_csv(live_server: RunningServer, tmp_path: Path) -> None:
    path = tmp_path / "光荣榜.xlsx"
    path.write_bytes(b"PK\x03\x04" + b"\x00" * 64)
    result = publish_cli(live_server.url, "honor-roll", "--title", "t", "--csv", str(path))
    assert_one_line_error(result, "bad_csv")
    assert "另存为" in result.stderr
