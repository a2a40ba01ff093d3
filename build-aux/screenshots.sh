#!/usr/bin/env bash
# Takes a screenshot of every page of the window under Xvfb, in light and dark
# style and in Simplified Chinese, from a built tree (build-aux/dev.sh test or run first).
#   build-aux/screenshots.sh [BUILD_DIR] [OUT_DIR]
# Light English pictures go to OUT_DIR (default data/screenshots); the dark and
# zh_CN ones to OUT_DIR/dark and OUT_DIR/zh_CN, which are for looking at, not for shipping.
# test-window-adaptive adds the watchlist and the narrow window, light and dark
# (it switches the style itself), and every page at three widths in OUT_DIR/widths.
set -euo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${1:-$top/_build}
out=${2:-$top/data/screenshots}
test_window=$build/tests/test-window
test_adaptive=$build/tests/test-window-adaptive

[ -x "$test_window" ] || { echo "build first: $test_window is missing" >&2; exit 1; }

export GSETTINGS_BACKEND=memory GSETTINGS_SCHEMA_DIR=$build/data NO_AT_BRIDGE=1
export STOCKPUSH_LOCALEDIR=$build/po LC_ALL=C.UTF-8

shoot() {
  local dir=$1; shift
  mkdir -p "$dir"
  env "$@" STOCKPUSH_SCREENSHOT_DIR="$dir" \
    "$top/tests/with-xvfb.py" "$test_window" --tap >/dev/null
  env "$@" STOCKPUSH_SCREENSHOT_DIR="$dir" \
    "$top/tests/with-xvfb.py" -s "-screen 0 1600x1000x24" "$test_adaptive" --tap >/dev/null
  echo "screenshots in $dir"
}

shoot "$out"
shoot "$out/dark" ADW_DEBUG_COLOR_SCHEME=prefer-dark
shoot "$out/zh_CN" LANGUAGE=zh_CN
