"""Real video files for tests, made with ffmpeg on first use and kept for the session.

``TestVideos(directory).path(name)`` returns a file, generating it once. Names:

- ``good``: 3 s, 640x360, H.264 + AAC in MP4, ``moov`` at the front (``+faststart``);
- ``short``: 1 s of the same, for tests that only need a quick end;
- ``truncated``: the first 30 % of ``good`` (the moov is there, most frames are not);
- ``truncated_moov_last``: the first 30 % of an MP4 whose moov is at the end (no index at all);
- ``garbage``: a text file named ``.mp4``;
- ``vp9``: 2 s VP9 + Opus in WebM;
- ``mpeg2``: 2 s MPEG-2 video + MP2 audio in MPEG-TS (a codec the screens refuse);
- ``audio_only``: 2 s of AAC in M4A (no video stream);
- ``large``: 6 s of grainy 640x360 H.264 + AAC, about 19 MB (several pieces of a resumable
  upload).
"""

from __future__ import annotations

import subprocess
from pathlib import Path

_SRC = ["-f", "lavfi", "-i", "testsrc=duration={d}:size=640x360:rate=25"]
_TONE = ["-f", "lavfi", "-i", "sine=frequency=440:duration={d}"]
_H264 = ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"]

_RECIPES: dict[str, tuple[str, list[str]]] = {
    "good": ("mp4", [*_SRC, *_TONE, *_H264, "-c:a", "aac", "-shortest", "-movflags", "+faststart"]),
    "short": ("mp4", [*_SRC, *_TONE, *_H264, "-c:a", "aac", "-shortest"]),
    "moov_last": ("mp4", [*_SRC, *_TONE, *_H264, "-c:a", "aac", "-shortest"]),
    "vp9": (
        "webm",
        [
            *_SRC,
            *_TONE,
            "-c:v",
            "libvpx-vp9",
            "-deadline",
            "realtime",
            "-cpu-used",
            "8",
            "-c:a",
            "libopus",
            "-shortest",
        ],
    ),
    "mpeg2": ("ts", [*_SRC, *_TONE, "-c:v", "mpeg2video", "-c:a", "mp2", "-shortest"]),
    "audio_only": ("m4a", [*_TONE, "-c:a", "aac"]),
    "large": (
        "mp4",
        [
            "-f",
            "lavfi",
            "-i",
            "testsrc2=duration={d}:size=640x360:rate=25,noise=alls=20:allf=t",
            *_TONE,
            *_H264,
            "-crf",
            "18",
            "-c:a",
            "aac",
            "-shortest",
            "-movflags",
            "+faststart",
        ],
    ),
}
_DURATIONS = {
    "good": 3,
    "short": 1,
    "moov_last": 3,
    "vp9": 2,
    "mpeg2": 2,
    "audio_only": 2,
    "large": 6,
}


class TestVideos:
    """Generates the named test videos into ``directory`` once each."""

    __test__ = False  # not a test class, despite the name

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True)

    def path(self, name: str) -> Path:
        if name == "garbage":
            return self._write("garbage.mp4", "这不是视频 not a video\n".encode() * 200)
        if name == "truncated":
            return self._cut("good", "truncated.mp4")
        if name == "truncated_moov_last":
            return self._cut("moov_last", "truncated_moov_last.mp4")
        suffix, args = _RECIPES[name]
        target = self.directory / f"{name}.{suffix}"
        if not target.exists():
            duration = _DURATIONS[name]
            filled = [a.format(d=duration) for a in args]
            partial = target.with_name(f"partial-{target.name}")
            subprocess.run(
                ["ffmpeg", "-nostdin", "-loglevel", "error", "-y", *filled, str(partial)],
                check=True,
                timeout=120,
            )
            partial.replace(target)
        return target

    def _cut(self, source: str, name: str) -> Path:
        data = self.path(source).read_bytes()
        return self._write(name, data[: int(len(data) * 0.3)])

    def _write(self, name: str, data: bytes) -> Path:
        target = self.directory / name
        if not target.exists():
            target.write_bytes(data)
        return target
