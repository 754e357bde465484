"""``kiosk demo``: a content server with demo content and a screen against it, no set-up.

The server runs as a separate process through the same ``kiosk`` entry point, on a free
loopback port with a temporary data directory; the demo content is published through the
server's own HTTP API, exactly as a party-affairs worker would. The server holds a small
organisation (``kiosk/demo_org.py``): a 党委 with two 党支部, the demo screen in the first, and an
account per role, whose names and passwords the demo prints.
"""

from __future__ import annotations

import argparse
import ctypes
import logging
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from kiosk.core.config import ScreenConfig
from kiosk.core.display import missing_display_message
from kiosk.core.logs import setup_logging
from kiosk.demo_content import (
    DEMO_COURSES,
    DEMO_HONOR_ROLL,
    DEMO_NOTICE,
    DEMO_POSTER_SECONDS,
    DEMO_POSTERS,
    DemoCourse,
    DemoPoster,
    demo_meeting_times,
    find_cjk_font,
    render_course_video,
    render_cover,
    render_portrait,
    render_poster,
    roster_csv,
)
from kiosk.demo_org import (
    DEMO_COMMITTEE,
    FIRST_BRANCH,
    DemoAccount,
    DemoTree,
    FirstItemShown,
    account_lines,
    build_demo_tree,
    start_demo_accounts,
)

if TYPE_CHECKING:
    from content_server.client import PublishClient

log = logging.getLogger("kiosk.demo")

DEMO_SCREEN = "demo"
READY_LINE = re.compile(r"ready on (http://[\w.:\[\]]+)")
SERVER_START_SECONDS = 30.0
ACCOUNTS_JOIN_SECONDS = 10.0
PR_SET_PDEATHSIG = 1  # linux/prctl.h


class DemoError(RuntimeError):
    """The demo could not be set up; the message is one line."""


