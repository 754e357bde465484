"""Log lines: the time with its UTC offset, in text and in JSON."""

from __future__ import annotations

import json
import logging
import re
from datetime import datetime

from kiosk.core.logs import JsonFormatter, TextFormatter

OFFSET = r"[+-]\d{2}:\d{2}$"


def _record(created: float) -> logging.LogRecord:
    record = logging.makeLogRecord({"name": "kiosk.qt", "levelname": "INFO", "msg": "海报 %s"})
    record.args = ("已显示",)
    record.created = created
    return record


def test_text_lines_carry_the_local_time_with_its_offset():
    created = 1_764_831_903.12  # 2025-12-04T07:05:03.120Z
    line = TextFormatter().format(_record(created))
    stamp, rest = line.split(" ", 1)
    assert rest == "INFO kiosk.qt: 海报 已显示"
    assert re.search(OFFSET, stamp), stamp
    assert datetime.fromisoformat(stamp).timestamp() == created  # the same instant


def test_json_lines_carry_utc_with_its_offset():
    line = json.loads(JsonFormatter().format(_record(1_764_831_903.12)))
    assert line["ts"] == "2025-12-04T07:05:03.120+00:00"
    assert line["msg"] == "海报 已显示"
