#!/bin/bash
# Multi-message MSI and I/O BARs of a passed-through function
# (docs/pciback.md): the test device served as `vfu_testdev --msi4
# --iobar` (4 MSI messages with per-vector masks, BAR4 in I/O space),
# driven by tests/guest/pcimsi64.elf in an HVM guest (--firmware).  The
# guest's cases are counted; then the same guest with --hvm-pirq and
# "pirq" on its command line, where the 4 vectors are Xen pirqs.
set -u
. "$SRCDIR/tests/cli/common.inc"
need_kvm pcimsi
server=$BUILDDIR/tests/pciback/vfu_testdev
guest=$guests/pcimsi64.elf
run=$(mktemp -d /tmp/xenkvm-pcimsi.XXXXXX)
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$run"' EXIT

# --- APIC vectors and the I/O BAR ------------------------------------------
"$server" --msi4 --iobar "$run/dev.sock" > "$run/server.log" 2>&1 &
srv=$!
await "$run/dev.sock"
timeout -k 5 120 "$vmm" -v --firmware "$guest" --pci "vfio-user:$run/dev.sock" \
    > "$run/guest.out" 2>&1
st=$?
cat "$run/guest.out"
result pcimsi_guest_powers_off "$st" "status $st"
grep -q "RESULT: [1-9][0-9]* passed, 0 failed" "$run/guest.out"
result pcimsi_guest_cases_ran $? "no RESULT line with passes"
wait $srv
result pcimsi_server_exits_with_the_vmm $? "vfu_testdev status $?"

# --- the vectors as pirqs (hvm_pirq) -----------------------------------------
"$server" --msi4 --iobar "$run/devp.sock" > "$run/serverp.log" 2>&1 &
srv=$!
await "$run/devp.sock"
timeout -k 5 120 "$vmm" --firmware "$guest" --hvm-pirq --pci "vfio-user:$run/devp.sock" \
    --cmdline pirq > "$run/pirq.out" 2>&1
st=$?
sed "s/^/  guest: /" "$run/pirq.out"
[ $st = 0 ] && grep -q "PASS: pt_msi_multi_pirq" "$run/pirq.out" &&
    grep -q "RESULT: [1-9][0-9]* passed, 0 failed" "$run/pirq.out"
result pcimsi_multi_msi_pirqs $? "status $st"
wait $srv
