"""A real content server over loopback for integration tests."""

import pytest

from tests.support.processes import ServerProcess


@pytest.fixture
def server(tmp_path):
    proc = ServerProcess(tmp_path / "server-data")
    yield proc
    proc.stop()


@pytest.fixture
def publisher(server):
    from content_server.client import PublishClient

    return PublishClient(server.url, server.token)
