"""Reading honor-roll CSV files (``kiosk publish honor-roll``), in-process."""

from __future__ import annotations

from pathlib import Path

import pytest
from server_helpers import image_bytes

from content_server.honor_csv import MAX_ENTRIES, HonorCsvError, read_honor_csv


def no_check(path: Path) -> str | None:
    return None


def write(tmp_path: Path, text: str, encoding: str = "utf-8", name: str = "榜.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


@pytest.mark.parametrize(
    ("encoding", "shown"), [("utf-8", "UTF-8"), ("utf-8-sig", "UTF-8"), ("gbk", "GBK")]
)
def test_encodings(tmp_path: Path, encoding: str, shown: str) -> None:
    path = write(tmp_path, "姓名,称号,事迹,照片\n张建国,优秀共产党员,扎根基层三十年,\n", encoding)
    table = read_honor_csv(path, no_check)
    assert table.encoding == shown
    [row] = table.rows
    assert (row.row, row.name, row.title, row.citation, row.photo) == (
        2,
        "张建国",
        "优秀共产党员",
        "扎根基层三十年",
        None,
    )


def test_english_headers_in_any_order_and_extra_columns_ignored(tmp_path: Path) -> None:
    (tmp_path / "p").mkdir()
    (tmp_path / "p" / "a.png").write_bytes(image_bytes())
    text = '序号,photo,Name,citation,Title\n1,p/a.png,李红,"带领群众, 脱贫致富",先锋岗\n'
    table = read_honor_csv(write(tmp_path, text), no_check)
    assert table.ignored_columns == ["序号"]
    [row] = table.rows
    assert row.name == "李红" and row.title == "先锋岗"
    assert row.citation == "带领群众, 脱贫致富"
    assert row.photo == tmp_path / "p" / "a.png"
    assert table.photos() == {tmp_path / "p" / "a.png": row}


def test_alternative_chinese_headers_blank_rows_and_multiline_cells(tmp_path: Path) -> None:
    text = '\n姓名,荣誉,事迹\n王芳,优秀党务工作者,"第一行\n第二行"\n\n,,\n赵强,,\n'
    table = read_honor_csv(write(tmp_path, text), no_check)
    assert [(r.row, r.name) for r in table.rows] == [(3, "王芳"), (6, "赵强")]
    assert table.rows[0].citation == "第一行\n第二行"


def test_markup_and_surrounding_spaces(tmp_path: Path) -> None:
    text = "name\n  <b>张三</b> & <img src=x>  \n"
    [row] = read_honor_csv(write(tmp_path, text), no_check).rows
    assert row.name == "<b>张三</b> & <img src=x>"


def test_every_bad_row_is_named_in_one_line(tmp_path: Path) -> None:
    (tmp_path / "ok.png").write_bytes(image_bytes())
    (tmp_path / "notes.jpg").write_text("这不是图片", encoding="utf-8")
    lines = [
        "姓名,称号,事迹,照片",
        "张三,优秀共产党员,,ok.png",  # row 2: fine
        ",优秀共产党员,,",  # row 3: no name
        "李四,,,x.jpg",  # row 4: missing photo
        "王五,,,notes.jpg",  # row 5: not an image
        "赵" * 501 + ",,,",  # row 6: name too long
        "钱七,,,,多出来的",  # row 7: an extra cell
    ]
    text = "\n".join(lines) + "\n"

    def check(path: Path) -> str | None:
        return "不是可识别的图片" if path.name == "notes.jpg" else None

    with pytest.raises(HonorCsvError) as caught:
        read_honor_csv(write(tmp_path, text), check)
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith("榜.csv 有 5 处问题，没有发布任何内容：")
    assert "第 3 行：缺少姓名" in message
    assert "第 4 行：照片 x.jpg 不存在" in message
    assert "第 5 行：照片 notes.jpg 不是可识别的图片" in message
    assert "第 6 行：姓名太长（501 字，最多 500 字）" in message
    assert "第 7 行：比表头多出 1 格内容" in message
    assert "第 2 行" not in message


def test_only_the_first_problems_are_listed(tmp_path: Path) -> None:
    text = "姓名,称号\n" + ",x\n" * 9
    with pytest.raises(HonorCsvError, match="有 9 处问题.*第 6 行：缺少姓名（另有 4 处问题）$"):
        read_honor_csv(write(tmp_path, text), no_check)


def test_a_photo_is_checked_once(tmp_path: Path) -> None:
    (tmp_path / "same.png").write_bytes(image_bytes())
    checked: list[Path] = []

    def check(path: Path) -> str | None:
        checked.append(path)
        return None

    text = "姓名,照片\n甲,same.png\n乙,same.png\n"
    table = read_honor_csv(write(tmp_path, text), check)
    assert checked == [tmp_path / "same.png"]
    assert len(table.photos()) == 1


def test_windows_separators_in_photo_paths(tmp_path: Path) -> None:
    (tmp_path / "照片").mkdir()
    (tmp_path / "照片" / "张三.jpg").write_bytes(image_bytes("JPEG"))
    text = "姓名,照片\n张三,照片\\张三.jpg\n"
    [row] = read_honor_csv(write(tmp_path, text, "gbk"), no_check).rows
    assert row.photo is not None and row.photo.is_file()


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        (b"", "CSV 文件是空的"),
        ("称号,事迹\n优秀,x\n".encode(), "要有“姓名”（name）列"),
        ("姓名,名字\n张三,张三\n".encode(), "出现了两次"),
        ("姓名,称号\n".encode(), "没有任何条目"),
        (b"PK\x03\x04rest-of-a-zip", "Excel 工作簿"),
        ("姓名\n张三\n".encode("utf-16"), "UTF-16"),
        (b"\xff\xfe\xfd\n", "UTF-16"),
        (b"\xef\xbb\xbf\xff\n", "无法识别文件的编码"),
        (b"name\nab\x00c\n", "第 2 行：含有看不见的控制字符"),
        (b'name\n"' + b"x" * 200_000 + b'"\n', "CSV 格式不正确（第 2 行）"),
    ],
)
def test_files_that_are_refused(tmp_path: Path, content: bytes, needle: str) -> None:
    path = tmp_path / "x.csv"
    path.write_bytes(content)
    with pytest.raises(HonorCsvError, match=needle):
        read_honor_csv(path, no_check)


def test_too_many_entries(tmp_path: Path) -> None:
    text = "姓名\n" + "".join(f"党员{i}\n" for i in range(MAX_ENTRIES + 1))
    with pytest.raises(HonorCsvError, match=f"{MAX_ENTRIES + 1} 条.*最多 {MAX_ENTRIES} 条"):
        read_honor_csv(write(tmp_path, text), no_check)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(HonorCsvError) as caught:
        read_honor_csv(tmp_path / "gone.csv", no_check)
    assert caught.value.code == "file_not_found"
