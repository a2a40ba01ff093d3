#!/usr/bin/env bash
# Sets up a Debian 12 machine for StockPush and builds it.
#   build-aux/dev.sh run   install what is missing, build, launch the app
#   build-aux/dev.sh test  install what is missing, build (warnings as errors and
#                          with ASan/UBSan) and run the whole test suite
set -euo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$top"

packages=(
  meson ninja-build pkg-config gcc libc6-dev gettext
  libglib2.0-dev libglib2.0-dev-bin libgtk-4-dev libadwaita-1-dev
  libsoup-3.0-dev libjson-glib-dev glib-networking
  desktop-file-utils appstream
  python3 python3-websockets openssl
  libhiredis-dev redis-server haproxy
  chromium chromium-driver python3-selenium
  xvfb xauth dbus-x11 at-spi2-core fonts-wqy-microhei librsvg2-common
)

install_missing() {
  local missing=()
  for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "Installing: ${missing[*]}"
  local sudo=()
  [ "$(id -u)" -eq 0 ] || sudo=(sudo)
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
}

setup() {
  local dir=$1; shift
  if [ -f "$dir/build.ninja" ]; then
    meson configure "$dir" "$@" >/dev/null
  else
    meson setup "$dir" "$@"
  fi
}

case "${1:-}" in
  run)
    install_missing
    setup _build
    meson compile -C _build
    # Run from the build tree: schemas compiled there, nothing installed system-wide.
    export GSETTINGS_SCHEMA_DIR="$top/_build/data"
    exec ./_build/app/stockpush
    ;;
  test)
    install_missing
    status=0
    setup _build -Dwerror=true
    meson compile -C _build
    meson test -C _build --print-errorlogs --num-processes 2 || status=1
    setup _build-asan -Db_sanitize=address,undefined -Db_lundef=false -Dwerror=true
    meson compile -C _build-asan
    meson test -C _build-asan --print-errorlogs --num-processes 2 --timeout-multiplier 3 || status=1
    python3 build-aux/test-summary.py _build/meson-logs/testlog.json _build-asan/meson-logs/testlog.json
    exit $status
    ;;
  *)
    echo "usage: build-aux/dev.sh run|test" >&2
    exit 2
    ;;
esac