def add_demo_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register ``kiosk demo``."""
    parser = subparsers.add_parser(
        "demo", help="Start a content server with demo content and a screen against it."
    )
    parser.add_argument("--windowed", action="store_true", help="Show a window, not fullscreen.")
    parser.add_argument("--log-json", action="store_true", help="Log JSON lines.")
    parser.add_argument(
        "--orientation", choices=["auto", "portrait", "landscape"], help="Override orientation."
    )
    parser.add_argument(
        "--mode", choices=["wall", "touch"],
        help="touch: the 党建一体机 (attract loop, home tiles, courses); adds course videos.",
    )  # fmt: skip
    parser.add_argument(
        "--open", choices=["home", "library", "player", "honor", "notices", "signin"],
        dest="touch_page",
        help="Touch mode: open this page once content has arrived (for screenshots).",
    )  # fmt: skip
    parser.add_argument(
        "--lan", action="store_true",
        help="Let phones on this network sign in: the demo server listens on all addresses "
        "and the sign-in QR code carries this machine's LAN address.",
    )  # fmt: skip
    parser.set_defaults(func=demo_command)


class _Stopped(BaseException):
    """SIGTERM came before the screen took over its handling (server start, publishing).

    A BaseException, as KeyboardInterrupt is: raised at any point of the set-up, it must not
    be swallowed by an ``except Exception`` on its way out (a client retrying a request did,
    and the demo went on to run its screen after SIGTERM)."""


def _raise_stopped(signum: int, frame: object) -> None:
    raise _Stopped


def demo_command(args: argparse.Namespace) -> int:
    """Run the demo until the screen is closed or the process is told to stop.

    SIGTERM at any moment stops the server and removes the demo's temporary folder: before
    the screen starts it unwinds the set-up (:class:`_Stopped`); once the screen runs, the
    screen handles it and returns.
    """
    hint = missing_display_message("kiosk demo")
    if hint:
        print(f"kiosk demo: {hint}", file=sys.stderr)
        return 2
    setup_logging(args.log_json)
    previous = signal.signal(signal.SIGTERM, _raise_stopped)
    try:
        return _run_demo(args)
    except _Stopped:
        log.info("stopped before the screen started", extra={"event": "stopping"})
        return 0
    finally:
        signal.signal(signal.SIGTERM, previous)


def _run_demo(args: argparse.Namespace) -> int:
    with tempfile.TemporaryDirectory(prefix="kiosk-demo-") as tmp:
        workdir = Path(tmp)
        token = secrets.token_urlsafe(24)
        try:
            lan = lan_server_options() if getattr(args, "lan", False) else None
        except DemoError as exc:
            print(f"kiosk demo: {exc}", file=sys.stderr)
            return 1
        server = start_server(workdir / "server", token, **(lan or {}))
        stopping = threading.Event()
        accounts: threading.Thread | None = None
        first_item = FirstItemShown()
        screen_log = logging.getLogger("kiosk.screen")
        screen_log.addHandler(first_item)
        try:
            url = wait_until_ready(server)
            if lan is not None:  # the screen itself stays on loopback
                url = f"http://127.0.0.1:{lan['port']}"
                print(f"kiosk demo: phones sign in at {lan['public_url']}", file=sys.stderr)
            touch = getattr(args, "mode", None) == "touch"
            shown = lan["public_url"] if lan is not None else url
            accounts = start_accounts(url, token, shown, stopping, first_item.shown)
            publish_demo_content(url, token, workdir / "upload", courses=touch)
            config = ScreenConfig(
                server=url,
                screen=DEMO_SCREEN,
                screen_token=demo_screen_token(url, token),
                server_keys=demo_server_keys(url, token),
                cache=workdir / "cache",
                windowed=args.windowed,
                log_json=args.log_json,
                orientation=args.orientation,
                mode=getattr(args, "mode", None),
                poll_seconds=10,
                max_backoff_seconds=10,
            )
            from kiosk.qt.app import run_screen

            return run_screen(config, touch_page=getattr(args, "touch_page", None))
        except DemoError as exc:
            print(f"kiosk demo: {exc}", file=sys.stderr)
            return 1
        finally:
            stopping.set()
            first_item.shown.set()  # a thread still waiting for the screen gives up at once
            screen_log.removeHandler(first_item)
            stop_server(server)
            if accounts is not None:  # no thread may outlive the demo (or write at its exit)
                accounts.join(ACCOUNTS_JOIN_SECONDS)


def lan_address() -> str | None:
    """This machine's address on its local network (the one its default route leaves from),
    or None without a network. Nothing is sent: connecting a UDP socket only picks a route."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))  # TEST-NET-1: never routed anywhere real
            address = str(probe.getsockname()[0])
        except OSError:
            return None
    return None if address.startswith(("127.", "0.")) else address


def lan_server_options() -> dict[str, Any]:
    """``start_server`` options for ``kiosk demo --lan``: all addresses, a fixed free port, and
    the public URL phones reach."""
    address = lan_address()
    if address is None:
        raise DemoError("--lan: this machine has no network address for phones to reach")
    with socket.socket() as free:
        free.bind(("", 0))
        port = int(free.getsockname()[1])
    return {"host": "0.0.0.0", "port": port, "public_url": f"http://{address}:{port}"}


def start_server(
    data_dir: Path,
    token: str,
    port: int = 0,
    host: str = "127.0.0.1",
    public_url: str | None = None,
) -> subprocess.Popen[str]:
    """Start ``kiosk server`` as a child process, on loopback unless ``host`` says otherwise
    (port 0: a free one); ``public_url`` goes into the sign-in QR codes."""
    command = [
        sys.executable, "-m", "kiosk", "server", "--data", str(data_dir),
        "--host", host, "--port", str(port),
    ] + (["--public-url", public_url] if public_url else [])  # fmt: skip
    # The token goes by environment: not visible in `ps`, and one starting with "-" cannot
    # be mistaken for an option.
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "KIOSK_ADMIN_TOKEN": token}
    return subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
        preexec_fn=_end_with_parent,
    )


