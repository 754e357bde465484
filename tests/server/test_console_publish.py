"""Publishing from the console (poster, notice, holiday poster) on the real app and SQLite:
the target picker, phone photos (EXIF, HEIC, size), hand-edited targets, CSRF, windows, the
holiday calendar and the preview's numbers."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from account_helpers import add_account
from fastapi.testclient import TestClient
from org_helpers import add, assign, committee_with_two_branches
from server_helpers import AUTH, image_bytes
from test_console_auth import console_login, csrf_of

from content_server.assets import HEIC_REFUSAL
from content_server.console.screen_preview import load_theme, preview_css, zone_size
from content_server.timefmt import CHINA_TZ
from tests.support.photos import BLUE, RED, heic_header, opened, plain_jpeg, turned_photo

ALERT_RE = re.compile(r'role="alert">([^<]+)<')
OPTION_RE = re.compile(r'<option value="([^"]*)"( selected)?>([^<]*)</option>')


@pytest.fixture
def tree(client: TestClient) -> dict[str, int]:
    """机关党委 > 第一党支部 (screen-a, and 第一党小组 with screen-a2) and 第二党支部
    (screen-b); pub-a publishes for 第一党支部, boss for the committee."""
    nodes = committee_with_two_branches(client)
    nodes["group"] = add(client, nodes["a"], "党小组", "第一党小组")
    assign(client, "screen-a2", nodes["group"])
    add_account(client, "pub-a", nodes["a"], "publisher")
    add_account(client, "boss", nodes["committee"], "administrator")
    add_account(client, "look", nodes["a"], "viewer")
    return nodes


def logged_in(client: TestClient, name: str = "pub-a") -> str:
    console_login(client, name)
    return csrf_of(client, "/console/publish/poster")


def items(client: TestClient) -> list[dict[str, Any]]:
    return list(client.get("/api/items", headers=AUTH).json()["items"])


def item_body(data_dir: Path, item_id: str) -> str:
    conn = sqlite3.connect(data_dir / "content.db")
    try:
        return str(conn.execute("SELECT body FROM items WHERE id = ?", (item_id,)).fetchone()[0])
    finally:
        conn.close()


def stored_assets(data_dir: Path) -> list[Path]:
    folder = data_dir / "assets"
    return sorted(folder.iterdir()) if folder.exists() else []


def asset_rows(data_dir: Path) -> int:
    conn = sqlite3.connect(data_dir / "content.db")
    try:
        return int(conn.execute("SELECT COUNT(*) FROM assets").fetchone()[0])
    finally:
        conn.close()


def alert(page: str) -> str:
    match = ALERT_RE.search(page)
    assert match, page
    return match.group(1)


def post_poster(client: TestClient, csrf: str, photo: bytes | None = None, **fields: str) -> Any:
    data = {"csrf": csrf, "window": "always", "priority": "0", "title": "", **fields}
    files = {"file": ("IMG_0001.JPG", photo or b"")}
    return client.post("/console/publish/poster", data=data, files=files, follow_redirects=False)


# --- the target picker ---------------------------------------------------------------------


def test_the_picker_offers_the_acting_node_its_subtree_and_their_screens(
    client: TestClient, tree: dict[str, int]
) -> None:
    logged_in(client, "pub-a")
    options = OPTION_RE.findall(client.get("/console/publish/poster").text)
    targets = [(value, label.strip(), bool(selected)) for value, selected, label in options]
    assert targets[:4] == [
        (f"node:{tree['a']}", "第一党支部（2 块屏幕）", True),
        ("screen-a", "└ 屏幕 screen-a", False),
        (f"node:{tree['group']}", "└ 第一党小组（1 块屏幕）", False),
        ("screen-a2", "└ 屏幕 screen-a2", False),
    ]
    page = client.get("/console/publish/notice").text
    assert "第二党支部" not in page and "screen-b" not in page


def test_a_committee_sees_both_branches_indented(client: TestClient, tree: dict[str, int]) -> None:
    logged_in(client, "boss")
    page = client.get("/console/publish/holiday").text
    labels = [label for value, _, label in OPTION_RE.findall(page) if value.startswith("node:")]
    assert labels == [
        "机关党委（3 块屏幕）",
        "\u3000└ 第一党支部（2 块屏幕）",
        "\u3000\u3000└ 第一党小组（1 块屏幕）",
        "\u3000└ 第二党支部（1 块屏幕）",
    ]


def test_a_viewer_is_told_it_may_not_publish(client: TestClient, tree: dict[str, int]) -> None:
    csrf = logged_in(client, "look")
    page = client.get("/console/publish/poster").text
    assert "您在当前组织没有发布权限" in page
    answer = post_poster(client, csrf, turned_photo(), to=f"node:{tree['a']}")
    assert answer.status_code == 403
    assert alert(answer.text) == "没有发布权限：您在该组织没有相应的角色"
    assert items(client) == []


# --- posters from a phone ------------------------------------------------------------------


def test_a_sideways_phone_photo_is_published_upright_to_the_branch(
    client: TestClient, tree: dict[str, int], data_dir: Path
) -> None:
    csrf = logged_in(client)
    answer = post_poster(client, csrf, turned_photo(400, 300), to=f"node:{tree['a']}")
    assert answer.status_code == 303, answer.text
    [item] = items(client)
    assert answer.headers["location"] == f"/console/publish/done/{item['id']}?again=poster"
    assert item["to"] == f"node:{tree['a']}" and item["status"] == "active"
    assert item["title"] == "海报 6月1日 12:00"  # the default title: when it was published
    assert (item["valid_from"], item["valid_until"], item["priority"]) == (None, None, 0)
    [path] = stored_assets(data_dir)
    image = opened(path.read_bytes())
    assert image.size == (300, 400)
    assert abs(image.getpixel((150, 5))[0] - RED[0]) < 40  # red at the top: upright
    assert abs(image.getpixel((150, 395))[2] - BLUE[2]) < 40
    done = client.get(answer.headers["location"]).text
    assert "已发布到 第一党支部 的 2 块屏幕，几秒内显示。" in done
    assert 'href="/console/publish/poster">再发一张海报' in done
    assert 'href="/console/items?status=active"' in done


def test_the_script_uploads_first_and_the_form_names_the_photo(
    client: TestClient, tree: dict[str, int], data_dir: Path
) -> None:
    csrf = logged_in(client)
    upload = client.post(
        "/console/publish/upload",
        files={"file": ("IMG_0002.JPG", turned_photo())},
        headers={"X-CSRF-Token": csrf},
    )
    assert upload.status_code == 201, upload.text
    sha = upload.json()["sha256"]
    assert upload.json()["url"] == f"/assets/{sha}"
    assert opened(client.get(f"/assets/{sha}").content).size == (300, 400)
    answer = post_poster(
        client, csrf, image=sha, to="screen-a", title="七一", priority="100", window="week"
    )
    assert answer.status_code == 303, answer.text
    [item] = items(client)
    assert (item["to"], item["title"], item["priority"]) == ("screen-a", "七一", 100)
    # 2026-06-01 is a Monday: "this week" ends at the next Monday's midnight, China time
    assert datetime.fromisoformat(item["valid_until"]) == datetime(2026, 6, 8, tzinfo=CHINA_TZ)
    assert len(stored_assets(data_dir)) == 1
    assert "已发布到 屏幕 screen-a 的 1 块屏幕" in client.get(answer.headers["location"]).text


def test_publishing_without_a_photo_asks_for_one(client: TestClient, tree: dict[str, int]) -> None:
    csrf = logged_in(client)
    answer = post_poster(client, csrf, None, to=f"node:{tree['a']}", title="没有照片")
    assert answer.status_code == 422
    assert alert(answer.text) == "请先选择一张照片"
    assert 'value="没有照片"' in answer.text  # what was typed stays
    assert items(client) == []


def test_heic_is_refused_in_one_sentence_and_nothing_is_stored(
    client: TestClient, tree: dict[str, int], data_dir: Path
) -> None:
    csrf = logged_in(client)
    answer = post_poster(client, csrf, heic_header(), to=f"node:{tree['a']}", title="苹果")
    assert answer.status_code == 422
    assert alert(answer.text) == HEIC_REFUSAL
    assert 'value="苹果"' in answer.text
    upload = client.post(
        "/console/publish/upload",
        files={"file": ("IMG_0003.HEIC", heic_header())},
        headers={"X-CSRF-Token": csrf},
    )
    assert upload.status_code == 422
    assert upload.json() == {"detail": HEIC_REFUSAL, "code": "heic_not_supported"}
    assert stored_assets(data_dir) == [] and asset_rows(data_dir) == 0
    assert items(client) == []


def test_a_photo_with_too_many_pixels_is_converted_down_or_refused(
    make_client: Callable[..., TestClient], data_dir: Path
) -> None:
    client = make_client(max_image_pixels=1_000_000)
    nodes = committee_with_two_branches(client)
    add_account(client, "pub-a", nodes["a"], "publisher")
    csrf = logged_in(client)
    answer = post_poster(client, csrf, plain_jpeg(2400, 1800), to=f"node:{nodes['a']}")
    assert answer.status_code == 303, answer.text
    [path] = stored_assets(data_dir)
    assert opened(path.read_bytes()).size == (600, 450)
    answer = post_poster(client, csrf, image_bytes("PNG", (1200, 1000)), to=f"node:{nodes['a']}")
    assert answer.status_code == 422
    assert alert(answer.text) == "图片像素太多（上限约 100 万像素），请缩小后再上传"
    assert len(items(client)) == 1


# --- hand-edited forms ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("target", "status", "message"),
    [
        ("node:{b}", 404, "找不到编号为 {b} 的组织"),
        ("screen-b", 404, "找不到屏幕 screen-b（或不在您的管理范围内）"),
        ("node:{committee}", 404, "找不到编号为 {committee} 的组织"),
        ("all", 403, "没有发布权限：您在该组织没有相应的角色"),
        ("node:999", 404, "找不到编号为 999 的组织"),
        ("../etc", 422, "发布范围 to 不正确：应为 all（全部屏幕）、node:组织编号 或一个屏幕编号"),
    ],
)
def test_a_hand_edited_target_is_refused_and_nothing_is_stored(
    client: TestClient,
    tree: dict[str, int],
    data_dir: Path,
    target: str,
    status: int,
    message: str,
) -> None:
    csrf = logged_in(client)
    target, message = target.format(**tree), message.format(**tree)
    answers = [
        post_poster(client, csrf, turned_photo(), to=target),
        client.post(
            "/console/publish/holiday",
            data={"csrf": csrf, "to": target, "day": "2026-07-01", "priority": "0"},
            files={"file": ("IMG.JPG", turned_photo())},
        ),
        client.post(
            "/console/publish/notice",
            data={"csrf": csrf, "to": target, "text": "越权", "window": "always"},
        ),
    ]
    for answer in answers:
        assert answer.status_code == status, answer.text
        assert alert(answer.text) == message
        assert "第二党支部" not in answer.text
    assert items(client) == []
    assert stored_assets(data_dir) == [] and asset_rows(data_dir) == 0


def test_every_form_needs_the_csrf_token(
    client: TestClient, tree: dict[str, int], data_dir: Path
) -> None:
    good = logged_in(client)
    to = f"node:{tree['a']}"
    for token in ("", "x" * 43):
        forms = [
            post_poster(client, token, turned_photo(), to=to),
            client.post(
                "/console/publish/holiday",
                data={"csrf": token, "to": to, "day": "2026-07-01", "priority": "0"},
                files={"file": ("IMG.JPG", turned_photo())},
            ),
            client.post(
                "/console/publish/notice",
                data={"csrf": token, "to": to, "text": "通知", "window": "always"},
            ),
            client.post(
                "/console/publish/upload",
                files={"file": ("IMG.JPG", turned_photo())},
                headers={"X-CSRF-Token": token},
            ),
        ]
        for answer in forms:
            assert answer.status_code == 403
            assert "页面已过期" in answer.text
    foreign = client.post(
        "/console/publish/notice",
        data={"csrf": good, "to": to, "text": "通知", "window": "always"},
        headers={"Origin": "https://evil.example"},
    )
    assert foreign.status_code == 403
    assert items(client) == []
    assert stored_assets(data_dir) == [] and asset_rows(data_dir) == 0


def test_the_pages_need_a_login(client: TestClient, tree: dict[str, int]) -> None:
    answer = client.get("/console/publish/poster", follow_redirects=False)
    assert answer.headers["location"] == "/console/login?next=/console/publish/poster"
    upload = client.post(
        "/console/publish/upload",
        files={"file": ("IMG.JPG", turned_photo())},
        headers={"X-CSRF-Token": csrf_of(client)},
    )
    assert upload.status_code == 401
    assert upload.json()["code"] == "login_required"


# --- notices and windows -------------------------------------------------------------------


def test_a_notice_and_an_urgent_insert(
    client: TestClient, tree: dict[str, int], data_dir: Path
) -> None:
    csrf = logged_in(client)
    to = f"node:{tree['a']}"
    form = {"csrf": csrf, "to": to, "title": "党员大会", "text": "周五下午三点", "window": "today"}
    answer = client.post("/console/publish/notice", data=form, follow_redirects=False)
    assert answer.status_code == 303, answer.text
    urgent = {**form, "urgent": "1", "window": "always"}
    refused = client.post("/console/publish/notice", data=urgent)
    assert refused.status_code == 422
    assert alert(refused.text).startswith("紧急插播会占据整个屏幕，请选择结束时间")
    assert 'value="1" checked' in refused.text  # the choice stays
    answer = client.post(
        "/console/publish/notice", data={**urgent, "window": "hour"}, follow_redirects=False
    )
    assert answer.status_code == 303
    urgent_item, notice = items(client)
    assert '"urgent":true' in item_body(data_dir, urgent_item["id"])
    assert '"urgent":false' in item_body(data_dir, notice["id"])
    assert datetime.fromisoformat(notice["valid_until"]) == datetime(2026, 6, 2, tzinfo=CHINA_TZ)
    until = datetime.fromisoformat(urgent_item["valid_until"])
    assert until == datetime(2026, 6, 1, 13, tzinfo=CHINA_TZ)
    done = client.get(answer.headers["location"]).text
    assert "紧急插播" in done and 'href="/console/publish/notice">再发一条通知' in done


def test_a_custom_window_and_its_mistakes(client: TestClient, tree: dict[str, int]) -> None:
    csrf = logged_in(client)
    form = {"csrf": csrf, "to": f"node:{tree['a']}", "text": "学习安排", "window": "custom"}
    cases = [
        ({"start": "2026-06-03T08:00", "end": "2026-06-02T08:00"}, "结束时间必须晚于开始时间"),
        ({"start": "", "end": "2026-05-30T08:00"}, "结束时间已经过去，内容将不会显示"),
        ({"start": "明天", "end": ""}, "开始时间不是有效的时间（例如 2026-12-01 08:00）"),
        ({"window": "forever"}, "请选择显示时间"),
    ]
    for fields, message in cases:
        answer = client.post("/console/publish/notice", data={**form, **fields})
        assert answer.status_code == 422
        assert alert(answer.text) == message
    answer = client.post(
        "/console/publish/notice",
        data={**form, "start": "2026-06-03T08:00", "end": "2026-06-04T18:00"},
        follow_redirects=False,
    )
    assert answer.status_code == 303
    [item] = items(client)
    assert datetime.fromisoformat(item["valid_from"]) == datetime(2026, 6, 3, 8, tzinfo=CHINA_TZ)
    assert item["status"] == "scheduled"
    done = client.get(answer.headers["location"]).text
    assert "将于 6月3日 08:00 开始显示" in done


# --- holiday posters -----------------------------------------------------------------------


def test_the_holiday_page_offers_the_calendar_soonest_first(
    client: TestClient, tree: dict[str, int]
) -> None:
    logged_in(client)
    page = client.get("/console/publish/holiday").text
    picks = re.findall(r'href="/console/publish/holiday\?day=([\d-]+)">([^<]+)<small>', page)
    assert picks[0] == ("2026-07-01", "建党节")
    assert picks[-1] == ("2027-05-04", "五四青年节")
    assert len(picks) == 9
    assert 'name="day" type="date" value="2026-07-01"' in page  # the next holiday by default
    assert 'value="建党节"' in page  # its name as the title
    assert 'class="scr t-party-red' in page


def test_the_day_of_mourning_warns_and_previews_solemn(
    client: TestClient, tree: dict[str, int]
) -> None:
    logged_in(client)
    page = client.get("/console/publish/holiday?day=2026-12-13").text
    assert "国家公祭日，是国家哀悼日：只能发布庄严肃穆的内容" in page
    assert 'class="scr t-solemn' in page and "t-party-red" not in page


def test_a_holiday_poster_shows_on_its_day(
    client: TestClient, tree: dict[str, int], data_dir: Path
) -> None:
    csrf = logged_in(client)
    to = f"node:{tree['a']}"
    base = {"csrf": csrf, "to": to, "priority": "100", "title": ""}
    answer = client.post(
        "/console/publish/holiday",
        data={**base, "day": "2026-10-01"},
        files={"file": ("IMG.JPG", turned_photo())},
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text
    assert answer.headers["location"].endswith("?again=holiday")
    answer = client.post(
        "/console/publish/holiday",
        data={**base, "day": "2026-12-13", "every_year": "1", "title": "国家公祭日"},
        files={"file": ("IMG.JPG", turned_photo())},
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text
    mourning, national = items(client)
    assert national["title"] == "国庆节" and national["priority"] == 100
    assert datetime.fromisoformat(national["valid_from"]) == datetime(2026, 10, 1, tzinfo=CHINA_TZ)
    assert datetime.fromisoformat(national["valid_until"]) - datetime.fromisoformat(
        national["valid_from"]
    ) == timedelta(days=1)
    assert '"festive":true' in item_body(data_dir, national["id"])
    assert mourning["valid_until"] is None  # every year: show_on keeps it to its day
    body = item_body(data_dir, mourning["id"])
    assert '"show_on":["12-13"]' in body and '"festive":false' in body
    refused = client.post(
        "/console/publish/holiday",
        data={**base, "day": "2026-05-04"},
        files={"file": ("IMG.JPG", turned_photo())},
    )
    assert refused.status_code == 422
    assert alert(refused.text) == "这一天已经过去，请选择今天或以后的日期"


# --- the console around it -----------------------------------------------------------------


def test_home_offers_the_publishing_pages_and_the_nav_a_section(
    client: TestClient, tree: dict[str, int]
) -> None:
    logged_in(client)
    home = client.get("/console/").text
    for href, label in (("poster", "发布海报"), ("notice", "发布通知"), ("holiday", "节日海报")):
        assert f'<a class="tile" href="/console/publish/{href}">{label}</a>' in home
    assert '<a href="/console/publish/poster">发布</a>' in home
    page = client.get("/console/publish/poster").text
    assert '<a href="/console/publish/poster" class="on">发布</a>' in page


def test_a_done_page_outside_ones_scope_is_not_found(
    client: TestClient, tree: dict[str, int]
) -> None:
    other = client.post(
        "/api/items",
        headers=AUTH,
        json={"kind": "notice", "text": "二支部", "to": f"node:{tree['b']}"},
    ).json()["id"]
    logged_in(client)
    for item in (other, "no-such-item"):
        answer = client.get(f"/console/publish/done/{item}")
        assert answer.status_code == 404
        assert "找不到该内容" in answer.text and "二支部" not in answer.text


# --- the preview's numbers -----------------------------------------------------------------


@pytest.mark.parametrize(("width", "height"), [(1080, 1920), (1920, 1080), (3840, 2160)])
@pytest.mark.parametrize("notices", [False, True])
def test_the_preview_draws_the_screens_zone_as_the_screen_does(
    width: int, height: int, notices: bool
) -> None:
    from kiosk.qt.theme import Metrics, default_themes_dir, load_theme_file

    theme = load_theme_file(default_themes_dir() / "party-red" / "theme.toml")
    metrics = Metrics.for_size(theme, width, height)
    used = metrics.header_height + (metrics.notice_height if notices else 0)
    assert zone_size(width, height, notices=notices) == (width, height - used)


def test_the_preview_stylesheet_carries_each_themes_numbers() -> None:
    css = preview_css()
    for name in ("party-red", "solemn", "high-contrast"):
        theme = load_theme(name)
        rule = re.search(rf"\.scr\.t-{name}\{{([^}}]+)\}}", css)
        assert rule, name
        assert f"--background:{theme.colours['background']}" in rule.group(1)
        assert f"--s-header-portrait:{theme.sizes['header_portrait']}" in rule.group(1)
    assert load_theme("solemn").colours["background"] == "#1E1E1E"
