#!/bin/bash
# `make check-nested`: build the nested test host from Debian packages and
# run it (docs/nested-host.md).  Every step is cached under
# BUILDDIR/nested-cache, so a second run goes straight to QEMU.  The last
# line printed is "N passed, N failed, N skipped"; the status is non-zero
# when anything failed.
# usage: check.sh BUILDDIR SRCDIR
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
builddir=$(cd "${1:?usage: check.sh BUILDDIR SRCDIR}" && pwd)
srcdir=$(cd "${2:?}" && pwd)
cache=$builddir/nested-cache
mkdir -p "$cache"

step() { # name command...: run one set-up step, timed
    local name=$1 t0 rc
    shift
    t0=$(date +%s)
    "$@"
    rc=$?
    echo "nested: $name took $(($(date +%s) - t0)) s"
    if [ $rc -ne 0 ]; then
        echo "FAIL: nested/setup/$name: exited with status $rc"
        echo
        echo "0 passed, 1 failed, 0 skipped"
        exit 1
    fi
}
step install-deps "$here/install-deps.sh"
step fetch "$here/fetch.sh" "$cache"
step fetch-qemu "$here/fetch-qemu.sh" "$cache"
step build-kvm "$here/build-kvm.sh" "$cache"
step guest-kernel "$here/guest-kernel.sh" "$cache"
step l2-initramfs "$here/l2-initramfs.sh" "$cache"
step l1-initramfs "$here/l1-initramfs.sh" "$cache" "$builddir" "$srcdir"
# L1 has no network: what the main part's tests fetch for themselves
# (Xen's verify-stream-v2 and xenstore-control, both from Debian's
# xen-utils-4.17) is fetched into the build tree here, where they look.
xen_tools() {
    "$srcdir/scripts/fetch-xen-verify-stream.sh" "$builddir/tests/migration/xen-utils" &&
        "$srcdir/scripts/fetch-xenstore-control.sh" "$builddir/tests/xenstored/xen-utils"
}
step xen-tools xen_tools

# Three parts, each in an L1 boot of its own (logs tests/logs/
# nested-l1-PART.log): the whole test suite in this tree over 9p (main:
# tests/run with XENKVM_REQUIRE_KVM=1, guests in the kvm transport), the
# guest suite in the port transport (suite), the L2 guest (l2).  In one
# boot, after the suite had made and ended some 60 VMs in L1, L2 died or
# L1 oopsed in 3 runs of 5; in a fresh L1, 0 of 10 (docs/nested-host.md,
# "L2's deaths are the emulator's").  NESTED_PARTS runs what it names in
# one boot, as before (tests/logs/nested-l1.log).
export NESTED_BUILDDIR=$builddir NESTED_SRCDIR=$srcdir
if [ -n "${NESTED_PARTS:-}" ]; then
    exec "$here/run-l1.sh" "$cache" "$builddir/tests/logs/nested-l1.log"
fi
mkdir -p "$builddir/tests/logs"
# One budget of retries (run-l1.sh's NESTED_RETRIES, default 3) for the
# three boots, and one of time: every attempt's QEMU ends by
# NESTED_BUDGET seconds (default 3600) after the first boot
# (NESTED_DEADLINE, run-l1.sh), whatever the retries.  Each attempt's own
# limit: 1800 s for the main part (it takes 10-15 minutes), 450 s for the
# suite's (40-70 s) and 600 s for the L2 boot's (130-250 s).
retries=${NESTED_RETRIES:-3}
export NESTED_DEADLINE=$(( $(date +%s) + ${NESTED_BUDGET:-3600} ))
retried=$(mktemp) reran=$(mktemp)
# run-l1.sh's line for each attempt it retried (one per retry).
retry_re='^nested: attempt [0-9]+ (did not complete|failed) \('

p=0 f=0 s=0 rc=0
for part in main suite l2; do
    out=$builddir/tests/logs/nested-l1-$part.out
    limit=${NESTED_TIMEOUT:-600}
    [ "$part" = suite ] && limit=${NESTED_TIMEOUT:-450}
    [ "$part" = main ] && limit=${NESTED_TIMEOUT:-1800}
    # The main part runs the guests in the kvm transport; the suite part
    # adds the port transport.
    transports=${NESTED_TRANSPORTS:-}
    [ "$part" = suite ] && transports=${NESTED_TRANSPORTS:-port}
    # Only the L2 guest's boot retries a failed attempt in a fresh L1
    # (run-l1.sh); the main and suite parts run a failed program once more
    # inside L1 instead (tests/run --retry-failed), and the main part is
    # resumed where an L1 died.
    retry_failed=
    [ "$part" = l2 ] && retry_failed=1
    NESTED_PARTS=$part NESTED_RETRIES=$retries NESTED_TIMEOUT=$limit \
        NESTED_RETRY_FAILED=$retry_failed NESTED_TRANSPORTS=$transports \
        "$here/run-l1.sh" "$cache" "$builddir/tests/logs/nested-l1-$part.log" | tee "$out"
    [ "${PIPESTATUS[0]}" -eq 0 ] || rc=1
    grep -E '^nested: attempt [0-9]+(: FAIL: | (did not complete|failed) \()' "$out" >> "$retried"
    # Programs that L1 ran twice (tests/run --retry-failed), each first
    # run's failures.
    grep -E '^L1: [a-z0-9]+: retried ' "$out" >> "$reran"
    retries=$((retries - $(grep -c -E "$retry_re" "$out")))
    [ "$retries" -ge 0 ] || retries=0
    counts=$(tail -n 1 "$out" | sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed, \([0-9]*\) skipped$/\1 \2 \3/p')
    if [ -z "$counts" ]; then
        echo "FAIL: nested/$part: run-l1.sh printed no summary line"
        counts="0 1 0"
        rc=1
    fi
    read -r np nf ns <<< "$counts"
    p=$((p + np)) f=$((f + nf)) s=$((s + ns))
    rm -f "$out"
done
# The attempts that were retried, once more just above the summary, so a
# run that passed on its retry says so where it is read.
if [ -s "$retried" ]; then
    echo
    echo "nested: $(grep -c -E "$retry_re" "$retried") attempt(s) retried in this run:"
    sed 's/^nested: /nested:   /' "$retried"
fi
if [ -s "$reran" ]; then
    echo
    echo "nested: $(sed 's/^L1: [a-z0-9]*: retried \([^:]*\):.*/\1/' "$reran" | sort -u | wc -l) program(s) failed once and were run again:"
    sed 's/^L1: /nested:   /' "$reran"
fi
rm -f "$retried" "$reran"
echo
echo "$p passed, $f failed, $s skipped"
exit "$rc"
