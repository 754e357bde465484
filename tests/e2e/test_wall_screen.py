"""The wall screen end to end: honor roll from a CSV, urgent insert, emergency stop, all
published with `kiosk publish` against `kiosk server`, seen in the logs of `kiosk run`."""

import pytest

from tests.support.images import png_bytes
from tests.support.processes import event
from tests.support.processes import publish_cli as publish

pytestmark = pytest.mark.e2e
SCREEN = "wall-e2e"


def test_honor_roll_urgent_notice_and_emergency_stop(tmp_path, server, screens):
    for name in ("zhang", "li"):
        (tmp_path / f"{name}.png").write_bytes(png_bytes(90, 120))
    csv = tmp_path / "光荣榜.csv"
    csv.write_text(
        "姓名,称号,事迹,照片\n"
        "张建国,优秀共产党员,扎根基层三十年,zhang.png\n"
        "<b>李秀英</b>,党员先锋岗,连续值守社区四十天,li.png\n"
        "王志强,优秀党务工作者,支部工作规范有序,\n",
        encoding="gbk",
    )
    config = tmp_path / "kiosk.toml"
    config.write_text("poll_seconds = 2\nmax_backoff_seconds = 2\n")
    screen = screens(
        "--config", str(config), "--server", server.url, "--screen", SCREEN,
        "--cache", str(tmp_path / "cache"), "--windowed", token=server.screen_token(SCREEN),
    )  # fmt: skip
    screen.wait_for(event("idle_shown"))

    roll = publish(server, "honor-roll", "--title", "光荣榜", "--csv", str(csv), "--to", SCREEN)
    shown = screen.wait_for(event("item_shown", item_id=roll))
    assert shown["kind"] == "honor_roll"

    urgent = publish(server, "notice", "--urgent", "--text", "今天下午停电检修，活动改期")
    screen.wait_for(event("urgent_shown", item_id=urgent))

    publish(server, "emergency-stop", "--to", SCREEN)
    screen.wait_for(event("emergency_stop"))
    publish(server, "emergency-resume", "--to", SCREEN)
    screen.wait_for(event("emergency_resume"))
    screen.wait_for(event("urgent_shown", item_id=urgent))  # the insert is back on top

    publish(server, "withdraw", urgent)
    screen.wait_for(event("item_shown", item_id=roll))
    assert screen.proc.poll() is None
    assert not [r for r in screen.lines if r.get("level") in ("ERROR", "CRITICAL")]
