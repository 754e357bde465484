"""``kiosk login``, ``kiosk logout``, ``kiosk admin user ...`` and ``kiosk publish`` as a
person, as real processes (``python -m kiosk``) against a real server on a loopback port."""

from __future__ import annotations

import json
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from server_helpers import TOKEN, RunningServer, clean_env, last_line, start_server, stop_server

pytestmark = pytest.mark.e2e

PASSWORD = "支部的密码-2026"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    running = start_server(tmp_path_factory.mktemp("login") / "data")
    try:
        yield running
    finally:
        stop_server(running.process)


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "config"


def kiosk(home: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {**clean_env(), "XDG_CONFIG_HOME": str(home)}
    result = subprocess.run(
        [sys.executable, "-m", "kiosk", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )
    assert "Traceback" not in result.stderr + result.stdout
    return result


def one_line_error(result: subprocess.CompletedProcess[str], prog: str, code: str) -> str:
    assert result.returncode != 0, result
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(prog) and code in lines[0], lines[0]
    return lines[0]


def test_administer_log_in_and_publish_as_a_person(server: RunningServer, home: Path) -> None:
    admin = ("admin", "--server", server.url, f"--token={TOKEN}")
    branch = last_line(kiosk(home, *admin, "org", "add", "登录党支部", "--kind", "党支部"))
    sibling = last_line(kiosk(home, *admin, "org", "add", "隔壁党支部", "--kind", "党支部"))
    made = kiosk(
        home,
        *admin,
        "user",
        "add",
        "赵书记",
        "--node",
        "登录党支部",
        "--role",
        "administrator",
        stdin=PASSWORD + "\n",
    )
    assert last_line(made) == "赵书记"
    # The branch administrator, logged in, makes a publisher of its own branch.
    assert (
        last_line(
            kiosk(home, "login", "--server", server.url, "--name", "赵书记", stdin=PASSWORD + "\n")
        )
        == "赵书记"
    )
    path = home / "kiosk" / "credentials"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    stored = json.loads(path.read_text(encoding="utf-8"))[server.url]
    assert stored["name"] == "赵书记" and stored["token"].startswith("kp_")
    mine = ("admin", "--server", server.url)
    added = kiosk(home, *mine, "user", "add", "钱委员", "--node", branch, stdin="钱的密码-12345\n")
    assert last_line(added) == "钱委员"
    assert last_line(kiosk(home, *mine, "user", "grant", "钱委员", "publisher", "--node", branch))
    listing = kiosk(home, *mine, "user", "list")
    assert "钱委员" in listing.stdout and "发布员" in listing.stdout
    refused = kiosk(home, *mine, "user", "grant", "钱委员", "publisher", "--node", sibling)
    one_line_error(refused, "kiosk admin user grant", "node_not_found")
    # Publishing with the stored token: its branch yes, the sibling no.
    publish = ("publish", "--server", server.url)
    notice = kiosk(home, *publish, "notice", "--text", "支部通知", "--to", f"node:{branch}")
    item = last_line(notice)
    other = kiosk(home, *publish, "notice", "--text", "越权", "--to", f"node:{sibling}")
    one_line_error(other, "kiosk publish notice", "node_not_found")
    assert last_line(kiosk(home, *publish, "withdraw", item)) == item
    # The shared admin token keeps working.
    assert kiosk(home, *publish, f"--token={TOKEN}", "notice", "--text", "全体").returncode == 0
    # Logout revokes the token on the server and forgets it.
    assert kiosk(home, "logout", "--server", server.url).returncode == 0
    gone = requests.get(
        f"{server.url}/api/me", headers={"Authorization": f"Bearer {stored['token']}"}, timeout=10
    )
    assert gone.status_code == 401
    missing = kiosk(home, *publish, "notice", "--text", "x")
    one_line_error(missing, "kiosk publish notice", "usage")
    assert "kiosk login" in missing.stderr


def test_a_wrong_password_is_one_line(server: RunningServer, home: Path) -> None:
    result = kiosk(
        home, "login", "--server", server.url, "--name", "没有的人", stdin="wrong-password\n"
    )
    one_line_error(result, "kiosk login", "bad_credentials")
    assert not (home / "kiosk" / "credentials").exists()


def test_an_empty_password_and_a_dead_server_are_one_line(home: Path, closed_port_url: str) -> None:
    empty = kiosk(home, "login", "--server", closed_port_url, "--name", "x", stdin="\n")
    one_line_error(empty, "kiosk login", "usage")
    dead = kiosk(home, "login", "--server", closed_port_url, "--name", "x", stdin="pw-123456\n")
    one_line_error(dead, "kiosk login", "connection_failed")


def test_a_personal_token_works_with_token(server: RunningServer, home: Path) -> None:
    admin = ("admin", "--server", server.url, f"--token={TOKEN}")
    kiosk(
        home,
        *admin,
        "user",
        "add",
        "孙委员",
        "--node",
        "1",
        "--role",
        "viewer",
        stdin=PASSWORD + "\n",
    )
    session = requests.post(
        f"{server.url}/api/login", json={"name": "孙委员", "password": PASSWORD}, timeout=10
    ).json()["token"]
    token = requests.post(
        f"{server.url}/api/me/tokens",
        headers={"Authorization": f"Bearer {session}"},
        json={"label": "x"},
        timeout=10,
    ).json()["token"]
    totals = kiosk(home, "publish", "--server", server.url, f"--token={token}", "learning-totals")
    assert totals.returncode == 0, totals.stderr
    refused = kiosk(
        home, "publish", "--server", server.url, f"--token={token}", "notice", "--text", "x"
    )
    one_line_error(refused, "kiosk publish notice", "forbidden")
