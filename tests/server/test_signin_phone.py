"""The phone page: signing in and asking for leave, with the app's clock moved by hand."""

from __future__ import annotations

import logging
import re
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from server_helpers import FakeClock
from signin_helpers import (
    code,
    leave,
    live,
    meeting_item,
    new_meeting,
    notice,
    put_roster,
    roster_csv,
    sign_in,
)

from content_server.signin.phone import NOT_ON_ROSTER, SCAN_AGAIN, TOO_MANY


@pytest.fixture
def meeting_id(client: TestClient, clock: FakeClock) -> str:
    put_roster(client, roster_csv())
    return str(new_meeting(client, clock)["id"])


def scan(client: TestClient, meeting_id: str, clock: FakeClock) -> tuple[str, str]:
    """Open the page with the code the screen shows now; returns the form's hidden fields."""
    w, t = code(client, meeting_id, clock.now)
    page = client.get(f"/m/{meeting_id}", params={"w": w, "t": t})
    assert page.status_code == 200, page.text
    assert re.search(rf'name="w" value="{w}"', page.text)
    assert re.search(rf'name="t" value="{t}"', page.text)
    return w, t


def test_the_page_shows_the_meeting_and_the_form_but_no_secret(
    client: TestClient, clock: FakeClock, meeting_id: str
) -> None:
    w, t = code(client, meeting_id, clock.now)
    page = client.get(f"/m/{meeting_id}", params={"w": w, "t": t})
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    for text in ("支部党员大会", "学习贯彻全会精神专题会", "党员活动室", "第一党支部",
                 "2026年6月1日", "12:10–13:10", ">签到</button>", "请假"):  # fmt: skip
        assert text in page.text
    assert meeting_item(client, meeting_id)["signin"]["secret"] not in page.text
    assert "<script" not in page.text and "http" not in page.text.split("<body>")[1]
    assert "signin_device=" in page.headers["set-cookie"]


def test_sign_in_with_phone_digits_or_member_number(
    client: TestClient, clock: FakeClock, meeting_id: str
) -> None:
    w, t = scan(client, meeting_id, clock)
    response = sign_in(client, meeting_id, w, t, "张建国", "8001")
    assert response.status_code == 200
    assert notice(response) == ("ok", "签到成功", "张建国，签到时间 2026-06-01 12:00:00")
    clock.advance(seconds=5)
    response = sign_in(client, meeting_id, w, t, " 王芳 ", "DY003")
    assert notice(response)[:2] == ("ok", "签到成功")
    assert live(client, meeting_id) | {"meeting_id": "-"} == {
        "meeting_id": "-", "present": 2, "expected": 3, "on_leave": 0,
        "latest": ["王芳", "张建国"], "revision": 2,
    }  # fmt: skip


def test_signing_in_again_keeps_the_first_time(
    client: TestClient, clock: FakeClock, meeting_id: str
) -> None:
    w, t = scan(client, meeting_id, clock)
    sign_in(client, meeting_id, w, t, "张建国", "8001")
    clock.advance(minutes=3)
    w, t = scan(client, meeting_id, clock)
    response = sign_in(client, meeting_id, w, t, "张建国", "DY001")
    assert response.status_code == 200
    assert notice(response) == (
        "ok", "已签到", "张建国，您已于 2026-06-01 12:00:00 签到，无需重复签到"
    )  # fmt: skip
    assert live(client, meeting_id)["present"] == 1
    assert live(client, meeting_id)["revision"] == 1


def test_an_expired_code_asks_to_scan_again(
    client: TestClient, clock: FakeClock, meeting_id: str
) -> None:
    w, t = code(client, meeting_id, clock.now - timedelta(seconds=60))
    page = client.get(f"/m/{meeting_id}", params={"w": w, "t": t})
    assert page.status_code == 403
    assert notice(page) == ("error", SCAN_AGAIN, "")
    assert 'name="t"' not in page.text


