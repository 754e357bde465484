"""What a screen can play: an uploaded video is probed with ffprobe and test-decoded with ffmpeg.

The screens play with libvlc (``kiosk/media``), which could play more than this; the list is
what is known to decode in software on the screens' hardware, so a published course never
turns into a black screen. Rules, in the order they are checked (the first that fails is the
one-line refusal, Chinese then English):

1. ffprobe recognises the file (``not_a_video``), as one of the containers in
   :data:`CONTAINERS` (MP4/MOV, Matroska/WebM, MPEG-TS, AVI, FLV);
2. it has a video stream that is not just cover art (``no_video_stream``);
3. the video codec is one of :data:`VIDEO_CODECS` (``unsupported_video_codec``) and the
   first audio stream, if any, one of :data:`AUDIO_CODECS` (``unsupported_audio_codec``);
4. the duration is known and above zero (``zero_duration``);
5. the first frames decode (``undecodable``) and so do the last seconds (``truncated``): a
   file cut short by an interrupted copy still has its index (MP4 with ``moov`` at the front)
   and probes fine, but its end is missing. Such files are refused rather than published
   with a length the screens cannot reach.

ffprobe/ffmpeg run as subprocesses with a timeout; a timeout counts as ``undecodable``.
Without ffprobe on the server the upload fails with :class:`ProbeUnavailable` (HTTP 503).
"""

from __future__ import annotations

import json
import logging
import shutil
import subprocess
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from content_server.assets import AssetRejected

log = logging.getLogger("content_server")

PROBE_TIMEOUT_SECONDS = 60.0
DECODE_TIMEOUT_SECONDS = 120.0
TAIL_SECONDS = 3

VIDEO_CODECS = {
    "h264": "H.264",
    "hevc": "H.265",
    "vp8": "VP8",
    "vp9": "VP9",
    "av1": "AV1",
    "mpeg4": "MPEG-4",
}
AUDIO_CODECS = {"aac": "AAC", "mp3": "MP3", "opus": "Opus", "vorbis": "Vorbis"}
# ffprobe's format_name (first name of the list) -> media type
CONTAINERS = {
    "mov": "video/mp4",
    "matroska": "video/x-matroska",
    "mpegts": "video/mp2t",
    "avi": "video/x-msvideo",
    "flv": "video/x-flv",
}
_WEBM_CODECS = {"vp8", "vp9", "av1", "opus", "vorbis"}


class ProbeUnavailable(Exception):
    """ffprobe/ffmpeg are not installed on the server."""


@dataclass(frozen=True)
class VideoFacts:
    """What the probe found in an accepted video."""

    length_seconds: float
    container: str
    media_type: str
    video_codec: str
    audio_codec: str  # "" when the video has no sound
    width: int
    height: int

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _refuse(code: str, chinese: str, english: str) -> AssetRejected:
    return AssetRejected(code, f"{chinese} / {english}")


def probe_video(path: Path) -> VideoFacts:
    """Check that the screens can play ``path`` and return what it is.

    Raises:
        AssetRejected: the screens cannot play it (``detail`` says why, in one line).
        ProbeUnavailable: ffprobe or ffmpeg is missing.
    """
    info = _ffprobe(path)
    fmt = info.get("format") or {}
    streams = info.get("streams") or []
    format_name = str(fmt.get("format_name") or "")
    container = format_name.split(",")[0]
    video = _first(streams, "video")
    audio = _first(streams, "audio")
    if not format_name:
        raise _refuse("not_a_video", "不是可识别的视频文件", "not a video file")
    if video is None:
        raise _refuse("no_video_stream", "文件里没有视频画面（只有声音或图片）", "no video stream")
    if container not in CONTAINERS:
        raise _refuse(
            "not_a_video",
            f"不是可识别的视频文件（格式 {container}；支持 MP4、MKV、WebM、TS、AVI、FLV）",
            f"not a video container the screens play ({container})",
        )
    video_codec = str(video.get("codec_name") or "?")
    if video_codec not in VIDEO_CODECS:
        supported = "、".join(VIDEO_CODECS.values())
        raise _refuse(
            "unsupported_video_codec",
            f"视频编码 {video_codec} 屏幕无法播放（支持 {supported}），请转码为 H.264 MP4",
            f"unsupported video codec {video_codec}",
        )
    audio_codec = str(audio.get("codec_name") or "?") if audio else ""
    if audio is not None and audio_codec not in AUDIO_CODECS:
        supported = "、".join(AUDIO_CODECS.values())
        raise _refuse(
            "unsupported_audio_codec",
            f"音频编码 {audio_codec} 屏幕无法播放（支持 {supported}），请转码为 AAC",
            f"unsupported audio codec {audio_codec}",
        )
    length = _duration(fmt, video)
    if length <= 0:
        raise _refuse("zero_duration", "视频时长为 0，无法播放", "video duration is zero")
    _check_decodes(path)
    facts = VideoFacts(
        length_seconds=round(length, 3),
        container=container,
        media_type=_media_type(container, video_codec, audio_codec),
        video_codec=video_codec,
        audio_codec=audio_codec,
        width=int(video.get("width") or 0),
        height=int(video.get("height") or 0),
    )
    log.info(
        "probed video: %s %s/%s %dx%d %.1f s",
        container,
        video_codec,
        audio_codec or "-",
        facts.width,
        facts.height,
        length,
    )
    return facts


