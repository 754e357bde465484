"""Fixtures for the content server tests: the app in-process on a temporary directory, and
a real server subprocess on a loopback port."""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from server_helpers import TOKEN, FakeClock, RunningServer, start_server, stop_server

from content_server.app import create_app
from content_server.settings import ServerSettings


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2026, 6, 1, 4, 0, tzinfo=UTC))


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def make_client(data_dir: Path, clock: FakeClock) -> Iterator[Callable[..., TestClient]]:
    """Builds a TestClient on a fresh app; keyword arguments override settings."""
    clients: list[TestClient] = []

    def make(notifier: object = None, **overrides: object) -> TestClient:
        settings = ServerSettings(data_dir=data_dir, admin_token=TOKEN, **overrides)
        app = create_app(settings, clock=clock, notifier=notifier)  # type: ignore[arg-type]
        client = TestClient(app)
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


@pytest.fixture
def client(make_client: Callable[..., TestClient]) -> TestClient:
    return make_client()


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    """One real server for the CLI and client tests, stopped at the end."""
    server = start_server(tmp_path_factory.mktemp("live") / "data")
    try:
        yield server
    finally:
        stop_server(server.process)


@pytest.fixture
def closed_port_url() -> str:
    """The URL of a loopback port nobody listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"
