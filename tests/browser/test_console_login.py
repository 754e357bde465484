"""The console's login, home and password pages in real Chromium, at a phone and a PC size."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.console import SIZES, add_account, add_node, log_in, screenshot
from tests.support.processes import ServerProcess

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("size", sorted(SIZES))
def test_log_in_see_home_change_password_log_out(
    server: ServerProcess, chromium: Any, size: str
) -> None:
    branch = add_node(server, 1, "党支部", "第一党支部")
    add_account(server, "wang", branch, "publisher")
    context = chromium.new_context(**SIZES[size])
    try:
        page = context.new_page()
        page.goto(f"{server.url}/console/login")
        screenshot(page, "login")
        page.fill("#name", "wang")
        page.fill("#password", "wrong-password")
        page.click("button[type=submit]")
        assert page.locator("[role=alert]").inner_text() == "账号或密码不正确"
        screenshot(page, "login-refused")
        log_in(page, server, "wang")
        assert page.locator("[data-testid=account]").inner_text() == "wang"
        assert page.locator("[data-testid=acting]").inner_text() == "第一党支部（发布员）"
        screenshot(page, "home")
        page.click("nav.tabs >> text=内容")
        page.wait_for_url("**/console/items")
        screenshot(page, "items")
        page.goto(f"{server.url}/console/password")
        screenshot(page, "password")
        page.click("nav.tabs button:has-text('退出')")
        page.wait_for_url("**/console/login?msg=*")
        assert page.locator("[role=status]").inner_text() == "已退出登录"
    finally:
        context.close()
