"""The screen's stored credential: 0600, replaced whole, and only used for the server and
screen it was made for; a damaged file is ignored with one log line (the screen pairs again)."""

from __future__ import annotations

import logging
import stat
from pathlib import Path

import pytest

from content_cache.enrollment import CREDENTIAL_FILE, read_credential, write_credential

SERVER = "http://10.0.0.5:8080"


def test_written_0600_and_read_back_for_its_server_and_screen(tmp_path: Path) -> None:
    path = write_credential(tmp_path / "cache", SERVER + "/", "hall-1", "kc_first")
    assert path == tmp_path / "cache" / CREDENTIAL_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert read_credential(tmp_path / "cache", SERVER, "hall-1") == "kc_first"
    write_credential(tmp_path / "cache", SERVER, "hall-1", "kc_second")
    assert read_credential(tmp_path / "cache", SERVER, "hall-1") == "kc_second"
    assert [p.name for p in (tmp_path / "cache").iterdir()] == [CREDENTIAL_FILE]  # no leftovers


@pytest.mark.parametrize(
    ("server", "screen"), [("http://10.0.0.6:8080", "hall-1"), (SERVER, "hall-2")]
)
def test_another_server_or_screen_does_not_use_it(tmp_path: Path, caplog, server, screen) -> None:
    write_credential(tmp_path, SERVER, "hall-1", "kc_first")
    with caplog.at_level(logging.WARNING, logger="content_cache.enrollment"):
        assert read_credential(tmp_path, server, screen) is None
    [line] = caplog.messages
    assert "it is for screen hall-1 on http://10.0.0.5:8080" in line


@pytest.mark.parametrize("content", ["", "{", "[]", '{"token": 5}'])
def test_a_damaged_file_is_ignored_in_one_line(tmp_path: Path, caplog, content: str) -> None:
    (tmp_path / CREDENTIAL_FILE).write_text(content, encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="content_cache.enrollment"):
        assert read_credential(tmp_path, SERVER, "hall-1") is None
    assert len(caplog.messages) == 1 and "\n" not in caplog.messages[0]


def test_no_file_is_no_credential(tmp_path: Path, caplog) -> None:
    assert read_credential(tmp_path, SERVER, "hall-1") is None
    assert caplog.messages == []
