"""Settings are documented; times are parsed the way publishers write them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from pydantic import ValidationError

from content_server.settings import ServerSettings
from content_server.timefmt import from_db, parse_local_datetime, to_db

CST = timezone(timedelta(hours=8))


def test_every_setting_has_help_text() -> None:
    for name, field in ServerSettings.model_fields.items():
        assert field.description and len(field.description) > 10, name


def test_settings_refuse_an_empty_token(tmp_path) -> None:  # noqa: ANN001
    with pytest.raises(ValidationError):
        ServerSettings(data_dir=tmp_path, admin_token="")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-12-01T08:00", datetime(2026, 12, 1, 8, 0, tzinfo=CST)),
        ("2026-12-01 08:00", datetime(2026, 12, 1, 8, 0, tzinfo=CST)),
        ("2026-12-01", datetime(2026, 12, 1, 0, 0, tzinfo=CST)),
        ("2026-12-01T08:00:00+08:00", datetime(2026, 12, 1, 8, 0, tzinfo=CST)),
        ("2026-12-01T00:00Z", datetime(2026, 12, 1, 0, 0, tzinfo=UTC)),
        (" 2026-12-01T08:00:30 ", datetime(2026, 12, 1, 8, 0, 30, tzinfo=CST)),
    ],
)
def test_parse_local_datetime(text: str, expected: datetime) -> None:
    parsed = parse_local_datetime(text)
    assert parsed == expected
    assert parsed.utcoffset() == expected.utcoffset()


@pytest.mark.parametrize("text", ["tomorrow", "2026-13-01", "", "08:00", "2026/12/01 08:00"])
def test_parse_local_datetime_refuses_bad_text(text: str) -> None:
    with pytest.raises(ValueError):
        parse_local_datetime(text)


def test_database_time_text_sorts_like_time() -> None:
    early = datetime(2026, 12, 1, 8, 0, tzinfo=CST)  # 00:00 UTC
    late = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)
    assert to_db(early) < to_db(late)
    assert from_db(to_db(early)) == early
