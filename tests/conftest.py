"""Test-wide settings and fixtures.

Qt runs offscreen unless a test starts its own X server. ``server`` is the real content server
(``kiosk server``) on a free loopback port, for integration and end-to-end tests; ``chromium``
is Debian's headless Chromium through Playwright, one per test session (a test opens its own
context with ``chromium.new_context()`` and closes it).
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


@pytest.fixture(scope="session")
def chromium():
    from playwright.sync_api import sync_playwright

    from tests.support.browser import launch_chromium

    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def test_videos(tmp_path_factory):
    """Real video files made with ffmpeg on first use (see tests/support/videos.py)."""
    from tests.support.videos import TestVideos

    return TestVideos(tmp_path_factory.mktemp("videos"))
