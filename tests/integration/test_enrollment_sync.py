"""The screen side of enrollment against the real server: the Enroller asks for a code, an
administrator enters it, the credential is stored (0600) and opens the screen's manifest;
a code that stops working is replaced by a new one; a revoked screen's sync fails as
``revoked`` in one line and keeps its snapshot."""

from __future__ import annotations

import queue
import socket
import stat
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from content_cache.enrollment import (
    CREDENTIAL_FILE,
    Enroller,
    PairingClient,
    PairingEvent,
    read_credential,
)
from content_cache.screen_auth import revoked_message
from content_cache.store import CacheStore
from content_cache.sync import SyncEngine

WAIT = 20.0


class Pairing:
    """An Enroller on a thread; its events in a queue."""

    def __init__(self, url: str, screen: str, data_dir: Any, **options: Any) -> None:
        self.events: queue.Queue[PairingEvent] = queue.Queue()
        self.trusted: list[list[dict[str, str]]] = []
        self.stop = threading.Event()
        self.result: queue.Queue[str | None] = queue.Queue()
        enroller = Enroller(
            PairingClient(url),
            screen,
            data_dir,
            on_event=self.events.put,
            trust=self.trusted.append,
            **options,
        )
        self.thread = threading.Thread(
            target=lambda: self.result.put(enroller.run(self.stop)), daemon=True
        )
        self.thread.start()

    def next(self, kind: str) -> PairingEvent:
        while True:
            event = self.events.get(timeout=WAIT)
            if event.kind == kind:
                return event

    def close(self) -> None:
        self.stop.set()
        self.thread.join(WAIT)


@pytest.fixture
def pairings() -> Iterator[Any]:
    started: list[Pairing] = []

    def start(*args: Any, **options: Any) -> Pairing:
        started.append(Pairing(*args, **options))
        return started[-1]

    yield start
    for each in started:
        each.close()


def test_enroll_store_the_credential_and_sync_with_it(server, publisher, pairings, tmp_path):
    branch = publisher.add_node(1, "党支部", "第一党支部")["node"]["id"]
    item = publisher.publish({"kind": "notice", "text": "本支部通知", "to": f"node:{branch}"})
    cache = tmp_path / "cache"
    pairing = pairings(server.url, "hall-1", cache, orientation="portrait")
    code = pairing.next("code").code
    assert (
        code is not None
        and len(code.code) == 6
        and code.shown == f"{code.code[:3]} {code.code[3:]}"
    )

    publisher.enroll_screen(code.shown, branch)
    pairing.next("enrolled")
    token = pairing.result.get(timeout=WAIT)
    assert token is not None and token.startswith("kc_")
    path = cache / CREDENTIAL_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert read_credential(cache, server.url + "/", "hall-1") == token
    assert read_credential(cache, server.url, "hall-2") is None  # another screen's file
    [keys] = pairing.trusted  # the server's signing keys, handed to the trust store
    assert keys and all(key["id"] and key["public_key"] for key in keys)

    store = CacheStore(cache)
    result = SyncEngine(store, server.url, "hall-1", token=token).sync_once()
    assert result.status == "updated", result.message
    assert [each.id for each in result.snapshot.manifest.items] == [item["id"]]

    publisher.revoke_screen("hall-1")
    refused = SyncEngine(store, server.url, "hall-1", token=token).sync_once()
    assert refused.status == "failed" and refused.revoked
    assert refused.message == revoked_message("hall-1") and "\n" not in refused.message
    assert [each.id for each in refused.snapshot.manifest.items] == [item["id"]]
    assert [each.id for each in store.current().manifest.items] == [item["id"]]
    derived = SyncEngine(store, server.url, "hall-1", token=server.screen_token("hall-1"))
    assert derived.sync_once().revoked  # the derived token is refused as revoked too


def test_a_code_that_stops_working_is_replaced_by_a_new_one(server, publisher, pairings, tmp_path):
    pairing = pairings(server.url, "hall-2", tmp_path / "cache")
    first = pairing.next("code").code
    publisher.revoke_screen("hall-2")  # ends the screen's waiting codes
    second = pairing.next("code").code
    assert first is not None and second is not None and second.code != first.code
    publisher.enroll_screen(second.code, 1)
    assert pairing.result.get(timeout=WAIT) is not None


def test_an_unreachable_server_is_retried_with_backoff(pairings, tmp_path):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    pairing = pairings(url, "hall-3", tmp_path / "cache", max_backoff=2)
    pauses = [pairing.next("failed") for _ in range(3)]
    assert all(event.message.startswith("server unreachable") for event in pauses)
    assert [event.retry_in for event in pauses] == [1.0, 2.0, 2.0]
    assert not (tmp_path / "cache" / CREDENTIAL_FILE).exists()
