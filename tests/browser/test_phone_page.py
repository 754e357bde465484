"""The phone page in real headless Chromium against the real server on loopback.

Chromium is Debian's (``/usr/bin/chromium``) driven by Playwright; one browser per session, a
fresh context (a fresh "phone": no cookies) per test unless a test says otherwise.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.support.processes import ServerProcess
from tests.support.signin import create_meeting, import_roster, live, qr_url

pytestmark = pytest.mark.e2e
SCREEN = "room-1"
PHONE = {"viewport": {"width": 360, "height": 640}, "locale": "zh-CN", "is_mobile": True}


@pytest.fixture
def meeting(server: ServerProcess) -> dict[str, Any]:
    import_roster(server)
    return create_meeting(server, to=SCREEN)


@pytest.fixture
def phone(chromium: Any) -> Iterator[Any]:
    context = chromium.new_context(**PHONE)
    yield context.new_page()
    context.close()


def notice(page: Any) -> str:
    return str(page.locator("#notice h2").inner_text())


def sign_in(page: Any, url: str, name: str | None, factor: str | None) -> None:
    """Open the scanned URL, fill in what is given (else keep the prefill) and tap 签到."""
    page.goto(url)
    if name is not None:
        page.fill("#signin-name", name)
    if factor is not None:
        page.fill("#signin-factor", factor)
    page.click("#signin-button")
    page.wait_for_selector("#notice")


def test_sign_in_and_sign_in_again(
    server: ServerProcess, meeting: dict[str, Any], phone: Any
) -> None:
    url = qr_url(server, SCREEN, meeting["id"])
    sign_in(phone, url, "张建国", "8001")
    assert notice(phone) == "签到成功"
    first = phone.locator("#notice p").inner_text()
    assert first.startswith("张建国，签到时间 ")
    assert live(server, meeting["id"])["present"] == 1
    sign_in(phone, qr_url(server, SCREEN, meeting["id"]), "张建国", "8001")
    assert notice(phone) == "已签到"
    assert first.removeprefix("张建国，签到时间 ") in phone.locator("#notice p").inner_text()
    assert live(server, meeting["id"])["present"] == 1


def test_an_expired_code(server: ServerProcess, meeting: dict[str, Any], phone: Any) -> None:
    old = qr_url(server, SCREEN, meeting["id"], datetime.now(UTC) - timedelta(minutes=3))
    phone.goto(old)
    assert notice(phone) == "二维码已过期，请重新扫描屏幕上的二维码"
    assert phone.locator("#signin-button").count() == 0


def test_a_member_not_on_the_roster(
    server: ServerProcess, meeting: dict[str, Any], phone: Any
) -> None:
    sign_in(phone, qr_url(server, SCREEN, meeting["id"]), "陌生人", "1234")
    assert notice(phone).startswith("未在本支部名单中")
    assert phone.input_value("#signin-name") == "陌生人"  # kept, to correct it
    assert live(server, meeting["id"])["present"] == 0


def test_a_leave_request(server: ServerProcess, meeting: dict[str, Any], phone: Any) -> None:
    phone.goto(f"{server.url}/m/{meeting['id']}")  # the link shared in the branch's chat
    assert notice(phone) == "请扫描会场屏幕上的二维码签到"
    phone.fill("#leave-name", "李红")
    phone.fill("#leave-factor", "9002")
    phone.fill("#leave-reason", "在外地出差")
    phone.click("#leave-button")
    phone.wait_for_selector("#notice.ok")
    assert notice(phone) == "请假已提交"
    count = live(server, meeting["id"])
    assert (count["on_leave"], count["present"]) == (1, 0)


def test_the_phone_remembers_the_name_on_the_next_visit(
    server: ServerProcess, meeting: dict[str, Any], phone: Any
) -> None:
    sign_in(phone, qr_url(server, SCREEN, meeting["id"]), "王芳", "DY003")
    assert notice(phone) == "签到成功"
    later = create_meeting(server, to=SCREEN, title="主题党日活动", meeting_type="主题党日")
    phone.goto(qr_url(server, SCREEN, later["id"]))
    assert phone.input_value("#signin-name") == "王芳"
    assert phone.input_value("#signin-factor") == "DY003"
    phone.click("#signin-button")  # one tap
    phone.wait_for_selector("#notice.ok")
    assert notice(phone) == "签到成功"
    assert live(server, later["id"])["latest"] == ["王芳"]


def test_the_page_works_without_javascript(
    server: ServerProcess, meeting: dict[str, Any], chromium: Any
) -> None:
    context = chromium.new_context(**PHONE, java_script_enabled=False)
    try:
        page = context.new_page()
        sign_in(page, qr_url(server, SCREEN, meeting["id"]), "李红", "9002")
        assert notice(page) == "签到成功"
    finally:
        context.close()
