"""Video playback without Qt: the player interface and its libvlc implementation.

The Qt layer uses :class:`kiosk.media.player.Player` only and never imports ``vlc``.
"""
