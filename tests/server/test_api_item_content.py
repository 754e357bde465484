"""What the wire format allows but a screen cannot show: refused when publishing. Urgent
notices from publish to the screen's plan."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from server_helpers import AUTH, get_manifest, manifest, publish

from content_cache.wire import parse_manifest
from kiosk.core.schedule import plan_for


def refused(client: TestClient, **payload: Any) -> dict[str, Any]:
    response = client.post("/api/items", headers=AUTH, json={"to": "all", **payload})
    assert response.status_code == 422, response.text
    return dict(response.json())


@pytest.mark.parametrize("text", ["", "   \n "])
def test_a_notice_needs_text(client: TestClient, text: str) -> None:
    answer = refused(client, kind="notice", text=text, urgent=True)
    assert answer == {"detail": "通知正文 text 不能为空", "code": "invalid_item"}


def test_an_honor_roll_needs_entries_with_names(client: TestClient) -> None:
    assert "至少要有一条" in refused(client, kind="honor_roll", entries=[])["detail"]
    entries = [{"name": "张三"}, {"name": "  ", "title": "优秀共产党员"}]
    answer = refused(client, kind="honor_roll", entries=entries)
    assert answer["detail"] == "字段 entries[1].name：姓名不能为空"


def test_honor_roll_limits(client: TestClient) -> None:
    answer = refused(client, kind="honor_roll", entries=[{"name": "长" * 501}])
    assert answer["detail"] == "字段 entries[0].name：太长（最多 500 个字符）"
    many = [{"name": f"党员{i}"} for i in range(5001)]
    assert "条目太多（最多 5000 个）" in refused(client, kind="honor_roll", entries=many)["detail"]


def test_names_with_markup_are_stored_verbatim(client: TestClient) -> None:
    name = "<b>张三</b> & <script>alert(1)</script>"
    entry = {"name": name, "title": "<i>优秀</i>", "citation": "a &amp; b", "photo": None}
    publish(client, kind="honor_roll", title="光荣榜", to="all", entries=[entry])
    [item] = manifest(client)["items"]
    assert item["entries"] == [entry]


def test_an_urgent_notice_reaches_the_screens_plan(client: TestClient) -> None:
    publish(client, kind="notice", text="普通通知", to="all")
    urgent = publish(client, kind="notice", text="紧急：今天下午停电", urgent=True, to="all")
    parsed = parse_manifest(get_manifest(client, "s1").content)
    plan = plan_for(parsed, datetime(2026, 6, 1, 5, 0, tzinfo=UTC))
    assert plan.urgent is not None and plan.urgent.id == urgent["id"]
    assert [n.text for n in plan.notices] == ["普通通知"]


def test_an_emergency_stop_for_all_screens_blanks_the_plan(client: TestClient) -> None:
    publish(client, kind="notice", text="紧急", urgent=True, to="all")
    client.put("/api/screens/s1/settings", headers=AUTH, json={"emergency_stop": False})
    client.put("/api/screens/all/settings", headers=AUTH, json={"emergency_stop": True})
    parsed = parse_manifest(get_manifest(client, "s1").content)
    plan = plan_for(parsed, datetime(2026, 6, 1, 5, 0, tzinfo=UTC))
    assert plan.stopped and plan.urgent is None and plan.rotation == []