def _end_with_parent() -> None:
    """In the server child: get SIGTERM when the demo dies, even by SIGKILL (Linux only)."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):
        pass  # not Linux: the demo's own shutdown still stops the server


def wait_until_ready(server: subprocess.Popen[str]) -> str:
    """Read the server's output until its ready line; returns its base URL."""
    found: list[str] = []
    last: list[str] = []
    ready = threading.Event()

    def pump() -> None:
        assert server.stdout is not None
        for line in server.stdout:
            match = READY_LINE.search(line)
            if match and not found:
                found.append(match.group(1))
                ready.set()
            elif not match:
                last[:] = [line.strip()]
                log.debug("server: %s", line.rstrip())
        ready.set()  # output ended: the server exited

    threading.Thread(target=pump, name="demo-server-log", daemon=True).start()
    if not ready.wait(SERVER_START_SECONDS) or not found:
        said = f" (it said: {last[0][:200]})" if last else ""
        raise DemoError(f"the demo content server did not start{said}")
    log.info("demo content server at %s", found[0])
    return found[0]


def stop_server(server: subprocess.Popen[str]) -> None:
    """Stop the demo server (SIGTERM, then SIGKILL after 5 s); a second SIGTERM to the demo
    while it waits does not interrupt this."""
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    server.terminate()
    try:
        server.wait(5)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


def start_accounts(
    url: str,
    token: str,
    shown_url: str,
    stopping: threading.Event | None = None,
    go: threading.Event | None = None,
) -> threading.Thread:
    """Make the demo's tree now and its accounts on a thread (returned), once ``go`` is set,
    which prints them when done (on stdout; a failure is one line on stderr, unless the demo
    is ``stopping``, and the demo goes on without them)."""
    from content_server.client import PublishClient, PublishError

    client = PublishClient(url, token)
    try:
        tree = build_demo_tree(client, DEMO_SCREEN)
    except PublishError as exc:
        raise DemoError(f"could not make the demo organisation: {exc}") from None
    finally:
        client.close()

    def done(accounts: list[DemoAccount]) -> None:
        print("\n".join(account_lines(shown_url, accounts)), flush=True)
        log.info("demo accounts made: %d", len(accounts))

    def failed(message: str) -> None:
        if stopping is None or not stopping.is_set():
            print(f"kiosk demo: {message}", file=sys.stderr, flush=True)

    def make_client() -> PublishClient:
        if stopping is not None and stopping.is_set():
            raise PublishError("the demo is stopping", "stopping")
        return PublishClient(url, token)

    return start_demo_accounts(make_client, tree, done, failed, go)


def publish_demo_content(
    url: str, token: str, upload_dir: Path, *, courses: bool = False
) -> list[str]:
    """Publish the demo posters, notice, honor roll and meeting (and, with ``courses``, the
    course videos of touch mode); returns the item ids. The tree is made first if it is not
    there: the committee's settings are for all screens, the first branch's honor roll and
    meeting (with its roster) for the first branch's screens."""
    from content_server.client import PublishClient, PublishError

    upload_dir.mkdir(parents=True, exist_ok=True)
    client = PublishClient(url, token)
    font = find_cjk_font()
    try:
        tree = build_demo_tree(client, DEMO_SCREEN)
        settings = {
            "org_name": DEMO_COMMITTEE,
            "theme": "party-red",
            "poster_seconds": DEMO_POSTER_SECONDS,
        }
        client.put_settings("all", settings)
        branch = {"org_name": f"{DEMO_COMMITTEE} · {FIRST_BRANCH}"}
        client.put_settings(tree.target(FIRST_BRANCH), branch)
        first, *others = DEMO_POSTERS
        ids = [_publish_poster(client, upload_dir, first, font)]
        ids.append(_publish_honor_roll(client, upload_dir, font, tree))  # second in rotation
        ids.extend(_publish_poster(client, upload_dir, poster, font) for poster in others)
        ids.append(
            client.publish(
                {"kind": "notice", "title": "会议通知", "text": DEMO_NOTICE, "to": "all"}
            )["id"]
        )
        ids.append(_publish_meeting(client, upload_dir, tree))
        if courses:
            ids.extend(_publish_course(client, upload_dir, c, font) for c in DEMO_COURSES)
    except PublishError as exc:
        raise DemoError(f"could not publish the demo content: {exc}") from None
    log.info("published %d demo items", len(ids))
    return ids


