"""Footprint of the wall screen against the floor: a minimal PySide6 program showing one image.

Both run on the same virtual 3840x2160 X screen (Xvfb, xcb platform) in the same run:

- floor: ``bench/floor_app.py`` shows one 4K image fullscreen;
- screen: ``kiosk run`` with a warm cache and the server down, rotating 4K posters every 5 s
  (four landscape, two portrait: the portrait ones are shown on their letterbox backdrop) with
  one short notice in the notice band (``--no-notice`` leaves it out, to see what the band
  costs).

Reported: peak RSS (VmHWM), mean CPU while running (percent of one core), and time from
process start to the first frame (floor: first paint of the image; screen: the first frame
with a poster, see :class:`ScreenFirstFrame`). Targets: RSS within 1.5x the floor, CPU under
5 %, first frame within 1.5x the floor.

The screen's modules are byte-compiled first, as ``scripts/setup.sh`` leaves an installed
screen (a workplace with ``PYTHONDONTWRITEBYTECODE`` set would otherwise compile them from
source at every start, which no installed screen does).

The screen keeps each poster as a rendition at the size it is shown (``kiosk/qt/renditions.py``),
made the first time the poster is shown. So the screen is measured in two states: with new
content (the renditions folder emptied: the first start after a sync, and a first round of the
rotation that makes one rendition per poster) and rotating afterwards (the ``--seconds``
window, on the cache the earlier runs left).

    .venv/bin/python bench/footprint.py [--seconds 60] [--starts 9] [--quick] [--no-notice]
"""

from __future__ import annotations

import argparse
import io
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from PIL import Image  # noqa: E402

from tests.support.processes import ServerProcess  # noqa: E402

SIZE = (3840, 2160)
SCREEN = "footprint"
POSTER_SECONDS = 5
PORTRAIT = (1, 4)  # which posters are portrait (4K turned upright), the others landscape 4K
NOTICE = "本周五下午三点在党员活动室召开支部党员大会，请全体党员准时参加。"
TICKS = os.sysconf("SC_CLK_TCK")


