"""Published items: from an admin's JSON payload to a validated wire item, and targeting.

A payload is the wire item's own fields (see ``content_cache.wire``) plus ``to`` (``all``, an
organisation node ``node:<id>`` or a screen id); the server chooses the item id and fills every
asset reference's size and media type from its asset table. Naive times are read as +08:00
(China Standard Time).
"""

from __future__ import annotations

import re
import secrets
import string
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import TypeAdapter, ValidationError

from content_cache.wire import (
    ITEM_ID_PATTERN,
    ITEM_KINDS,
    SHA256_PATTERN,
    AssetRef,
    HonorRoll,
    Item,
    Meeting,
    Notice,
    Poster,
    Video,
)
from content_server.errors import ApiError, describe_errors
from content_server.org.tree import ROOT_TARGET, is_node_target, node_target, target_node_id
from content_server.timefmt import parse_local_datetime

WireItem = Poster | Video | HonorRoll | Notice | Meeting

ITEM_ADAPTER: TypeAdapter[WireItem] = TypeAdapter(Item)
ID_PREFIXES = {"poster": "p", "video": "v", "honor_roll": "h", "notice": "n", "meeting": "m"}
ID_ALPHABET = string.ascii_letters + string.digits + "-_"
ID_RANDOM_CHARS = 10
DATETIME_FIELDS = frozenset({"valid_from", "valid_until", "start", "end", "opens_at", "closes_at"})
SERVER_FIELDS = frozenset({"to", "id"})  # in the payload but not copied into the item

ALL_SCREENS = ROOT_TARGET  # "all": the root of the organisation tree
_ID_RE = re.compile(ITEM_ID_PATTERN)
_SHA256_RE = re.compile(SHA256_PATTERN)

AssetLookup = Callable[[str], AssetRef | None]


@dataclass(frozen=True)
class ItemDraft:
    """A validated item and where it goes (``all``, ``node:<id>`` or ``screen:<id>``)."""

    item: WireItem
    target: str


def new_item_id(kind: str) -> str:
    """A fresh id such as ``p-Xq3_9aZk0b`` (kind letter, dash, 10 URL-safe characters)."""
    random_part = "".join(secrets.choice(ID_ALPHABET) for _ in range(ID_RANDOM_CHARS))
    return f"{ID_PREFIXES.get(kind, 'x')}-{random_part}"


def is_valid_id(value: str) -> bool:
    """True if ``value`` is a valid item or screen id (letters, digits, ``-``, ``_``)."""
    return bool(_ID_RE.fullmatch(value))


def check_screen_id(screen_id: str, *, allow_all: bool = False) -> str:
    """Return ``screen_id`` if valid; ``all`` means every screen and is no screen's id.

    Args:
        screen_id: the id from the path.
        allow_all: accept ``all`` (routes that act on all screens, such as settings).

    Raises:
        ApiError: 400 ``bad_screen_id``, or ``reserved_screen_id`` for ``all``.
    """
    if screen_id == ALL_SCREENS and not allow_all:
        raise ApiError(
            400, "reserved_screen_id", "all 表示全部屏幕，不能用作屏幕编号，请给屏幕换一个编号"
        )
    if not is_valid_id(screen_id):
        raise ApiError(
            400,
            "bad_screen_id",
            "屏幕编号不合法：只能由字母、数字、- 和 _ 组成，以字母或数字开头，最长 64 个字符",
        )
    return screen_id


def parse_target(value: Any) -> str:
    """``"all"`` -> ``all`` (the root of the organisation tree); ``"node:<id>"`` ->
    ``node:<id>`` (``node:1``, the root, -> ``all``); ``"<screen id>"`` or ``"screen:<id>"``
    -> ``screen:<id>``. Whether the node exists is checked when the item is stored.

    Raises:
        ApiError: 422 ``bad_target``.
    """
    if value == ALL_SCREENS:
        return ALL_SCREENS
    if isinstance(value, str):
        if is_node_target(value):
            node_id = target_node_id(value)
            assert node_id is not None
            return node_target(node_id)
        screen_id = value.removeprefix("screen:")
        if is_valid_id(screen_id) and screen_id != ALL_SCREENS:
            return f"screen:{screen_id}"
    raise ApiError(
        422,
        "bad_target",
        "发布范围 to 不正确：应为 all（全部屏幕）、node:组织编号 或一个屏幕编号",
    )


def target_label(target: str) -> str:
    """``screen:<id>`` -> ``<id>``; ``all`` and ``node:<id>`` stay as they are (the API's
    spelling of ``to``)."""
    return target.removeprefix("screen:")


