"""Publish latency: from a publish returning to the screen showing the poster, push on vs off.

The real ``kiosk server`` and a real screen (``kiosk run --log-json`` under
``QT_QPA_PLATFORM=offscreen``, through ``tests.support.processes.ScreenProcess``) on loopback.
Each round withdraws the previous poster, so the new one is alone in the rotation and is shown
as soon as the screen has it, then publishes a new poster in-process with
``PublishClient.publish`` (the image was uploaded beforehand) and measures from the wall clock
just after that HTTP call returned to the ``ts`` of the screen's ``item_shown`` line for the
new item (both wall clock on this machine).

Push on (``push = true``, ``poll_seconds = 60``) is measured against push off (``push = false``)
with a short poll interval; without push the expected median is about half the interval.
Target: median under 1 s with push.

Run from the repository root: ``.venv/bin/python bench/publish_latency.py [--quick]``.
"""

from __future__ import annotations

import argparse
import random
import re
import statistics
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from _common import (
    Budget,
    fmt_seconds,
    poster_files,
    print_table,
    running_server,
    say,
    temp_workdir,
)

from content_server.client import PublishClient
from tests.support.processes import LogLine, ScreenProcess, event

TARGET_SECONDS = 1.0
SETTLE_SECONDS = 0.3  # after a withdrawal is on screen (push mode), before the next publish
SYNC_LINE = re.compile(r"sync updated: revision (\d+)")
PUSH_LINE = re.compile(r"push: revision (\d+) announced")


@dataclass
class Mode:
    name: str
    push: bool
    poll_seconds: float
    latencies: list[float] = field(default_factory=list)
    steps: dict[str, list[float]] = field(default_factory=dict)
    publish_calls: list[float] = field(default_factory=list)


def ts(line: LogLine) -> float:
    """The wall-clock time of a JSON log line (its ``ts`` field)."""
    return datetime.fromisoformat(str(line["ts"])).timestamp()


def first_time(lines: list[LogLine], match: Any) -> float | None:
    for line in lines:
        if match(line):
            return ts(line)
    return None


def revision_at_least(pattern: re.Pattern[str], revision: int) -> Any:
    def match(line: LogLine) -> bool:
        found = pattern.match(str(line.get("msg", "")))
        return bool(found) and int(found.group(1)) >= revision

    return match


def measure(
    mode: Mode,
    client: PublishClient,
    server_url: str,
    images: list[dict[str, Any]],
    workdir: Path,
    budget: Budget,
    rng: random.Random,
) -> None:
    """Run the warm-up round and ``len(images) - 1`` measured rounds against a fresh screen."""
    screen_id = f"latency-{'push' if mode.push else 'poll'}"
    client.put_settings(screen_id, {"poster_seconds": 60})  # one poster: no re-show mid-round
    config = workdir / f"{screen_id}.toml"
    config.write_text(
        f"poll_seconds = {mode.poll_seconds}\npush = {'true' if mode.push else 'false'}\n"
        "max_backoff_seconds = 2\n",
        encoding="utf-8",
    )
    say(f"{mode.name}: starting the screen (poll_seconds = {mode.poll_seconds})")
    screen = ScreenProcess(
        ["--config", str(config), "--server", server_url, "--screen", screen_id,
         "--cache", str(workdir / f"{screen_id}-cache"), "--windowed"],
        token=client.screen_token(screen_id)["token"],
    )  # fmt: skip
    wait = mode.poll_seconds * 1.2 + 20  # a poll, with jitter, plus start-up slack
    try:
        screen.wait_for(event("snapshot_loaded"), timeout=60)
        connected = lambda r: "push connected" in str(r.get("msg", ""))  # noqa: E731
        if mode.push and not any(connected(r) for r in screen.lines):
            screen.wait_for(connected, timeout=30)
        previous: str | None = None
        for round_no, image in enumerate(images):
            budget.check(f"{mode.name} round {round_no}")
            if previous is not None:
                withdrawn = client.withdraw(previous)["revision"]
                if mode.push:  # let the withdrawal reach the screen: no sync in flight
                    screen.wait_for(
                        lambda r, rev=withdrawn: (
                            r.get("event") == "snapshot_loaded"
                            and int(r.get("revision", -1)) >= rev
                        ),
                        timeout=wait,
                    )
                    time.sleep(SETTLE_SECONDS)
                else:  # publish at a random phase of the poll timer
                    time.sleep(rng.uniform(0, mode.poll_seconds))
            mark = len(screen.lines)
            before = time.time()
            published = client.publish(
                {"kind": "poster", "title": f"时延 {round_no}", "to": screen_id, "image": image}
            )
            returned = time.time()
            shown = screen.wait_for(event("item_shown", item_id=published["id"]), timeout=wait)
            previous = published["id"]
            latency = ts(shown) - returned
            label = "warm-up" if round_no == 0 else f"round {round_no}/{len(images) - 1}"
            say(f"{mode.name}: {label}: {fmt_seconds(latency)}")
            if round_no == 0:
                continue  # Qt, the decoder pool and the connections warm up
            mode.latencies.append(latency)
            mode.publish_calls.append(returned - before)
            record_steps(mode, screen.lines[mark:], published["revision"], returned, ts(shown))
    finally:
        screen.stop()


