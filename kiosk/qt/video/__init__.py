"""Video in the Qt layer: the native surface libvlc draws into, and a session that drives a
:class:`kiosk.media.player.Player` from the GUI thread (never importing ``vlc``)."""
