"""Demo content for ``kiosk demo``: posters, a notice, an honor roll and a meeting.

Posters are drawn with Pillow at start-up (a few hundred KB, nothing shipped in the repo) in
the party-red theme's colours, with Chinese text in the CJK font the set-up installs.
"""

from __future__ import annotations

import io
import logging
import shutil
import subprocess
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

log = logging.getLogger("kiosk.demo")

RED = (183, 25, 15)
DARK_RED = (122, 10, 4)
GOLD = (245, 197, 66)
CREAM = (255, 244, 214)

FONT_CANDIDATES = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Bold.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
)


@dataclass(frozen=True)
class DemoPoster:
    """One generated poster."""

    title: str
    headline: str
    lines: tuple[str, ...]
    size: tuple[int, int]


DEMO_POSTERS = (
    DemoPoster(
        "不忘初心 牢记使命", "不忘初心\n牢记使命", ("坚定理想信念", "践行初心使命"), (1080, 1920)
    ),
    DemoPoster(
        "三会一课 制度落实",
        "三会一课",
        ("支部党员大会 · 支部委员会", "党小组会 · 党课"),
        (1080, 1920),
    ),
    DemoPoster("党员先锋岗", "党员先锋岗", ("亮身份 · 作表率", "争当先锋 勇挑重担"), (1920, 1080)),
    DemoPoster("学习强国 学习有我", "学习有我", ("每天学习一小时", "党员智慧云课堂"), (1080, 1920)),
)

DEMO_NOTICE = (
    "本周五下午三点在党员活动室召开支部党员大会，"
    "请全体党员准时参加，不能参加的请提前向支部书记请假。"
)

DEMO_HONOR_ROLL = (
    ("张建国", "优秀共产党员", "扎根基层三十年，带领群众修路架桥。"),
    ("李秀英", "党员先锋岗", "疫情期间连续值守社区卡口四十天。"),
    ("王志强", "优秀党务工作者", "建立“三会一课”台账，支部工作规范有序。"),
    ("赵晓梅", "青年突击手", "牵头完成新能源项目攻关。"),
)


# The demo roster (姓名, 党员编号, 手机号): sign in on the phone page with a name and the last
# four digits of the phone number (8001 for 张建国).
DEMO_ROSTER = (
    ("张建国", "DY001", "13800138001"),
    ("李秀英", "DY002", "13900139002"),
    ("王志强", "DY003", "13700137003"),
    ("赵晓梅", "DY004", "13600136004"),
    ("刘伟", "DY005", "13500135005"),
)


def roster_csv(members: tuple[tuple[str, str, str], ...] = DEMO_ROSTER) -> bytes:
    """The roster as a spreadsheet saves it: UTF-8 with a BOM, CRLF line ends."""
    lines = ["姓名,党员编号,手机号", *(",".join(member) for member in members)]
    return ("\r\n".join(lines) + "\r\n").encode("utf-8-sig")


