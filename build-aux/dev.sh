#!/usr/bin/env bash
# Sets up a Debian 12 machine for StockPush and builds it.
#   build-aux/dev.sh run [OPTION…]  install what is missing, build, install into
#                          _build/stage and launch the app from there (options go to it)
#   build-aux/dev.sh test  install what is missing, build (warnings as errors and
#                          with ASan/UBSan) and run the whole test suite
#   build-aux/dev.sh install [--user|--system]    put StockPush into the desktop menu:
#                          ~/.local (the default) or /usr/local (with sudo)
#   build-aux/dev.sh uninstall [--user|--system]  take it out again
set -euo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$top"

packages=(
  meson ninja-build pkg-config gcc libc6-dev gettext
  libglib2.0-dev libglib2.0-dev-bin libgtk-4-dev libadwaita-1-dev
  libsoup-3.0-dev libjson-glib-dev glib-networking
  desktop-file-utils appstream
  python3 python3-websockets openssl
  libhiredis-dev redis-server haproxy nginx-light
  libwebsockets-dev golang-go golang-github-gorilla-websocket-dev
  chromium chromium-driver python3-selenium
  xvfb xauth dbus-x11 at-spi2-core fonts-wqy-microhei librsvg2-common
  libglib2.0-bin gtk-update-icon-cache python3-gi gir1.2-gtk-4.0 x11-utils
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

# The run command's staged install: a prefix of its own inside the build dir.
stage=$top/_build/stage

# Where `install`/`uninstall` put StockPush, and the build dir configured for it
# (the prefix is compiled in: the binary finds its translations under it).
choose_prefix() {
  case "${1:---user}" in
    --user) prefix=$HOME/.local; build=_build-user; sudo=() ;;
    --system)
      prefix=/usr/local; build=_build-system; sudo=()
      [ "$(id -u)" -eq 0 ] || sudo=(sudo)
      ;;
    *) echo "usage: build-aux/dev.sh $command [--user|--system]" >&2; exit 2 ;;
  esac
}

# What gnome.post_install does after an install, redone after an uninstall so that
# the menu, the icon theme and GSettings forget StockPush.
refresh_caches() {
  local share=$prefix/share
  if [ -d "$share/glib-2.0/schemas" ]; then
    "${sudo[@]}" glib-compile-schemas "$share/glib-2.0/schemas"
  fi
  if [ -d "$share/applications" ]; then
    "${sudo[@]}" update-desktop-database -q "$share/applications"
  fi
  if [ -d "$share/icons/hicolor" ]; then
    # Debian 12 ships GTK 4's cache format in GTK 3's tool.
    local cache_tool
    cache_tool=$(command -v gtk4-update-icon-cache || command -v gtk-update-icon-cache)
    "${sudo[@]}" "$cache_tool" -q -t -f "$share/icons/hicolor"
  fi
}

command=${1:-}
[ $# -eq 0 ] || shift
case "$command" in
  run)
    install_missing
    setup _build -Dprefix="$stage"
    # A real install, only into _build/stage: the app finds its translations, icons,
    # schema and desktop file where an installed one does (post-install compiles the
    # schemas there), and nothing outside the build dir changes.
    meson install -C _build --quiet
    export XDG_DATA_DIRS="$stage/share:${XDG_DATA_DIRS:-/usr/local/share:/usr/share}"
    exec "$stage/bin/stockpush" "$@"
    ;;
  install)
    choose_prefix "$@"
    install_missing
    setup "$build" -Dprefix="$prefix"
    meson compile -C "$build"
    "${sudo[@]}" meson install -C "$build" --no-rebuild --quiet
    echo "StockPush is installed in $prefix: it is in the desktop menu as StockPush."
    case ":$PATH:" in
      *":$prefix/bin:"*) ;;
      *) echo "Note: $prefix/bin is not on your PATH; the menu entry runs stockpush from it" \
              "once it is (on Debian, log out and in again: ~/.profile adds ~/.local/bin)." ;;
    esac
    ;;
  uninstall)
    choose_prefix "$@"
    # The list of files comes from the build dir's configuration, so a build dir set
    # up anew (nothing compiled) knows them too.
    setup "$build" -Dprefix="$prefix" >/dev/null
    python3 build-aux/installed-files.py "$build" | while read -r file; do
      if [ -e "$file" ]; then
        "${sudo[@]}" rm -f "$file"
        echo "removed $file"
      fi
    done
    for dir in "$prefix/share/stockpush/web" "$prefix/share/stockpush"; do
      if [ -d "$dir" ]; then "${sudo[@]}" rmdir --ignore-fail-on-non-empty "$dir"; fi
    done
    refresh_caches
    echo "StockPush is removed from $prefix."
    ;;
  test)
    install_missing
    status=0
    setup _build -Dwerror=true -Dprefix="$stage"
    meson compile -C _build
    meson test -C _build --print-errorlogs --num-processes 2 || status=1
    setup _build-asan -Db_sanitize=address,undefined -Db_lundef=false -Dwerror=true
    meson compile -C _build-asan
    meson test -C _build-asan --print-errorlogs --num-processes 2 --timeout-multiplier 3 || status=1
    python3 build-aux/test-summary.py _build/meson-logs/testlog.json _build-asan/meson-logs/testlog.json
    exit $status
    ;;
  *)
    echo "usage: build-aux/dev.sh run [OPTION…] | test | install [--user|--system] |" \
         "uninstall [--user|--system]" >&2
    exit 2
    ;;
esac
