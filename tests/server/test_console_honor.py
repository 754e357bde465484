"""Publishing an honor roll from the console on the real app and SQLite: entries one by one with
photos, their order, publishing once per page, the CSV import with photos chosen alongside
(and never a file of the server), scope."""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from account_helpers import add_account
from fastapi.testclient import TestClient
from org_helpers import committee_with_two_branches
from server_helpers import AUTH
from test_console_auth import console_login, csrf_of

from tests.support.images import jpeg_bytes, png_bytes
from tests.support.photos import turned_photo

KEY_RE = re.compile(r'name="key" value="([^"]+)"')
PHOTO_RE = re.compile(r'name="photo" value="([0-9a-f]*)"')
NAME_RE = re.compile(r'name="name" maxlength="\d+" value="([^"]*)"')


@pytest.fixture
def tree(client: TestClient) -> dict[str, int]:
    nodes = committee_with_two_branches(client)
    add_account(client, "pub-a", nodes["a"], "publisher")
    return nodes


def logged_in(client: TestClient) -> tuple[str, str]:
    """The CSRF token and the page's publishing key."""
    console_login(client, "pub-a")
    page = client.get("/console/honor").text
    return csrf_of(client, "/console/honor"), KEY_RE.search(page).group(1)  # type: ignore[union-attr]


def photo(client: TestClient, csrf: str, data: bytes, name: str = "IMG_0001.JPG") -> str:
    answer = client.post(
        "/console/publish/upload", headers={"X-CSRF-Token": csrf}, files={"file": (name, data)}
    )
    assert answer.status_code == 201, answer.text
    return str(answer.json()["sha256"])


def entries_form(csrf: str, key: str, people: list[tuple[str, str, str, str]], **fields: str):  # noqa: ANN201
    data: list[tuple[str, str]] = [("csrf", csrf), ("key", key), ("roll_title", "先锋榜")]
    data += [("window", "always"), *fields.items()]
    for name, title, citation, sha in people:
        data += [("name", name), ("entry_title", title), ("citation", citation), ("photo", sha)]
    return data


def post(client: TestClient, data: list[tuple[str, str]]) -> Any:
    return client.post(
        "/console/honor",
        content="&".join(f"{k}={_q(v)}" for k, v in data),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        follow_redirects=False,
    )


def _q(value: str) -> str:
    from urllib.parse import quote

    return quote(value, safe="")


def honor_items(client: TestClient) -> list[dict[str, Any]]:
    return [
        i
        for i in client.get("/api/items", headers=AUTH).json()["items"]
        if i["kind"] == "honor_roll"
    ]


def body_of(data_dir: Path, item_id: str) -> dict[str, Any]:
    conn = sqlite3.connect(data_dir / "content.db")
    try:
        row = conn.execute("SELECT body FROM items WHERE id = ?", (item_id,)).fetchone()
        return dict(json.loads(row[0]))
    finally:
        conn.close()


def test_the_page_starts_with_one_person_and_offers_titles(
    client: TestClient, tree: dict[str, int]
) -> None:
    logged_in(client)
    page = client.get("/console/honor").text
    assert len(NAME_RE.findall(page)) == 2  # one card, and the template for another
    assert '<option value="优秀共产党员">' in page
    assert 'href="/console/honor"' in client.get("/console/").text


def test_two_people_with_photos_in_the_order_shown_and_only_once(
    client: TestClient, tree: dict[str, int], data_dir: Path
) -> None:
    csrf, key = logged_in(client)
    first = photo(client, csrf, turned_photo())
    second = photo(client, csrf, png_bytes())
    people = [
        ("李建国", "党员先锋岗", "连续十年义务维修社区设施", second),
        ("", "", "", ""),  # a card left empty
        ("王红梅", "优秀共产党员", "扎根社区二十年", first),
    ]
    form = entries_form(csrf, key, people, to=f"node:{tree['a']}")
    answer = post(client, form)
    assert answer.status_code == 303, answer.text
    assert answer.headers["location"].endswith("?again=honor")
    assert post(client, form).headers["location"] == answer.headers["location"]
    (item,) = honor_items(client)
    body = body_of(data_dir, item["id"])
    assert body["title"] == "先锋榜"
    assert [e["name"] for e in body["entries"]] == ["李建国", "王红梅"]
    assert [e["photo"]["sha256"] for e in body["entries"]] == [second, first]
    assert body["entries"][1]["citation"] == "扎根社区二十年"
    assert "再发一个光荣榜" in client.get(answer.headers["location"]).text


