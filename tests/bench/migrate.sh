#!/bin/bash
# Migration part of make bench: the saverestore64 guest (it rewrites one of
# 32 pages in a loop) with 1 GiB of memory, in a private xl world: xl save
# and xl restore of it, and xl migrate -s '' over loopback, with their
# wall-clock times and the sender's precopy line (rounds, pages in the
# paused round, the VMM's downtime).  No pass/fail.
set -u
builddir=$1
xl=$builddir/xl-compat/xl
tmp=$(mktemp -d /tmp/xenkvm-migbench.XXXXXX)
export XENKVM_RUNDIR=$tmp/run XENKVM_LOGDIR=$tmp/log XENSTORED_PATH=$tmp/xs/socket
cleanup() {
    for d in $("$xl" list 2>/dev/null | awk 'NR > 2 { print $1 }'); do "$xl" destroy "$d" 2>/dev/null; done
    [ -f "$tmp/run/xenstored.pid" ] && kill "$(cat "$tmp/run/xenstored.pid")" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT
ms() { echo $(( $(date +%s%N) / 1000000 )); }
ready() {
    for _ in $(seq 600); do
        grep -q "saverestore: ready" "$tmp/log/console/guest-$1.log" 2>/dev/null && return 0
        sleep 0.05
    done
    return 1
}
printf 'name = "mb"\ntype = "pvh"\nkernel = "%s"\nmemory = 1024\n' \
    "$builddir/tests/guest/saverestore64.elf" > "$tmp/mb.cfg"
"$xl" create "$tmp/mb.cfg" >/dev/null 2>&1
ready mb || { echo "# migrate bench: the guest did not start"; exit 0; }
t0=$(ms); "$xl" save mb "$tmp/mb.img" >/dev/null 2>&1; t1=$(ms)
echo "MIGBENCH xl save, 1 GiB guest: $((t1 - t0)) ms, image $(stat -c %s "$tmp/mb.img") bytes"
t0=$(ms); "$xl" restore "$tmp/mb.img" >/dev/null 2>&1; t1=$(ms)
echo "MIGBENCH xl restore, 1 GiB guest: $((t1 - t0)) ms"
for i in 1 2 3; do
    t0=$(ms)
    out=$("$xl" migrate -s '' mb "$xl migrate-receive" 2>&1)
    t1=$(ms)
    echo "MIGBENCH xl migrate, 1 GiB guest: $((t1 - t0)) ms total; $(grep '^migration sender: [0-9]' <<<"$out" | sed 's/^migration sender: //')"
done
