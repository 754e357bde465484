"""Settings of one screen (``kiosk run``): TOML file + command-line overrides, validated.

Every setting is declared once with its default and a line of help; ``kiosk run --help`` and
the README's table are generated from / checked against these declarations.
"""

from __future__ import annotations

import difflib
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from content_cache.signature import decode_key
from content_cache.wire import ITEM_ID_PATTERN


class ConfigError(ValueError):
    """The configuration cannot be used; the message names the bad key."""


class ScreenConfig(BaseModel):
    """Local settings of one screen. Content settings (theme, org name...) come from the server."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    server: str = Field("http://127.0.0.1:8080", description="Base URL of the content server.")
    screen: str = Field(
        "screen-1", pattern=ITEM_ID_PATTERN, description="This screen's id on the server."
    )
    screen_token: str | None = Field(
        None,
        min_length=1,
        repr=False,
        description="This screen's token on an install set up without a pairing code, printed "
        "by kiosk publish ... screen-token SCREEN_ID (or $KIOSK_SCREEN_TOKEN). Without it (and "
        "without a credential stored by enrollment) the screen shows a pairing code.",
    )
    server_keys: list[str] = Field(
        [],
        description="The server's manifest-signing public keys, printed by kiosk admin keys "
        "list, for a screen set up with screen_token; an enrolled screen gets them by itself. "
        "Without either, the screen trusts the keys of the first manifest it receives.",
    )
    cache: Path = Field(
        Path("/var/lib/kiosk/cache"), description="Directory of the offline content cache."
    )
    windowed: bool = Field(
        False, strict=True, description="Show a normal window instead of fullscreen."
    )
    log_json: bool = Field(False, strict=True, description="Log JSON lines instead of plain text.")
    poll_seconds: float = Field(
        60.0,
        strict=True,
        ge=1,
        le=3600,
        description="Seconds between manifest polls when all is well.",
    )
    max_backoff_seconds: float = Field(
        60.0,
        strict=True,
        ge=1,
        le=3600,
        description="Longest pause between retries while the server is down.",
    )
    cache_quota_mb: float = Field(
        8192,
        strict=True,
        ge=1,
        description="Most disk the cache may use; unused files are evicted first.",
    )
    max_downloads: int = Field(
        2, strict=True, ge=1, le=16, description="How many files download at once."
    )
    push: bool = Field(
        True,
        strict=True,
        description="Listen for the server's change events and sync at once on each.",
    )
    orientation: Literal["auto", "portrait", "landscape"] | None = Field(
        None, description="Override the orientation set on the server (auto: from the screen)."
    )
    themes_dir: Path | None = Field(
        None, description="Folder of themes (default: the themes/ folder shipped with kiosk)."
    )
    mode: Literal["wall", "touch"] | None = Field(
        None, description="Override the mode set on the server (wall: rotate; touch: 一体机)."
    )
    idle_seconds: float = Field(
        120.0,
        strict=True,
        ge=1,
        le=3600,
        description="Touch mode: seconds without a touch before the "
        "screen returns to the attract loop.",
    )
    screenshot_dir: Path | None = Field(
        None,
        description="Save a screenshot of the window here on SIGUSR1 (off when not set).",
    )

    @field_validator("server_keys")
    @classmethod
    def _public_keys(cls, value: list[str]) -> list[str]:
        for key in value:
            decode_key(key)  # ValueError: named with the key by load_config
        return value

    @field_validator("screen")
    @classmethod
    def _not_reserved(cls, value: str) -> str:
        if value == "all":
            raise ValueError("'all' means every screen on the server; give this screen its own id")
        return value


def load_config(path: Path | None, overrides: dict[str, Any]) -> ScreenConfig:
    """Build the configuration from an optional TOML file and command-line overrides.

    Raises:
        ConfigError: unreadable file, bad TOML, unknown key or bad value (named in the message).
    """
    values: dict[str, Any] = {}
    if path is not None:
        try:
            values = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        except OSError as exc:
            raise ConfigError(f"cannot read config {path}: {exc.strerror}") from None
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"config {path} is not valid TOML: {exc}") from None
    values.update({k: v for k, v in overrides.items() if v is not None})
    try:
        return ScreenConfig.model_validate(values)
    except ValidationError as exc:
        problems = [_problem(err) for err in exc.errors()]
        where = f" in {path}" if path else ""
        noun = "setting" if len(problems) == 1 else f"{len(problems)} settings"
        raise ConfigError(f"bad {noun}{where}: " + "; ".join(problems)) from None


def _problem(err: Any) -> str:
    """One bad key in a few words: what is wrong, and the likely key for a misspelt one."""
    key = ".".join(str(p) for p in err["loc"]) or "(top)"
    if err["type"] == "extra_forbidden":
        close = difflib.get_close_matches(key, ScreenConfig.model_fields, n=1, cutoff=0.6)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        return f"{key!r} is not a setting{hint}"
    if err["type"] == "bool_type":
        return f"{key!r} must be true or false (without quotes), not {err['input']!r}"
    return f"{key!r}: {err['msg']}"
