"""The wire format: the contract between the content server and the screens.

One manifest per screen. It carries a monotonically increasing ``revision``, the screen's
settings and the items the screen may show. Parsing is forgiving where that keeps older screens
alive against newer servers (unknown item kinds and unknown fields are skipped with a log line,
a single bad item is dropped) and strict where a mistake could show the wrong thing (the top level
must validate, every asset reference must be a real sha256, ids cannot be paths, every datetime
is timezone-aware).
"""

from __future__ import annotations

import logging
import re
from datetime import date, datetime, time
from typing import Annotated, Any, Literal, Union

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
    field_validator,
    model_validator,
)

from content_cache.signature import KEY_ID_PATTERN, decode_key, key_id

log = logging.getLogger("content_cache.wire")

WIRE_VERSION = 1
MAX_ASSET_BYTES = 8 * 1024**3  # 8 GiB: larger than any real course video, small enough to be sane
ITEM_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$"
SHA256_PATTERN = r"^[0-9a-f]{64}$"
MAX_SIGNING_KEYS = 16
ITEM_KINDS = ("poster", "video", "honor_roll", "notice", "meeting")


class ManifestError(ValueError):
    """The manifest as a whole cannot be used; the message is one line for the log."""


class WireModel(BaseModel):
    """Base of every wire model: immutable, unknown fields dropped with a log line."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    @model_validator(mode="before")
    @classmethod
    def _log_unknown_fields(cls, data: Any) -> Any:
        if isinstance(data, dict):
            known = set(cls.model_fields)
            unknown = sorted(str(k) for k in data if k not in known)
            if unknown:
                log.info("skipped unknown fields in %s: %s", cls.__name__, ", ".join(unknown))
        return data


class AssetRef(WireModel):
    """A file by content: the screen fetches ``/assets/{sha256}`` and checks size and hash."""

    sha256: Annotated[str, Field(pattern=SHA256_PATTERN)]
    size: Annotated[int, Field(ge=1, le=MAX_ASSET_BYTES)]
    media_type: Annotated[str, Field(min_length=3, max_length=100, pattern=r"^[\w.+-]+/[\w.+-]+$")]


class PowerRule(WireModel):
    """The screen is on from ``on`` to ``off`` on the given ISO weekdays (1 = Monday)."""

    weekdays: list[Annotated[int, Field(ge=1, le=7)]] = [1, 2, 3, 4, 5, 6, 7]
    on: time
    off: time


class ScreenSettings(WireModel):
    """Per-screen settings chosen on the server."""

    org_name: Annotated[str, Field(max_length=200)] = ""
    theme: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]{0,40}$")] = "party-red"
    orientation: Literal["auto", "portrait", "landscape"] = "auto"
    mode: Literal["wall", "touch"] = "wall"
    poster_seconds: Annotated[float, Field(ge=2, le=3600)] = 10.0
    timezone: str = "Asia/Shanghai"
    power: list[PowerRule] = []
    mourning_dates: list[date] = []
    emergency_stop: bool = False


class ItemBase(WireModel):
    """Fields every item has. The display window is [valid_from, valid_until): end exclusive."""

    id: Annotated[str, Field(pattern=ITEM_ID_PATTERN)]
    title: Annotated[str, Field(max_length=500)] = ""
    valid_from: AwareDatetime | None = None
    valid_until: AwareDatetime | None = None
    priority: Annotated[int, Field(ge=-1000, le=1000)] = 0
    display_seconds: Annotated[float, Field(ge=1, le=86400)] | None = None
    # Calendar: "MM-DD" days on which the item shows every year (holiday posters).
    show_on: list[Annotated[str, Field(pattern=r"^(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$")]] = []
    festive: bool = False

    @model_validator(mode="after")
    def _window_is_ordered(self) -> ItemBase:
        if self.valid_from and self.valid_until and self.valid_until <= self.valid_from:
            raise ValueError("valid_until must be after valid_from")
        return self

    def assets(self) -> list[AssetRef]:
        """Every asset this item needs on disk before it can be shown."""
        return []

    def in_window(self, now: datetime) -> bool:
        """True if ``now`` lies in [valid_from, valid_until)."""
        if self.valid_from is not None and now < self.valid_from:
            return False
        return self.valid_until is None or now < self.valid_until


class Poster(ItemBase):
    kind: Literal["poster"] = "poster"
    image: AssetRef

    def assets(self) -> list[AssetRef]:
        return [self.image]


class Video(ItemBase):
    """A course video. ``length_seconds`` is the media's own length.

    The server fills ``length_seconds``, the codecs and the picture size from its probe of the
    upload (``content_server/video_probe.py``).

    Every video is in the touch screen's course library. Only a video with ``rotation`` set is
    also in the rotation (the wall screen, and the touch screen's attract loop): there it
    plays muted to its end, or for ``display_seconds`` when the publisher set it. So a branch
    can publish a hundred courses without the corridor screen playing lessons all day.
    """

    kind: Literal["video"] = "video"
    video: AssetRef
    cover: AssetRef | None = None
    category: Annotated[str, Field(max_length=100)] = ""
    length_seconds: Annotated[float, Field(ge=0)] | None = None
    video_codec: Annotated[str, Field(max_length=32)] = ""
    audio_codec: Annotated[str, Field(max_length=32)] = ""
    width: Annotated[int, Field(ge=0, le=16384)] | None = None
    height: Annotated[int, Field(ge=0, le=16384)] | None = None
    rotation: bool = False

    def assets(self) -> list[AssetRef]:
        return [self.video] + ([self.cover] if self.cover else [])


class HonorEntry(WireModel):
    name: Annotated[str, Field(max_length=500)]
    title: Annotated[str, Field(max_length=500)] = ""
    citation: Annotated[str, Field(max_length=2000)] = ""
    photo: AssetRef | None = None


class HonorRoll(ItemBase):
    kind: Literal["honor_roll"] = "honor_roll"
    entries: Annotated[list[HonorEntry], Field(max_length=5000)] = []

    def assets(self) -> list[AssetRef]:
        return [e.photo for e in self.entries if e.photo is not None]


class Notice(ItemBase):
    kind: Literal["notice"] = "notice"
    text: Annotated[str, Field(max_length=20000)]
    urgent: bool = False


class SignInParams(WireModel):
    """What a screen needs to draw the rotating sign-in QR code without the server."""

    url: Annotated[str, Field(max_length=500)]
    secret: Annotated[str, Field(min_length=16, max_length=200)]
    period_seconds: Annotated[int, Field(ge=5, le=600)] = 30
    opens_at: AwareDatetime
    closes_at: AwareDatetime


class Meeting(ItemBase):
    kind: Literal["meeting"] = "meeting"
    meeting_type: Annotated[str, Field(max_length=50)]
    branch: Annotated[str, Field(max_length=200)] = ""
    place: Annotated[str, Field(max_length=200)] = ""
    start: AwareDatetime
    end: AwareDatetime
    signin: SignInParams | None = None


Item = Annotated[
    Union[Poster, Video, HonorRoll, Notice, Meeting],  # noqa: UP007 - discriminated union
    Field(discriminator="kind"),
]
_ITEM_ADAPTER: TypeAdapter[Item] = TypeAdapter(Item)


class SigningKey(WireModel):
    """A public key the server signs manifests with: its id and the raw Ed25519 key in
    base64 (``content_cache/signature.py``). A screen learns keys only from a manifest whose
    signature it verified with a key it already trusts (``content_cache/trust.py``)."""

    id: Annotated[str, Field(pattern=KEY_ID_PATTERN)]
    public_key: Annotated[str, Field(max_length=100)]

    @model_validator(mode="after")
    def _id_is_the_keys(self) -> SigningKey:
        if key_id(decode_key(self.public_key)) != self.id:
            raise ValueError("id is not the key's id")
        return self

    def raw(self) -> bytes:
        """The raw 32-byte public key."""
        return decode_key(self.public_key)


_SIGNING_KEY_ADAPTER: TypeAdapter[SigningKey] = TypeAdapter(SigningKey)


class Manifest(WireModel):
    """What one screen may show, as of ``revision``.

    ``signing_keys`` are the server's current manifest-signing keys (the body is signed, so
    the list is as trustworthy as the signature that covers it).
    """

    wire_version: int = WIRE_VERSION
    revision: Annotated[int, Field(ge=0)]
    screen_id: Annotated[str, Field(pattern=ITEM_ID_PATTERN)]
    generated_at: AwareDatetime
    settings: ScreenSettings = ScreenSettings()
    items: list[Item] = []
    signing_keys: list[SigningKey] = []

    @field_validator("items", mode="before")
    @classmethod
    def _keep_good_items(cls, raw: Any) -> Any:
        if not isinstance(raw, list):
            return raw  # let pydantic reject the manifest with its own message
        return list(_parse_items(raw))

    @field_validator("signing_keys", mode="before")
    @classmethod
    def _keep_good_keys(cls, raw: Any) -> Any:
        if not isinstance(raw, list):
            return raw
        return list(_parse_keys(raw))

    def assets(self) -> dict[str, AssetRef]:
        """Every asset the manifest references, by sha256."""
        return {ref.sha256: ref for item in self.items for ref in item.assets()}


def _parse_items(raw_items: list[Any]) -> list[Poster | Video | HonorRoll | Notice | Meeting]:
    items: list[Poster | Video | HonorRoll | Notice | Meeting] = []
    seen: set[str] = set()
    for index, raw in enumerate(raw_items):
        if isinstance(raw, ItemBase):  # built in code (the server), already validated
            raw = raw.model_dump()
        kind = raw.get("kind") if isinstance(raw, dict) else None
        label = f"item #{index} ({_safe(raw.get('id') if isinstance(raw, dict) else None)})"
        if kind not in ITEM_KINDS:
            log.warning("skipped %s: unknown kind %s", label, _safe(kind))
            continue
        try:
            item = _ITEM_ADAPTER.validate_python(raw)
        except ValidationError as exc:
            log.warning("skipped %s: %s", label, one_line(exc))
            continue
        if item.id in seen:
            log.warning("skipped %s: duplicate id", label)
            continue
        seen.add(item.id)
        items.append(item)
    return items


def _parse_keys(raw_keys: list[Any]) -> list[SigningKey]:
    """Keys a screen can use; others (a kind of key a newer server may add) are skipped with
    a log line, so they cannot cost the screen its manifest."""
    keys: list[SigningKey] = []
    for index, raw in enumerate(raw_keys[:MAX_SIGNING_KEYS]):
        if isinstance(raw, SigningKey):
            keys.append(raw)
            continue
        try:
            keys.append(_SIGNING_KEY_ADAPTER.validate_python(raw))
        except ValidationError as exc:
            log.warning("skipped signing key #%d: %s", index, one_line(exc))
    return keys


def parse_manifest(data: bytes | str | dict[str, Any]) -> Manifest:
    """Validate a manifest from JSON text or a decoded object.

    Raises:
        ManifestError: the manifest as a whole is unusable (not JSON, wrong top-level types).
    """
    try:
        if isinstance(data, dict):
            return Manifest.model_validate(data)
        return Manifest.model_validate_json(data)
    except ValidationError as exc:
        raise ManifestError(f"manifest rejected: {one_line(exc)}") from None
    except (ValueError, TypeError, RecursionError) as exc:
        raise ManifestError(f"manifest rejected: {type(exc).__name__}: {exc}"[:300]) from None


def one_line(exc: ValidationError) -> str:
    """A pydantic error as one short log line, naming the bad fields."""
    parts = []
    for err in exc.errors()[:3]:
        where = ".".join(str(p) for p in err.get("loc", ())) or "(top)"
        parts.append(f"{where}: {err.get('msg', 'invalid')}")
    more = exc.error_count() - len(parts)
    return "; ".join(parts) + (f" (+{more} more)" if more > 0 else "")


_UNSAFE = re.compile(r"[^\w.:-]")


def _safe(value: Any) -> str:
    """A value from untrusted input, short and printable, for a log line."""
    return _UNSAFE.sub("?", str(value))[:64]
