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
