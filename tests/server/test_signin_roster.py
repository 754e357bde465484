"""Rosters: reading the CSV file (``content_server.signin.roster``) and ``PUT .../roster``."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from server_helpers import AUTH
from signin_helpers import BRANCH, ensure_branch, put_roster, roster_csv

from content_server.signin.roster import RosterCsvError, parse_roster, phone_last4

ROWS = (
    "姓名,党员编号,手机号\r\n张建国,DY001,13800138001\r\n李红,DY002,139-0013-9002\r\n"
    "王芳,DY003,\r\n"
)


@pytest.mark.parametrize(
    ("encoding", "shown"), [("utf-8", "UTF-8"), ("utf-8-sig", "UTF-8"), ("gbk", "GBK")]
)
def test_encodings(encoding: str, shown: str) -> None:
    roster = parse_roster(ROWS.encode(encoding))
    assert roster.encoding == shown
    assert [(m.name, m.member_no, m.phone4, m.row) for m in roster.members] == [
        ("张建国", "DY001", "8001", 2),
        ("李红", "DY002", "9002", 3),
        ("王芳", "DY003", "", 4),
    ]


def test_english_headers_any_order_extra_columns_and_blank_rows() -> None:
    text = (
        "序号,phone,Member_No,NAME\n1,+86 138 0013 8001,A-1,张三\n\n,,,\n2,13900139002.0,B_2,李四\n"
    )
    roster = parse_roster(text.encode())
    assert roster.ignored_columns == ["序号"]
    assert [(m.name, m.member_no, m.phone4) for m in roster.members] == [
        ("张三", "A-1", "8001"),
        ("李四", "B_2", "9002"),
    ]


@pytest.mark.parametrize(
    ("text", "last4"),
    [
        ("13800138000", "8000"),
        ("138 0013 8000", "8000"),
        ("+86-13800138000", "8000"),
        ("(010)12345678", "5678"),
        ("1234", "1234"),
        ("123", None),
        ("abc1234", None),
        ("１３８００１３８０００", None),
    ],
)
def test_phone_last4(text: str, last4: str | None) -> None:
    assert phone_last4(text) == last4


def test_every_bad_row_is_named_and_nothing_is_read() -> None:
    lines = [
        "姓名,党员编号,手机号",
        "张三,DY001,13800138001",  # 2: fine
        ",DY002,13800138002",  # 3: no name
        "李四,,13800138003",  # 4: no member number
        "王五,DY005,1.38001E+10",  # 5: scientific notation
        "赵六,DY006,电话",  # 6: not a phone number
        "钱七,DY001,",  # 7: duplicate member number
        "孙八,DY 8,",  # 8: bad member number
    ]
    with pytest.raises(RosterCsvError) as caught:
        parse_roster("\n".join(lines).encode(), "名单.csv")
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith("名单.csv 有 6 处问题，名单没有导入：")
    for expected in (
        "第 3 行：缺少姓名",
        "第 4 行：缺少党员编号",
        "第 5 行：手机号被表格软件改成了科学计数法",
        "第 6 行：手机号不正确",
        "第 7 行：党员编号 DY001 与第 2 行重复",
    ):
        assert expected in message
    assert "另有 1 处问题" in message


@pytest.mark.parametrize(
    ("data", "says"),
    [
        (b"", "CSV 文件是空的"),
        ("姓名,手机号\n张三,13800138000\n".encode(), "表头缺少“党员编号”列"),
        ("姓名,党员编号\n".encode(), "没有任何党员"),
        (b"PK\x03\x04 rest of a workbook", "Excel 工作簿"),
        ("姓名,姓名,党员编号\n".encode(), "出现了两次"),
    ],
)
def test_unusable_files(data: bytes, says: str) -> None:
    with pytest.raises(RosterCsvError, match=says):
        parse_roster(data)


# --- the API -----------------------------------------------------------------------------


def test_import_then_reimport_replaces_the_roster(client: TestClient) -> None:
    response = put_roster(client, roster_csv(encoding="gbk"))
    assert response.status_code == 200, response.text
    node = ensure_branch(client)
    assert response.json() == {
        "branch": BRANCH, "node_id": node, "members": 3, "added": 3, "updated": 0,
        "removed": 0, "encoding": "GBK", "ignored_columns": [],
    }  # fmt: skip
    again = [("张建国", "DY001", "13800138001"), ("李红", "DY002", "13600136000"),
             ("刘洋", "DY004", "")]  # fmt: skip
    response = put_roster(client, roster_csv(again, encoding="utf-8-sig"))
    assert response.json() | {"encoding": "-"} == {
        "branch": BRANCH, "node_id": node, "members": 3, "added": 1, "updated": 1,
        "removed": 1, "encoding": "-", "ignored_columns": [],
    }  # fmt: skip
    listed = client.get(f"/api/branches/{BRANCH}/roster", headers=AUTH).json()
    assert listed["members"] == [
        {"name": "张建国", "member_no": "DY001", "has_phone": True},
        {"name": "李红", "member_no": "DY002", "has_phone": True},
        {"name": "刘洋", "member_no": "DY004", "has_phone": False},
    ]
    assert "8001" not in str(listed) and "6000" not in str(listed)


def test_only_the_last_four_digits_are_stored(client: TestClient, data_dir) -> None:  # noqa: ANN001
    put_roster(client, roster_csv())
    database = b"".join(path.read_bytes() for path in data_dir.glob("content.db*"))
    assert b"13800138001" not in database and b"0013800" not in database
    assert b"8001" in database


def test_a_bad_file_is_refused_with_the_rows_named_and_the_old_roster_kept(
    client: TestClient,
) -> None:
    put_roster(client, roster_csv())
    bad = "姓名,党员编号,手机号\n张三,,\n".encode()
    response = put_roster(client, bad, filename="二支部.csv")
    assert response.status_code == 422
    assert response.json() == {
        "code": "bad_csv",
        "detail": "二支部.csv 有 1 处问题，名单没有导入：第 2 行：缺少党员编号",
    }
    assert len(client.get(f"/api/branches/{BRANCH}/roster", headers=AUTH).json()["members"]) == 3


@pytest.mark.parametrize("branch", ["%20", "a%5Cb", "x" * 201])
def test_bad_branch_names(client: TestClient, branch: str) -> None:
    response = client.put(f"/api/branches/{branch}/roster", headers=AUTH, content=roster_csv())
    assert response.status_code == 422
    assert response.json()["code"] == "bad_branch"


def test_roster_needs_the_admin_token(client: TestClient) -> None:
    response = client.put(f"/api/branches/{BRANCH}/roster", content=roster_csv())
    assert response.status_code == 401
    assert client.get(f"/api/branches/{BRANCH}/roster").status_code == 401


def test_too_large_a_file(client: TestClient) -> None:
    response = put_roster(client, b"x" * (4 * 1024 * 1024 + 1))
    assert response.status_code == 413
    assert response.json()["code"] == "too_large"
