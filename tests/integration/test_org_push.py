"""Push to an organisation node's subtree, against the real server over loopback: every screen
below the node is told, no screen outside it is."""

import queue
import threading

import pytest

from content_cache.push import PushListener

WAIT = 15.0


@pytest.fixture
def listen(server):
    started = []

    def start(screen):
        revisions: queue.Queue[int] = queue.Queue()
        token = server.screen_token(screen)
        listener = PushListener(server.url, screen, revisions.put, max_backoff=1, token=token)
        threading.Thread(target=listener.run, daemon=True).start()
        started.append(listener)
        revisions.get(timeout=WAIT)  # the revision on connect
        return revisions

    yield start
    for listener in started:
        listener.stop()


def notice(publisher, text, to):
    return publisher.publish({"kind": "notice", "text": text, "to": to})["revision"]


def test_a_node_item_is_pushed_to_every_screen_of_its_subtree_only(listen, publisher):
    committee = publisher.add_node(1, "党委", "机关党委")["node"]["id"]
    branch_a = publisher.add_node(committee, "党支部", "第一党支部")["node"]["id"]
    branch_b = publisher.add_node(committee, "党支部", "第二党支部")["node"]["id"]
    group = publisher.add_node(branch_a, "党小组", "第一党小组")["node"]["id"]
    publisher.assign_screen("screen-a", branch_a)
    publisher.assign_screen("screen-g", group)
    publisher.assign_screen("screen-b", branch_b)
    heard = {screen: listen(screen) for screen in ("screen-a", "screen-g", "screen-b", "outside")}

    to_a = notice(publisher, "一支部", f"node:{branch_a}")
    assert heard["screen-a"].get(timeout=WAIT) == to_a
    assert heard["screen-g"].get(timeout=WAIT) == to_a  # a party group below the branch

    to_committee = notice(publisher, "党委", f"node:{committee}")
    for screen in ("screen-a", "screen-g", "screen-b"):
        assert heard[screen].get(timeout=WAIT) == to_committee
    # The screen outside the committee was told nothing: its next revision is its own.
    own = notice(publisher, "外面", "outside")
    assert heard["outside"].get(timeout=WAIT) == own

    everyone = notice(publisher, "全体", "all")
    for screen in heard:
        assert heard[screen].get(timeout=WAIT) == everyone


def test_moving_a_node_tells_the_screens_that_moved(listen, publisher):
    left = publisher.add_node(1, "党委", "甲党委")["node"]["id"]
    right = publisher.add_node(1, "党委", "乙党委")["node"]["id"]
    branch = publisher.add_node(left, "党支部", "流动党支部")["node"]["id"]
    publisher.assign_screen("mover", branch)
    publisher.assign_screen("stayer", left)
    heard = {screen: listen(screen) for screen in ("mover", "stayer")}

    moved = publisher.change_node(branch, parent_id=right)["revision"]
    assert heard["mover"].get(timeout=WAIT) == moved
    own = notice(publisher, "留下", "stayer")
    assert heard["stayer"].get(timeout=WAIT) == own