def test_a_form_is_taken_within_the_grace_after_its_code_expired(
    client: TestClient, clock: FakeClock, meeting_id: str
) -> None:
    clock.advance(seconds=29)  # the last second of a window: its code is taken up to 60 s
    w, t = scan(client, meeting_id, clock)  # (current and previous window) + 60 s of grace
    clock.advance(seconds=31 + 59)
    assert notice(sign_in(client, meeting_id, w, t, "张建国", "8001"))[1] == "签到成功"
    clock.advance(seconds=1)  # the first second of a window
    w, t = scan(client, meeting_id, clock)
    clock.advance(seconds=60 + 60)  # too late
    response = sign_in(client, meeting_id, w, t, "李红", "9002")
    assert response.status_code == 403
    assert notice(response)[1] == SCAN_AGAIN
    # What was typed is remembered, so scanning again finds the form filled in.
    w, t = code(client, meeting_id, clock.now)
    page = client.get(f"/m/{meeting_id}", params={"w": w, "t": t})
    assert 'value="李红"' in page.text and 'value="9002"' in page.text


def test_forged_codes_and_codes_of_another_meeting_are_refused(
    client: TestClient, clock: FakeClock, meeting_id: str
) -> None:
    other = new_meeting(client, clock)["id"]
    w, other_token = code(client, other, clock.now)
    for params in ({"w": w, "t": other_token}, {"w": w, "t": "a" * 16}, {"w": "x", "t": "y"},
                   {"w": str(int(w) + 10), "t": other_token}, {"t": other_token}):  # fmt: skip
        page = client.get(f"/m/{meeting_id}", params=params)
        assert page.status_code == 403, params
        assert notice(page)[:2] == ("error", "二维码无效")
        response = sign_in(client, meeting_id, params.get("w", ""), params["t"], "张建国", "8001")
        assert response.status_code in (403, 429)
    assert live(client, meeting_id)["present"] == 0


def test_unknown_members_and_wrong_second_factors_are_refused(
    client: TestClient, clock: FakeClock, meeting_id: str
) -> None:
    put_roster(client, roster_csv([("赵六", "ER001", "13700137006")]), branch="第二党支部")
    w, t = scan(client, meeting_id, clock)
    for name, factor in (("路人甲", "1234"), ("张建国", "9002"), ("张建国", "DY002"),
                         ("赵六", "7006")):  # fmt: skip
        response = sign_in(client, meeting_id, w, t, name, factor)
        assert response.status_code == 403
        assert notice(response) == ("error", NOT_ON_ROSTER, "")
        assert f'value="{name}"' in response.text  # the form stays, filled in, to correct
    assert live(client, meeting_id)["present"] == 0


def test_empty_fields(client: TestClient, clock: FakeClock, meeting_id: str) -> None:
    w, t = scan(client, meeting_id, clock)
    response = sign_in(client, meeting_id, w, t, "张建国", " ")
    assert response.status_code == 400
    assert "请填写姓名" in notice(response)[1]


def test_namesakes_sharing_phone_digits_must_use_the_member_number(
    client: TestClient, clock: FakeClock
) -> None:
    put_roster(client, roster_csv([("张伟", "A1", "13800008888"), ("张伟", "A2", "13900008888")]))
    meeting_id = new_meeting(client, clock)["id"]
    w, t = scan(client, meeting_id, clock)
    response = sign_in(client, meeting_id, w, t, "张伟", "8888")
    assert response.status_code == 409
    assert "党员编号" in notice(response)[2]
    assert notice(sign_in(client, meeting_id, w, t, "张伟", "A2"))[1] == "签到成功"


