"""``kiosk demo``'s content against the real server: its meeting's sign-in opens soon after; its
organisation (a 党委 with two 党支部, a screen in each) and an account per role whose printed
passwords log in."""

from __future__ import annotations

import socket
from datetime import UTC, datetime, timedelta

import requests

from content_cache.wire import parse_manifest
from kiosk.core.schedule import plan_for
from kiosk.demo import DEMO_SCREEN, publish_demo_content, start_accounts
from kiosk.demo_content import DEMO_POSTER_SECONDS, DEMO_SIGNIN_OPENS_AFTER
from kiosk.demo_org import DEMO_ACCOUNTS, SECOND_SCREEN
from tests.support.signin import live


def test_demo_meeting_is_open_for_sign_in_with_a_roster(server, tmp_path) -> None:
    ids = publish_demo_content(server.url, server.token, tmp_path / "upload")
    url = f"{server.url}/api/screens/{DEMO_SCREEN}/manifest"
    body = requests.get(url, headers=server.screen_auth(DEMO_SCREEN), timeout=10).content
    manifest = parse_manifest(body)
    assert plan_for(manifest, datetime.now(UTC)).signin is None  # the rotation shows first
    plan = plan_for(manifest, datetime.now(UTC) + DEMO_SIGNIN_OPENS_AFTER + timedelta(seconds=1))
    assert plan.signin is not None and plan.signin.id in ids
    assert plan.signin.meeting_type == "支部党员大会"
    count = live(server, plan.signin.id)
    assert (count["present"], count["expected"]) == (0, 5)
    assert len(plan.rotation) >= 4  # the posters and the honor roll come after the card


def test_the_demo_shows_the_honor_roll_and_its_posters_before_the_sign_in_card(
    server, tmp_path
) -> None:
    publish_demo_content(server.url, server.token, tmp_path / "upload")
    url = f"{server.url}/api/screens/{DEMO_SCREEN}/manifest"
    body = requests.get(url, headers=server.screen_auth(DEMO_SCREEN), timeout=10).content
    manifest = parse_manifest(body)
    plan = plan_for(manifest, datetime.now(UTC))
    kinds = [item.kind for item in plan.rotation]
    assert kinds[:2] == ["poster", "honor_roll"]  # the honor roll within the first 10 s
    assert plan.notices  # the band shows the notice from the start
    # one round of the rotation (two honor-roll pages at 8 s) ends before sign-in opens
    poster_seconds = manifest.settings.poster_seconds
    assert poster_seconds == DEMO_POSTER_SECONDS
    one_round = kinds.count("poster") * poster_seconds + 2 * 8
    assert one_round + 10 < DEMO_SIGNIN_OPENS_AFTER.total_seconds()


def test_demo_on_the_lan_puts_the_public_address_in_the_sign_in_code(tmp_path) -> None:
    import secrets as tokens

    from kiosk.demo import (
        DemoError,
        lan_server_options,
        start_server,
        stop_server,
        wait_until_ready,
    )

    try:
        options = lan_server_options()  # this machine's LAN address and a free port
    except DemoError as exc:  # a machine with no network: the same path, loopback as "LAN"
        assert "no network address" in str(exc)
        with socket.socket() as free:
            free.bind(("", 0))
            port = free.getsockname()[1]
        options = {"host": "0.0.0.0", "port": port, "public_url": f"http://127.0.0.1:{port}"}
    assert options["host"] == "0.0.0.0"
    assert options["public_url"].endswith(f":{options['port']}")
    token = tokens.token_urlsafe(24)
    server = start_server(tmp_path / "server", token, **options)
    try:
        wait_until_ready(server)
        local = f"http://127.0.0.1:{options['port']}"
        publish_demo_content(local, token, tmp_path / "upload")
        auth = {"Authorization": f"Bearer {token}"}  # the admin token reads any manifest
        body = requests.get(f"{local}/api/screens/{DEMO_SCREEN}/manifest", headers=auth,
                            timeout=10).content  # fmt: skip
        [meeting] = [i for i in parse_manifest(body).items if i.kind == "meeting"]
        assert meeting.signin is not None
        assert meeting.signin.url == f"{options['public_url']}/m/{meeting.id}"
        phone = requests.get(meeting.signin.url, timeout=10)  # reachable at the LAN address
        assert phone.status_code == 200 and "签到" in phone.text
    finally:
        stop_server(server)


def test_the_demo_makes_a_small_tree_and_an_account_per_role_that_logs_in(
    server, tmp_path, capsys
) -> None:
    thread = start_accounts(server.url, server.token, server.url)
    publish_demo_content(server.url, server.token, tmp_path / "upload")
    thread.join(60)
    assert not thread.is_alive()

    admin = {"Authorization": f"Bearer {server.token}"}
    nodes = requests.get(f"{server.url}/api/org/nodes", headers=admin, timeout=10).json()["nodes"]
    shape = [(n["name"], n["kind"], n["depth"], n["screens"]) for n in nodes]
    assert shape == [
        ("中共示范街道委员会", "党委", 0, 0),
        ("第一党支部", "党支部", 1, 1),
        ("第二党支部", "党支部", 1, 1),
    ]
    by_name = {n["name"]: n["id"] for n in nodes}
    for screen, branch in ((DEMO_SCREEN, "第一党支部"), (SECOND_SCREEN, "第二党支部")):
        place = requests.get(f"{server.url}/api/screens/{screen}/node", headers=admin, timeout=10)
        assert place.json()["node"]["id"] == by_name[branch]
    # The branch's own content reaches its screen only; the committee's reaches both.
    kinds = {}
    for screen in (DEMO_SCREEN, SECOND_SCREEN):
        body = requests.get(
            f"{server.url}/api/screens/{screen}/manifest", headers=admin, timeout=10
        ).content
        manifest = parse_manifest(body)
        kinds[screen] = {item.kind for item in manifest.items}
        if screen == DEMO_SCREEN:
            assert manifest.settings.org_name == "中共示范街道委员会 · 第一党支部"
        else:
            assert manifest.settings.org_name == "中共示范街道委员会"
    assert {"honor_roll", "meeting"} <= kinds[DEMO_SCREEN]
    assert "honor_roll" not in kinds[SECOND_SCREEN] and "poster" in kinds[SECOND_SCREEN]

    printed = capsys.readouterr().out
    assert f"演示服务器：{server.url}" in printed
    assert f"kiosk login --server {server.url} --name zhibu1-publisher" in printed
    for name, role, node in DEMO_ACCOUNTS:
        [line] = [line for line in printed.splitlines() if line.strip().startswith(name + " ")]
        assert node in line
        password = line.rsplit("密码：", 1)[1].strip()
        login = requests.post(
            f"{server.url}/api/login", json={"name": name, "password": password}, timeout=10
        )
        assert login.status_code == 200, login.text
        session = {"Authorization": f"Bearer {login.json()['token']}"}
        me = requests.get(f"{server.url}/api/me", headers=session, timeout=10).json()
        assert [(g["node_id"], g["role"]) for g in me["grants"]] == [(by_name[node], role)]
