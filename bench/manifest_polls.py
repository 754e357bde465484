"""Manifest polls per second with manifest signing on, against the same server with it off.

A screen polls its manifest with ``If-None-Match`` (60 s apart, a fleet of thousands); almost
every poll is a 304. Signing must not make those dearer: the signature is made once per body
and key set and kept (``content_server/signing.py``), never once per poll. Target: 304 polls
per second with signing on within 5 % of the same with signing off.

The content server runs as a child process of this script on loopback, on one data directory
with a generated content set (posters published to all screens), in one of three modes that
differ only in the key ring handed to ``create_app``:

- ``on``: the product, the ring in the data directory (one key), signatures cached;
- ``off`` (baseline): a ring with no keys, so manifests list no key and carry no signature;
- ``uncached``: the real key, the signature cache turned off (every 200 answer signs anew;
  a 304 never signs), to show what the cache saves.

Clients: ``--threads`` threads in this process, each with its own ``requests.Session``
(keep-alive), cycling over ``--screens`` screens with their own tokens, counting completed
requests: 304 polls (each with the manifest's ETag) and full 200 fetches (no
``If-None-Match``). The three servers run at the same time, idle but for the one under load,
and the load moves between them in short slices (``--seconds`` each, modes in rotated order,
``--slices`` times), so a change in what else the machine is doing falls on all three alike;
on a machine shared with other work, measurements minutes apart differed by more than the 5 %
to be shown. Reported per mode: requests per second over all its slices, requests per second
of the server process's CPU time (user + system, ``/proc/PID/stat``), and the median over the
slices of the ratio to the baseline's slice next to it. Client and server share the machine,
so the figures are the system's throughput on loopback, and only the ratios are the result.

Run from the repository root: ``.venv/bin/python bench/manifest_polls.py [--quick]``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import requests
from _common import (
    Budget,
    fmt_bytes,
    poster_files,
    print_table,
    publish_poster,
    say,
    temp_workdir,
)

from content_cache.signature import SIGNATURE_HEADER
from content_server.client import PublishClient
from content_server.signing import KeySet, SigningRing
from kiosk.demo import stop_server, wait_until_ready

MODES = ("on", "off", "uncached")
TOKEN_ENV = "KIOSK_ADMIN_TOKEN"
ADMIN_TOKEN = "bench-admin-token-0123456789"


class UnsignedRing(SigningRing):
    """Signing off (the baseline): a ring with no keys."""

    def current(self) -> KeySet:
        return KeySet(0, ())


# -- the server child ------------------------------------------------------------------------


def serve(data_dir: Path, mode: str) -> int:
    """Run the content server on a free loopback port with signing ``mode`` until SIGTERM;
    prints ``ready on URL`` once listening (as ``kiosk server`` does)."""
    import logging

    import uvicorn

    from content_server.app import create_app
    from content_server.serve import ReadyServer, base_url, bind_socket
    from content_server.settings import ServerSettings
    from content_server.signing import SIGNING_DIR

    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    ring: SigningRing | None = None
    if mode == "off":
        ring = UnsignedRing(data_dir / SIGNING_DIR)
    elif mode == "uncached":
        ring = SigningRing.load_or_create(data_dir)
        ring.cache_entries = 0
    settings = ServerSettings(data_dir=data_dir, admin_token=os.environ[TOKEN_ENV])
    app = create_app(settings, signing=ring)
    sock = bind_socket("127.0.0.1", 0)
    url = base_url("127.0.0.1", sock.getsockname()[1])
    config = uvicorn.Config(app, log_config=None, access_log=False, ws="none")
    server = ReadyServer(config, on_ready=lambda: print(f"ready on {url}", flush=True))
    server.run(sockets=[sock])
    return 0


def start(data_dir: Path, mode: str) -> tuple[subprocess.Popen[str], str]:
    command = [sys.executable, __file__, "--serve", str(data_dir), "--mode", mode]
    env = {**os.environ, TOKEN_ENV: ADMIN_TOKEN, "PYTHONUNBUFFERED": "1"}
    child = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env
    )
    return child, wait_until_ready(child)


# -- the load ----------------------------------------------------------------------------------


@dataclass
class Rate:
    """One slice: requests done, wall seconds, seconds of the server's CPU time."""

    done: int
    seconds: float
    cpu: float


