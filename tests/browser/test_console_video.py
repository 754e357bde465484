"""Video courses, honor rolls and meetings from a phone in real Chromium against the real server
(a ``kiosk server`` subprocess), and screenshots of these pages at the phone and the office size
(artifacts/console/).

The video upload is cut in the middle the honest way: the server process is stopped while the
third 4 MiB piece is on its way (Playwright's ``page.route`` only says when), the page says
"网络中断，正在续传…", the server starts again on the same port and the page goes on from where
the server is; one item is published. A second test reloads the page in the middle and chooses
the same file again.
"""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path
from typing import Any

import pytest
import requests
from playwright.sync_api import expect

from tests.support.console import (
    SIZES,
    add_account,
    add_node,
    admin,
    assign_screen,
    log_in,
    screenshot,
)
from tests.support.images import png_bytes
from tests.support.photos import turned_photo
from tests.support.processes import ServerProcess
from tests.support.signin import import_roster

pytestmark = pytest.mark.e2e
PIECE = 4 * 1024 * 1024
SLOW = 90_000  # ms: a retry waits up to 15 s, a restart a few
# What a finger must hit on a phone (file inputs, check boxes and radio buttons are reached
# through their labels).
TARGETS = (
    "main button, main .button, main select, main label.choice, "
    "main input:not([type=hidden]):not([type=checkbox]):not([type=radio]):not(.photo-input)"
)


@pytest.fixture
def branch(server: ServerProcess) -> dict[str, int]:
    """机关党委 > 第一党支部 (screen-a, publisher wang, a roster of 3) and 第二党支部."""
    committee = add_node(server, 1, "党委", "机关党委")
    nodes = {
        "committee": committee,
        "a": add_node(server, committee, "党支部", "第一党支部"),
        "b": add_node(server, committee, "党支部", "第二党支部"),
    }
    assign_screen(server, "screen-a", nodes["a"])
    add_account(server, "wang", nodes["a"], "publisher")
    import_roster(server, f"node:{nodes['a']}")
    return nodes


@pytest.fixture
def video(test_videos: Any, tmp_path: Path) -> Path:
    path = tmp_path / "党课-红船精神.mp4"
    shutil.copyfile(test_videos.path("large"), path)
    assert path.stat().st_size > 3 * PIECE
    return path


def items(server: ServerProcess, kind: str) -> list[dict[str, Any]]:
    answer = requests.get(f"{server.url}/api/items", headers=admin(server), timeout=10)
    return [item for item in answer.json()["items"] if item["kind"] == kind]


def manifest_item(server: ServerProcess, item_id: str) -> dict[str, Any]:
    answer = requests.get(
        f"{server.url}/api/screens/screen-a/manifest",
        headers=server.screen_auth("screen-a"),
        timeout=10,
    )
    (item,) = [each for each in answer.json()["items"] if each["id"] == item_id]
    return dict(item)


def pieces_sent(page: Any) -> list[int]:
    """The first byte of every piece the page sends (recorded from the requests)."""
    firsts: list[int] = []

    def seen(request: Any) -> None:
        if request.method == "PUT" and "/console/uploads/" in request.url:
            firsts.append(int(request.headers["content-range"].split()[1].split("-")[0]))

    page.on("request", seen)
    return firsts


