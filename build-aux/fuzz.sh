#!/usr/bin/env bash
# Runs each libFuzzer target for a while (clang; a build of its own in _build-fuzz).
#   build-aux/fuzz.sh [SECONDS_EACH=600] [TARGET…]   targets: price-extractor command handshake ws-guard
# Each target starts from a copy of its committed seed corpus (tests/fuzz/corpus/TARGET),
# which is never written to; crashes land in _build-fuzz/crashes/TARGET.
set -euo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$top"
seconds=${1:-600}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(price-extractor command handshake ws-guard)

if [ ! -f _build-fuzz/build.ninja ]; then
  CC=clang meson setup _build-fuzz -Dfuzzing=true -Db_sanitize=address,undefined -Db_lundef=false \
    -Dc_args=-fsanitize=fuzzer-no-link -Dwerror=false >/dev/null
fi
meson compile -C _build-fuzz $(for t in "${targets[@]}"; do echo "tests/fuzz/fuzz-$t"; done) >/dev/null

for t in "${targets[@]}"; do
  work=$(mktemp -d)
  cp tests/fuzz/corpus/"$t"/* "$work"/
  mkdir -p _build-fuzz/crashes/"$t"
  echo "== $t: ${seconds} s"
  ASAN_OPTIONS=detect_leaks=1 G_DEBUG=fatal-warnings \
    _build-fuzz/tests/fuzz/fuzz-"$t" -max_total_time="$seconds" -print_final_stats=1 \
      -artifact_prefix=_build-fuzz/crashes/"$t"/ "$work" 2>&1 |
    grep -E "stat::number_of_executed_units|stat::peak_rss_mb|ERROR|SUMMARY|Done" || true
  rm -rf "$work"
done