def test_a_person_without_a_name_is_named_and_the_form_kept(
    client: TestClient, tree: dict[str, int]
) -> None:
    csrf, key = logged_in(client)
    sha = photo(client, csrf, jpeg_bytes())
    people = [("王红梅", "", "", ""), ("", "优秀党务工作者", "", sha)]
    answer = post(client, entries_form(csrf, key, people))
    assert answer.status_code == 422
    assert "第 2 位缺少姓名" in answer.text
    assert NAME_RE.findall(answer.text)[:2] == ["王红梅", ""]
    assert sha in PHOTO_RE.findall(answer.text)
    assert post(client, entries_form(csrf, key, [])).status_code == 422
    assert honor_items(client) == []


def test_a_hand_edited_target_is_refused(client: TestClient, tree: dict[str, int]) -> None:
    csrf, key = logged_in(client)
    for to in (f"node:{tree['b']}", "screen-b"):
        answer = post(client, entries_form(csrf, key, [("王红梅", "", "", "")], to=to))
        assert answer.status_code in (403, 404)
        assert "第二党支部" not in answer.text
    assert honor_items(client) == []


def import_csv(client: TestClient, csrf: str, csv: bytes, photos: dict[str, bytes]) -> Any:
    files = [("csv", ("光荣榜.csv", csv, "text/csv"))]
    files += [("photos", (name, data, "image/jpeg")) for name, data in photos.items()]
    return client.post("/console/honor/import", data={"csrf": csrf}, files=files)


def test_the_csv_file_with_its_photos_fills_the_list(
    client: TestClient, tree: dict[str, int], data_dir: Path
) -> None:
    csrf, _ = logged_in(client)
    csv = "姓名,称号,事迹,照片\n王红梅,优秀共产党员,扎根社区二十年,照片/wang.jpg\n"
    csv += "李建国,党员先锋岗,,\n"
    answer = import_csv(client, csrf, csv.encode("gbk"), {"wang.jpg": turned_photo()})
    assert answer.status_code == 200, answer.text
    assert "已从表格读取 2 人" in answer.text
    assert NAME_RE.findall(answer.text)[:2] == ["王红梅", "李建国"]
    shas = PHOTO_RE.findall(answer.text)
    assert len(shas[0]) == 64 and shas[1] == ""
    assert (data_dir / "assets" / shas[0]).is_file()
    key = KEY_RE.search(answer.text).group(1)  # type: ignore[union-attr]
    people = [
        ("王红梅", "优秀共产党员", "扎根社区二十年", shas[0]),
        ("李建国", "党员先锋岗", "", ""),
    ]
    answer = post(client, entries_form(csrf, key, people, to=f"node:{tree['a']}"))
    assert answer.status_code == 303, answer.text


@pytest.mark.parametrize("cell", ["wang.jpg", "/etc/hostname", "../../../../etc/hostname"])
def test_a_photo_not_chosen_is_named_and_no_file_of_the_server_is_read(
    client: TestClient, tree: dict[str, int], data_dir: Path, cell: str
) -> None:
    csrf, _ = logged_in(client)
    csv = f"姓名,照片\n王红梅,{cell}\n".encode()
    answer = import_csv(client, csrf, csv, {})
    assert answer.status_code == 422
    assert "第 2 行" in answer.text and "不存在" in answer.text
    assert "请在“照片”里同时选择" in answer.text
    assert not (data_dir / "assets").exists() or not any((data_dir / "assets").iterdir())


def test_a_bad_csv_says_what_is_wrong(client: TestClient, tree: dict[str, int]) -> None:
    csrf, _ = logged_in(client)
    answer = import_csv(client, csrf, "称号\n优秀共产党员\n".encode(), {})
    assert answer.status_code == 422
    assert "姓名" in answer.text
    answer = client.post("/console/honor/import", data={"csrf": csrf})
    assert answer.status_code == 422
    assert "请选择光荣榜表格" in answer.text
