#!/bin/bash
# PCI passthrough (docs/pciback.md): the test device served over vfio-user
# by tests/pciback/vfu_testdev, passed through to an HVM guest (--firmware)
# running tests/guest/pciback64.elf, its driver.  The guest's own cases are
# counted too.  Then: the server killed while a DMA is stalled (the guest
# sees the device gone, the VMM lives), PVH refused with libxl's message,
# bad --pci specs.
set -u
. "$SRCDIR/tests/cli/common.inc"
need_kvm pciback
server=$BUILDDIR/tests/pciback/vfu_testdev
guest=$guests/pciback64.elf
run=$(mktemp -d /tmp/xenkvm-pci.XXXXXX)
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$run"' EXIT

# --- the driver's cases --------------------------------------------------
"$server" "$run/dev.sock" > "$run/server.log" 2>&1 &
srv=$!
await "$run/dev.sock"
timeout -k 5 120 "$vmm" -v --firmware "$guest" --pci "vfio-user:$run/dev.sock" \
    > "$run/guest.out" 2>&1
st=$?
cat "$run/guest.out"
result pciback_guest_powers_off "$st" "status $st"
grep -q "RESULT: [1-9][0-9]* passed, 0 failed" "$run/guest.out"
result pciback_guest_cases_ran $? "no RESULT line with passes"
# BAR2 went in as a memslot, and followed the guest's move.
grep -q "BAR2 mapped at 0xf4010000 (memslot" "$run/guest.out" &&
    grep -q "BAR2 mapped at 0xf5000000 (memslot" "$run/guest.out"
result bar2_memslot_follows_the_guest $? "no memslot lines in the VMM's log"
wait $srv
result server_exits_with_the_vmm $? "vfu_testdev status $?"

# --- the server killed mid-DMA ---------------------------------------------
"$server" "$run/dev2.sock" > "$run/server2.log" 2>&1 &
srv=$!
await "$run/dev2.sock"
timeout -k 5 120 "$vmm" --firmware "$guest" --pci "vfio-user:$run/dev2.sock" \
    --cmdline kill > "$run/kill.out" 2>&1 &
g=$!
if await "$run/kill.out" PCIBACK-STALLED; then
    kill -9 $srv
    wait $g
    st=$?
    cat "$run/kill.out"
    result vmm_survives_server_killed_mid_dma "$st" "status $st"
    grep -q "PASS: pt_device_killed" "$run/kill.out"
    result guest_saw_device_gone $? "no PASS: pt_device_killed"
else
    cat "$run/kill.out"
    result vmm_survives_server_killed_mid_dma 1 "the guest never stalled its DMA"
fi

# --- refusals ------------------------------------------------------------
out=$("$vmm" --kernel "$guest" --pci "vfio-user:$run/none" 2>&1); st=$?
[ $st = 2 ] && grep -qF "passthrough not yet supported for x86 PVH guests" <<<"$out"
result pvh_guest_refused $? "status $st: $out"
out=$("$vmm" --firmware "$guest" --pci "vfio-user:$run/none" 2>&1); st=$?
[ $st = 2 ] && grep -q "No such file\|Connection refused" <<<"$out"
result no_server_refused $? "status $st: $out"
out=$("$vmm" --firmware "$guest" --pci "usb:1" 2>&1); st=$?
[ $st = 2 ] && grep -qF "give vfio-user:SOCKET" <<<"$out"
result bad_spec_refused $? "status $st: $out"
out=$("$vmm" --firmware "$guest" --pci "vfio:0000:03:00.0,group=7" 2>&1); st=$?
[ $st = 2 ] && grep -q "No such file" <<<"$out"
result kernel_vfio_absent_refused $? "status $st: $out"