def build_item(
    payload: dict[str, Any], item_id: str, lookup_asset: AssetLookup, now: datetime
) -> ItemDraft:
    """Validate an admin's payload as a wire item with id ``item_id``.

    Raises:
        ApiError: 422 with one clear message (unknown kind, bad target, unknown asset,
            unknown field, invalid value, a window that has already ended).
    """
    kind = payload.get("kind")
    if kind not in ITEM_KINDS:
        raise ApiError(
            422, "unknown_kind", f"不支持的内容类型 kind：{kind!r}（可选 {'、'.join(ITEM_KINDS)}）"
        )
    target = parse_target(payload.get("to"))
    data = {key: value for key, value in payload.items() if key not in SERVER_FIELDS}
    data["id"] = item_id
    data = _resolve_assets(localize_datetimes(data), lookup_asset)
    try:
        item = ITEM_ADAPTER.validate_python(data)
    except ValidationError as exc:
        raise ApiError(422, "invalid_item", describe_errors(exc.errors())) from None
    unknown = list(unknown_fields(data, item.model_dump(mode="json", exclude_unset=True)))
    if unknown:
        raise ApiError(422, "unknown_field", f"未知字段：{'、'.join(unknown[:5])}")
    _check_content(item)
    _check_times(item, now)
    return ItemDraft(item, target)


def localize_datetimes(value: Any) -> Any:
    """A copy of ``value`` where naive date-time strings in time fields carry +08:00."""
    if isinstance(value, dict):
        return {key: _localize_field(key, item) for key, item in value.items()}
    if isinstance(value, list):
        return [localize_datetimes(item) for item in value]
    return value


def _localize_field(key: str, value: Any) -> Any:
    if key in DATETIME_FIELDS and isinstance(value, str):
        try:
            return parse_local_datetime(value).isoformat()
        except ValueError:
            return value  # pydantic reports it with the field's name
    return localize_datetimes(value)


def _resolve_assets(value: Any, lookup_asset: AssetLookup) -> Any:
    """Replace every ``{"sha256": ...}`` with the server's complete asset reference."""
    if isinstance(value, list):
        return [_resolve_assets(item, lookup_asset) for item in value]
    if not isinstance(value, dict):
        return value
    if "sha256" in value:
        return _asset_ref(value["sha256"], lookup_asset)
    return {key: _resolve_assets(item, lookup_asset) for key, item in value.items()}


def _asset_ref(sha256: Any, lookup_asset: AssetLookup) -> dict[str, Any]:
    ref = lookup_asset(sha256) if isinstance(sha256, str) and _SHA256_RE.fullmatch(sha256) else None
    if ref is None:
        shown = str(sha256)[:16]
        raise ApiError(
            422, "unknown_asset", f"找不到素材 {shown}…：请先上传文件（POST /api/assets）再发布"
        )
    return ref.model_dump(mode="json")


def unknown_fields(given: Any, known: Any, where: str = "") -> Iterator[str]:
    """Paths of keys in ``given`` that validation dropped (typos such as ``valid_untill``).

    ``known`` is the validated model dumped with ``exclude_unset=True``: it holds exactly the
    fields the payload set, so whatever else ``given`` has was not a field.
    """
    if isinstance(given, dict) and isinstance(known, dict):
        for key, value in given.items():
            path = f"{where}.{key}" if where else str(key)
            if key not in known:
                yield path
            else:
                yield from unknown_fields(value, known[key], path)
    elif isinstance(given, list) and isinstance(known, list):
        for index, (value, kept) in enumerate(zip(given, known, strict=False)):
            yield from unknown_fields(value, kept, f"{where}[{index}]")


def _check_content(item: WireItem) -> None:
    """What the wire format allows but a screen cannot sensibly show."""
    if isinstance(item, Notice) and not item.text.strip():
        raise ApiError(422, "invalid_item", "通知正文 text 不能为空")
    if isinstance(item, HonorRoll):
        if not item.entries:
            raise ApiError(422, "invalid_item", "光荣榜 entries 至少要有一条")
        for index, entry in enumerate(item.entries):
            if not entry.name.strip():
                raise ApiError(422, "invalid_item", f"字段 entries[{index}].name：姓名不能为空")


def _check_times(item: WireItem, now: datetime) -> None:
    if item.valid_until is not None and item.valid_until <= now:
        raise ApiError(422, "already_ended", "结束时间 valid_until 已经过去，内容将不会显示")
    if isinstance(item, Meeting):
        if item.end <= item.start:
            raise ApiError(422, "invalid_item", "会议结束时间 end 必须晚于开始时间 start")
        if item.signin is not None and item.signin.closes_at <= item.signin.opens_at:
            raise ApiError(422, "invalid_item", "签到结束时间 closes_at 必须晚于开始时间 opens_at")
