"""``kiosk demo``'s content against the real server: its meeting's sign-in opens soon after."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import requests

from content_cache.wire import parse_manifest
from kiosk.core.schedule import plan_for
from kiosk.demo import DEMO_SCREEN, publish_demo_content
from kiosk.demo_content import DEMO_SIGNIN_OPENS_AFTER
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
