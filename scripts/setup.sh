#!/usr/bin/env bash
# Install everything the project needs on a Debian 12 machine: system packages (Qt's xcb
# libraries, CJK fonts, libvlc, ffmpeg, Xvfb, Chromium, zbar) and a Python venv in .venv.
# Idempotent and quick on a second run: apt runs only when a package is missing, pip only
# when pyproject.toml changed since the last install.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(
  # Python
  python3 python3-venv python3-pip
  # Qt xcb platform plugin and its libraries
  libegl1 libgl1 libfontconfig1 libdbus-1-3 libxkbcommon0 libxkbcommon-x11-0 libxcb-cursor0
  libxcb-icccm4 libxcb-keysyms1 libxcb-image0 libxcb-render-util0 libxcb-randr0 libxcb-shape0
  libxcb-xkb1 libxcb-xinerama0 libpulse0
  # Chinese glyphs (without them every character is a box)
  fonts-noto-cjk fontconfig
  # video: libvlc for python-vlc, drawing into an X window, ffmpeg for probing and test videos
  libvlc5 vlc-plugin-base vlc-plugin-video-output ffmpeg
  # a real X server and screenshots for tests and for looking at the screens
  xvfb xauth x11-utils imagemagick
  # xset: switches the monitor off (DPMS) while the power schedule has the screen off
  x11-xserver-utils
  # browser tests of the phone pages, QR decoding
  chromium chromium-driver zbar-tools libzbar0
)

missing_packages() {
  local status
  status=$(dpkg-query -W -f='${db:Status-Abbrev} ${Package}\n' "${APT_PACKAGES[@]}" 2>/dev/null || true)
  for pkg in "${APT_PACKAGES[@]}"; do
    grep -qE "^ii +${pkg}\$" <<<"$status" || echo "$pkg"
  done
}

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

missing=$(missing_packages)
if [ -n "$missing" ]; then
  echo "setup: installing system packages:" $missing
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    $missing >/dev/null
fi

PYTHON=${PYTHON:-python3}
stamp=".venv/.installed-$(sha256sum pyproject.toml | cut -c1-16)"
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
if [ ! -f "$stamp" ]; then
  echo "setup: installing Python packages into .venv"
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -e '.[test,dev]'
  rm -f .venv/.installed-*
  touch "$stamp"
fi
# Byte-compile the project's own modules (pip does it for the packages it installs, not for an
# editable install). The service cannot write them itself (ProtectSystem=strict keeps /opt
# read-only), so without this every start of the screen compiles its modules again: ~80 ms.
.venv/bin/python -m compileall -q kiosk content_cache content_server >/dev/null
echo "setup: ready (.venv/bin/kiosk)"
