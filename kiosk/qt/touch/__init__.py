"""Touch mode (党建一体机): attract loop, home tiles, course library, player, idle return.

``mode.py`` holds the state machine (:class:`~kiosk.qt.touch.mode.TouchMode`), ``shell.py``
the screen with its always-visible 返回/主页 bar, and one module per page.
"""
