"""A publishing form with a photo in it, received the way ``POST /api/assets`` receives files:
streamed into the asset store's staging area (never whole in memory, never spooled twice),
with the form's few text fields kept aside.

The photo is stored only after the form's CSRF token and its target have been checked, so a
refused form leaves nothing behind. A form may also come without a photo (the page's script
uploaded it first, ``POST /console/publish/upload``, and sends its sha256 in ``image``).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from fastapi import Request
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect

from content_server.context import ServerContext
from content_server.routes.assets import as_api_errors, record_asset
from content_server.uploads import MultipartReceiver, UploadFormError, boundary_of

log = logging.getLogger("content_server.console")


@dataclass(frozen=True)
class PhotoForm:
    """The text fields of the form and the sha256 of its photo ('' when none came)."""

    fields: dict[str, str]
    photo: str


class FormGone(Exception):
    """The browser went away in the middle of the upload: nobody to answer."""


async def receive_photo_form(
    ctx: ServerContext, request: Request, check: Callable[[dict[str, str]], Awaitable[None]]
) -> PhotoForm:
    """Stream the form in; call ``check(fields)`` (CSRF, scope: it raises to refuse), then
    store the photo if one came.

    Raises:
        ApiError: the upload or the photo is refused (one Chinese sentence in ``detail``).
        FormGone: the connection dropped.
        Whatever ``check`` raises; nothing is stored then.
    """
    with as_api_errors(), ctx.assets.staging() as staged:
        receiver = MultipartReceiver(boundary_of(request.headers.get("content-type")), staged.write)
        try:
            async for chunk in request.stream():
                await run_in_threadpool(receiver.feed, chunk)
        except ClientDisconnect:
            log.info("console upload interrupted after %d bytes", staged.size)
            raise FormGone() from None
        _finish(receiver)
        await check(receiver.fields)
        if staged.size == 0:  # no file chosen (or the script uploaded it already)
            return PhotoForm(receiver.fields, "")
        stored = await run_in_threadpool(ctx.assets.commit, staged, "image", receiver.filename)
    answer = await run_in_threadpool(record_asset, ctx, stored)
    return PhotoForm(receiver.fields, str(answer["sha256"]))


def _finish(receiver: MultipartReceiver) -> None:
    try:
        receiver.finish()
    except UploadFormError as exc:
        if exc.code != "missing_file":
            raise
