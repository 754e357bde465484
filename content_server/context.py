"""What every route needs, built once by ``create_app`` and passed to the route builders."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from content_server.assets import AssetStore
from content_server.db import Database
from content_server.events import ChangeNotifier
from content_server.settings import ServerSettings
from content_server.signing import SigningRing


@dataclass(frozen=True)
class ServerContext:
    """The server's collaborators; no module-level singletons.

    Attributes:
        settings: the settings the app was created with.
        db: the database (one connection per request).
        assets: the asset store on disk.
        notifier: told whenever a screen's manifest may have changed.
        clock: returns the current time, timezone-aware (injected so tests can move it).
        screen_key: the secret screens' tokens are derived from (``content_server.auth``).
        signing: the keys manifests are signed with (``content_server.signing``).
    """

    settings: ServerSettings
    db: Database
    assets: AssetStore
    notifier: ChangeNotifier
    clock: Callable[[], datetime]
    screen_key: str
    signing: SigningRing
