"""A fault-injecting HTTP proxy in front of the real content server (loopback only).

It forwards GET requests unchanged unless told to corrupt asset bytes, replace manifests or
change them on the way (``manifest_hook``: a proxy or CDN that alters what it relays), and
counts requests and body bytes, so tests can check what a sync transferred.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, MutableMapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import requests
from requests.structures import CaseInsensitiveDict

# (body, headers) of a manifest answer -> what the proxy relays instead
# (header names are case-insensitive)
ManifestHook = Callable[[bytes, MutableMapping[str, str]], tuple[bytes, MutableMapping[str, str]]]
HOP_BY_HOP = {"connection", "transfer-encoding", "keep-alive", "content-length", "content-encoding"}


class FaultProxy:
    """Start with ``FaultProxy(upstream_url)``; ``url`` is where clients connect."""

    def __init__(self, upstream: str) -> None:
        self.upstream = upstream.rstrip("/")
        self.corrupt_assets = False
        self.cut_assets_after: int | None = None  # bytes of an asset body sent before a cut
        self.range_headers: list[str] = []
        self.manifest_override: bytes | None = None
        self.manifest_hook: ManifestHook | None = None
        self.requests: list[tuple[str, int, int]] = []  # (path, status, body bytes)
        self._lock = threading.Lock()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:  # noqa: N802 - http.server's naming
                proxy._forward(self)

            def log_message(self, format: str, *args: object) -> None:  # quiet
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def _forward(self, handler: BaseHTTPRequestHandler) -> None:
        headers = {k: v for k, v in handler.headers.items() if k.lower() != "host"}
        upstream = requests.get(self.upstream + handler.path, headers=headers, timeout=10)
        body = upstream.content
        if handler.path.startswith("/assets/") and self.corrupt_assets and body:
            body = bytes([body[0] ^ 0xFF]) + body[1:]
        headers: MutableMapping[str, str] = CaseInsensitiveDict(upstream.headers)
        if "/manifest" in handler.path and self.manifest_override is not None:
            upstream.status_code, body = 200, self.manifest_override
            headers["ETag"] = '"tampered"'
        hook = self.manifest_hook
        if "/manifest" in handler.path and hook is not None and upstream.status_code == 200:
            body, headers = hook(body, headers)
        handler.send_response(upstream.status_code)
        for key, value in headers.items():
            if key.lower() not in HOP_BY_HOP:
                handler.send_header(key, value)
        handler.send_header("Content-Length", str(len(body)))
        cut = self.cut_assets_after if handler.path.startswith("/assets/") else None
        sent = body if cut is None else body[:cut]
        with self._lock:  # recorded before the client can see the answer
            self.requests.append((handler.path, upstream.status_code, len(sent)))
            if "Range" in handler.headers:
                self.range_headers.append(handler.headers["Range"])
        handler.end_headers()
        handler.wfile.write(sent)
        if cut is not None:  # the connection drops mid-body
            handler.wfile.flush()
            handler.close_connection = True

    def reset_counts(self) -> None:
        with self._lock:
            self.requests.clear()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
