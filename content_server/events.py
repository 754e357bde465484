"""Change notification: the one place told whenever a screen's manifest may have changed.

For now a hook that logs. Server-sent events per screen will hang off :meth:`notify_changed`
(and, with several server processes, PostgreSQL LISTEN/NOTIFY behind it), so every code path
that changes what a screen should show already calls it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

log = logging.getLogger("content_server")


class ChangeNotifier:
    """Receives the targets (``all``, ``screen:<id>``) whose manifests may have changed."""

    def notify_changed(self, targets: Iterable[str], revision: int) -> None:
        """Called after the change with sequence number ``revision`` was committed."""
        log.debug("revision %d changes %s", revision, ", ".join(sorted(set(targets))))