def demo_screen_token(url: str, token: str) -> str:
    """The demo screen's token, asked of the server as an admin would
    (``kiosk publish ... screen-token demo``)."""
    from content_server.client import PublishClient, PublishError

    client = PublishClient(url, token)
    try:
        return str(client.screen_token(DEMO_SCREEN)["token"])
    except PublishError as exc:
        raise DemoError(f"could not get the demo screen's token: {exc}") from None
    finally:
        client.close()


def demo_server_keys(url: str, token: str) -> list[str]:
    """The demo server's manifest-signing public keys, for the screen to trust from its first
    manifest on (``kiosk admin keys list`` prints the same)."""
    from content_server.client import PublishClient, PublishError

    client = PublishClient(url, token)
    try:
        return [str(key["public_key"]) for key in client.signing_keys()["keys"]]
    except PublishError as exc:
        raise DemoError(f"could not get the demo server's signing keys: {exc}") from None
    finally:
        client.close()


def _publish_course(
    client: PublishClient, upload_dir: Path, course: DemoCourse, font: str | None
) -> str:
    target = upload_dir / f"course-{DEMO_COURSES.index(course)}.mp4"
    try:
        render_course_video(course, target)
    except OSError as exc:
        raise DemoError(f"could not make the demo course videos: {exc}") from None
    video = client.upload_asset(target, purpose="video")
    cover = _upload(client, target.with_suffix(".jpg"), render_cover(course, font))
    payload = {
        "kind": "video", "title": course.title, "category": course.category, "to": "all",
        "video": {"sha256": video["sha256"]}, "cover": {"sha256": cover["sha256"]},
    }  # fmt: skip
    return str(client.publish(payload)["id"])


def _upload(client: PublishClient, path: Path, data: bytes) -> dict[str, Any]:
    path.write_bytes(data)
    return client.upload_asset(path)


def _publish_poster(
    client: PublishClient, upload_dir: Path, poster: DemoPoster, font: str | None
) -> str:
    ref = _upload(client, upload_dir / f"{poster.title}.jpg", render_poster(poster, font))
    payload = {"kind": "poster", "title": poster.title, "to": "all", "image": ref}
    return str(client.publish(payload)["id"])


def _publish_honor_roll(
    client: PublishClient, upload_dir: Path, font: str | None, tree: DemoTree
) -> str:
    entries = []
    for name, title, citation in DEMO_HONOR_ROLL:
        photo = _upload(client, upload_dir / f"{name}.png", render_portrait(name, font))
        entries.append({"name": name, "title": title, "citation": citation, "photo": photo})
    to = tree.target(FIRST_BRANCH)  # the branch's own honor roll
    payload = {"kind": "honor_roll", "title": "光荣榜", "to": to, "entries": entries}
    return str(client.publish(payload)["id"])


def _publish_meeting(client: PublishClient, upload_dir: Path, tree: DemoTree) -> str:
    """A roster of five for the first branch and its meeting, on its screens, whose sign-in is
    open for the first minutes of the demo."""
    roster = upload_dir / "名单.csv"
    roster.write_bytes(roster_csv())
    branch = tree.target(FIRST_BRANCH)
    client.import_roster(branch, roster)
    payload = {
        "title": "学习贯彻全会精神专题会",
        "meeting_type": "支部党员大会",
        "branch": branch,
        "place": "党员活动室",
        "to": branch,
        **demo_meeting_times(datetime.now(ZoneInfo("Asia/Shanghai"))),
    }
    result = client.create_meeting(payload)
    log.info("demo meeting sign-in page: %s", result["signin_url"])
    return str(result["id"])
