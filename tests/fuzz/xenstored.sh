#!/bin/bash
# Build the libFuzzer harness for xenstored's message handling (what a
# guest sends on its ring) with clang (+ ASan, UBSan) and run it for
# SECONDS (default 25) on the seed corpus, the files of tests/fuzz/corpus.
# usage: tests/fuzz/xenstored.sh [SECONDS]; see common.inc.
NAME=xenstored SECS=${1:-25}
SEEDS=$(cd "$(dirname "$0")" && pwd)/corpus
. "$(dirname "$0")/common.inc"
# shellcheck disable=SC2046
fuzz_build -I"$src/xenstored" $(pkg-config --cflags talloc tdb libevent) \
    $(ls "$src"/xenstored/*.c | grep -v '/main\.c$') \
    "$src"/lib/log.c "$src"/lib/util.c "$src"/lib/xs_attach.c "$src"/lib/savestate.c \
    "$src"/lib/unix_sock.c "$src"/lib/fd_pass.c "$src"/lib/domlock.c \
    $(pkg-config --libs talloc tdb libevent)
fuzz_run 8192
