"""The phone side of sign-in: what ``GET /m/{id}``, ``POST /m/{id}`` and ``POST /m/{id}/leave``
do, independent of FastAPI (the routes turn a :class:`PhoneAnswer` into a response).

Rules (also in ``docs/content-server.md``):

- Opening the page: the token in the URL is checked with :func:`check_token` (current and
  previous window, a screen clock a few seconds ahead). Valid and sign-in open: the sign-in form,
  carrying the window and token as hidden fields. Expired: "scan again". Forged, or for another
  meeting: refused. No token at all: the meeting and, before it starts, the leave form.
- Signing in (POST): the token is checked again; a token that has just expired is still taken if
  it was valid ``SUBMIT_GRACE_SECONDS`` earlier, so typing a name is not a race against the
  rotating code (from scanning to posting, at least 60 + 30 s with the default 30 s period).
  Then the sign-in window (server time), then the member: the name and the phone's last four
  digits or the member number must match one member of the meeting's branch.
- A leave request needs no token (the member is not in the room) and is taken until the
  meeting starts; it needs the same name and second factor.
- Failures that could be guessing (a forged token, an unknown member or wrong second factor)
  count against the phone (address + device cookie: 5 in 10 minutes), the address (30 in 10
  minutes: a meeting room shares one Wi-Fi address) and the member's name (5 in 10 minutes);
  beyond that: 429 "尝试次数过多，请稍后再试". An expired code or an empty field is not counted.
- Every refusal is one log line ``signin refused: reason=...`` with the meeting, the client's
  address, the window and the first 4 characters of the token, never the secret, the whole
  token or anything the member typed as a second factor.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from content_cache.signin_token import DEFAULT_SKEW_SECONDS, TokenCheck, check_token
from content_server.db import Database
from content_server.items import is_valid_id
from content_server.signin.attendance import (
    MAX_REASON_CHARS,
    Outcome,
    file_leave,
    local_time,
    sign_in,
)
from content_server.signin.limits import FailureLimiter
from content_server.signin.meetings import MeetingRow, get_meeting
from content_server.signin.pages import Notice, PhoneView, phone_page
from content_server.signin.roster import (
    MAX_MEMBER_NO_CHARS,
    MAX_NAME_CHARS,
    Member,
    find_member,
)

log = logging.getLogger("content_server.signin")

SUBMIT_GRACE_SECONDS = 60
FAILURE_WINDOW = timedelta(minutes=10)
FAILURES_PER_DEVICE = 5
FAILURES_PER_ADDRESS = 30
FAILURES_PER_MEMBER = 5
SCAN_AGAIN = "二维码已过期，请重新扫描屏幕上的二维码"
TOO_MANY = "尝试次数过多，请稍后再试"
NOT_ON_ROSTER = (
    "未在本支部名单中，或手机号后四位（党员编号）不正确。请核对后重试，如有疑问请联系支部。"
)

Notify = Callable[[str, int], None]


@dataclass(frozen=True)
class Client:
    """Who is asking: the address, the phone's device cookie (may be empty), and what the
    phone remembered (name and second factor from its cookies)."""

    address: str
    device: str = ""
    name: str = ""
    factor: str = ""


@dataclass
class PhoneAnswer:
    """An HTML page and its status; ``remember`` is a (name, factor) pair to store in the
    phone's cookies."""

    status: int
    html: str
    remember: tuple[str, str] | None = None
    extra: dict[str, str] = field(default_factory=dict)


