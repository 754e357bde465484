"""Login limits are stored: a real ``kiosk server`` process, stopped and started again on the
same data directory, still refuses an account locked before the restart."""

from __future__ import annotations

from pathlib import Path

import requests
from account_helpers import PASSWORD
from server_helpers import AUTH, start_server, stop_server


def test_a_lock_survives_a_restart(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    server = start_server(data_dir)
    try:
        made = requests.post(
            f"{server.url}/api/accounts",
            headers=AUTH,
            json={"name": "王书记", "password": PASSWORD, "node_id": 1},
            timeout=10,
        )
        assert made.status_code == 201, made.text
        for _ in range(5):
            wrong = {"name": "王书记", "password": "guess-guess"}
            assert (
                requests.post(f"{server.url}/api/login", json=wrong, timeout=10).status_code == 401
            )
    finally:
        assert stop_server(server.process) == 0
    again = start_server(data_dir)
    try:
        right = {"name": "王书记", "password": PASSWORD}
        answer = requests.post(f"{again.url}/api/login", json=right, timeout=10)
        assert answer.status_code == 429, answer.text
        assert answer.json()["code"] == "too_many_attempts"
        assert 0 < int(answer.headers["Retry-After"]) <= 900
    finally:
        stop_server(again.process)
