#!/bin/bash
# make bench: xl live-update's pause (the vCPUs' controller pause in the
# old VMM to the unpause in the new one, as the new VMM measures it and xl
# prints it) for a 64 MiB and a 1 GiB guest that dirties its memory all
# the time (saverestore64.elf); 7 updates each, the median and the range.
# The reference in the same run: starting the VMM binary just to answer
# --check-live-update-version (fork + exec + exit), which every update
# pays once before the pause.
set -u
builddir=$1
xl=$builddir/xl-compat/xl
vmm=$builddir/hvm/xenkvm
tmp=$(mktemp -d /tmp/xenkvm-lubench.XXXXXX)
export XENKVM_RUNDIR=$tmp/run XENKVM_LOGDIR=$tmp/log XENSTORED_PATH=$tmp/xs/socket
trap '"$xl" destroy lub64 >/dev/null 2>&1; "$xl" destroy lub1g >/dev/null 2>&1
      [ -f "$XENKVM_RUNDIR/xenstored.pid" ] && kill "$(cat "$XENKVM_RUNDIR/xenstored.pid")" 2>/dev/null
      rm -rf "$tmp"' EXIT
median() { sort -n | awk '{ a[NR] = $1 } END { printf "median %.2f ms, min %.2f, max %.2f", a[int((NR + 1) / 2)], a[1], a[NR] }'; }
t0=$(date +%s%N)
for i in 1 2 3 4 5 6 7; do "$vmm" --check-live-update-version "lu=1" >/dev/null 2>&1; done
t1=$(date +%s%N)
echo "live update: reference, the VMM binary started for its version probe: $(( (t1 - t0) / 7000 )) us each"
for mem in 64 1024; do
    name=lub$([ $mem = 64 ] && echo 64 || echo 1g)
    { echo "name = \"$name\""; echo 'type = "pvh"'
      echo "kernel = \"$(readlink -f "$builddir/tests/guest/saverestore64.elf")\""
      echo "memory = $mem"; echo 'on_poweroff = "destroy"'; } > "$tmp/$name.cfg"
    "$xl" create "$tmp/$name.cfg" >/dev/null 2>&1
    for i in $(seq 50); do grep -q "saverestore: ready" "$tmp/log/console/guest-$name.log" 2>/dev/null && break; sleep 0.2; done
    for i in 1 2 3 4 5 6 7; do
        "$xl" live-update "$name" 2>&1 | sed -n 's/.*guest paused \([0-9.]*\) ms.*/\1/p'
    done | { echo "live update: $mem MiB guest, pause: $(median)"; }
    "$xl" destroy "$name" >/dev/null 2>&1
done
