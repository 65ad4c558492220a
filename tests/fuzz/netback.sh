#!/bin/bash
# Build the libFuzzer harness for netback's rings (fuzz_netback.c: the tx
# request validator and the rx side, fed what a frontend controls) with
# clang (+ ASan, UBSan) and run it for SECONDS (default 15).
# usage: tests/fuzz/netback.sh [SECONDS]; see common.inc.
NAME=netback SECS=${1:-15}
. "$(dirname "$0")/common.inc"
fuzz_build "$src"/netback/netif.c "$src"/netback/pkt.c "$src"/gnttab/*.c \
    "$src/lib/savestate.c" "$src/lib/log.c"
# The harness's own log lines (a disconnected vif) kept off the output.
fuzz_run 8192 -close_fd_mask=2
