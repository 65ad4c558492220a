#!/bin/bash
# xenstored part of make bench: a private daemon on a temporary socket,
# then tests/bench/xenstored_bench (ratios against a unix-socket echo).
set -eu
builddir=$1
tmp=$(mktemp -d)
"$builddir/xenstored/xenstored" -s "$tmp/socket" --vmm-socket "$tmp/vmm" 2>"$tmp/log" &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$tmp"' EXIT
for _ in $(seq 100); do [ -S "$tmp/socket" ] && break; sleep 0.05; done
XENSTORED_PATH=$tmp/socket "$builddir/tests/bench/xenstored_bench" "${@:2}"
