#!/bin/bash
# Build the blkback/ request reader fuzz harness with clang's libFuzzer (+ ASan, UBSan)
# and run it for SECONDS (default 20).  usage: tests/fuzz/blkreq.sh [SECONDS]
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
mkdir -p "$out/corpus-blkreq"
"$cc" -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
    -D_GNU_SOURCE -D__XEN_TOOLS__ -D__XEN_INTERFACE_VERSION__=__XEN_LATEST_INTERFACE_VERSION__ \
    -include stdint.h -I"$src" -I"$src/lib" \
    "$src/tests/fuzz/fuzz_blkreq.c" "$src/blkback/blkreq.c" "$src/blkback/blkring.c" \
    "$src"/gnttab/*.c "$src/lib/savestate.c" "$src/lib/log.c" \
    -o "$out/fuzz_blkreq"
cd "$out"
# The seed corpus first; a halted ring logs one line per input: kept out.
./fuzz_blkreq -max_total_time="$secs" -max_len=16384 -print_final_stats=1 \
    corpus-blkreq "$src/tests/fuzz/corpus/blkreq" 2>&1 | grep -v "halting this ring" \
    | tail -n 15 | tee fuzz-blkreq.log
! grep -q "ERROR: \|property violated\|deadly signal" fuzz-blkreq.log