def test_a_video_cut_by_a_server_restart_resumes_into_one_item(
    server: ServerProcess, chromium: Any, branch: dict[str, int], video: Path
) -> None:
    context = chromium.new_context(**SIZES["phone"])
    try:
        page = context.new_page()
        log_in(page, server, "wang")
        page.goto(f"{server.url}/console/video")
        firsts = pieces_sent(page)
        cut = {"at": 0}

        def stop_on_the_third_piece(route: Any, request: Any) -> None:
            if request.method == "PUT" and len(firsts) >= 3 and not cut["at"]:
                cut["at"] = firsts[-1]
                server.stop()  # the piece goes to a server that is gone
            route.continue_()

        page.route("**/console/uploads/*", stop_on_the_third_piece)
        page.fill("#title", "红船精神：开天辟地、敢为人先")
        page.select_option("#category", "党史故事")
        page.set_input_files("[data-video-input]", str(video))
        status = page.locator("[data-video-status]")
        expect(status).to_contain_text("网络中断，正在续传", timeout=SLOW)
        assert cut["at"] == 2 * PIECE
        screenshot(page, "video-interrupted")
        server.restart()
        expect(status).to_contain_text("视频已上传", timeout=SLOW)
        expect(page.locator("[data-percent]")).to_have_text("100%")
        after = firsts[firsts.index(cut["at"]) + 1 :]
        assert after and min(after) >= cut["at"], firsts  # resumed, not sent again from 0
        page.dblclick("[data-publish-button]")  # an impatient double tap
        page.wait_for_url("**/console/publish/done/*")
        screenshot(page, "video-done")
        expect(page.locator("[data-testid=where]")).to_contain_text("第一党支部")
    finally:
        context.close()
    (published,) = items(server, "video")
    body = manifest_item(server, published["id"])
    assert body["video"]["sha256"] == hashlib.sha256(video.read_bytes()).hexdigest()
    assert body["category"] == "党史故事" and body["length_seconds"] == pytest.approx(6, abs=0.3)


def test_after_a_reload_the_same_file_continues_where_the_server_is(
    server: ServerProcess, chromium: Any, branch: dict[str, int], video: Path
) -> None:
    context = chromium.new_context(**SIZES["phone"])
    try:
        page = context.new_page()
        page.on("dialog", lambda dialog: dialog.accept())  # "leave the page?" while uploading
        log_in(page, server, "wang")
        page.goto(f"{server.url}/console/video")
        firsts = pieces_sent(page)

        def drop_the_third_piece(route: Any, request: Any) -> None:
            if request.method == "PUT" and len(firsts) >= 3:
                route.abort("connectionreset")
            else:
                route.continue_()

        page.route("**/console/uploads/*", drop_the_third_piece)
        page.set_input_files("[data-video-input]", str(video))
        expect(page.locator("[data-video-status]")).to_contain_text("网络中断", timeout=SLOW)
        page.unroute("**/console/uploads/*")
        page.reload()
        note = page.locator("[data-unfinished]")
        expect(note).to_contain_text("上次没有传完：党课-红船精神.mp4（已传 44%）")
        expect(note).to_contain_text("请重新选择同一个文件")
        screenshot(page, "video-resume")
        before = len(firsts)
        page.set_input_files("[data-video-input]", str(video))
        expect(page.locator("[data-video-status]")).to_contain_text("视频已上传", timeout=SLOW)
        assert firsts[before] == 2 * PIECE  # the first piece after the reload
        page.fill("#title", "遵义会议：伟大的历史转折")
        page.click("[data-publish-button]")
        page.wait_for_url("**/console/publish/done/*")
    finally:
        context.close()
    assert len(items(server, "video")) == 1


def test_an_honor_roll_with_two_photos_in_the_order_chosen(
    server: ServerProcess, chromium: Any, branch: dict[str, int], tmp_path: Path
) -> None:
    first, second = tmp_path / "IMG_0001.JPG", tmp_path / "IMG_0002.PNG"
    first.write_bytes(turned_photo(800, 600))
    second.write_bytes(png_bytes(300, 400))
    context = chromium.new_context(**SIZES["phone"])
    try:
        page = context.new_page()
        log_in(page, server, "wang")
        page.goto(f"{server.url}/console/honor")
        cards = page.locator("[data-entries] [data-entry]")
        cards.nth(0).locator("input[name=name]").fill("王红梅")
        cards.nth(0).locator("input[name=entry_title]").fill("优秀共产党员")
        cards.nth(0).locator("input[name=citation]").fill("扎根社区二十年，帮扶困难群众百余户")
        cards.nth(0).locator("[data-entry-file]").set_input_files(str(first))
        page.click("[data-add-entry]")
        cards.nth(1).locator("input[name=name]").fill("李建国")
        cards.nth(1).locator("input[name=entry_title]").fill("党员先锋岗")
        cards.nth(1).locator("[data-entry-file]").set_input_files(str(second))
        for index in (0, 1):
            expect(cards.nth(index).locator("[data-entry-status]")).to_have_text("照片已上传")
        cards.nth(1).locator("[data-move='-1']").click()  # 李建国 first
        expect(cards.nth(0).locator("[data-number]")).to_have_text("1")
        expect(cards.nth(0).locator("input[name=name]")).to_have_value("李建国")
        screenshot(page, "honor-filled")
        page.click("[data-publish-button]")
        page.wait_for_url("**/console/publish/done/*?again=honor")
        screenshot(page, "honor-done")
    finally:
        context.close()
    (roll,) = items(server, "honor_roll")
    body = manifest_item(server, roll["id"])
    assert [entry["name"] for entry in body["entries"]] == ["李建国", "王红梅"]
    assert all(entry["photo"]["media_type"].startswith("image/") for entry in body["entries"])


