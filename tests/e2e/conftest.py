"""End-to-end fixtures: the real screen as subprocesses (the server fixture is in tests/)."""

import pytest

from tests.support.processes import ScreenProcess


@pytest.fixture
def screens():
    started: list[ScreenProcess] = []

    def start(*args: str, token: str | None = None) -> ScreenProcess:
        screen = ScreenProcess(list(args), token=token)
        started.append(screen)
        return screen

    yield start
    for screen in started:
        screen.stop()