class PhoneDesk:
    """Serves the phone page of every meeting.

    Args:
        db: the database.
        clock: the server's clock (aware datetimes).
        notify: called with ``(meeting_id, live revision)`` after each attendance change.
    """

    def __init__(self, db: Database, clock: Callable[[], datetime], notify: Notify) -> None:
        self._db = db
        self._clock = clock
        self._notify = notify
        self._per_device = FailureLimiter(FAILURES_PER_DEVICE, FAILURE_WINDOW)
        self._per_address = FailureLimiter(FAILURES_PER_ADDRESS, FAILURE_WINDOW)
        self._per_member = FailureLimiter(FAILURES_PER_MEMBER, FAILURE_WINDOW)

    # --- GET /m/{id} ------------------------------------------------------------------------

    def page(
        self, meeting_id: str, window: str | None, token: str | None, client: Client
    ) -> PhoneAnswer:
        """The page a scanned code opens."""
        now = self._clock()
        meeting = self._meeting(meeting_id)
        if isinstance(meeting, PhoneAnswer):
            return meeting
        view = PhoneView(meeting, leave=now < meeting.start, name=client.name, factor=client.factor)
        if window is None and token is None:
            notice = Notice("info", "请扫描会场屏幕上的二维码签到")
            return PhoneAnswer(200, phone_page(_with(view, notice=notice)))
        check = self._check(meeting, window, token, now)
        if check is not TokenCheck.VALID:
            reason = "expired" if check is TokenCheck.EXPIRED else "bad_token"
            self._refused(reason, meeting.id, client, window, token)
            return PhoneAnswer(403, phone_page(_with(view, notice=_token_notice(check))))
        closed = _window_notice(meeting, now)
        if closed is not None:
            self._refused("window_closed", meeting.id, client, window, token)
            return PhoneAnswer(403, phone_page(_with(view, notice=closed)))
        return PhoneAnswer(200, phone_page(_with(view, signin=(str(window), str(token)))))

    # --- POST /m/{id} -----------------------------------------------------------------------

    def sign_in(
        self, meeting_id: str, window: str, token: str, name: str, factor: str, client: Client
    ) -> PhoneAnswer:
        """Sign a member in."""
        now = self._clock()
        name, factor = _clean(name, MAX_NAME_CHARS), _clean(factor, MAX_MEMBER_NO_CHARS)
        meeting = self._meeting(meeting_id)
        if isinstance(meeting, PhoneAnswer):
            return meeting
        view = PhoneView(meeting, name=name, factor=factor, leave=now < meeting.start)
        limited = self._limited(meeting, name, client, now, view, window, token)
        if limited is not None:
            return limited
        check = self._check(meeting, window, token, now)
        if check is TokenCheck.EXPIRED:
            past = now - timedelta(seconds=SUBMIT_GRACE_SECONDS)
            check = self._check(meeting, window, token, past)
            check = TokenCheck.VALID if check is TokenCheck.VALID else TokenCheck.EXPIRED
        if check is not TokenCheck.VALID:
            expired = check is TokenCheck.EXPIRED
            self._refused("expired" if expired else "bad_token", meeting.id, client, window, token)
            if not expired:
                self._failed(meeting, "", client, now)
            answer = phone_page(_with(view, notice=_token_notice(check)))
            return PhoneAnswer(403, answer, remember=(name, factor) if expired and name else None)
        closed = _window_notice(meeting, now)
        if closed is not None:
            self._refused("window_closed", meeting.id, client, window, token)
            return PhoneAnswer(403, phone_page(_with(view, notice=closed)))
        form = _with(view, signin=(window, token))
        if not name or not factor:
            notice = Notice("error", "请填写姓名和手机号后四位（或党员编号）")
            return PhoneAnswer(400, phone_page(_with(form, notice=notice)))
        members = self._find(meeting, name, factor)
        if len(members) != 1:
            return self._unknown(meeting, members, name, client, now, form, window, token)
        with self._db.connect() as conn:
            result = sign_in(conn, meeting, members[0], now)
        if result.revision is not None:
            log.info("signin ok: meeting=%s member=%s", meeting.id, members[0].member_no)
            self._notify(meeting.id, result.revision)
            notice = Notice("ok", "签到成功", f"{name}，签到时间 {local_time(result.at)}")
        else:
            notice = Notice(
                "ok", "已签到", f"{name}，您已于 {local_time(result.at)} 签到，无需重复签到"
            )
        return PhoneAnswer(200, phone_page(PhoneView(meeting, notice)), remember=(name, factor))

    # --- POST /m/{id}/leave -------------------------------------------------------------

    def leave(
        self, meeting_id: str, name: str, factor: str, reason: str, client: Client
    ) -> PhoneAnswer:
        """File a leave request (请假) before the meeting starts."""
        now = self._clock()
        name, factor = _clean(name, MAX_NAME_CHARS), _clean(factor, MAX_MEMBER_NO_CHARS)
        reason = " ".join(reason.split())
        meeting = self._meeting(meeting_id)
        if isinstance(meeting, PhoneAnswer):
            return meeting
        view = PhoneView(
            meeting, name=name, factor=factor, reason=reason[:MAX_REASON_CHARS], leave=True
        )
        limited = self._limited(meeting, name, client, now, view, None, None)
        if limited is not None:
            return limited
        if now >= meeting.start:
            self._refused("leave_too_late", meeting.id, client, None, None)
            notice = Notice("error", "会议已经开始，不能在线请假", "请直接联系支部。")
            return PhoneAnswer(409, phone_page(PhoneView(meeting, notice)))
        problem = _leave_problem(name, factor, reason)
        if problem:
            return PhoneAnswer(400, phone_page(_with(view, notice=Notice("error", problem))))
        members = self._find(meeting, name, factor)
        if len(members) != 1:
            return self._unknown(meeting, members, name, client, now, view, None, None)
        with self._db.connect() as conn:
            result = file_leave(conn, meeting, members[0], reason, now)
        if result.outcome is Outcome.LEAVE_REFUSED:
            self._refused("leave_after_signin", meeting.id, client, None, None)
            notice = Notice("info", "您已签到，无需请假", f"签到时间 {local_time(result.at)}")
            return PhoneAnswer(409, phone_page(PhoneView(meeting, notice)), remember=(name, factor))
        assert result.revision is not None
        log.info(
            "leave %s: meeting=%s member=%s", result.outcome.value, meeting.id, members[0].member_no
        )
        self._notify(meeting.id, result.revision)
        heading = "请假已提交" if result.outcome is Outcome.LEAVE_FILED else "请假事由已更新"
        notice = Notice("ok", heading, f"{name}，请假事由：{reason}")
        return PhoneAnswer(200, phone_page(PhoneView(meeting, notice)), remember=(name, factor))

    # --- shared -------------------------------------------------------------------------

    def _meeting(self, meeting_id: str) -> MeetingRow | PhoneAnswer:
        meeting = None
        if is_valid_id(meeting_id):
            with self._db.connect() as conn:
                meeting = get_meeting(conn, meeting_id)
        if meeting is None:
            shown = meeting_id if is_valid_id(meeting_id) else "?"
            log.warning("signin refused: reason=unknown_meeting meeting=%s", shown)
            notice = Notice("error", "找不到该会议", "请扫描会场屏幕上的二维码。")
            return PhoneAnswer(404, phone_page(PhoneView(None, notice)))
        if meeting.withdrawn:
            log.warning("signin refused: reason=withdrawn meeting=%s", meeting.id)
            notice = Notice("error", "该会议已撤销", "签到和请假已关闭。")
            return PhoneAnswer(410, phone_page(PhoneView(meeting, notice)))
        return meeting

    @staticmethod
    def _check(meeting: MeetingRow, window: object, token: object, now: datetime) -> TokenCheck:
        return check_token(
            meeting.secret,
            meeting.id,
            window,
            token,
            now,
            meeting.period_seconds,
            DEFAULT_SKEW_SECONDS,
        )

    def _find(self, meeting: MeetingRow, name: str, factor: str) -> list[Member]:
        with self._db.connect() as conn:
            return find_member(conn, meeting.roster, name, factor)

    def _limited(
        self,
        meeting: MeetingRow,
        name: str,
        client: Client,
        now: datetime,
        view: PhoneView,
        window: str | None,
        token: str | None,
    ) -> PhoneAnswer | None:
        keys = _keys(meeting, name, client)
        if not (
            self._per_device.blocked(keys[0], now)
            or self._per_address.blocked(keys[1], now)
            or (name and self._per_member.blocked(keys[2], now))
        ):
            return None
        self._refused("rate_limited", meeting.id, client, window, token)
        notice = Notice("error", TOO_MANY, "为防止冒名签到，多次失败后需等待几分钟。")
        return PhoneAnswer(
            429, phone_page(PhoneView(meeting, notice)), extra={"Retry-After": "600"}
        )

    def _failed(self, meeting: MeetingRow, name: str, client: Client, now: datetime) -> None:
        device, address, member = _keys(meeting, name, client)
        self._per_device.failed(device, now)
        self._per_address.failed(address, now)
        if name:
            self._per_member.failed(member, now)

    def _unknown(
        self,
        meeting: MeetingRow,
        members: list[Member],
        name: str,
        client: Client,
        now: datetime,
        view: PhoneView,
        window: str | None,
        token: str | None,
    ) -> PhoneAnswer:
        if members:  # two namesakes with the same phone digits: the member number tells them apart
            self._refused("ambiguous_member", meeting.id, client, window, token)
            notice = Notice("error", "名单中有同名党员", "请在第二栏填写您的党员编号。")
            return PhoneAnswer(409, phone_page(_with(view, notice=notice)))
        self._refused("not_on_roster", meeting.id, client, window, token)
        self._failed(meeting, name, client, now)
        return PhoneAnswer(403, phone_page(_with(view, notice=Notice("error", NOT_ON_ROSTER))))

    @staticmethod
    def _refused(
        reason: str, meeting_id: str, client: Client, window: object, token: object
    ) -> None:
        shown = str(token)[:4] + "…" if isinstance(token, str) and token else "-"
        log.warning(
            "signin refused: reason=%s meeting=%s client=%s device=%s window=%s token=%s",
            reason,
            meeting_id,
            client.address,
            client.device[:6] or "-",
            _short(window),
            _short(shown),
        )