@dataclass
class Server:
    mode: str
    child: subprocess.Popen[str]
    url: str
    etags: dict[str, str]


def screen_tokens(url: str, screens: list[str]) -> dict[str, str]:
    client = PublishClient(url, ADMIN_TOKEN)
    try:
        return {screen: str(client.screen_token(screen)["token"]) for screen in screens}
    finally:
        client.close()


def etags_of(url: str, tokens: dict[str, str]) -> dict[str, str]:
    with requests.Session() as session:
        answers = {
            screen: session.get(manifest_url(url, screen), headers=auth(token), timeout=10)
            for screen, token in tokens.items()
        }
    for answer in answers.values():
        answer.raise_for_status()
    return {screen: answer.headers["ETag"] for screen, answer in answers.items()}


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of process ``pid`` (all its threads), from /proc."""
    with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def load(server: Server, tokens: dict[str, str], threads: int, seconds: float, polls: bool) -> Rate:
    """``threads`` clients for ``seconds`` against ``server``: 304 polls (``polls``) or full
    200 fetches."""
    screens = sorted(tokens)
    done = [0] * threads
    wrong = [0] * threads
    go = threading.Event()
    stop_at = [0.0]
    expected = 304 if polls else 200

    def worker(index: int) -> None:
        with requests.Session() as session:
            go.wait()
            turn = index
            while time.monotonic() < stop_at[0]:
                screen = screens[turn % len(screens)]
                turn += 1
                headers = auth(tokens[screen])
                if polls:
                    headers["If-None-Match"] = server.etags[screen]
                answer = session.get(manifest_url(server.url, screen), headers=headers, timeout=10)
                done[index] += 1
                wrong[index] += answer.status_code != expected

    workers = [threading.Thread(target=worker, args=(i,)) for i in range(threads)]
    for each in workers:
        each.start()
    cpu_before = cpu_seconds(server.child.pid)
    started = time.monotonic()
    stop_at[0] = started + seconds
    go.set()
    for each in workers:
        each.join()
    elapsed = time.monotonic() - started
    cpu = cpu_seconds(server.child.pid) - cpu_before
    if sum(wrong):
        raise RuntimeError(f"{sum(wrong)} answers were not {expected} (signing {server.mode})")
    return Rate(sum(done), elapsed, cpu)


def manifest_url(url: str, screen: str) -> str:
    return f"{url}/api/screens/{screen}/manifest"


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


# -- the run -----------------------------------------------------------------------------------


def run(workdir: Path, args: argparse.Namespace, budget: Budget) -> None:
    data_dir = workdir / "server-data"
    screens = [f"bench-{i:02d}" for i in range(args.screens)]
    paths = poster_files(args.posters, 100_000)
    child, url = start(data_dir, "on")
    try:
        client = PublishClient(url, ADMIN_TOKEN)
        say(f"publishing {len(paths)} posters to {url}")
        for i, path in enumerate(paths):
            publish_poster(client, path, f"海报 {i}")
        client.close()
        tokens = screen_tokens(url, screens)
        sample = requests.get(manifest_url(url, screens[0]), headers=auth(tokens[screens[0]]))
        body_bytes, signature = len(sample.content), sample.headers.get(SIGNATURE_HEADER, "")
    finally:
        stop_server(child)
    servers: list[Server] = []
    try:
        for mode in MODES:
            child, url = start(data_dir, mode)
            servers.append(Server(mode, child, url, {}))
            server = servers[-1]
            server.etags = etags_of(url, tokens)
            load(server, tokens, args.threads, 1.0, True)  # warm-up
        say(f"servers up: {', '.join(f'{s.mode} {s.url}' for s in servers)}")
        rates = measure(servers, tokens, args, budget)
    finally:
        for server in servers:
            stop_server(server.child)
    report(args, rates, body_bytes, signature)


Slices = dict[tuple[str, bool], list[Rate]]


def measure(
    servers: list[Server], tokens: dict[str, str], args: argparse.Namespace, budget: Budget
) -> Slices:
    rates: Slices = {(s.mode, polls): [] for s in servers for polls in (True, False)}
    for number in range(args.slices):
        budget.check(f"slice {number + 1}")
        order = servers[number % 3 :] + servers[: number % 3]
        for polls in (True, False):
            for server in order:
                rates[(server.mode, polls)].append(
                    load(server, tokens, args.threads, args.seconds, polls)
                )
        if (number + 1) % max(1, args.slices // 5) == 0:
            say(f"{number + 1} of {args.slices} slices")
    return rates


def report(args: argparse.Namespace, rates: Slices, body_bytes: int, signature: str) -> None:
    print(f"# bench/manifest_polls.py — {time.strftime('%Y-%m-%d %H:%M:%S %z')}")
    print(
        f"content: {args.posters} posters to all screens; manifest body {fmt_bytes(body_bytes)}, "
        f"signature header {len(signature)} characters; {args.screens} screens, "
        f"{args.threads} client threads; {args.slices} slices of {args.seconds:g} s per mode "
        "and kind, modes in rotated order; server and clients on 127.0.0.1"
    )
    labels = {
        "on": "signing on (cached signatures)",
        "off": "signing off (baseline)",
        "uncached": "signing on, cache off (diagnostic)",
    }
    for polls, title in (
        (True, "1. Manifest polls answered 304 (If-None-Match: the manifest's ETag)"),
        (False, "2. Full manifest fetches answered 200 (no If-None-Match)"),
    ):
        base = rates[("off", polls)]
        rows = []
        for mode in MODES:
            runs = rates[(mode, polls)]
            done = sum(r.done for r in runs)
            paired = [
                (r.done / r.seconds) / (b.done / b.seconds) for r, b in zip(runs, base, strict=True)
            ]
            rows.append([
                labels[mode],
                f"{done / sum(r.seconds for r in runs):.0f}",
                f"{done / max(sum(r.cpu for r in runs), 0.01):.0f}",
                f"{(statistics.median(paired) - 1) * 100:+.1f}%",
                f"{(min(paired) - 1) * 100:+.0f}% .. {(max(paired) - 1) * 100:+.0f}%",
            ])  # fmt: skip
        headers = ["server", "per s", "per CPU-s", "vs baseline", "slices vs baseline"]
        print_table(title, headers, rows)
    print(
        "per s: requests over all slices / their wall time; per CPU-s: / the server process's\n"
        "CPU time; vs baseline: median over the slices of (rate / baseline's rate in the same\n"
        "slice) - 1, and its range. Target: 304 polls with signing on within 5 % of off."
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0] if __doc__ else None,
        epilog="Figures go to stdout, progress lines to stderr.",
    )
    parser.add_argument("--quick", action="store_true", help="small, few slices: a smoke test")
    parser.add_argument("--posters", type=int, help="posters published (default 200; quick 20)")
    parser.add_argument("--screens", type=int, default=8, help="screens polled (default 8)")
    parser.add_argument("--threads", type=int, default=4, help="client threads (default 4)")
    parser.add_argument("--seconds", type=float, help="length of a slice (default 2; quick 1)")
    parser.add_argument("--slices", type=int, help="slices per mode and kind (default 25; quick 2)")
    parser.add_argument(
        "--max-seconds", type=float, default=900, help="give up after this long (default 900)"
    )
    parser.add_argument("--keep", action="store_true", help="keep the working directory")
    parser.add_argument("--serve", type=Path, help=argparse.SUPPRESS)  # the server child
    parser.add_argument("--mode", choices=MODES, default="on", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve is not None:
        return serve(args.serve, args.mode)
    args.posters = args.posters or (20 if args.quick else 200)
    args.seconds = args.seconds or (1.0 if args.quick else 2.0)
    args.slices = args.slices or (2 if args.quick else 25)
    if not (1 <= args.posters <= 2000 and 1 <= args.screens <= 100 and 1 <= args.threads <= 64):
        parser.error("need 1..2000 posters, 1..100 screens, 1..64 threads")
    if not (0.5 <= args.seconds <= 60 and 1 <= args.slices <= 200):
        parser.error("--seconds must be 0.5..60 and --slices 1..200")
    budget = Budget(args.max_seconds)
    try:
        with temp_workdir("kiosk-bench-polls-", keep=args.keep) as workdir:
            run(workdir, args, budget)
    except Exception as exc:  # the script's boundary: one line, non-zero
        why = f"{type(exc).__name__}: {exc}"
        print(f"bench/manifest_polls.py: could not run: {why}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
