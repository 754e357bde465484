"""Integration fixtures: a publisher for the real server (``server`` is in tests/conftest.py)."""

import pytest


@pytest.fixture
def publisher(server):
    from content_server.client import PublishClient

    return PublishClient(server.url, server.token)
