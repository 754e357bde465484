"""Running the app under uvicorn: bind first (so ``--port 0`` can report its port), then serve
until SIGTERM or SIGINT."""

from __future__ import annotations

import logging
import signal
import socket
from collections.abc import Callable
from pathlib import Path
from types import FrameType

import uvicorn

from content_server.app import create_app
from content_server.settings import ServerSettings

log = logging.getLogger("content_server")

LISTEN_BACKLOG = 2048
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


class ReadyServer(uvicorn.Server):
    """A uvicorn server that calls ``on_ready`` once it accepts connections."""

    def __init__(self, config: uvicorn.Config, on_ready: Callable[[], None]) -> None:
        super().__init__(config)
        self._on_ready = on_ready

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        """End the screens' event streams first, so stopping does not wait on them."""
        state = getattr(self.config.app, "state", None)
        context = getattr(state, "context", None)
        if context is not None:
            context.notifier.close()
        await super().shutdown(sockets=sockets)

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        """Start listening, then report."""
        await super().startup(sockets=sockets)
        if self.started and not self.should_exit:
            self._on_ready()


def run_server(settings: ServerSettings, host: str, port: int, *, access_log: bool = False) -> int:
    """Serve until SIGTERM/SIGINT; logs ``content server ready on http://HOST:PORT`` once
    listening, with the port actually bound when ``port`` is 0. Returns the exit code.

    Raises:
        OSError: the data directory or the address cannot be used.
    """
    app = create_app(settings)
    sock = bind_socket(host, port)
    url = base_url(host, sock.getsockname()[1])
    config = uvicorn.Config(
        app, log_config=None, access_log=access_log, ws="none", timeout_graceful_shutdown=5
    )
    server = ReadyServer(config, on_ready=lambda: log.info("content server ready on %s", url))
    stop = _stop_handler(server)
    previous = {signum: signal.signal(signum, stop) for signum in STOP_SIGNALS}
    try:
        server.run(sockets=[sock])
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        sock.close()
    log.info("content server stopped")
    return 0 if server.started else 1


def bind_socket(host: str, port: int) -> socket.socket:
    """A listening TCP socket on ``host:port`` (IPv4 or IPv6, whatever ``host`` resolves to)."""
    family, _, _, _, address = socket.getaddrinfo(
        host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
    )[0]
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        # Accepted connections inherit this. uvicorn re-wraps a passed socket with
        # socket.fromfd(), which loses the protocol number, so asyncio does not set it itself;
        # without it every reply on a kept-alive connection waited ~40 ms (Nagle against the
        # client's delayed ACK), which doubled cold-sync time and dominated push latency.
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.bind(address)
        sock.listen(LISTEN_BACKLOG)
    except OSError:
        sock.close()
        raise
    return sock


def base_url(host: str, port: int) -> str:
    """``http://host:port``, with an IPv6 address in brackets."""
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}"


def _stop_handler(server: uvicorn.Server) -> Callable[[int, FrameType | None], None]:
    # uvicorn installs its own handlers while it runs, then restores this one and re-raises
    # the signal it caught; handling it here makes SIGTERM and Ctrl+C a clean exit with
    # code 0 (and a signal during start-up stops the server before it serves).
    def stop(signum: int, frame: FrameType | None) -> None:
        server.should_exit = True

    return stop


def data_dir_problem(data_dir: Path) -> str | None:
    """A one-line reason why ``data_dir`` cannot hold the server's data, or None."""
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        return f"无法创建数据目录 {data_dir}：{exc.strerror or exc}"
    if not data_dir.is_dir():
        return f"数据目录 {data_dir} 不是目录"
    return None
