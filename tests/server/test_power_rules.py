"""Power rules as publishers type them (``kiosk publish screen --power``)."""

from __future__ import annotations

import pytest

from content_cache.wire import PowerRule
from content_server.power_rules import (
    PowerRuleError,
    describe_power,
    describe_weekdays,
    parse_power_rule,
)


@pytest.mark.parametrize(
    ("text", "weekdays", "on", "off"),
    [
        ("1-5 07:30-18:00", [1, 2, 3, 4, 5], "07:30", "18:00"),
        ("1,3,5 8:00-12:00", [1, 3, 5], "08:00", "12:00"),
        ("1-3,6 07:00~19:30", [1, 2, 3, 6], "07:00", "19:30"),
        ("6-7 22:00-06:00", [6, 7], "22:00", "06:00"),  # past midnight
        ("07:30-18:00", [1, 2, 3, 4, 5, 6, 7], "07:30", "18:00"),  # every day
        ("1-5 18:00-24:00", [1, 2, 3, 4, 5], "18:00", "00:00"),
        ("1，2 07：30－18：00", [1, 2], "07:30", "18:00"),  # typed with a Chinese IME
    ],
)
def test_rules_that_parse(text: str, weekdays: list[int], on: str, off: str) -> None:
    rule = parse_power_rule(text)
    assert rule == {"weekdays": weekdays, "on": on, "off": off}
    PowerRule.model_validate(rule)  # and the wire format takes it


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("1-8 07:30-18:00", "1（周一）到 7（周日）"),
        ("5-1 07:30-18:00", "由小到大"),
        ("0 07:30-18:00", "1（周一）到 7（周日）"),
        ("1-5 07:30", "星期 开机-关机"),
        ("1-5 0730-1800", "HH:MM"),
        ("1-5 25:00-26:00", "不存在"),
        ("1-5 07:60-18:00", "不存在"),
        ("1-5 08:00-08:00", "相同"),
        ("weekdays 08:00-18:00", "星期 开机-关机"),
        ("1--5 08:00-18:00", "1-5 或 1,3,5"),
        ("", "星期 开机-关机"),
    ],
)
def test_rules_that_do_not_parse(text: str, needle: str) -> None:
    with pytest.raises(PowerRuleError, match=needle):
        parse_power_rule(text)


def test_descriptions_in_chinese() -> None:
    assert describe_weekdays([1, 2, 3, 4, 5]) == "周一至周五"
    assert describe_weekdays([1, 3, 6, 7]) == "周一、周三、周六、周日"
    assert describe_weekdays(list(range(1, 8))) == "每天"
    assert describe_power([]) == "不限（一直开机）"
    overnight = {"weekdays": [5], "on": "22:00:00", "off": "06:00:00"}
    assert describe_power([overnight]) == "周五 22:00 开机，次日 06:00 关机"
