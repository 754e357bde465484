"""Server-rendered HTML: the phone page of a meeting and the printable 会议签到表.

Plain HTML forms and a little inline CSS, no JavaScript and no external files, so the page works
on an old phone browser and on an internal network. Every piece of text from the database or the
request goes through :func:`html.escape`. Nothing here ever sees the meeting's secret.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from html import escape
from urllib.parse import quote

from content_server.signin.attendance import MAX_REASON_CHARS, RecordRow, local_time
from content_server.signin.meetings import MeetingRow
from content_server.signin.roster import MAX_MEMBER_NO_CHARS, MAX_NAME_CHARS
from content_server.timefmt import CHINA_TZ

WEEKDAYS = "一二三四五六日"

_PHONE_CSS = """
html{background:#fff8f0}
body{margin:0;padding:16px;font:20px/1.5 sans-serif;color:#222;background:#fff8f0}
.card{background:#fff;border-radius:12px;padding:16px;margin:0 0 16px;border:1px solid #e5c9b5}
.tag{display:inline-block;background:#c8161d;color:#fff;padding:2px 10px;border-radius:6px}
h1{font-size:26px;margin:8px 0}h2{font-size:22px;margin:0 0 8px}
.meta{margin:4px 0;color:#444}
label{display:block;margin:12px 0 4px;font-weight:bold}
input,textarea{display:block;width:100%;box-sizing:border-box;font-size:22px;padding:10px;
border:2px solid #999;border-radius:8px}
button{display:block;width:100%;min-height:60px;margin:16px 0 4px;font-size:26px;
font-weight:bold;color:#fff;background:#c8161d;border:0;border-radius:10px}
button.second{background:#666}
.notice{padding:16px;border-radius:12px;margin:0 0 16px;font-size:22px}
.ok{background:#e6f4e6;border:2px solid #2e7d32}.error{background:#fdecea;border:2px solid #c62828}
.info{background:#eef3fb;border:2px solid #3c6db0}
.notice h2{font-size:28px;margin:0 0 6px}.ok h2{color:#2e7d32}.error h2{color:#c62828}
"""

_RECORD_CSS = """
@page{size:A4 portrait;margin:18mm 15mm}
body{font:14px/1.5 "Noto Serif CJK SC","Songti SC",serif;color:#000;margin:24px}
h1{text-align:center;font-size:24px;letter-spacing:4px;margin:0 0 12px}
table{width:100%;border-collapse:collapse}
th,td{border:1px solid #000;padding:4px 6px;text-align:left}
th{background:#eee}
.info td{border:1px solid #000}
.info th{width:14%}
.summary{margin:10px 0}
.sign{margin-top:32px;display:flex;justify-content:space-between}
tr{page-break-inside:avoid}
thead{display:table-header-group}
@media print{body{margin:0}
th{background:#eee;-webkit-print-color-adjust:exact;print-color-adjust:exact}}
"""


@dataclass(frozen=True)
class Notice:
    """A message at the top of the phone page: ``kind`` is ok, error or info."""

    kind: str
    heading: str
    text: str = ""


@dataclass(frozen=True)
class PhoneView:
    """What the phone page shows.

    Attributes:
        meeting: the meeting (None: unknown meeting, only the notice is shown).
        notice: a message above everything else.
        signin: the window and token to carry in the sign-in form; None hides the form.
        leave: show the leave-request form.
        name, factor, reason: values to prefill (from the phone's cookie or the last post).
    """

    meeting: MeetingRow | None
    notice: Notice | None = None
    signin: tuple[str, str] | None = None
    leave: bool = False
    name: str = ""
    factor: str = ""
    reason: str = ""


def phone_page(view: PhoneView) -> str:
    """The whole phone page."""
    parts = []
    if view.notice is not None:
        parts.append(_notice(view.notice))
    meeting = view.meeting
    if meeting is not None:
        parts.append(_meeting_card(meeting))
        if view.signin is not None:
            parts.append(_signin_form(meeting, view))
        if view.leave:
            parts.append(_leave_form(meeting, view))
    title = f"{meeting.meeting_type}签到" if meeting else "会议签到"
    return _document(title, _PHONE_CSS, "".join(parts))


def record_page(meeting: MeetingRow, record: list[RecordRow], printed_at: datetime) -> str:
    """The printable attendance sheet (会议签到表) for A4 paper."""
    present = sum(1 for r in record if r.status == "present")
    leave = sum(1 for r in record if r.status == "leave")
    absent = sum(1 for r in record if r.status is None)
    rows = "".join(
        "<tr>"
        f"<td>{number}</td><td>{escape(r.name)}</td><td>{escape(r.member_no)}</td>"
        f"<td>{r.status_label}</td>"
        f"<td>{local_time(r.at, '%H:%M:%S') if r.at and r.status == 'present' else ''}</td>"
        f"<td>{escape(r.reason)}</td>"
        "</tr>"
        for number, r in enumerate(record, start=1)
    )
    body = (
        "<h1>会议签到表</h1>"
        '<table class="info">'
        f"<tr><th>会议类型</th><td>{escape(meeting.meeting_type)}</td>"
        f"<th>支部</th><td>{escape(meeting.branch)}</td></tr>"
        f'<tr><th>会议名称</th><td colspan="3">{escape(meeting.title)}</td></tr>'
        f"<tr><th>时间</th><td>{escape(_time_span(meeting.start, meeting.end))}</td>"
        f"<th>地点</th><td>{escape(meeting.place)}</td></tr>"
        "</table>"
        f'<p class="summary">应到 {len(record)} 人，实到 {present} 人，请假 {leave} 人，'
        f"缺席 {absent} 人。</p>"
        "<table><thead><tr><th>序号</th><th>姓名</th><th>党员编号</th><th>状态</th>"
        "<th>签到时间</th><th>请假事由</th></tr></thead>"
        f"<tbody>{rows}</tbody></table>"
        '<div class="sign"><span>记录人：＿＿＿＿＿＿</span><span>支部书记：＿＿＿＿＿＿</span>'
        f"<span>打印时间：{local_time(printed_at, '%Y-%m-%d %H:%M')}</span></div>"
    )
    return _document(f"会议签到表 {meeting.title}", _RECORD_CSS, body)


def _document(title: str, css: str, body: str) -> str:
    return (
        '<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{css}</style></head>"
        f"<body>{body}</body></html>"
    )


def _notice(notice: Notice) -> str:
    text = f"<p>{escape(notice.text)}</p>" if notice.text else ""
    return (
        f'<div class="notice {notice.kind}" id="notice" role="status">'
        f"<h2>{escape(notice.heading)}</h2>{text}</div>"
    )


def _meeting_card(meeting: MeetingRow) -> str:
    place = f'<p class="meta">地点：{escape(meeting.place)}</p>' if meeting.place else ""
    return (
        '<div class="card">'
        f'<span class="tag">{escape(meeting.meeting_type)}</span>'
        f"<h1>{escape(meeting.title)}</h1>"
        f'<p class="meta">时间：{escape(_time_span(meeting.start, meeting.end))}</p>'
        f"{place}"
        f'<p class="meta">支部：{escape(meeting.branch)}</p>'
        f'<p class="meta">签到时间：{escape(_time_span(meeting.opens_at, meeting.closes_at))}</p>'
        "</div>"
    )


def _signin_form(meeting: MeetingRow, view: PhoneView) -> str:
    assert view.signin is not None
    window, token = view.signin
    return (
        f'<form class="card" method="post" action="/m/{quote(meeting.id)}" '
        'accept-charset="utf-8">'
        "<h2>签到</h2>"
        f'<input type="hidden" name="w" value="{escape(window)}">'
        f'<input type="hidden" name="t" value="{escape(token)}">'
        f"{_identity_fields('signin', view)}"
        '<button type="submit" id="signin-button">签到</button>'
        "</form>"
    )


def _leave_form(meeting: MeetingRow, view: PhoneView) -> str:
    return (
        f'<form class="card" method="post" action="/m/{quote(meeting.id)}/leave" '
        'accept-charset="utf-8">'
        "<h2>不能参加？请假</h2>"
        f"{_identity_fields('leave', view)}"
        '<label for="leave-reason">请假事由</label>'
        f'<textarea id="leave-reason" name="reason" rows="3" maxlength="{MAX_REASON_CHARS}">'
        f"{escape(view.reason)}</textarea>"
        '<button type="submit" class="second" id="leave-button">提交请假</button>'
        "</form>"
    )


def _identity_fields(prefix: str, view: PhoneView) -> str:
    return (
        f'<label for="{prefix}-name">姓名</label>'
        f'<input id="{prefix}-name" name="name" value="{escape(view.name)}" '
        f'maxlength="{MAX_NAME_CHARS}" autocomplete="name">'
        f'<label for="{prefix}-factor">手机号后四位（或党员编号）</label>'
        f'<input id="{prefix}-factor" name="factor" value="{escape(view.factor)}" '
        f'maxlength="{MAX_MEMBER_NO_CHARS}" inputmode="numeric" autocomplete="off">'
    )


def _time_span(start: datetime, end: datetime) -> str:
    start, end = start.astimezone(CHINA_TZ), end.astimezone(CHINA_TZ)
    day = f"{start.year}年{start.month}月{start.day}日（周{WEEKDAYS[start.weekday()]}）"
    if start.date() == end.date():
        return f"{day} {start:%H:%M}–{end:%H:%M}"
    return f"{day} {start:%H:%M} – {end.month}月{end.day}日 {end:%H:%M}"
