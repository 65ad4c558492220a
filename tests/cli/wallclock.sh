#!/bin/bash
# Xen's wall clock as Linux reads it (wc_sec/wc_nsec plus pvclock system
# time; hvm/xen_time.c, hvm/shinfo.c) against the host's clock: every value
# wallclock{64,32}.elf prints lies between the host's time before the VMM
# started and after it ended, give or take TOL seconds, and the values read
# after the guest spun WAIT seconds of TSC are at least WAIT seconds past
# the start (a guest that took system time 0, or a lagging wc, falls short).
set -u
. "$SRCDIR/tests/cli/common.inc"
need_kvm wallclock
TOL=2
WAIT=4      # the guest's WALLCLOCK_WAIT_S

check() { # NAME GUEST
    local n=$1 g=$guests/$2 out st t0 t1 bad
    t0=$(date +%s.%N)
    out=$(timeout -k 5 60 "$vmm" --kernel "$g" 2>&1); st=$?
    t1=$(date +%s.%N)
    if [ $st != 0 ] || ! grep -q "^WALLCLOCK done, 0 failed" <<<"$out"; then
        fail "$n" "status $st: $out"; return
    fi
    bad=$(awk -v t0="$t0" -v t1="$t1" -v tol=$TOL -v wait=$WAIT '
        $1 == "WALLCLOCK" && $3 ~ /^[0-9]+\.[0-9]+$/ {
            seen++
            if ($3 < t0 - tol || $3 > t1 + tol)
                printf "%s %s outside host %s..%s; ", $2, $3, t0, t1
            else if ($2 != "shinfo_start" && $3 < t0 + wait - tol)
                printf "%s %s behind: %.3f s after start, the guest waited %d; ", $2, $3, $3 - t0, wait
        }
        END { if (seen != 4) printf "%d values, not 4", seen }' <<<"$out")
    if [ -z "$bad" ]; then pass "$n"; else fail "$n" "$bad"; fi
}
check wallclock_64 wallclock64.elf
check wallclock_32 wallclock32.elf
