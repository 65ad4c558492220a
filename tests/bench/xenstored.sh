#!/bin/bash
# xenstored part of make bench: a private daemon on a temporary socket,
# then tests/bench/xenstored_bench (ratios against a unix-socket echo);
# once per store policy: in memory (-I, the daemon's default), a durable
# file (--db-file: a tdb transaction per changing request, no fsync; what
# xl starts) and a file with --db-sync (fsync at every commit).
set -eu
builddir=$1
tmp=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill $pid 2>/dev/null; wait 2>/dev/null; rm -rf "$tmp"' EXIT
for policy in memory file file-sync; do
    case $policy in
    memory) opts=() ;;
    file) opts=(--db-file "$tmp/xs-$policy.tdb") ;;
    file-sync) opts=(--db-file "$tmp/xs-$policy.tdb" --db-sync) ;;
    esac
    echo "## store: $policy"
    "$builddir/xenstored/xenstored" -s "$tmp/socket" --vmm-socket "$tmp/vmm" "${opts[@]}" 2>"$tmp/log" &
    pid=$!
    for _ in $(seq 100); do [ -S "$tmp/socket" ] && break; sleep 0.05; done
    XENSTORED_PATH=$tmp/socket "$builddir/tests/bench/xenstored_bench" "${@:2}"
    kill $pid; wait $pid 2>/dev/null || true
    pid=
    rm -f "$tmp/socket" "$tmp/vmm"
done
