"""Reading an honor roll (光荣榜) from a CSV file, as a spreadsheet saves it.

The first non-blank row is the header: ``name, title, citation, photo`` or the Chinese
``姓名, 称号 (or 荣誉), 事迹, 照片``, in any order; only the name column is required, and
columns with other headers (``序号``...) are ignored. ``photo`` is a path relative to the CSV
file (or absolute); empty means no photo. The file may be UTF-8, with or without a BOM, or
GBK/GB18030 (what spreadsheets write on Chinese Windows).

Every row is checked before anything is sent: a bad file raises one :class:`HonorCsvError`
whose one-line message names the first few problems with their row numbers, as a
spreadsheet numbers them (the header is row 1). Text is kept as given apart from surrounding
whitespace: it is plain text, never markup.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from annotated_types import MaxLen

from content_cache.wire import HonorEntry, HonorRoll
from content_server import sheet_csv

MAX_CSV_BYTES = 32 * 1024 * 1024
SHOWN_PROBLEMS = 5

COLUMNS: dict[str, tuple[str, ...]] = {
    "name": ("name", "姓名", "名字"),
    "title": ("title", "称号", "荣誉", "荣誉称号"),
    "citation": ("citation", "事迹", "主要事迹", "先进事迹"),
    "photo": ("photo", "照片"),
}
LABELS = {"name": "姓名", "title": "称号", "citation": "事迹", "photo": "照片"}
HEADER_HELP = "姓名/name、称号/荣誉/title、事迹/citation、照片/photo"
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _max_length(model: type[HonorEntry] | type[HonorRoll], field: str) -> int:
    limits = [m.max_length for m in model.model_fields[field].metadata if isinstance(m, MaxLen)]
    return int(limits[0])


MAX_ENTRIES = _max_length(HonorRoll, "entries")
MAX_CHARS = {field: _max_length(HonorEntry, field) for field in ("name", "title", "citation")}

PhotoCheck = Callable[[Path], str | None]
PhotoLocator = Callable[[str], Path]


class HonorCsvError(ValueError):
    """The CSV file cannot be published; ``code`` is ``bad_csv`` or ``file_not_found``."""

    def __init__(self, message: str, code: str = "bad_csv") -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class HonorRow:
    """One entry read from the file; ``row`` is its spreadsheet row number."""

    row: int
    name: str
    title: str
    citation: str
    photo: Path | None
    photo_text: str


@dataclass(frozen=True)
class HonorTable:
    """The entries of a CSV file, the encoding it was read in, and the columns ignored."""

    rows: list[HonorRow]
    encoding: str
    ignored_columns: list[str]

    def photos(self) -> dict[Path, HonorRow]:
        """Each photo once, with the first row that uses it."""
        found: dict[Path, HonorRow] = {}
        for row in self.rows:
            if row.photo is not None:
                found.setdefault(row.photo, row)
        return found


def read_honor_csv(
    path: Path, check_photo: PhotoCheck, *, locate: PhotoLocator | None = None
) -> HonorTable:
    """Read and check an honor-roll CSV file.

    Args:
        path: the CSV file.
        check_photo: returns why a photo file cannot be used (for example "不是可识别的图片"),
            or None if it can; called once per photo file.
        locate: where the file of a photo cell is (default: the cell as a path, relative to
            the CSV file's folder). The console passes its own, so a CSV sent to the server
            never names the server's own files.

    Raises:
        HonorCsvError: the file is missing, unreadable, has no header, too many entries, or
            any bad row (all named, the first few in the message).
    """
    text, encoding = sheet_csv.decode(_read_bytes(path), HonorCsvError)
    records = sheet_csv.records(text, HonorCsvError)
    header_row, header = sheet_csv.header(records, HEADER_HELP, HonorCsvError)
    columns, ignored = sheet_csv.map_columns(
        header, COLUMNS, LABELS, ("name",), HEADER_HELP, HonorCsvError
    )
    where = locate or (lambda text: _photo_path(text, path.parent))
    problems: list[str] = []
    rows: list[HonorRow] = []
    photo_problems: dict[Path, str | None] = {}
    for number, cells in records[header_row:]:
        if not any(cell.strip() for cell in cells):
            continue
        row, row_problems = _read_row(number, cells, columns, len(header), where)
        if row.photo is not None:
            if row.photo not in photo_problems:
                photo_problems[row.photo] = _photo_problem(row.photo, check_photo)
            if photo_problems[row.photo]:
                photo = sheet_csv.shown(row.photo_text)
                row_problems.append(f"照片 {photo} {photo_problems[row.photo]}")
        problems.extend(f"第 {number} 行：{problem}" for problem in row_problems)
        rows.append(row)
    _check_count(path, rows)
    if problems:
        raise HonorCsvError(_summary(path, problems))
    return HonorTable(rows, encoding, ignored)


def _read_bytes(path: Path) -> bytes:
    try:
        if path.stat().st_size > MAX_CSV_BYTES:
            raise HonorCsvError(f"CSV 文件 {path.name} 太大（上限 {MAX_CSV_BYTES // 1024**2} MB）")
        return path.read_bytes()
    except FileNotFoundError:
        raise HonorCsvError(f"找不到文件：{path}", "file_not_found") from None
    except IsADirectoryError:
        raise HonorCsvError(f"这是一个目录，不是文件：{path}", "file_not_found") from None
    except OSError as exc:
        raise HonorCsvError(f"无法读取文件 {path}：{exc.strerror or exc}", "file_error") from None


def _read_row(
    number: int, cells: list[str], columns: dict[str, int], width: int, locate: PhotoLocator
) -> tuple[HonorRow, list[str]]:
    problems = []
    name, title, citation, photo_text = (
        sheet_csv.cell(cells, columns, f) for f in ("name", "title", "citation", "photo")
    )
    if not name:
        problems.append("缺少姓名")
    for field, value in (("name", name), ("title", title), ("citation", citation)):
        if len(value) > MAX_CHARS[field]:
            problems.append(f"{LABELS[field]}太长（{len(value)} 字，最多 {MAX_CHARS[field]} 字）")
    if any(_CONTROL_RE.search(value) for value in (name, title, citation, photo_text)):
        problems.append("含有看不见的控制字符（请检查是否从别处复制了乱码）")
    extra = [c for c in cells[width:] if c.strip()]
    if extra:
        problems.append(f"比表头多出 {len(extra)} 格内容（单元格里有逗号时要用英文引号括起来）")
    photo = locate(photo_text) if photo_text else None
    return HonorRow(number, name, title, citation, photo, photo_text), problems


def _photo_problem(photo: Path, check_photo: PhotoCheck) -> str | None:
    if not photo.exists():
        return "不存在"
    if not photo.is_file():
        return "不是文件"
    return check_photo(photo)


def _photo_path(text: str, base: Path) -> Path:
    if os.sep == "/":
        text = text.replace("\\", "/")  # a CSV written on Windows, read here
    path = Path(text)
    return path if path.is_absolute() else base / path


def _check_count(path: Path, rows: list[HonorRow]) -> None:
    if not rows:
        raise HonorCsvError(f"CSV 文件 {path.name} 里没有任何条目（第一行是表头，下面每行一人）")
    if len(rows) > MAX_ENTRIES:
        raise HonorCsvError(
            f"条目太多：{len(rows)} 条，一个光荣榜最多 {MAX_ENTRIES} 条，请分成几个发布"
        )


def _summary(path: Path, problems: list[str]) -> str:
    listed = sheet_csv.summary(problems, SHOWN_PROBLEMS)
    return f"{path.name} 有 {len(problems)} 处问题，没有发布任何内容：{listed}"
