"""Settings of the content server, declared once with a default and a line of help each."""

from __future__ import annotations

from pathlib import Path

from PIL import Image
from pydantic import BaseModel, ConfigDict, Field

from content_cache.wire import MAX_ASSET_BYTES

GIB = 1024**3


class ServerSettings(BaseModel):
    """Everything ``create_app`` needs; passed in explicitly, never read from globals."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    data_dir: Path = Field(
        description="Directory of the database (content.db), assets/ and tmp/; created if missing."
    )
    admin_token: str = Field(
        min_length=1,
        description="Bearer token that publishing requests must present (Authorization header).",
    )
    screen_key: str | None = Field(
        default=None,
        min_length=1,
        repr=False,
        description="Fleet secret from which each screen's token is derived "
        "(HMAC-SHA256 of 'screen:' + screen id); None: generated on first start and kept in "
        "<data_dir>/screen.key.",
    )
    public_url: str | None = Field(
        default=None,
        description="Base URL under which screens and phones reach this server "
        "(for links such as sign-in QR codes); None when not behind a proxy.",
    )
    session_hours: float = Field(
        default=12.0,
        gt=0,
        le=24 * 30,
        description="How long a login (POST /api/login) lasts, in hours; then log in again.",
    )
    max_upload_bytes: int = Field(
        default=2 * GIB,
        ge=1,
        le=MAX_ASSET_BYTES,
        description="Largest file accepted by POST /api/assets, in bytes (default 2 GiB).",
    )
    max_image_pixels: int = Field(
        # Pillow's own decompression-bomb threshold (about 89 megapixels): a larger cap
        # would make Pillow warn before this check runs.
        default=Image.MAX_IMAGE_PIXELS or 89_478_485,
        ge=1,
        description="Largest image accepted as a poster or photo, in pixels (width x height).",
    )

    @property
    def database_path(self) -> Path:
        """The SQLite database file."""
        return self.data_dir / "content.db"

    @property
    def assets_dir(self) -> Path:
        """Where assets are stored, one file per sha256."""
        return self.data_dir / "assets"

    @property
    def tmp_dir(self) -> Path:
        """Staging area for uploads; on the same filesystem as ``assets_dir``."""
        return self.data_dir / "tmp"
