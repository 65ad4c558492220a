#!/bin/bash
# Build the libFuzzer harness for xl-compat/'s domain config parser with
# clang (-fsanitize=fuzzer,address,undefined) and run it for SECONDS
# (default 15) on a copy of the seed corpus (tests/fuzz/corpus/xlcfg).
# Used by .ci/run; exits non-zero on a crash, a leak or a violated property.
set -euo pipefail
secs=${1:-15}
src=$(cd "$(dirname "$0")/../.." && pwd)
out=${FUZZ_OUT:-$(mktemp -d)}
command -v clang >/dev/null || { echo "fuzz: clang is not installed (scripts/install-deps.sh)"; exit 1; }
mkdir -p "$out/corpus"
cp "$src"/tests/fuzz/corpus/xlcfg/* "$out/corpus/"
clang -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
    -D_GNU_SOURCE -I"$src" -I"$src/xl-compat" -I"$src/lib" \
    "$src"/tests/fuzz/fuzz_xlcfg.c "$src"/xl-compat/cfg_parse.c "$src"/xl-compat/domcfg.c \
    "$src"/xl-compat/disk_spec.c "$src"/xl-compat/vif_spec.c "$src"/xl-compat/pci_spec.c "$src"/xl-compat/domcfg_json.c "$src"/lib/util.c "$src"/lib/hcall_transport.c \
    -o "$out/fuzz_xlcfg"
echo "fuzz: running $out/fuzz_xlcfg for ${secs}s"
cd "$out"
"$out/fuzz_xlcfg" -max_total_time="$secs" -max_len=16384 -timeout=10 \
    -print_final_stats=1 "$out/corpus" 2>&1 | tail -15
