#!/bin/bash
# Build the blkback/ request reader fuzz harness (the shared ring and the
# requests a frontend controls) with clang's libFuzzer (+ ASan, UBSan) and
# run it for SECONDS (default 20).  usage: tests/fuzz/blkreq.sh [SECONDS];
# see common.inc.
NAME=blkreq SECS=${1:-20}
. "$(dirname "$0")/common.inc"
fuzz_build "$src/blkback/blkreq.c" "$src/blkback/blkring.c" "$src"/gnttab/*.c \
    "$src/lib/savestate.c" "$src/lib/log.c"
fuzz_run 16384
