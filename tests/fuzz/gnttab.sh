#!/bin/bash
# Build the gnttab/ fuzz harness with clang's libFuzzer (+ ASan, UBSan)
# and run it for SECONDS (default 20).  usage: tests/fuzz/run.sh [SECONDS]
# Crashes are left in tests/logs/fuzz/ (crash-*), with the log.
set -euo pipefail
secs=${1:-20}
src=$(cd "$(dirname "$0")/../.." && pwd)
out=${FUZZ_OUT:-$src/tests/logs/fuzz}
cc=${CLANG:-clang}
if ! command -v "$cc" >/dev/null; then
    echo "fuzz: $cc not found (Debian: clang libclang-rt-14-dev)" >&2
    exit 1
fi
mkdir -p "$out/corpus"
"$cc" -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
    -D_GNU_SOURCE -D__XEN_INTERFACE_VERSION__=__XEN_LATEST_INTERFACE_VERSION__ \
    -include stdint.h -I"$src" -I"$src/gnttab" -I"$src/lib" -I"$src/tests/unit" \
    "$src/tests/fuzz/fuzz_gnttab.c" "$src"/gnttab/*.c "$src/lib/savestate.c" \
    -o "$out/fuzz_gnttab"
cd "$out"
./fuzz_gnttab -max_total_time="$secs" -max_len=8192 -print_final_stats=1 \
    corpus 2>&1 | tail -n 15 | tee fuzz.log