def find_cjk_font() -> str | None:
    """Path of a CJK font file, or None (the posters then use Pillow's default font)."""
    for path in FONT_CANDIDATES:
        if Path(path).exists():
            return path
    if shutil.which("fc-match"):
        found = subprocess.run(
            ["fc-match", "-f", "%{file}", "sans:lang=zh-cn"],
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip()
        if found and Path(found).exists():
            return found
    return None


def _font(path: str | None, size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    if path is None:
        return ImageFont.load_default(size)
    return ImageFont.truetype(path, size)


def render_poster(poster: DemoPoster, font_path: str | None) -> bytes:
    """A JPEG of the poster: red gradient, gold frame, headline and two lines."""
    width, height = poster.size
    image = Image.new("RGB", poster.size, RED)
    draw = ImageDraw.Draw(image)
    for y in range(height):  # vertical gradient, red to dark red
        t = y / height
        colour = tuple(int(a + (b - a) * t) for a, b in zip(RED, DARK_RED, strict=True))
        draw.line([(0, y), (width, y)], fill=colour)
    unit = min(width, height)
    margin = unit // 18
    draw.rectangle(
        [margin, margin, width - margin, height - margin], outline=GOLD, width=max(4, unit // 120)
    )
    headline = _font(font_path, unit // 7)
    draw.multiline_text(
        (width / 2, height * 0.38),
        poster.headline,
        font=headline,
        fill=GOLD,
        anchor="mm",
        align="center",
        spacing=unit // 30,
    )
    body = _font(font_path, unit // 18)
    for index, line in enumerate(poster.lines):
        draw.text(
            (width / 2, height * 0.68 + index * unit / 11), line, font=body, fill=CREAM, anchor="mm"
        )
    out = io.BytesIO()
    image.save(out, "JPEG", quality=88)
    return out.getvalue()


def render_portrait(name: str, font_path: str | None) -> bytes:
    """A placeholder member photo: a gold disc with the surname."""
    image = Image.new("RGB", (360, 480), CREAM)
    draw = ImageDraw.Draw(image)
    draw.ellipse([50, 90, 310, 350], fill=RED, outline=GOLD, width=8)
    draw.text((180, 220), name[0], font=_font(font_path, 140), fill=GOLD, anchor="mm")
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


# The demo's first minute shows what the product does: a poster, the honor roll (second in the
# rotation), the other posters, the notice band throughout; then the sign-in card takes the
# main zone for three minutes, and the rotation comes back.
DEMO_POSTER_SECONDS = 8.0
DEMO_SIGNIN_OPENS_AFTER = timedelta(seconds=70)
DEMO_SIGNIN_LASTS = timedelta(minutes=3)


def demo_meeting_times(now: datetime) -> dict[str, str]:
    """Start, end and sign-in window of the demo meeting: sign-in opens once the rotation
    (posters, honor roll) has gone round once, and stays open for three minutes."""
    opens = now + DEMO_SIGNIN_OPENS_AFTER
    start = (opens + timedelta(minutes=2)).replace(second=0, microsecond=0)
    return {
        "start": start.isoformat(),
        "end": (start + timedelta(hours=1, minutes=30)).isoformat(),
        "opens_at": opens.isoformat(),
        "closes_at": (opens + DEMO_SIGNIN_LASTS).isoformat(),
    }


@dataclass(frozen=True)
class DemoCourse:
    """One generated course video (touch mode's 党课视频)."""

    title: str
    category: str
    pattern: str  # an ffmpeg test source: testsrc, testsrc2, smptebars...
    seconds: int


DEMO_COURSES = (
    DemoCourse("学习贯彻党的二十届三中全会精神", "时政热点", "testsrc2", 8),
    DemoCourse("红船精神：开天辟地、敢为人先", "党史故事", "smptebars", 6),
    DemoCourse("遵义会议：伟大的历史转折", "党史故事", "testsrc", 6),
)


def render_course_video(course: DemoCourse, target: Path) -> None:
    """A short H.264/AAC MP4 of an ffmpeg test pattern with a tone (about a second to make).

    Raises:
        OSError: ffmpeg is missing or failed (the message says which).
    """
    if shutil.which("ffmpeg") is None:
        raise OSError("ffmpeg not found (scripts/setup.sh installs it)")
    source = f"{course.pattern}=duration={course.seconds}:size=640x360:rate=25"
    tone = f"sine=frequency=440:duration={course.seconds}"
    done = subprocess.run(
        ["ffmpeg", "-nostdin", "-loglevel", "error", "-y", "-f", "lavfi", "-i", source,
         "-f", "lavfi", "-i", tone, "-c:v", "libx264", "-preset", "ultrafast",
         "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest", "-movflags", "+faststart",
         str(target)],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    if done.returncode != 0:
        raise OSError(f"ffmpeg failed: {done.stderr.strip()[:200]}")


def render_cover(course: DemoCourse, font_path: str | None) -> bytes:
    """A 16:9 JPEG cover: the category on a gold tag and the title in cream on red."""
    width, height = 960, 540
    image = Image.new("RGB", (width, height), DARK_RED)
    draw = ImageDraw.Draw(image)
    for y in range(height):
        t = y / height
        colour = tuple(int(a + (b - a) * t) for a, b in zip(RED, DARK_RED, strict=True))
        draw.line([(0, y), (width, y)], fill=colour)
    tag = _font(font_path, 44)
    draw.rounded_rectangle([40, 40, 80 + int(draw.textlength(course.category, tag)), 110],
                           radius=12, fill=GOLD)  # fmt: skip
    draw.text((60, 75), course.category, font=tag, fill=DARK_RED, anchor="lm")
    lines = course.title.split("：", 1)
    size = min(72, (width - 120) // max(len(line) for line in lines))  # each line fits
    title = _font(font_path, size)
    for index, line in enumerate(lines):
        draw.text((width / 2, height * 0.52 + index * size * 1.4), line, font=title, fill=CREAM,
                  anchor="mm")  # fmt: skip
    out = io.BytesIO()
    image.save(out, "JPEG", quality=88)
    return out.getvalue()
