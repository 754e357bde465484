"""The application factory: ``create_app(settings)`` builds a ready FastAPI app.

No module-level app or settings: everything the routes need is built here and passed to them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from content_server import api_schema, console
from content_server.accounts import routes as account_routes
from content_server.assets import AssetStore
from content_server.audit import routes as audit_routes
from content_server.auth import caller_guard
from content_server.context import ServerContext
from content_server.db import Database
from content_server.enrollment import routes as enrollment_routes
from content_server.errors import ApiError, CatchAllMiddleware, handle_exception
from content_server.events import ChangeNotifier
from content_server.org import routes as org_routes
from content_server.review import routes as review_routes
from content_server.routes import (
    assets,
    items,
    learning,
    node_settings,
    screens,
    signing_keys,
    uploads,
)
from content_server.screen_key import load_or_create_screen_key
from content_server.settings import ServerSettings
from content_server.signin import routes as signin_routes
from content_server.signing import SigningRing
from content_server.timefmt import utc_now

log = logging.getLogger("content_server")


def create_app(
    settings: ServerSettings,
    *,
    clock: Callable[[], datetime] = utc_now,
    notifier: ChangeNotifier | None = None,
    signing: SigningRing | None = None,
) -> FastAPI:
    """Build the content server: create the data directory and schema, wire the routes.

    Args:
        settings: data directory, admin token and limits.
        clock: returns the current aware datetime; tests pass a controllable one.
        notifier: told about every change to what screens should show.
        signing: the manifest-signing keys (default: the ring in the data directory, made on
            the first start).
    """
    ctx = build_context(settings, clock=clock, notifier=notifier, signing=signing)
    app = FastAPI(
        title="智慧党建内容服务器",
        # The interactive docs pages load scripts from a public CDN; deployments are often
        # on internal networks, so only the machine-readable schema is served.
        docs_url=None,
        redoc_url=None,
        openapi_url="/api/openapi.json",
    )
    app.state.context = ctx
    for exc_type in (ApiError, RequestValidationError, StarletteHTTPException):
        app.add_exception_handler(exc_type, handle_exception)
    app.add_middleware(CatchAllMiddleware)
    app.state.resolve_caller = caller_guard(ctx.db, ctx.clock, settings.admin_token)

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        """200 when the server can answer (its database opens)."""
        with ctx.db.connect() as conn:
            conn.execute("SELECT 1")
        return {"status": "ok"}

    modules = (
        assets,
        uploads,
        items,
        screens,
        node_settings,
        learning,
        signin_routes,
        org_routes,
        account_routes,
        enrollment_routes,
        signing_keys,
        review_routes,
        audit_routes,
    )
    for module in modules:
        app.include_router(module.build_router(ctx))
    console.install(app, ctx)
    api_schema.install(app)
    return app


def build_context(
    settings: ServerSettings,
    *,
    clock: Callable[[], datetime] = utc_now,
    notifier: ChangeNotifier | None = None,
    signing: SigningRing | None = None,
) -> ServerContext:
    """Create the data directory, database schema and asset store; read (or make) the
    screen key and the manifest-signing keys.

    Raises:
        ScreenKeyError: no screen key is set and the key file cannot be read or made.
        SigningKeyError: a signing key cannot be read, or the first one cannot be made.
    """
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    database = Database(settings.database_path)
    database.create_schema(clock())
    store = AssetStore(
        settings.assets_dir,
        settings.tmp_dir,
        max_bytes=settings.max_upload_bytes,
        max_pixels=settings.max_image_pixels,
    )
    store.remove_stale_uploads()
    screen_key = settings.screen_key or load_or_create_screen_key(settings.data_dir)
    ring = signing or SigningRing.load_or_create(settings.data_dir)
    log.info("content server data in %s", settings.data_dir)
    return ServerContext(
        settings, database, store, notifier or ChangeNotifier(), clock, screen_key, ring
    )