def new_device_id() -> str:
    """A random id for a phone's device cookie (for rate limiting only)."""
    return secrets.token_urlsafe(12)


def _keys(meeting: MeetingRow, name: str, client: Client) -> tuple[str, str, str]:
    return (
        f"{client.address}|{client.device}",
        client.address,
        f"{meeting.roster.key}|{name}",
    )


def _with(view: PhoneView, **changes: object) -> PhoneView:
    return replace(view, **changes)  # type: ignore[arg-type]


def _token_notice(check: TokenCheck) -> Notice:
    if check is TokenCheck.EXPIRED:
        return Notice("error", SCAN_AGAIN)
    return Notice("error", "二维码无效", "这不是本会议的签到二维码，请扫描会场屏幕上的二维码。")


def _window_notice(meeting: MeetingRow, now: datetime) -> Notice | None:
    span = f"签到时间：{local_time(meeting.opens_at, '%m月%d日 %H:%M')}–" + local_time(
        meeting.closes_at, "%H:%M"
    )
    if now < meeting.opens_at:
        return Notice("info", "签到尚未开始", span)
    if now >= meeting.closes_at:
        return Notice("info", "签到已结束", span)
    return None


def _leave_problem(name: str, factor: str, reason: str) -> str | None:
    if not name or not factor:
        return "请填写姓名和手机号后四位（或党员编号）"
    if not reason:
        return "请填写请假事由"
    if len(reason) > MAX_REASON_CHARS:
        return f"请假事由太长（最多 {MAX_REASON_CHARS} 字）"
    return None


def _clean(text: str, limit: int) -> str:
    return " ".join(text.split())[: limit + 1]


def _short(value: object) -> str:
    text = str(value) if value is not None else "-"
    return "".join(c if c.isalnum() or c in "-_…" else "?" for c in text[:24])
