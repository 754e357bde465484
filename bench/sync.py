"""Sync benchmark: cold sync, idle poll, a one-poster change and a resumed video download.

Against the real ``kiosk server`` on loopback, with a generated content set (posters: decodable
noise JPEGs of ~500 KB; videos: random bytes named ``.mp4``):

1. cold sync of ``SyncEngine.sync_once()`` into an empty cache, beside a plain ``requests`` loop
   and ``curl`` fetching the same files in the same run;
2. a poll with nothing changed: HTTP requests and body bytes (target: 1 request, no body);
3. one poster of N replaced (one withdrawn, one published): body bytes of that sync against
   new poster + manifest (target: within 2 %);
4. a connection cut at 50 % of a video: the first sync fails, the second resumes; bytes fetched
   again beyond what was missing (target: < 1 MB).

Run from the repository root: ``.venv/bin/python bench/sync.py [--quick]``.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import threading
import time
from collections import defaultdict
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import requests
from _common import (
    MB,
    Budget,
    CuttingProxy,
    counting_session,
    filesystem_of,
    fmt_bytes,
    fmt_seconds,
    poster_files,
    print_table,
    publish_poster,
    publish_video,
    running_server,
    say,
    temp_workdir,
    video_files,
)

from content_cache.store import CacheStore
from content_cache.sync import CHUNK_BYTES, SyncEngine
from content_cache.wire import AssetRef, parse_manifest
from content_server.client import PublishClient
from tests.support.proxy import FaultProxy

SCREEN = "bench-screen"
CURL = Path("/usr/bin/curl")
TIMEOUT = (5.0, 60.0)


class TimedStore(CacheStore):
    """A ``CacheStore`` that adds up where a sync spends its time (for the breakdown only).

    ``receive`` is time spent waiting for the next chunk from the network; ``write + fsync`` the
    rest of ``append_partial``; ``verify`` is ``finish_partial`` (sha256 of the file, rename,
    fsync of the directory). Downloads run on several threads at once, so these are
    thread-seconds: together they can exceed the wall time.
    """

    def __init__(self, root: Path) -> None:
        super().__init__(root)
        self.seconds: dict[str, float] = defaultdict(float)
        self._lock = threading.Lock()

    def _add(self, part: str, seconds: float) -> None:
        with self._lock:  # downloads run on several threads
            self.seconds[part] += seconds

    def append_partial(self, ref: AssetRef, chunks: Iterable[bytes], offset: int) -> int:
        start = time.perf_counter()
        waited = [0.0]

        def timed(source: Iterable[bytes]) -> Iterator[bytes]:
            iterator = iter(source)
            while True:
                before = time.perf_counter()
                try:
                    chunk = next(iterator)
                except StopIteration:
                    return
                finally:
                    waited[0] += time.perf_counter() - before
                yield chunk

        try:
            return super().append_partial(ref, timed(chunks), offset)
        finally:
            self._add("receive (waiting for the network)", waited[0])
            self._add("write + fsync", time.perf_counter() - start - waited[0])

    def finish_partial(self, ref: AssetRef) -> None:
        start = time.perf_counter()
        try:
            super().finish_partial(ref)
        finally:
            self._add("verify (sha256, rename, fsync dir)", time.perf_counter() - start)

    def commit(self, *args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        try:
            return super().commit(*args, **kwargs)
        finally:
            self._add("commit + gc", time.perf_counter() - start)

    def collect_garbage(self) -> int:
        start = time.perf_counter()
        try:
            return super().collect_garbage()
        finally:
            self._add("commit + gc", time.perf_counter() - start)


def manifest_url(server_url: str) -> str:
    return f"{server_url}/api/screens/{SCREEN}/manifest"


def auth(token: str) -> dict[str, str]:
    """The screen's ``Authorization`` header (the manifest needs the screen's token)."""
    return {"Authorization": f"Bearer {token}"}


# -- 1. cold sync ----------------------------------------------------------------------------


def cold_engine(server_url: str, dest: Path, token: str) -> tuple[float, int, TimedStore]:
    store = TimedStore(dest)
    engine = SyncEngine(store, server_url, SCREEN, timeout=TIMEOUT, token=token)
    start = time.perf_counter()
    result = engine.sync_once()
    seconds = time.perf_counter() - start
    if result.status != "updated":
        raise RuntimeError(f"cold sync did not complete: {result.status}: {result.message}")
    return seconds, result.downloaded_bytes, store


def cold_requests(
    server_url: str, dest: Path, token: str, fresh: bool = False
) -> tuple[float, int]:
    """The plain baseline: one Session, GET the manifest, GET every asset into a file.

    With ``fresh``, every asset request says ``Connection: close``, so each file comes over a
    new connection (a diagnostic: it shows what keep-alive costs or saves against this server).
    """
    headers = {"Connection": "close"} if fresh else {}
    dest.mkdir(parents=True)
    total = 0
    start = time.perf_counter()
    with requests.Session() as session:
        response = session.get(manifest_url(server_url), headers=auth(token), timeout=TIMEOUT)
        response.raise_for_status()
        refs = parse_manifest(response.content).assets().values()
        for ref in refs:
            url = f"{server_url}/assets/{ref.sha256}"
            with session.get(url, headers=headers, stream=True, timeout=TIMEOUT) as resp:
                resp.raise_for_status()
                with open(dest / ref.sha256, "wb") as out:
                    for chunk in resp.iter_content(CHUNK_BYTES):
                        out.write(chunk)
                        total += len(chunk)
    return time.perf_counter() - start, total


def cold_curl(
    server_url: str, refs: list[AssetRef], dest: Path, token: str, parallel: int = 0
) -> tuple[float, int]:
    """One ``curl`` process: the manifest, then every asset, each with its own ``-o``.

    Sequential (one connection, reused) unless ``parallel`` > 0, which adds
    ``--parallel --parallel-max N``.
    """
    dest.mkdir(parents=True)
    command = [str(CURL), "--silent", "--no-progress-meter", "--show-error", "--fail"]
    if parallel:
        command += ["--parallel", "--parallel-max", str(parallel)]
    command += ["-H", f"Authorization: Bearer {token}"]  # sent with every request, as is cheap
    command += ["-o", str(dest / "manifest.json"), manifest_url(server_url)]
    for ref in refs:
        command += ["-o", str(dest / ref.sha256), f"{server_url}/assets/{ref.sha256}"]
    start = time.perf_counter()
    subprocess.run(command, check=True, timeout=600, stdin=subprocess.DEVNULL)
    seconds = time.perf_counter() - start
    total = sum((dest / ref.sha256).stat().st_size for ref in refs)
    return seconds, total


# -- the benchmark ---------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0] if __doc__ else None,
        epilog="Figures go to stdout, progress lines to stderr.",
    )
    parser.add_argument("--quick", action="store_true", help="small sizes, one run: a smoke test")
    parser.add_argument("--posters", type=int, help="posters in the set (default 200; quick 20)")
    parser.add_argument("--videos", type=int, help="videos in the set (default 5; quick 2)")
    parser.add_argument("--video-mb", type=float, help="MB per video (default 20; quick 4)")
    parser.add_argument("--poster-kb", type=int, default=500, help="kB per poster (default 500)")
    parser.add_argument("--runs", type=int, help="cold-sync runs per client (default 3; quick 1)")
    parser.add_argument(
        "--max-seconds", type=float, default=1200, help="give up after this long (default 1200)"
    )
    parser.add_argument("--keep", action="store_true", help="keep the working directory")
    args = parser.parse_args(argv)
    posters = args.posters or (20 if args.quick else 200)
    videos = args.videos or (2 if args.quick else 5)
    video_bytes = int((args.video_mb or (4 if args.quick else 20)) * MB)
    runs = args.runs or (1 if args.quick else 3)
    if min(posters, videos, runs) < 1 or posters > 2000 or videos > 50 or runs > 10:
        parser.error("need 1..2000 posters, 1..50 videos, 1..10 runs")
    if not (100 <= args.poster_kb <= 1200 and 0.5 <= video_bytes / MB <= 2000):
        parser.error("--poster-kb must be 100..1200 and --video-mb 0.5..2000")
    budget = Budget(args.max_seconds)
    try:
        with temp_workdir("kiosk-bench-sync-", keep=args.keep) as workdir:
            run(workdir, posters, videos, video_bytes, args.poster_kb * 1000, runs, budget)
    except Exception as exc:  # the script's boundary: one line, non-zero
        print(f"bench/sync.py: could not run: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    return 0


def run(
    workdir: Path,
    n_posters: int,
    n_videos: int,
    video_bytes: int,
    poster_bytes: int,
    runs: int,
    budget: Budget,
) -> None:
    # One spare poster (the replacement in 3.) and one spare video (the one cut in 4.).
    poster_paths = poster_files(n_posters + 1, poster_bytes)
    video_paths = video_files(n_videos + 1, video_bytes)
    budget.check("publishing")
    with running_server(workdir) as server:
        client = PublishClient(server.url, server.token)
        say(f"publishing {n_posters} posters and {n_videos} videos to {server.url}")
        published = [
            publish_poster(client, path, f"海报 {i}") for i, path in enumerate(poster_paths[:-1])
        ]
        for i, path in enumerate(video_paths[:-1]):
            publish_video(client, path, f"党史故事 {i}")
        poster_mean = sum(p.stat().st_size for p in poster_paths[:-1]) / n_posters
        set_bytes = sum(p.stat().st_size for p in poster_paths[:-1] + video_paths[:-1])
        n_files = n_posters + n_videos

        # 1. cold sync --------------------------------------------------------------------
        token = server.screen_token(SCREEN)
        manifest = requests.get(manifest_url(server.url), headers=auth(token), timeout=10)
        refs = list(parse_manifest(manifest.content).assets().values())
        parallel = int(getattr(SyncEngine(CacheStore(workdir / "probe"), server.url, SCREEN),
                               "max_downloads", 1))  # fmt: skip
        clients = ["engine", "requests", "requests-fresh"]
        if CURL.exists():
            clients += ["curl"] + (["curl-parallel"] if parallel > 1 else [])
        times: dict[str, list[float]] = {name: [] for name in clients}
        moved: dict[str, int] = {}
        breakdown: dict[str, float] = defaultdict(float)
        cache = workdir / "screen-cache"
        for run_no in range(runs):
            order = clients[run_no % len(clients) :] + clients[: run_no % len(clients)]
            for name in order:
                budget.check(f"cold sync run {run_no + 1} ({name})")
                dest = workdir / f"cold-{name}-{run_no}"
                if name == "engine":
                    seconds, total, store = cold_engine(server.url, dest, token)
                    for key, value in store.seconds.items():
                        breakdown[key] += value / runs
                    breakdown["total"] += seconds / runs
                elif name.startswith("requests"):
                    fresh = name == "requests-fresh"
                    seconds, total = cold_requests(server.url, dest, token, fresh)
                elif name == "curl":
                    seconds, total = cold_curl(server.url, refs, dest, token)
                else:
                    seconds, total = cold_curl(server.url, refs, dest, token, parallel)
                times[name].append(seconds)
                moved[name] = total
                say(f"cold sync run {run_no + 1}/{runs}, {name}: {fmt_seconds(seconds)}")
                if name == "engine" and run_no == runs - 1:
                    dest.rename(cache)  # the screen's cache for the next steps
                else:
                    shutil.rmtree(dest)
        for name, total in moved.items():
            if total != set_bytes:
                raise RuntimeError(f"{name} fetched {total} bytes, the set has {set_bytes}")

        # 2. poll with nothing changed -----------------------------------------------------
        budget.check("the idle poll")
        store = CacheStore(cache)

        def engine_at(url: str, session: requests.Session) -> SyncEngine:
            return SyncEngine(store, url, SCREEN, session=session, token=token)

        proxy = FaultProxy(server.url)
        try:
            session, direct_log = counting_session()
            idle_direct = engine_at(server.url, session).sync_once()
            session, proxied_log = counting_session()
            idle_proxied = engine_at(proxy.url, session).sync_once()
            idle_proxy_records = list(proxy.requests)

            # 3. one poster of N replaced -----------------------------------------------------
            budget.check("the one-poster change")
            client.withdraw(published[0]["id"])
            new_poster = publish_poster(client, poster_paths[-1], "新海报")
            proxy.reset_counts()
            session, change_log = counting_session()
            change = engine_at(proxy.url, session).sync_once()
            change_proxy_records = list(proxy.requests)
        finally:
            proxy.close()
        if change.status != "updated":
            raise RuntimeError(f"sync after the change: {change.status}: {change.message}")
        manifest_bytes = len(
            requests.get(manifest_url(server.url), headers=auth(token), timeout=10).content
        )
        poster_size = new_poster["image"]["size"]

        # 4. a connection cut at 50 % of a video, then a resume ------------------------------
        budget.check("the resume")
        cut_video = publish_video(client, video_paths[-1], "党史故事（断点续传）")
        video = AssetRef.model_validate(cut_video["video"])
        cutter = CuttingProxy(server.url, f"/assets/{video.sha256}", video.size // 2)
        try:
            session, first_log = counting_session()
            first = engine_at(cutter.url, session).sync_once()
        finally:
            cutter.close()
        kept = store.partial_size(video)
        session, second_log = counting_session()
        second = engine_at(server.url, session).sync_once()
        video_path = f"/assets/{video.sha256}"
        second_video = [t for t in second_log.transfers if t.path == video_path]
        first_video = [t for t in first_log.transfers if t.path == video_path]

    # -- report ------------------------------------------------------------------------------
    print(f"# bench/sync.py — {time.strftime('%Y-%m-%d %H:%M:%S %z')}")
    print(
        f"content set: {n_posters} posters (JPEG 1080x1920, {fmt_bytes(poster_mean)} mean) + "
        f"{n_videos} videos ({fmt_bytes(video_bytes)} each) = {n_files} files, "
        f"{fmt_bytes(set_bytes)}; server and clients on 127.0.0.1; cache on "
        f"{filesystem_of(workdir)}; MB = 10^6 bytes"
    )
    base = statistics.median(times["requests"])
    rows = []
    labels = {
        "engine": f"SyncEngine.sync_once() ({parallel} downloads at once)",
        "requests": "requests loop, sequential (baseline)",
        "requests-fresh": "requests loop, new connection per file",
        "curl": "curl, 1 process, sequential",
        "curl-parallel": f"curl, 1 process, --parallel-max {parallel}",
    }
    for name in clients:
        median = statistics.median(times[name])
        rows.append([
            labels[name],
            fmt_seconds(median),
            " / ".join(f"{t:.2f}" for t in times[name]),
            f"{set_bytes / MB / median:.0f}",
            f"{median * 1000 / n_files:.1f}",
            f"{median / base:.2f}x",
        ])  # fmt: skip
    print_table(
        f"1. Cold sync into an empty cache ({n_files} files, {fmt_bytes(set_bytes)}; "
        f"median of {runs} run(s), order rotated per run)",
        ["client", "median", "runs (s)", "MB/s", "ms/file", "vs baseline"],
        rows,
    )
    total = breakdown.pop("total")
    parts = sorted(breakdown.items(), key=lambda kv: -kv[1])
    print_table(
        f"   where SyncEngine's time goes (mean per run; thread-seconds over {parallel} "
        "download threads, so they may add up to more than the wall time)",
        ["part", "thread-time", "vs wall time"],
        [[k, fmt_seconds(v), f"{v / total:.0%}"] for k, v in parts]
        + [["wall time of sync_once()", fmt_seconds(total), "100%"]],
    )
    print(
        f"   requests loop: one Session, stream=True, iter_content({CHUNK_BYTES // 1024} KiB) "
        "into files,\n   no fsync, no hashing. curl: one process with every URL and its own -o, "
        "sequential\n   (no --parallel) on one reused connection; the --parallel-max row matches "
        "the engine's\n   concurrency. SyncEngine also fsyncs each file and checks its sha256. "
        "'new connection per\n   file' sends Connection: close (a diagnostic of keep-alive, "
        "not a baseline)."
    )

    idle_rows = []
    for label, result, log in (
        ("direct (response hook)", idle_direct, direct_log),
        ("via FaultProxy (response hook)", idle_proxied, proxied_log),
    ):
        statuses = ",".join(str(t.status) for t in log.transfers)
        idle_rows.append(
            [label, result.status, f"{len(log.transfers)} ({statuses})", log.body_bytes]
        )
    idle_rows.append([
        "via FaultProxy (proxy's own record)", "",
        f"{len(idle_proxy_records)} ({','.join(str(r[1]) for r in idle_proxy_records)})",
        sum(r[2] for r in idle_proxy_records),
    ])  # fmt: skip
    idle_rows.append(["target", "", "1", 0])
    print_table(
        "2. Poll with nothing changed",
        ["measured", "result", "HTTP requests (status)", "body bytes"],
        idle_rows,
    )

    expected = poster_size + manifest_bytes
    measured = change_log.body_bytes
    proxied = sum(r[2] for r in change_proxy_records)
    change_what = ", ".join(
        f"{t.status} {t.path.rsplit('/', 1)[-1][:12]}" for t in change_log.transfers
    )
    print_table(
        f"3. One poster of {n_posters} replaced (1 withdrawn, 1 published), one sync",
        ["figure", "bytes", "vs new poster + manifest"],
        [
            ["new poster", poster_size, ""],
            ["manifest (as served after the change)", manifest_bytes, ""],
            ["expected: new poster + manifest", expected, ""],
            [
                f"measured, response hook ({len(change_log.transfers)} requests: {change_what})",
                measured,
                f"{(measured / expected - 1):+.2%}",
            ],
            ["measured, FaultProxy record", proxied, f"{(proxied / expected - 1):+.2%}"],
            ["target", "", "within ±2%"],
            ["(for scale: the whole set)", set_bytes, ""],
        ],
    )

    delivered = cutter.delivered
    missing = video.size - delivered
    fetched = sum(t.body_bytes for t in second_video)
    overhead = fetched - missing
    ranges = ", ".join(f"{t.status} Range: {t.range or '(none)'}" for t in second_video) or "-"
    print_table(
        f"4. Resume after a connection cut at 50% of a {fmt_bytes(video.size)} video",
        ["figure", "bytes", "note"],
        [
            ["video size", video.size, ""],
            ["sent by the proxy before the cut", delivered, "then FIN (shutdown)"],
            [
                "read by the client before the cut",
                sum(t.body_bytes for t in first_video),
                f"first sync: {first.status}",
            ],
            ["kept in staging/<sha256>.part", kept, ""],
            ["missing after the cut (size - sent)", missing, ""],
            ["fetched on the second attempt", fetched, f"{ranges}; sync {second.status}"],
            ["re-downloaded = fetched - missing", overhead, fmt_bytes(overhead)],
            ["target", "< 1000000", "< 1 MB"],
        ],
    )
    if second.status != "updated" or not store.has_asset(video):
        print(f"   the second sync did not complete: {second.status}: {second.message}")
    print(f"   first sync said: {first.message}")
    sys.stdout.flush()


if __name__ == "__main__":
    sys.exit(main())
