#!/bin/bash
# Build the libFuzzer harness for the saved-state restore path with clang
# (-fsanitize=fuzzer,address,undefined) over the VMM's sources and run it
# for SECONDS (default 20) on a copy of tests/fuzz/corpus/savestate.
# Needs a configured build tree (BUILDDIR, default the source tree) for
# hvm/abi32-offsets.h.  Exits non-zero on a crash or a violated property.
set -euo pipefail
secs=${1:-20}
src=$(cd "$(dirname "$0")/../.." && pwd)
build=${BUILDDIR:-$src}
out=${FUZZ_OUT:-$(mktemp -d)}
command -v clang >/dev/null || { echo "fuzz: clang is not installed (scripts/install-deps.sh)"; exit 1; }
[ -f "$build/hvm/abi32-offsets.h" ] || { echo "fuzz: build the tree first (hvm/abi32-offsets.h)"; exit 1; }
mkdir -p "$out/corpus"
cp "$src"/tests/fuzz/corpus/savestate/* "$out/corpus/"
srcs=$(ls "$src"/hvm/*.c "$src"/backend/context.c "$src"/evtchn/*.c "$src"/gnttab/*.c "$src"/pciback/*.c "$src"/lib/*.c |
       grep -v -e '/hvm/main\.c$' -e '/hvm/abi32-offsets\.c$')
# shellcheck disable=SC2086
clang -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
    -D_GNU_SOURCE -D__XEN_TOOLS__ -D__XEN_INTERFACE_VERSION__=__XEN_LATEST_INTERFACE_VERSION__ \
    -include stdint.h -I"$src" -I"$src/hvm" -I"$build/hvm" -I"$build" -I"$src/lib" \
    -I"$src/tests/unit" -pthread \
    "$src"/tests/fuzz/fuzz_savestate.c $srcs -o "$out/fuzz_savestate"
echo "fuzz: running $out/fuzz_savestate for ${secs}s"
cd "$out"
"$out/fuzz_savestate" -max_total_time="$secs" -max_len=131072 -timeout=10 \
    -print_final_stats=1 "$out/corpus" 2>&1 | tail -15