def make_posters(folder: Path, count: int) -> list[Path]:
    """4K JPEGs with real detail (scaled noise), a few MB each like real posters; the ones
    in :data:`PORTRAIT` upright (2160x3840), the others landscape (3840x2160)."""
    paths = []
    for index in range(count):
        size = SIZE[::-1] if index in PORTRAIT else SIZE
        noise = Image.effect_noise((size[0] // 8, size[1] // 8), 60 + index * 10).convert("RGB")
        tint = Image.new("RGB", noise.size, (180 - index * 20, 30, 20 + index * 25))
        image = Image.blend(noise, tint, 0.6).resize(size, Image.Resampling.BICUBIC)
        path = folder / f"poster-{index}.jpg"
        out = io.BytesIO()
        image.save(out, "JPEG", quality=90)
        path.write_bytes(out.getvalue())
        paths.append(path)
    return paths


def warm_cache(workdir: Path, posters: list[Path], notice: bool = True) -> Path:
    """Publish the posters (and the notice), sync them into a cache with ``kiosk sync --once``,
    stop the server."""
    from content_server.client import PublishClient

    server = ServerProcess(workdir / "server")
    try:
        client = PublishClient(server.url, server.token)
        settings = {"poster_seconds": POSTER_SECONDS, "org_name": "基准测试党支部"}
        client.put_settings(SCREEN, settings)
        for path in posters:
            ref = client.upload_asset(path)
            client.publish({"kind": "poster", "title": path.stem, "to": "all", "image": ref})
        if notice:
            client.publish({"kind": "notice", "title": "支部党员大会", "text": NOTICE, "to": "all"})
        cache = workdir / "cache"
        env = {**os.environ, "KIOSK_SCREEN_TOKEN": server.screen_token(SCREEN)}
        subprocess.run(
            [sys.executable, "-m", "kiosk", "sync", "--once", "--server", server.url,
             "--screen", SCREEN, "--cache", str(cache)],
            check=True, capture_output=True, env=env,
        )  # fmt: skip
    finally:
        server.stop()
    return cache


class VirtualScreen:
    """Xvfb at 4K; ``env`` runs Qt programs on it with the xcb platform."""

    def __init__(self) -> None:
        if not shutil.which("Xvfb"):
            raise SystemExit("footprint: Xvfb is not installed (scripts/setup.sh installs it)")
        for number in range(90, 130):
            if not Path(f"/tmp/.X11-unix/X{number}").exists():
                break
        self.display = f":{number}"
        self.proc = subprocess.Popen(
            ["Xvfb", self.display, "-screen", "0", f"{SIZE[0]}x{SIZE[1]}x24", "-nolisten", "tcp"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        socket_path = Path(f"/tmp/.X11-unix/X{number}")
        deadline = time.monotonic() + 10
        while not socket_path.exists():
            if time.monotonic() > deadline:
                raise SystemExit("footprint: Xvfb did not start")
            time.sleep(0.05)
        self.env = {**os.environ, "DISPLAY": self.display, "QT_QPA_PLATFORM": "xcb"}

    def close(self) -> None:
        self.proc.terminate()
        self.proc.wait(5)


class Measured:
    """A process started now, with its first-frame time and /proc readings."""

    def __init__(self, command: list[str], env: dict[str, str], first_frame: callable) -> None:
        self.started = time.time()
        self.proc = subprocess.Popen(
            command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        self.first_frame_at: float | None = None
        self._ready = threading.Event()
        for stream in (self.proc.stdout, self.proc.stderr):
            threading.Thread(target=self._read, args=(stream, first_frame), daemon=True).start()

    def _read(self, stream, first_frame) -> None:
        for line in stream:
            at = first_frame(line)
            if at is not None and self.first_frame_at is None:
                self.first_frame_at = at
                self._ready.set()

    def wait_first_frame(self, timeout: float = 30) -> float:
        if not self._ready.wait(timeout):
            self.stop()
            raise SystemExit(f"footprint: no first frame from {self.proc.args[:4]}")
        return self.first_frame_at - self.started

    def cpu_seconds(self) -> float:
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / TICKS

    def peak_rss_mb(self) -> float:
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
        return float("nan")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def floor_first_frame(line: str) -> float | None:
    return float(line.split()[1]) if line.startswith("FIRST_FRAME ") else None


class ScreenFirstFrame:
    """Finds the screen's first frame with a poster in its JSON log lines.

    That is the window's first paint (``screen_ready``, logged once the painted window is
    flushed to the display) when the poster was decoded before it, else the start of the
    poster's fade-in (``item_shown``): whichever of the two comes later.
    """

    def __init__(self) -> None:
        self._seen: dict[str, float] = {}

    def __call__(self, line: str) -> float | None:
        try:
            record = json.loads(line)
        except ValueError:
            return None
        event = record.get("event")
        if event not in ("screen_ready", "item_shown") or event in self._seen:
            return None
        self._seen[event] = datetime.fromisoformat(record["ts"]).timestamp()
        return max(self._seen.values()) if len(self._seen) == 2 else None


def run_one(command, env, parser, seconds: float) -> tuple[float, float, float]:
    """(start-to-first-frame s, peak RSS MB, mean CPU % of one core over ``seconds``).

    ``parser()`` makes the function that finds the first frame in the program's output lines.
    """
    measured = Measured(command, env, parser())
    try:
        first = measured.wait_first_frame()
        cpu_start, wall_start = measured.cpu_seconds(), time.monotonic()
        time.sleep(seconds)  # the measurement window itself
        cpu = (measured.cpu_seconds() - cpu_start) / (time.monotonic() - wall_start) * 100
        return first, measured.peak_rss_mb(), cpu
    finally:
        measured.stop()


def _ratio(value: float, floor: float) -> str:
    return f"{value / floor:.2f}x"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60, help="Rotation window (default 60).")
    parser.add_argument(
        "--starts", type=int, default=9, help="Start-up runs to take the median of (default 9)."
    )
    parser.add_argument("--quick", action="store_true", help="15 s window, three starts.")
    parser.add_argument(
        "--no-notice", action="store_true", help="Publish no notice (the notice band stays hidden)."
    )
    args = parser.parse_args()
    if args.quick:
        args.seconds, args.starts = 15, 3
    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", "kiosk", "content_cache", "content_server"],
        cwd=REPO_ROOT, check=True, stdout=subprocess.DEVNULL,
    )  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="kiosk-footprint-") as tmp:
        workdir = Path(tmp)
        posters = make_posters(workdir, 6)
        cache = warm_cache(workdir, posters, notice=not args.no_notice)
        config = workdir / "kiosk.toml"
        config.write_text(
            f'server = "http://127.0.0.1:9"\nscreen = "{SCREEN}"\ncache = "{cache}"\n'
            "log_json = true\npush = false\n"
            + (
                f'themes_dir = "{os.environ["FOOTPRINT_THEMES"]}"\n'
                if "FOOTPRINT_THEMES" in os.environ
                else ""
            )
        )
        floor_cmd = [sys.executable, str(REPO_ROOT / "bench" / "floor_app.py"), str(posters[0])]
        screen_cmd = [sys.executable, "-m", "kiosk", "run", "--config", str(config)]
        renditions = cache / "renditions"
        display = VirtualScreen()
        try:
            shutil.rmtree(renditions, ignore_errors=True)
            cold_start = run_one(screen_cmd, display.env, ScreenFirstFrame, 1)[0]
            floor_starts, screen_starts = [], []
            for _ in range(args.starts):  # in turns, so a slower spell of the machine hits both
                floor_starts.append(
                    run_one(floor_cmd, display.env, lambda: floor_first_frame, 1)[0]
                )
                screen_starts.append(run_one(screen_cmd, display.env, ScreenFirstFrame, 1)[0])
            _, floor_rss, floor_cpu = run_one(
                floor_cmd, display.env, lambda: floor_first_frame, args.seconds
            )
            shutil.rmtree(renditions, ignore_errors=True)
            _, new_rss, new_cpu = run_one(
                screen_cmd, display.env, ScreenFirstFrame, len(posters) * POSTER_SECONDS
            )
            _, screen_rss, screen_cpu = run_one(
                screen_cmd, display.env, ScreenFirstFrame, args.seconds
            )
        finally:
            display.close()
    floor_start, screen_start = statistics.median(floor_starts), statistics.median(screen_starts)
    shapes = f"{len(posters) - len(PORTRAIT)} landscape, {len(PORTRAIT)} portrait"
    band = "no notice" if args.no_notice else "one notice"
    print(
        f"\nfootprint at {SIZE[0]}x{SIZE[1]} (Xvfb): {len(posters)} posters of 4K ({shapes}) "
        f"every {POSTER_SECONDS} s, {band}, server down, warm cache; start = median of "
        f"{args.starts} runs"
    )
    first_round = f"first round, new content ({len(posters) * POSTER_SECONDS} s)"
    table = [
        ("", "floor", "screen", "ratio", "target"),
        (f"peak RSS (MB), rotating {args.seconds:.0f} s", f"{floor_rss:.0f}", f"{screen_rss:.0f}",
         _ratio(screen_rss, floor_rss), "<= 1.5x"),
        (f"peak RSS (MB), {first_round}", "", f"{new_rss:.0f}", _ratio(new_rss, floor_rss),
         "<= 1.5x"),
        (f"mean CPU (% of a core), rotating {args.seconds:.0f} s", f"{floor_cpu:.1f}",
         f"{screen_cpu:.1f}", "", "< 5 %"),
        (f"mean CPU (% of a core), {first_round}", "", f"{new_cpu:.1f}", "", "< 5 %"),
        ("start to first frame (s)", f"{floor_start:.2f}", f"{screen_start:.2f}",
         _ratio(screen_start, floor_start), "<= 1.5x"),
        ("start to first frame (s), first start after new content", "",
         f"{cold_start:.2f}", _ratio(cold_start, floor_start), "<= 1.5x"),
    ]  # fmt: skip
    width = max(len(row[0]) for row in table)
    for row in table:
        cells = [row[0].ljust(width)] + [cell.rjust(7) for cell in row[1:]]
        print("  ".join(cells))
    print("start runs (s): floor", [round(s, 2) for s in floor_starts], end="")
    print(", screen", [round(s, 2) for s in screen_starts])
    pairs = [screen / floor for floor, screen in zip(floor_starts, screen_starts, strict=True)]
    pair_ratio = statistics.median(pairs)
    print(f"start ratio run by run (screen / the floor run before it): median {pair_ratio:.2f}x")
    print(
        "new content: no renditions in the cache yet (the first start after a sync, and the\n"
        "first round of the rotation, which makes one rendition per poster); rotating: the\n"
        "same screen afterwards."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
