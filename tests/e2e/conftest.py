"""End-to-end fixtures: the real server and the real screen as subprocesses."""

import pytest

from tests.support.processes import ScreenProcess, ServerProcess


@pytest.fixture
def server(tmp_path):
    proc = ServerProcess(tmp_path / "server-data")
    yield proc
    proc.stop()


@pytest.fixture
def screens():
    started: list[ScreenProcess] = []

    def start(*args: str) -> ScreenProcess:
        screen = ScreenProcess(list(args))
        started.append(screen)
        return screen

    yield start
    for screen in started:
        screen.stop()
