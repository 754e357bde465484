"""CSV files as spreadsheets (Excel, WPS) save them: encodings, records, the header row.

Shared by the honor-roll reader (``content_server/honor_csv.py``) and the roster reader
(``content_server/signin/roster.py``). Every function raises the caller's own error class, so
each reader keeps one exception type with a one-line Chinese message.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Mapping

Records = list[tuple[int, list[str]]]


def decode(data: bytes, error: type[ValueError]) -> tuple[str, str]:
    """The file's text and the name of its encoding: UTF-8 (BOM or not), else GB18030/GBK.

    Raises:
        error: the bytes are an Excel workbook, UTF-16 text, or no known encoding.
    """
    if data.startswith(b"PK\x03\x04"):
        raise error("这是 Excel 工作簿（.xlsx），请在表格软件中“另存为” CSV 文件")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise error("文件是 UTF-16 编码（“Unicode 文本”），请另存为“CSV UTF-8（逗号分隔）”")
    if data.startswith(codecs.BOM_UTF8):
        candidates = [("utf-8-sig", "UTF-8")]
    else:
        candidates = [("utf-8", "UTF-8"), ("gb18030", "GBK")]
    for codec, name in candidates:
        try:
            return data.decode(codec), name
        except UnicodeDecodeError:
            continue
    raise error("无法识别文件的编码：请另存为“CSV UTF-8（逗号分隔）”或 GBK 编码的 CSV")


def records(text: str, error: type[ValueError]) -> Records:
    """``(spreadsheet row number, cells)`` of every record; a quoted cell may span lines."""
    reader = csv.reader(io.StringIO(text, newline=""))
    found: Records = []
    try:
        for number, cells in enumerate(reader, start=1):
            found.append((number, cells))
    except csv.Error as exc:
        raise error(f"CSV 格式不正确（第 {len(found) + 1} 行）：{exc}") from None
    return found


def header(found: Records, help_text: str, error: type[ValueError]) -> tuple[int, list[str]]:
    """The index of the first record after the header, and the header's cells."""
    for index, (_, cells) in enumerate(found):
        if any(cell.strip() for cell in cells):
            return index + 1, cells
    raise error(f"CSV 文件是空的：第一行应是表头（{help_text}），下面每行一人")


def map_columns(
    cells: list[str],
    aliases: Mapping[str, tuple[str, ...]],
    labels: Mapping[str, str],
    required: tuple[str, ...],
    help_text: str,
    error: type[ValueError],
) -> tuple[dict[str, int], list[str]]:
    """Which column holds each field (by any of its ``aliases``, case-insensitive), and the
    header labels that name no field (ignored, shortened for a message)."""
    known = {alias.casefold(): field for field, names in aliases.items() for alias in names}
    columns: dict[str, int] = {}
    ignored: list[str] = []
    for index, cell in enumerate(cells):
        label = cell.strip().strip("\ufeff").strip()
        field = known.get(label.casefold())
        if field is None:
            if label:
                ignored.append(shown(label))
            continue
        if field in columns:
            raise error(f"表头里“{labels[field]}”列出现了两次")
        columns[field] = index
    missing = [labels[f] for f in required if f not in columns]
    if missing:
        wanted = "、".join(f"“{labels[f]}”（{f}）" for f in required)
        raise error(
            f"表头缺少“{'”“'.join(missing)}”列；第一行应是表头，要有{wanted}列；"
            f"可用的列：{help_text}"
        )
    return columns, ignored


def cell(cells: list[str], columns: Mapping[str, int], field: str) -> str:
    """The trimmed text of ``field`` in a record, or "" where the record is short."""
    index = columns.get(field)
    return cells[index].strip() if index is not None and index < len(cells) else ""


def shown(text: str, limit: int = 60) -> str:
    """User text for a one-line message: no line breaks, not too long."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def summary(problems: list[str], limit: int) -> str:
    """The first ``limit`` problems, and how many more there are."""
    text = "；".join(problems[:limit])
    more = len(problems) - limit
    return text + (f"（另有 {more} 处问题）" if more > 0 else "")
