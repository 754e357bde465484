"""Shared helpers of the benchmarks: the real server, generated content, counting, tables.

Importing this module puts the repository root on ``sys.path``, so the scripts in ``bench/``
run as ``.venv/bin/python bench/<name>.py`` from the repository root (or from anywhere).
Everything here stays on loopback (127.0.0.1).
"""

from __future__ import annotations

import contextlib
import io
import os
import random
import socket
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

import requests  # noqa: E402 - after the sys.path set-up on purpose
from PIL import Image  # noqa: E402

from tests.support.processes import ServerProcess  # noqa: E402
from tests.support.proxy import HOP_BY_HOP, FaultProxy  # noqa: E402

MB = 1_000_000  # figures are in decimal megabytes (10^6 bytes)
CONTENT_CACHE = Path(tempfile.gettempdir()) / "party-kiosk-bench-content"

# Posters: blurred colour noise (noise at 1/4 resolution, scaled up) in portrait 1080x1920,
# JPEG quality calibrated once so that a poster is about the requested size. Noise makes each
# poster distinct (its own sha256) and keeps the JPEG from compressing to nothing.
POSTER_SIZE = (1080, 1920)
NOISE_SIZE = (270, 480)


# -- output --------------------------------------------------------------------------------


def print_table(title: str, headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """Print a small fixed-width table (first column left-aligned, the others right-aligned)."""
    cells = [[str(h) for h in headers]] + [[str(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]

    def line(row: Sequence[str]) -> str:
        parts = [
            cell.ljust(widths[i]) if i == 0 else cell.rjust(widths[i]) for i, cell in enumerate(row)
        ]
        return "  ".join(parts).rstrip()

    print(f"\n{title}")
    print(line(cells[0]))
    print("  ".join("-" * w for w in widths))
    for row in cells[1:]:
        print(line(row))
    sys.stdout.flush()


def fmt_bytes(n: float) -> str:
    """``1234567`` -> ``1.23 MB``; small values in B or kB."""
    if abs(n) >= MB:
        return f"{n / MB:.2f} MB"
    if abs(n) >= 1000:
        return f"{n / 1000:.1f} kB"
    return f"{int(n)} B"


def fmt_seconds(s: float) -> str:
    return f"{s * 1000:.0f} ms" if abs(s) < 1 else f"{s:.2f} s"


def say(message: str) -> None:
    """A progress line (stderr, so that stdout holds only the results)."""
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


class Budget:
    """A wall-clock budget for a whole run; ``check()`` raises once it is spent."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.deadline = time.monotonic() + seconds

    def left(self) -> float:
        return self.deadline - time.monotonic()

    def check(self, what: str) -> None:
        if self.left() <= 0:
            raise TimeoutError(f"time budget of {self.seconds:.0f} s spent before {what}")


# -- generated content ---------------------------------------------------------------------


def _write_atomically(path: Path, data: bytes) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def _noise_poster(seed: int, quality: int) -> bytes:
    rng = random.Random(seed)
    small = Image.frombytes("RGB", NOISE_SIZE, rng.randbytes(NOISE_SIZE[0] * NOISE_SIZE[1] * 3))
    out = io.BytesIO()
    small.resize(POSTER_SIZE, Image.Resampling.BILINEAR).save(out, "JPEG", quality=quality)
    return out.getvalue()


def _calibrate_quality(target_bytes: int) -> int:
    """The JPEG quality whose noise poster is closest to ``target_bytes`` (binary search)."""
    low, high = 5, 95
    while low < high:  # at most 7 steps
        mid = (low + high) // 2
        if len(_noise_poster(-1, mid)) < target_bytes:
            low = mid + 1
        else:
            high = mid
    candidates = [q for q in (low - 1, low) if 5 <= q <= 95]
    return min(candidates, key=lambda q: abs(len(_noise_poster(-1, q)) - target_bytes))


def poster_files(count: int, target_bytes: int = 500_000) -> list[Path]:
    """``count`` distinct decodable JPEG posters of about ``target_bytes`` each (cached on disk).

    The files are deterministic (seeded), so a second run finds them in the cache.
    """
    folder = CONTENT_CACHE / f"posters-{POSTER_SIZE[0]}x{POSTER_SIZE[1]}-{target_bytes}"
    folder.mkdir(parents=True, exist_ok=True)
    paths = [folder / f"poster-{i:04d}.jpg" for i in range(count)]
    missing = [(i, p) for i, p in enumerate(paths) if not p.exists()]
    if missing:
        quality_file = folder / "quality.txt"
        if quality_file.exists():
            quality = int(quality_file.read_text())
        else:
            quality = _calibrate_quality(target_bytes)
            _write_atomically(quality_file, str(quality).encode())
        say(f"generating {len(missing)} posters (JPEG quality {quality}) in {folder}")
        for i, path in missing:
            _write_atomically(path, _noise_poster(i, quality))
    return paths


def video_files(count: int, size: int = 20 * MB) -> list[Path]:
    """``count`` distinct files of random bytes named ``.mp4`` (cached on disk).

    The server stores ``purpose=any`` uploads without decoding them, and the screen's cache
    treats every asset as opaque bytes, so random bytes stand in for videos here.
    """
    folder = CONTENT_CACHE / f"videos-{size}"
    folder.mkdir(parents=True, exist_ok=True)
    paths = [folder / f"video-{i:02d}.mp4" for i in range(count)]
    for i, path in enumerate(paths):
        if not path.exists() or path.stat().st_size != size:
            say(f"generating {path}")
            _write_atomically(path, random.Random(1_000_000 + i).randbytes(size))
    return paths


# -- the real server -----------------------------------------------------------------------


@contextlib.contextmanager
def running_server(workdir: Path) -> Iterator[ServerProcess]:
    """``kiosk server`` on a free loopback port (``tests.support.processes.ServerProcess``)."""
    say("starting kiosk server")
    server = ServerProcess(workdir / "server-data")
    try:
        yield server
    finally:
        server.stop()


def publish_poster(client: Any, path: Path, title: str, to: str = "all") -> dict[str, Any]:
    """Upload a poster and publish it; returns ``{"id", "revision", "image"}``."""
    image = client.upload_asset(path, purpose="image")
    result = client.publish({"kind": "poster", "title": title, "to": to, "image": image})
    return {**result, "image": image}


def publish_video(client: Any, path: Path, title: str, to: str = "all") -> dict[str, Any]:
    """Upload a video (``purpose="any"``) and publish it; returns ``{"id", "revision", "video"}``.

    The payload is ``{"kind": "video", ..., "category": "党史故事"}``.
    """
    video = client.upload_asset(path, purpose="any")
    result = client.publish(
        {"kind": "video", "title": title, "to": to, "video": video, "category": "党史故事"}
    )
    return {**result, "video": video}


@contextlib.contextmanager
def temp_workdir(prefix: str, keep: bool = False) -> Iterator[Path]:
    """A temporary working directory (kept with ``keep``, e.g. for a look afterwards)."""
    if keep:
        path = Path(tempfile.mkdtemp(prefix=prefix))
        say(f"working directory kept: {path}")
        yield path
        return
    with tempfile.TemporaryDirectory(prefix=prefix) as tmp:
        yield Path(tmp)


def filesystem_of(path: Path) -> str:
    """The type of the filesystem holding ``path`` (from /proc/mounts), e.g. ``ext4``."""
    best, kind = "", "?"
    resolved = str(path.resolve())
    with contextlib.suppress(OSError), open("/proc/mounts", encoding="utf-8") as mounts:
        for line in mounts:
            fields = line.split()
            if len(fields) < 3:
                continue
            mount = fields[1]
            inside = resolved == mount or resolved.startswith(mount.rstrip("/") + "/")
            if inside and len(mount) > len(best):
                best, kind = mount, fields[2]
    return kind


# -- counting what crosses HTTP --------------------------------------------------------------


@dataclass
class Transfer:
    """One HTTP response as the client saw it."""

    method: str
    path: str
    status: int
    range: str | None
    body_bytes: int = 0


class TransferLog:
    """Counts every response of a ``requests.Session`` and the body bytes the client read.

    A response hook records each response. Non-streamed bodies are counted with
    ``len(response.content)``; streamed ones (the sync engine's asset downloads) by wrapping
    the response's ``iter_content``, so the count grows as the caller reads and stops where a
    cut connection stopped it. Bodies are counted after content decoding; the server does not
    compress, so this equals the bytes of the bodies on the wire.
    """

    def __init__(self) -> None:
        self.transfers: list[Transfer] = []
        self._lock = threading.Lock()

    def attach(self, session: requests.Session) -> requests.Session:
        session.hooks["response"].append(self._hook)
        return session

    def clear(self) -> None:
        with self._lock:
            self.transfers.clear()

    @property
    def body_bytes(self) -> int:
        return sum(t.body_bytes for t in self.transfers)

    def _hook(self, response: requests.Response, *args: Any, **kwargs: Any) -> requests.Response:
        record = Transfer(
            method=response.request.method or "",
            path=urlsplit(response.url).path,
            status=response.status_code,
            range=response.request.headers.get("Range"),
        )
        with self._lock:
            self.transfers.append(record)
        if kwargs.get("stream"):
            original = response.iter_content

            def counting(chunk_size: int | None = 1, decode_unicode: bool = False) -> Iterator[Any]:
                for chunk in original(chunk_size, decode_unicode):
                    record.body_bytes += len(chunk)
                    yield chunk

            response.iter_content = counting  # type: ignore[method-assign]
        else:
            record.body_bytes = len(response.content)
        return response


def counting_session() -> tuple[requests.Session, TransferLog]:
    log = TransferLog()
    return log.attach(requests.Session()), log


class CuttingProxy(FaultProxy):
    """A ``FaultProxy`` that streams one path and cuts the connection after ``cut_after`` bytes.

    The answer's headers are the upstream's (with its full ``Content-Length``); after
    ``cut_after`` body bytes the proxy shuts the socket down (FIN), so the client sees the
    connection end early, as after a dropped link. Only the first request for ``cut_path`` is
    cut; every other request is forwarded (and counted) by ``FaultProxy``.

    Attributes:
        delivered: body bytes sent to the client for ``cut_path`` before the cut.
    """

    def __init__(self, upstream: str, cut_path: str, cut_after: int) -> None:
        super().__init__(upstream)
        self.cut_path = cut_path
        self.cut_after = cut_after
        self.cuts_left = 1
        self.delivered = 0

    def _forward(self, handler: Any) -> None:
        if handler.path != self.cut_path or self.cuts_left <= 0:
            super()._forward(handler)
            return
        self.cuts_left -= 1
        headers = {k: v for k, v in handler.headers.items() if k.lower() != "host"}
        with requests.get(
            self.upstream + handler.path, headers=headers, stream=True, timeout=10
        ) as upstream:
            handler.send_response(upstream.status_code)
            for key, value in upstream.headers.items():
                if key.lower() not in HOP_BY_HOP:
                    handler.send_header(key, value)
            handler.send_header("Content-Length", upstream.headers.get("Content-Length", "0"))
            handler.end_headers()
            sent = 0
            for chunk in upstream.iter_content(64 * 1024):
                piece = chunk[: self.cut_after - sent]
                handler.wfile.write(piece)
                sent += len(piece)
                if sent >= self.cut_after:
                    break
        self.delivered = sent
        with self._lock:
            self.requests.append((handler.path, upstream.status_code, sent))
        handler.close_connection = True
        with contextlib.suppress(OSError):
            handler.connection.shutdown(socket.SHUT_WR)