def record_steps(
    mode: Mode, lines: list[LogLine], revision: int, returned: float, shown: float
) -> None:
    """Split one latency at the screen's own log lines: push hint, sync done, snapshot loaded."""
    pushed = first_time(lines, revision_at_least(PUSH_LINE, revision))
    synced = first_time(lines, revision_at_least(SYNC_LINE, revision))
    loaded = first_time(
        lines,
        lambda r: r.get("event") == "snapshot_loaded" and int(r.get("revision", -1)) >= revision,
    )
    marks = [("publish returned", returned)]
    if mode.push and pushed is not None:
        marks.append(("push hint logged", pushed))
    if synced is not None:
        marks.append(("sync done", synced))
    if loaded is not None:
        marks.append(("snapshot loaded", loaded))
    marks.append(("item_shown", shown))
    for (start_name, start), (end_name, end) in zip(marks, marks[1:], strict=False):
        mode.steps.setdefault(f"{start_name} -> {end_name}", []).append(end - start)


def report(modes: list[Mode], rounds: int) -> None:
    print(f"# bench/publish_latency.py — {time.strftime('%Y-%m-%d %H:%M:%S %z')}")
    print(
        "server and screen (kiosk run, QT_QPA_PLATFORM=offscreen) on 127.0.0.1; poster ~500 kB "
        "JPEG 1080x1920, uploaded before the clock starts;\npublished in-process with "
        "PublishClient.publish; latency = item_shown line's ts - wall clock after publish "
        f"returned; {rounds} rounds per mode after 1 warm-up"
    )
    rows = []
    for mode in modes:
        if not mode.latencies:
            continue
        if mode.push:
            goal = f"target: median < {fmt_seconds(TARGET_SECONDS)}"
            verdict = "met" if statistics.median(mode.latencies) < TARGET_SECONDS else "MISSED"
        else:
            goal = f"baseline: ~poll/2 = {fmt_seconds(mode.poll_seconds / 2)}"
            verdict = ""
        rows.append([
            mode.name,
            f"{mode.poll_seconds:g} s",
            len(mode.latencies),
            fmt_seconds(statistics.median(mode.latencies)),
            fmt_seconds(max(mode.latencies)),
            fmt_seconds(min(mode.latencies)),
            goal,
            verdict,
        ])  # fmt: skip
    print_table(
        "Publish -> shown on screen",
        ["mode", "poll_seconds", "rounds", "median", "worst", "best", "target / baseline", ""],
        rows,
    )
    for mode in modes:
        if not mode.latencies:
            continue
        steps = [
            [name, fmt_seconds(statistics.median(v)), fmt_seconds(max(v)), len(v)]
            for name, v in mode.steps.items()
        ]
        steps.append([
            "(publish call itself, before the clock starts)",
            fmt_seconds(statistics.median(mode.publish_calls)),
            fmt_seconds(max(mode.publish_calls)),
            len(mode.publish_calls),
        ])  # fmt: skip
        print_table(
            f"   {mode.name}: where the time goes (from the screen's log lines)",
            ["step", "median", "worst", "n"],
            steps,
        )
        print("   each round (s): " + " ".join(f"{v:.2f}" for v in mode.latencies))
    sys.stdout.flush()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0] if __doc__ else None,
        epilog="Figures go to stdout, progress lines to stderr.",
    )
    parser.add_argument("--quick", action="store_true", help="3 rounds per mode: a smoke test")
    parser.add_argument("--rounds", type=int, help="measured rounds per mode (default 20)")
    parser.add_argument(
        "--poll-seconds",
        type=float,
        default=5.0,
        help="poll interval of the push-off baseline (default 5)",
    )
    parser.add_argument(
        "--push-poll-seconds",
        type=float,
        default=60.0,
        help="poll interval while push is on (default 60)",
    )
    parser.add_argument(
        "--max-seconds", type=float, default=600, help="give up after this long (default 600)"
    )
    parser.add_argument("--seed", type=int, default=1, help="seed of the random publish phase")
    parser.add_argument("--keep", action="store_true", help="keep the working directory")
    args = parser.parse_args(argv)
    rounds = args.rounds or (3 if args.quick else 20)
    if not 1 <= rounds <= 200:
        parser.error("--rounds must be 1..200")
    if not (1 <= args.poll_seconds <= 60 and 1 <= args.push_poll_seconds <= 3600):
        parser.error("poll intervals: 1..60 s without push, 1..3600 s with push")
    budget = Budget(args.max_seconds)
    rng = random.Random(args.seed)
    modes = [
        Mode("push on", push=True, poll_seconds=args.push_poll_seconds),
        Mode("push off", push=False, poll_seconds=args.poll_seconds),
    ]
    try:
        paths = poster_files(rounds + 1)
        with temp_workdir("kiosk-bench-latency-", keep=args.keep) as workdir:
            with running_server(workdir) as server:
                client = PublishClient(server.url, server.token)
                images = [client.upload_asset(path, purpose="image") for path in paths]
                for mode in modes:
                    measure(mode, client, server.url, images, workdir, budget, rng)
    except Exception as exc:  # the script's boundary: one line (or the screen's last lines)
        print(f"bench/publish_latency.py: could not run: {type(exc).__name__}: {exc}",
              file=sys.stderr)  # fmt: skip
        return 1
    report(modes, rounds)
    return 0


if __name__ == "__main__":
    sys.exit(main())
