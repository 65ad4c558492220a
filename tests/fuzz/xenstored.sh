#!/bin/bash
# Build the libFuzzer harness for xenstored's message handling with clang
# (-fsanitize=fuzzer,address,undefined) and run it for SECONDS (default 25)
# on a copy of the seed corpus.  Used by .ci/run; exits non-zero on a crash.
set -eu
secs=${1:-25}
src=$(cd "$(dirname "$0")/../.." && pwd)
out=${FUZZ_OUT:-$(mktemp -d)}
command -v clang >/dev/null || { echo "fuzz: clang is not installed (scripts/install-deps.sh)"; exit 1; }
mkdir -p "$out/corpus"
# the files only: subdirectories hold other harnesses' corpora
find "$src"/tests/fuzz/corpus -maxdepth 1 -type f -exec cp {} "$out/corpus/" \;
# shellcheck disable=SC2046
clang -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
    -D_GNU_SOURCE -I"$src" -I"$src/xenstored" -I"$src/lib" $(pkg-config --cflags talloc tdb libevent) \
    "$src"/tests/fuzz/fuzz_xenstored.c \
    $(ls "$src"/xenstored/*.c | grep -v '/main\.c$') \
    "$src"/lib/log.c "$src"/lib/util.c "$src"/lib/xs_attach.c "$src"/lib/savestate.c \
    "$src"/lib/unix_sock.c "$src"/lib/fd_pass.c "$src"/lib/domlock.c \
    $(pkg-config --libs talloc tdb libevent) -o "$out/fuzz_xenstored"
echo "fuzz: running $out/fuzz_xenstored for ${secs}s"
"$out/fuzz_xenstored" -max_total_time="$secs" -max_len=8192 -timeout=10 \
    -print_final_stats=1 "$out/corpus" 2>&1 | tail -15
