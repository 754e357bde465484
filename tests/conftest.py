"""Test-wide settings and fixtures.

Qt runs offscreen unless a test starts its own X server. ``server`` is the real content server
(``kiosk server``) on a free loopback port, for integration and end-to-end tests.
"""

import os

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture
def server(tmp_path):
    from tests.support.processes import ServerProcess

    proc = ServerProcess(tmp_path / "server-data")
    yield proc
    proc.stop()
