#!/bin/bash
# Build the libFuzzer harness for netback's rings (tests/fuzz/fuzz_netback.c:
# the tx request validator and the rx side, fed what a frontend controls)
# with clang (-fsanitize=fuzzer,address,undefined) and run it for SECONDS
# (default 15).  Used by .ci/run; exits non-zero on a crash or a violated
# property.  Crashes are left in FUZZ_OUT (default tests/logs/fuzz-netback).
set -euo pipefail
secs=${1:-15}
src=$(cd "$(dirname "$0")/../.." && pwd)
out=${FUZZ_OUT:-$src/tests/logs/fuzz-netback}
cc=${CLANG:-clang}
command -v "$cc" >/dev/null || { echo "fuzz: $cc is not installed (scripts/install-deps.sh)"; exit 1; }
mkdir -p "$out/corpus"
"$cc" -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
    -D_GNU_SOURCE -D__XEN_TOOLS__ -D__XEN_INTERFACE_VERSION__=__XEN_LATEST_INTERFACE_VERSION__ \
    -include stdint.h -I"$src" -I"$src/lib" -I"$src/tests/unit" \
    "$src/tests/fuzz/fuzz_netback.c" "$src"/netback/netif.c "$src"/netback/pkt.c \
    "$src"/gnttab/*.c "$src/lib/savestate.c" "$src/lib/log.c" \
    -o "$out/fuzz_netback"
echo "fuzz: running $out/fuzz_netback for ${secs}s"
cd "$out"
./fuzz_netback -max_total_time="$secs" -max_len=8192 -timeout=10 -close_fd_mask=2 -print_final_stats=1 \
    corpus 2>&1 | tail -n 15