def test_a_meeting_is_made_and_its_sign_in_link_shown(
    server: ServerProcess, chromium: Any, branch: dict[str, int]
) -> None:
    context = chromium.new_context(**SIZES["phone"])
    try:
        page = context.new_page()
        log_in(page, server, "wang")
        page.click("a.tile[href='/console/meetings/new']")
        page.check("input[name=meeting_type][value=主题党日]")
        page.fill("#title", "重温入党誓词")
        page.click("button.primary")
        page.wait_for_url("**/console/meetings/*?new=1")
        link = page.locator("[data-testid=signin-link]").inner_text()
        meeting_id = page.url.split("?")[0].rsplit("/", 1)[1]
        assert link == f"{server.url}/m/{meeting_id}"
        expect(page.locator("[data-testid=published]")).to_contain_text("会议已发布到 第一党支部")
        expect(page.locator("[data-testid=screen-card]")).to_contain_text("应到 3")
        screenshot(page, "meeting-made")
        phone = context.new_page()
        phone.goto(link)
        expect(phone.locator("body")).to_contain_text("请扫描会场屏幕上的二维码签到")
    finally:
        context.close()
    assert manifest_item(server, meeting_id)["meeting_type"] == "主题党日"


@pytest.mark.parametrize("size", ["phone", "office"])
def test_screenshots_of_the_video_honor_meeting_and_roster_pages(
    server: ServerProcess, chromium: Any, branch: dict[str, int], size: str
) -> None:
    context = chromium.new_context(**SIZES[size])
    try:
        page = context.new_page()
        log_in(page, server, "wang")
        shot(page, "home-with-tiles")
        page.goto(f"{server.url}/console/video")
        shot(page, "video")
        page.goto(f"{server.url}/console/honor")
        shot(page, "honor")
        page.goto(f"{server.url}/console/meetings/new")
        page.fill("#title", "学习贯彻党的二十届三中全会精神")
        shot(page, "meeting-new")
        page.click("button.primary")
        page.wait_for_url("**/console/meetings/*?new=1")
        shot(page, "meeting")
        meeting = page.url.split("?")[0]
        page.goto(f"{server.url}/console/meetings")
        shot(page, "meetings")
        page.goto(f"{meeting}/attendance")
        screenshot(page, "attendance-sheet")  # the printable sheet: A4, not a phone page
        page.goto(f"{server.url}/console/rosters")
        shot(page, "rosters")
        page.goto(f"{server.url}/console/rosters/{branch['a']}")
        page.locator("details.card summary").first.click()
        page.locator("ul.members details summary").first.click()
        shot(page, "roster")
    finally:
        context.close()


def shot(page: Any, name: str) -> None:
    """A screenshot, after checking the page does not scroll sideways and every button and
    link of the content is at least 44 px tall on a phone."""
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], (name, width)
    if page.viewport_size["width"] < 800:
        small = page.evaluate(
            """(selector) => Array.from(document.querySelectorAll(selector))
               .filter(el => el.offsetParent !== null && !el.closest('details:not([open])'))
               .filter(el => el.getBoundingClientRect().height < 44)
               .map(el => el.outerHTML.slice(0, 80))""",
            TARGETS,
        )
        assert small == [], (name, small)
    screenshot(page, name)
