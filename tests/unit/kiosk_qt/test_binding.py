"""All of the Qt layer reaches PySide6 through ``kiosk/qt/qt.py``; the screen loads no server."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import kiosk

BINDING_IMPORT = re.compile(r"^\s*(from|import)\s+(PySide6|shiboken6)\b", re.MULTILINE)


def test_only_the_binding_module_imports_pyside6() -> None:
    package = Path(kiosk.__file__).resolve().parent
    offenders = [
        str(path.relative_to(package))
        for path in package.rglob("*.py")
        if path != package / "qt" / "qt.py" and BINDING_IMPORT.search(path.read_text("utf-8"))
    ]
    assert offenders == []


def test_the_screen_application_loads_no_server_code() -> None:
    code = "import sys, kiosk.qt.app; print('\\n'.join(sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = {name.split(".")[0] for name in out.stdout.split()}
    assert not loaded & {"content_server", "fastapi", "uvicorn"}


def test_imports_after_the_binding_leave_no_source_behind() -> None:
    """PySide6 reads every later import's source; kiosk/qt/qt.py keeps it out of linecache."""
    code = (
        "import linecache, sys, kiosk.qt.qt as qt, json.decoder, wave, email.parser\n"
        "late = ('wave.py', 'parser.py', 'decoder.py')\n"
        "print(qt.FEATURE_CHECK_LIGHTENED, any(f.endswith(late) for f in linecache.cache))\n"
        "print(qt._mentions_pyside(qt), qt._mentions_pyside(sys.modules['wave']))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["True", "False", "True", "False"]


def test_the_screen_loads_apscheduler_only_after_its_first_frame() -> None:
    code = "import sys, kiosk.qt.app; print('apscheduler' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