def test_signin_only_while_the_window_is_open(client: TestClient, clock: FakeClock) -> None:
    put_roster(client, roster_csv())
    meeting_id = new_meeting(client, clock, start=(clock.now + timedelta(hours=1)).isoformat())[
        "id"
    ]
    w, t = code(client, meeting_id, clock.now)
    page = client.get(f"/m/{meeting_id}", params={"w": w, "t": t})
    assert page.status_code == 403
    assert notice(page) == ("info", "签到尚未开始", "签到时间：06月01日 12:30–13:30")
    assert notice(sign_in(client, meeting_id, w, t, "张建国", "8001"))[1] == "签到尚未开始"
    clock.advance(minutes=90)
    w, t = code(client, meeting_id, clock.now)
    assert notice(sign_in(client, meeting_id, w, t, "张建国", "8001"))[1] == "签到已结束"
    assert live(client, meeting_id)["present"] == 0


def test_leave_before_the_meeting(client: TestClient, clock: FakeClock, meeting_id: str) -> None:
    page = client.get(f"/m/{meeting_id}")  # a link shared in the branch's group chat: no code
    assert page.status_code == 200
    assert notice(page)[1] == "请扫描会场屏幕上的二维码签到"
    assert 'name="reason"' in page.text and 'name="t"' not in page.text
    response = leave(client, meeting_id, "李红", "9002", "出差在外")
    assert response.status_code == 200
    assert notice(response) == ("ok", "请假已提交", "李红，请假事由：出差在外")
    response = leave(client, meeting_id, "李红", "9002", "出差  在外地")
    assert notice(response)[1] == "请假事由已更新"
    assert live(client, meeting_id)["on_leave"] == 1
    assert leave(client, meeting_id, "李红", "9002", " ").status_code == 400
    assert notice(leave(client, meeting_id, "路人甲", "9002", "事"))[1] == NOT_ON_ROSTER


def test_leave_is_refused_after_signing_in_and_once_the_meeting_started(
    client: TestClient, clock: FakeClock, meeting_id: str
) -> None:
    w, t = scan(client, meeting_id, clock)
    sign_in(client, meeting_id, w, t, "张建国", "8001")
    response = leave(client, meeting_id, "张建国", "8001", "临时有事")
    assert response.status_code == 409
    assert notice(response)[1] == "您已签到，无需请假"
    clock.advance(minutes=10)  # the meeting starts
    assert 'name="reason"' not in client.get(f"/m/{meeting_id}").text
    response = leave(client, meeting_id, "李红", "9002", "出差")
    assert response.status_code == 409
    assert notice(response)[1] == "会议已经开始，不能在线请假"


def test_a_member_on_leave_who_comes_after_all_is_present(
    client: TestClient, clock: FakeClock, meeting_id: str
) -> None:
    leave(client, meeting_id, "李红", "9002", "出差")
    w, t = scan(client, meeting_id, clock)
    assert notice(sign_in(client, meeting_id, w, t, "李红", "9002"))[1] == "签到成功"
    assert live(client, meeting_id) | {"meeting_id": "-", "revision": 0} == {
        "meeting_id": "-", "present": 1, "expected": 3, "on_leave": 0, "latest": ["李红"],
        "revision": 0,
    }  # fmt: skip


def test_the_phone_remembers_name_and_second_factor(
    client: TestClient, clock: FakeClock, meeting_id: str
) -> None:
    w, t = scan(client, meeting_id, clock)
    sign_in(client, meeting_id, w, t, "张建国", "8001")
    other = new_meeting(client, clock)["id"]
    w, t = code(client, other, clock.now)
    page = client.get(f"/m/{other}", params={"w": w, "t": t})
    assert 'id="signin-name" name="name" value="张建国"' in page.text
    assert 'id="signin-factor" name="factor" value="8001"' in page.text


def test_markup_in_names_is_shown_as_text(client: TestClient, clock: FakeClock) -> None:
    put_roster(client, roster_csv([("<b>张</b>", "X1", "13800001111")]))
    meeting_id = new_meeting(client, clock, title="<script>alert(1)</script>")["id"]
    w, t = scan(client, meeting_id, clock)
    response = sign_in(client, meeting_id, w, t, "<b>张</b>", "1111")
    assert notice(response)[1] == "签到成功"
    assert "<b>张" not in response.text and "&lt;b&gt;张" in response.text
    assert "<script>" not in response.text


