#!/bin/bash
# Build the libFuzzer harness for the saved-state restore path over the VMM's
# sources with clang (+ ASan, UBSan) and run it for SECONDS (default 20).
# Needs a configured build tree (BUILDDIR, default the source tree) for
# hvm/abi32-offsets.h.  usage: tests/fuzz/savestate.sh [SECONDS]; see common.inc.
NAME=savestate SECS=${1:-20}
. "$(dirname "$0")/common.inc"
[ -f "$build/hvm/abi32-offsets.h" ] || { echo "fuzz: build the tree first (hvm/abi32-offsets.h)" >&2; exit 1; }
# shellcheck disable=SC2046
fuzz_build -I"$src/hvm" -I"$build/hvm" -I"$build" $(vmm_sources)
fuzz_run 131072
