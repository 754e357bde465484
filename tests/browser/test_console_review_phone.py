"""Review (审核), the audit log and the emergency stop in real Chromium against the real server,
with a real `kiosk run` screen (offscreen) of the branch.

机关党委 reviews what its branches publish. wang (publisher of 第一党支部) sends a notice from the
console's notice page; zhao (reviewer of 机关党委) rejects it with a comment on the phone; wang
sees the comment under 已退回, fixes the text and resubmits; zhao approves; the branch's screen
shows the fixed notice. Then wang stops and resumes the branch's screens from 紧急停播, and the
screen follows both. Every page is photographed at the phone and the office size.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.support.console import SIZES, add_account, add_node, admin, assign_screen, log_in
from tests.support.console import screenshot as shoot
from tests.support.processes import ScreenProcess, ServerProcess, event

pytestmark = pytest.mark.e2e
DRAFT = "本周五学习会（草稿）"
FIXED = "本周五 15:00 在党员活动室召开支部党员大会，请准时参加"


@pytest.fixture
def tree(server: ServerProcess) -> dict[str, int]:
    """机关党委 (review on, reviewer zhao, administrator li) with 第一党支部 (screen-a,
    publisher wang) and 第二党支部."""
    committee = add_node(server, 1, "党委", "机关党委")
    nodes = {
        "committee": committee,
        "a": add_node(server, committee, "党支部", "第一党支部"),
        "b": add_node(server, committee, "党支部", "第二党支部"),
    }
    assign_screen(server, "screen-a", nodes["a"])
    add_account(server, "wang", nodes["a"], "publisher")
    add_account(server, "zhao", committee, "reviewer")
    add_account(server, "li", committee, "administrator")
    answer = requests.put(
        f"{server.url}/api/org/nodes/{committee}/review",
        headers=admin(server),
        json={"on": True},
        timeout=10,
    )
    assert answer.status_code == 200, answer.text
    return nodes


@pytest.fixture
def screen(server: ServerProcess, tmp_path: Path) -> Iterator[ScreenProcess]:
    config = tmp_path / "screen-a.toml"
    config.write_text("poll_seconds = 1\nmax_backoff_seconds = 2\n")
    args = [
        "--config", str(config), "--server", server.url, "--screen", "screen-a",
        "--cache", str(tmp_path / "cache-a"), "--windowed",
    ]  # fmt: skip
    process = ScreenProcess(args, token=server.screen_token("screen-a"))
    try:
        process.wait_for(event("idle_shown"))
        yield process
    finally:
        process.stop()


def person(chromium: Any, size: str = "phone") -> Any:
    """A new browser (own cookies) at ``size`` that says yes to confirmation questions."""
    context = chromium.new_context(**SIZES[size])
    page = context.new_page()
    page.on("dialog", lambda dialog: dialog.accept())
    return page


def send_notice(page: Any, server: ServerProcess, text: str) -> str:
    page.goto(f"{server.url}/console/publish/notice")
    page.fill("#text", text)
    page.click("[data-publish-button]")
    page.wait_for_url("**/console/publish/done/*")
    return str(page.url.rsplit("/", 1)[1].split("?")[0])


def test_reject_resubmit_approve_then_stop_and_resume_reach_the_screen(
    server: ServerProcess, chromium: Any, tree: dict[str, int], screen: ScreenProcess
) -> None:
    publisher, reviewer = person(chromium), person(chromium)
    try:
        log_in(publisher, server, "wang")
        item = send_notice(publisher, server, DRAFT)
        where = publisher.locator("[data-testid=where]").inner_text()
        assert where.startswith("已提交到 第一党支部")

        log_in(reviewer, server, "zhao")
        reviewer.click("nav.tabs >> text=审核")
        reviewer.wait_for_url("**/console/review")
        card = reviewer.locator(f"[data-item='{item}']")
        assert DRAFT in card.inner_text() and "wang" in card.inner_text()
        card.locator("summary:has-text('退回')").click()
        card.locator("textarea[name=comment]").fill("请写明时间和地点")
        card.locator("button:has-text('退回并附意见')").click()
        reviewer.wait_for_url("**/console/review?msg=*")
        assert reviewer.locator(f"[data-item='{item}']").count() == 0

        publisher.goto(f"{server.url}/console/items?status=rejected")
        row = publisher.locator(f"[data-item='{item}']")
        assert row.locator("[data-testid=comment]").inner_text() == "退回意见：请写明时间和地点"
        row.locator("text=修改后重新提交").click()
        publisher.wait_for_url(f"**/console/items/{item}/resubmit")
        publisher.fill("#text", FIXED)
        publisher.click("button:has-text('重新提交审核')")
        publisher.wait_for_url("**/console/items?status=pending*")
        assert publisher.locator(f"[data-item='{item}']").count() == 1

        reviewer.goto(f"{server.url}/console/review")
        reviewer.locator(f"[data-item='{item}'] button:has-text('通过')").click()
        reviewer.wait_for_url("**/console/review?msg=*")
        shown = screen.wait_for(
            lambda r: r.get("event") == "notices_shown" and item in r.get("item_ids", []),
            timeout=30,
        )
        assert shown

        publisher.click("nav.tabs >> text=紧急停播")
        publisher.wait_for_url("**/console/stop")
        publisher.click("button.big-stop")
        publisher.wait_for_url("**/console/stop?msg=*")
        screen.wait_for(event("emergency_stop"), timeout=30)
        assert "已紧急停播" in publisher.locator("[data-testid=stop-state]").inner_text()
        publisher.click("button.big-resume")
        publisher.wait_for_url("**/console/stop?msg=*")
        screen.wait_for(event("emergency_resume"), timeout=30)
        assert publisher.locator("[data-testid=stop-state]").inner_text() == "● 正常播放中"
    finally:
        publisher.context.close()
        reviewer.context.close()

    log = requests.get(f"{server.url}/api/audit", headers=admin(server), timeout=10).json()
    done = [(e["action"], e["who"]) for e in reversed(log["entries"]) if e["who"] != "superuser"]
    assert [pair for pair in done if pair[0] not in ("login", "logout")] == [
        ("submit", "wang"),
        ("reject", "zhao"),
        ("resubmit", "wang"),
        ("approve", "zhao"),
        ("emergency_stop", "wang"),
        ("emergency_resume", "wang"),
    ]


@pytest.mark.parametrize("size", sorted(SIZES))
def test_every_review_audit_and_stop_page_at_both_sizes(
    server: ServerProcess, chromium: Any, tree: dict[str, int], size: str
) -> None:
    publisher, reviewer, boss = person(chromium, size), person(chromium, size), None
    try:
        log_in(publisher, server, "wang")
        rejected = send_notice(publisher, server, DRAFT)
        send_notice(publisher, server, FIXED)
        log_in(reviewer, server, "zhao")
        reviewer.goto(f"{server.url}/console/review")
        shoot(reviewer, "review")
        card = reviewer.locator(f"[data-item='{rejected}']")
        card.locator("summary:has-text('退回')").click()
        card.locator("textarea[name=comment]").fill("请写明时间和地点")
        shoot(reviewer, "review-rejecting")
        card.locator("button:has-text('退回并附意见')").click()
        reviewer.wait_for_url("**/console/review?msg=*")
        shoot(reviewer, "review-rejected")

        publisher.goto(f"{server.url}/console/items?status=rejected")
        shoot(publisher, "items-rejected")
        publisher.goto(f"{server.url}/console/items/{rejected}/resubmit")
        shoot(publisher, "resubmit")
        publisher.goto(f"{server.url}/console/items?status=pending")
        shoot(publisher, "items-pending")
        publisher.goto(f"{server.url}/console/stop")
        shoot(publisher, "stop")
        publisher.click("button.big-stop")
        publisher.wait_for_url("**/console/stop?msg=*")
        shoot(publisher, "stop-stopped")
        publisher.click("button.big-resume")
        publisher.wait_for_url("**/console/stop?msg=*")

        boss = person(chromium, size)
        log_in(boss, server, "li")
        boss.goto(f"{server.url}/console/audit")
        assert boss.locator("li.entry").count() >= 6
        shoot(boss, "audit")
        boss.select_option("#action", "reject")
        boss.click("button:has-text('筛选')")
        boss.wait_for_url("**/console/audit?action=reject*")
        assert boss.locator("li.entry").count() == 1
        shoot(boss, "audit-filtered")
        with boss.expect_download() as download:
            boss.click("[data-testid=csv]")
        saved = download.value.path()
        assert Path(saved).read_bytes().startswith(b"\xef\xbb\xbf")
        for page in (publisher, reviewer, boss):
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= page.viewport_size["width"], page.url  # no sideways scrolling
    finally:
        for page in (publisher, reviewer, boss):
            if page is not None:
                page.context.close()