def test_failures_are_rate_limited_per_phone(
    client: TestClient, clock: FakeClock, meeting_id: str
) -> None:
    w, t = scan(client, meeting_id, clock)
    for attempt in range(5):
        response = sign_in(client, meeting_id, w, t, f"路人{attempt}", "0000")
        assert response.status_code == 403
    response = sign_in(client, meeting_id, w, t, "张建国", "8001")  # right, but too late
    assert response.status_code == 429
    assert notice(response)[1] == TOO_MANY
    assert response.headers["retry-after"] == "600"
    client.cookies.clear()  # another phone in the same room is not blocked
    w, t = scan(client, meeting_id, clock)
    assert notice(sign_in(client, meeting_id, w, t, "张建国", "8001"))[1] == "签到成功"


def test_failures_are_rate_limited_per_member_across_phones(
    client: TestClient, clock: FakeClock, meeting_id: str
) -> None:
    for guess in ("0000", "1111", "2222", "3333", "4444"):
        client.cookies.clear()
        w, t = scan(client, meeting_id, clock)
        assert sign_in(client, meeting_id, w, t, "李红", guess).status_code == 403
    client.cookies.clear()
    w, t = scan(client, meeting_id, clock)
    assert sign_in(client, meeting_id, w, t, "李红", "9002").status_code == 429
    assert leave(client, meeting_id, "李红", "9002", "事").status_code == 429
    assert sign_in(client, meeting_id, w, t, "张建国", "8001").status_code == 200
    clock.advance(minutes=10)
    w, t = scan(client, meeting_id, clock)
    assert notice(sign_in(client, meeting_id, w, t, "李红", "9002"))[1] == "签到成功"


def test_expired_codes_do_not_count_as_failures(
    client: TestClient, clock: FakeClock, meeting_id: str
) -> None:
    w, t = code(client, meeting_id, clock.now - timedelta(minutes=5))
    for _ in range(8):
        assert sign_in(client, meeting_id, w, t, "张建国", "8001").status_code == 403
    w, t = scan(client, meeting_id, clock)
    assert sign_in(client, meeting_id, w, t, "张建国", "8001").status_code == 200


def test_every_refusal_is_logged_in_one_line_without_secrets(
    client: TestClient, clock: FakeClock, meeting_id: str, caplog: pytest.LogCaptureFixture
) -> None:
    secret = meeting_item(client, meeting_id)["signin"]["secret"]
    caplog.set_level(logging.INFO, logger="content_server")
    expired_w, expired_t = code(client, meeting_id, clock.now - timedelta(minutes=5))
    client.get(f"/m/{meeting_id}", params={"w": expired_w, "t": expired_t})
    w, t = scan(client, meeting_id, clock)
    sign_in(client, meeting_id, w, "b" * 16, "张建国", "8001")
    sign_in(client, meeting_id, w, t, "张建国", "9999")
    sign_in(client, meeting_id, w, t, "张建国", "8001")
    lines = [r.getMessage() for r in caplog.records if r.name.startswith("content_server")]
    refusals = [line for line in lines if line.startswith("signin refused:")]
    assert [re.search(r"reason=(\w+)", line).group(1) for line in refusals] == [  # type: ignore[union-attr]
        "expired", "bad_token", "not_on_roster"
    ]  # fmt: skip
    assert f"meeting={meeting_id}" in refusals[0] and f"token={expired_t[:4]}…" in refusals[0]
    text = "\n".join(lines)
    assert "\n" not in "".join(refusals)
    for never in (secret, t, expired_t, "8001", "9999", "13800138001"):
        assert never not in text
    assert any(line.startswith(f"signin ok: meeting={meeting_id}") for line in lines)