def _ffprobe(path: Path) -> dict[str, Any]:
    command = [
        "-v", "error", "-print_format", "json", "-show_format", "-show_streams", str(path),
    ]  # fmt: skip
    result = _run("ffprobe", command, PROBE_TIMEOUT_SECONDS)
    if result is None or result.returncode != 0:
        raise _refuse("not_a_video", "不是可识别的视频文件", "not a video file")
    try:
        data = json.loads(result.stdout or "{}")
    except ValueError:
        raise _refuse("not_a_video", "不是可识别的视频文件", "not a video file") from None
    return data if isinstance(data, dict) else {}


def _check_decodes(path: Path) -> None:
    """Decode the first frames and the last seconds of the first video stream."""
    head = ["-xerror", "-i", str(path), "-map", "0:v:0", "-frames:v", "5", "-f", "null", "-"]
    result = _run("ffmpeg", head, DECODE_TIMEOUT_SECONDS)
    if result is None or result.returncode != 0:
        raise _refuse("undecodable", "视频无法解码（文件已损坏）", "video cannot be decoded")
    tail = ["-xerror", "-sseof", f"-{TAIL_SECONDS}", "-i", str(path), "-map", "0:v:0"]
    result = _run("ffmpeg", [*tail, "-f", "null", "-"], DECODE_TIMEOUT_SECONDS)
    if result is None or result.returncode != 0:
        raise _refuse(
            "truncated",
            "视频文件不完整或结尾已损坏（可能没有复制完整），请重新导出后上传",
            "video is truncated or damaged at the end",
        )


def _run(tool: str, args: list[str], timeout: float) -> subprocess.CompletedProcess[str] | None:
    """Run ffprobe/ffmpeg; None on timeout."""
    executable = shutil.which(tool)
    if executable is None:
        raise ProbeUnavailable(f"{tool} not found: install ffmpeg (scripts/setup.sh)")
    extra = ["-nostdin", "-hide_banner"] if tool == "ffmpeg" else []
    try:
        return subprocess.run(
            [executable, *extra, *args],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        log.warning("%s timed out after %.0f s", tool, timeout)
        return None


def _first(streams: list[dict[str, Any]], codec_type: str) -> dict[str, Any] | None:
    for stream in streams:
        if stream.get("codec_type") != codec_type:
            continue
        if (stream.get("disposition") or {}).get("attached_pic"):
            continue  # cover art in an audio file is not a video
        return stream
    return None


def _duration(fmt: dict[str, Any], video: dict[str, Any]) -> float:
    for value in (fmt.get("duration"), video.get("duration")):
        if value is None:
            continue
        try:
            seconds = float(value)
        except (TypeError, ValueError):
            continue
        if seconds > 0:
            return seconds
    return 0.0


def _media_type(container: str, video_codec: str, audio_codec: str) -> str:
    if container == "matroska" and {video_codec, audio_codec or "opus"} <= _WEBM_CODECS:
        return "video/webm"
    return CONTAINERS[container]
