"""What the publishing forms offer and how their answers become an item's fields: display
windows with quick choices, priorities, and the holidays of the party calendar. Pure functions
of the form's values and ``now`` (China time, ``content_server.timefmt``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from content_server.errors import ApiError
from content_server.timefmt import CHINA_TZ, parse_local_datetime

# The display window's quick choices, in the order the form offers them.
WINDOWS = (
    ("always", "从现在起一直显示"),
    ("today", "今天（到今晚 24 点）"),
    ("week", "本周（到周日 24 点）"),
    ("month", "本月（到月底）"),
    ("hour", "1 小时"),
    ("custom", "自定义开始和结束时间"),
)
PRIORITIES = (("0", "普通"), ("100", "置顶（轮播时排在最前）"))
TOP_PRIORITY = 100


@dataclass(frozen=True)
class Window:
    """A display window; None: open on that side."""

    valid_from: datetime | None
    valid_until: datetime | None

    def fields(self) -> dict[str, str]:
        """The item's ``valid_from`` / ``valid_until`` as ISO text (only those set)."""
        found = {"valid_from": self.valid_from, "valid_until": self.valid_until}
        return {key: value.isoformat() for key, value in found.items() if value is not None}


def window_from_form(choice: str, start: str, end: str, now: datetime) -> Window:
    """The window a form chose: a quick choice (from now on), or ``custom`` with its two
    ``datetime-local`` values (China time; an empty start is now, an empty end is open).

    Raises:
        ApiError: 422 ``bad_window`` with one Chinese sentence.
    """
    local = now.astimezone(CHINA_TZ)
    midnight = datetime.combine(local.date(), time(0), CHINA_TZ)
    if choice == "always":
        return Window(None, None)
    if choice == "today":
        return Window(None, midnight + timedelta(days=1))
    if choice == "week":
        return Window(None, midnight + timedelta(days=7 - local.weekday()))
    if choice == "month":
        first = local.date().replace(day=1)
        following = (first + timedelta(days=32)).replace(day=1)
        return Window(None, datetime.combine(following, time(0), CHINA_TZ))
    if choice == "hour":
        return Window(None, now + timedelta(hours=1))
    if choice == "custom":
        begin = _when(start, "开始时间") if start.strip() else None
        until = _when(end, "结束时间") if end.strip() else None
        if begin and until and until <= begin:
            raise ApiError(422, "bad_window", "结束时间必须晚于开始时间")
        if until and until <= now:
            raise ApiError(422, "bad_window", "结束时间已经过去，内容将不会显示")
        return Window(begin, until)
    raise ApiError(422, "bad_window", "请选择显示时间")


def priority_from_form(value: str) -> int:
    """``0`` or ``100`` (置顶); anything else is refused.

    Raises:
        ApiError: 422 ``bad_priority``.
    """
    if value not in dict(PRIORITIES):
        raise ApiError(422, "bad_priority", "请选择普通或置顶")
    return int(value)


def _when(text: str, name: str) -> datetime:
    try:
        return parse_local_datetime(text)
    except ValueError:
        raise ApiError(
            422, "bad_window", f"{name}不是有效的时间（例如 2026-12-01 08:00）"
        ) from None


# --- holidays --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Holiday:
    """A day of the party calendar (see ../shared/DOMAIN.md).

    Attributes:
        month_day: ``MM-DD``.
        name: ``国庆节``.
        mood: ``festive`` (held back on mourning days), ``solemn`` (a commemoration) or
            ``mourning`` (国家公祭日: solemn content only; the screens turn solemn that day).
    """

    month_day: str
    name: str
    mood: str

    def next_date(self, today: date) -> date:
        """This holiday's date today or next (a year later once it has passed)."""
        month, day = (int(part) for part in self.month_day.split("-"))
        this_year = date(today.year, month, day)
        return this_year if this_year >= today else date(today.year + 1, month, day)


HOLIDAYS = (
    Holiday("01-01", "元旦", "festive"),
    Holiday("05-04", "五四青年节", "festive"),
    Holiday("07-01", "建党节", "festive"),
    Holiday("08-01", "建军节", "festive"),
    Holiday("09-03", "抗战胜利纪念日", "solemn"),
    Holiday("09-30", "烈士纪念日", "solemn"),
    Holiday("10-01", "国庆节", "festive"),
    Holiday("12-13", "国家公祭日", "mourning"),
    Holiday("12-18", "改革开放纪念日", "festive"),
)
MOURNING_WARNING = (
    "12月13日是南京大屠杀死难者国家公祭日，是国家哀悼日：只能发布庄严肃穆的内容，"
    "不要使用红色、金色等喜庆的颜色和图案。当天所有屏幕会自动换成黑白灰的肃穆主题，"
    "喜庆内容不会显示。"
)
SOLEMN_HINT = "纪念日：海报宜庄重，不宜喜庆。"


@dataclass(frozen=True)
class HolidayPick:
    """A holiday with its next date, for the quick picks."""

    holiday: Holiday
    day: date

    @property
    def label(self) -> str:
        return f"{self.holiday.name} {self.day.month}月{self.day.day}日"


def upcoming_holidays(now: datetime) -> list[HolidayPick]:
    """Every holiday with its next date (today counts), soonest first."""
    today = now.astimezone(CHINA_TZ).date()
    picks = [HolidayPick(each, each.next_date(today)) for each in HOLIDAYS]
    return sorted(picks, key=lambda pick: pick.day)


def holiday_on(day: date) -> Holiday | None:
    """The holiday that falls on ``day``, if any."""
    key = f"{day:%m-%d}"
    return next((each for each in HOLIDAYS if each.month_day == key), None)


def parse_day(text: str, now: datetime) -> date:
    """A ``YYYY-MM-DD`` day that is today or later (China time).

    Raises:
        ApiError: 422 ``bad_day``.
    """
    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        raise ApiError(422, "bad_day", "请选择日期（例如 2026-10-01）") from None
    if day < now.astimezone(CHINA_TZ).date():
        raise ApiError(422, "bad_day", "这一天已经过去，请选择今天或以后的日期")
    return day


def day_window(day: date, every_year: bool) -> Window:
    """The whole of ``day`` in China time; from that day on, with no end, when the poster
    is to come back every year (its ``show_on`` then keeps it to that day)."""
    start = datetime.combine(day, time(0), CHINA_TZ)
    return Window(start, None if every_year else start + timedelta(days=1))
