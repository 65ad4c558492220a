#!/bin/bash
# Build the gnttab/ fuzz harness (grant table operations a guest controls)
# with clang's libFuzzer (+ ASan, UBSan) and run it for SECONDS (default
# 20).  usage: tests/fuzz/gnttab.sh [SECONDS]; see common.inc.
NAME=gnttab SECS=${1:-20}
. "$(dirname "$0")/common.inc"
fuzz_build -I"$src/gnttab" "$src"/gnttab/*.c "$src/lib/savestate.c"
fuzz_run 8192