# --- xl create with pci= --------------------------------------------------
xl=$BUILDDIR/xl-compat/xl
xl_private pcixl
srvdir=$run
"$server" "$srvdir/dev3.sock" > "$srvdir/server3.log" 2>&1 &
srv=$!
await "$srvdir/dev3.sock"
cat > "$tmp/pt.cfg" <<CFG
name = "pt"
type = "hvm"
firmware_override = "$guest"
memory = 32
pci = [ "vfio-user=$srvdir/dev3.sock,permissive=0" ]
pci_power_mgmt = 0
CFG
out=$("$xl" create "$tmp/pt.cfg" 2>&1); st=$?
result xl_create_with_pci "$st" "status $st: $out"
if [ "$st" = 0 ]; then
    wait $srv
    result xl_domain_served_by_the_device "$?" "the device server did not end with the domain"
    log=$(grep -rl "RESULT:" "$tmp/log" 2>/dev/null | head -1)
    grep -q "RESULT: [1-9][0-9]* passed, 0 failed" "$log" 2>/dev/null
    result xl_guest_drove_the_device $? "no passing RESULT line under $tmp/log"
fi
# Save refused while a device is passed through (its state is not in the
# stream): a domain created paused, so the guest never runs.
"$server" "$srvdir/dev4.sock" > "$srvdir/server4.log" 2>&1 &
srv=$!
await "$srvdir/dev4.sock"
sed -i "s#dev3.sock#dev4.sock#" "$tmp/pt.cfg"
out=$("$xl" create -p "$tmp/pt.cfg" 2>&1); st=$?
result xl_create_paused_with_pci "$st" "status $st: $out"
# Xen's refusal: the hypervisor will not turn log-dirty mode on for a
# domain with an assigned device (-EINVAL), in libxc's and libxl's words,
# then xl's, status 1 (docs/pciback.md).
xc_line="xc: error: Failed to enable logdirty: 22,0,22 (22 = Invalid argument): Internal error"
lxl_line="libxl: error: Domain $("$xl" domid pt):saving domain: domain did not respond to suspend request: Invalid argument"
out=$("$xl" save pt "$tmp/pt.save" 2>&1); st=$?
[ $st = 1 ] && grep -qxF "$xc_line" <<<"$out" && grep -qxF "$lxl_line" <<<"$out" &&
    grep -qxF "Failed to save domain, resuming domain" <<<"$out"
result xl_save_refused_with_pci $? "status $st: $out"
out=$("$xl" migrate -s '' pt "$xl migrate-receive" 2>&1); st=$?
[ $st = 1 ] && grep -qxF "$xc_line" <<<"$out" && grep -qxF "$lxl_line" <<<"$out" &&
    grep -qxF "migration sender: libxl_domain_suspend failed (rc=-3)" <<<"$out" &&
    grep -qxF "Migration failed, resuming at sender." <<<"$out"
result xl_migrate_refused_with_pci $? "status $st: $out"
[ "$("$xl" list 2>/dev/null | awk 'NR > 1' | wc -l)" = 2 ] && "$xl" list pt | awk 'NR == 2 { exit !($5 ~ /p/) }'
result refused_domain_stays_alone_and_paused $? "$("$xl" list 2>&1)"
# A live update keeps the function (tests/cli/xl_pci_live_update.sh) and
# the domain paused.
out=$("$xl" live-update --binary "$vmm" pt 2>&1); st=$?
[ $st = 0 ] && "$xl" list pt | awk 'NR == 2 { exit !($5 ~ /p/) }'
result xl_live_update_paused_with_pci $? "status $st: $out; $("$xl" list pt 2>&1)"
"$xl" destroy pt > /dev/null 2>&1
wait $srv
result server_exits_after_destroy $? "vfu_testdev status $?"
sed -i 's/type = "hvm"/type = "pvh"/; s/firmware_override/kernel/' "$tmp/pt.cfg"
out=$("$xl" create "$tmp/pt.cfg" 2>&1); st=$?
[ $st != 0 ] && grep -qF "passthrough not yet supported for x86 PVH guests" <<<"$out"
result xl_pvh_refused "$?" "status $st: $out"
printf 'name = "bad"\ntype = "hvm"\nfirmware_override = "%s"\npci = [ "03:00" ]\n' \
    "$guest" > "$tmp/bad.cfg"
out=$("$xl" create "$tmp/bad.cfg" 2>&1); st=$?
[ $st != 0 ] && grep -qF "unable to parse PCI BDF \`03:00' for passthrough" <<<"$out"
result xl_bad_bdf_refused "$?" "status $st: $out"
xl_teardown
