#!/bin/bash
# Xen's PIRQ route for HVM guests (docs/pciback.md, "PIRQs"): the guest
# tests/guest/pirq64.elf drives the vfio-user test device with
# XENFEAT_hvm_pirqs (--hvm-pirq, xl.cfg hvm_pirq=1): MSI-X vectors and its
# INTx GSI as pirq events, every bad input of the PHYSDEVOP commands; and
# without the feature (the default), where the bit is absent and the
# commands are -ENOSYS.  PVH never gets the feature, as libxl gives PVH no
# emulated interrupts.
set -u
. "$SRCDIR/tests/cli/common.inc"
need_kvm pirq
server=$BUILDDIR/tests/pciback/vfu_testdev
guest=$guests/pirq64.elf
run=$(mktemp -d /tmp/xenkvm-pirq.XXXXXX)
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$run"' EXIT

# guest_ok NAME FILE STATUS: the guest powered off with passes, no failures.
guest_ok() {
    sed "s/^/  guest: /" "$2"
    [ "$3" = 0 ] && grep -q "RESULT: [1-9][0-9]* passed, 0 failed" "$2"
    result "$1" $? "status $3"
}

# --- hvm_pirq on, with the device ------------------------------------------
"$server" "$run/dev.sock" > "$run/server.log" 2>&1 &
srv=$!
await "$run/dev.sock"
timeout -k 5 120 "$vmm" --firmware "$guest" --hvm-pirq --pci "vfio-user:$run/dev.sock" \
    --cmdline pirq > "$run/on.out" 2>&1
guest_ok pirq_on_guest_cases "$run/on.out" $?
for c in pirq_feature_present pirq_get_free pirq_map_gsi_bad_input pirq_map_unmap_gsi \
         pirq_eoi_status_bad_input pirq_bind_bad_input pirq_msix_events \
         pirq_msix_waits_for_bind pirq_gsi_intx_events; do
    grep -q "^PASS: $c\$" "$run/on.out"
    result "guest_$c" $? "not passed"
done
wait $srv
# The same with plain MSI (vfu_testdev --msi).
"$server" --msi "$run/devm.sock" > "$run/serverm.log" 2>&1 &
srv=$!
await "$run/devm.sock"
timeout -k 5 120 "$vmm" --firmware "$guest" --hvm-pirq --pci "vfio-user:$run/devm.sock" \
    --cmdline "pirq msi" > "$run/msi.out" 2>&1
guest_ok pirq_msi_guest_cases "$run/msi.out" $?
grep -q "^PASS: pirq_plain_msi_events\$" "$run/msi.out"
result guest_pirq_plain_msi_events $? "not passed"
wait $srv

# --- hvm_pirq off (the default): with the device and without ---------------
"$server" "$run/dev2.sock" > "$run/server2.log" 2>&1 &
srv=$!
await "$run/dev2.sock"
timeout -k 5 120 "$vmm" --firmware "$guest" --pci "vfio-user:$run/dev2.sock" \
    --cmdline nopirq > "$run/off.out" 2>&1
guest_ok pirq_off_guest_cases "$run/off.out" $?
grep -q "^PASS: pirq_off_commands_enosys$" "$run/off.out"
result guest_pirq_off_commands_enosys $? "not passed"
wait $srv
timeout -k 5 120 "$vmm" --firmware "$guest" --cmdline nopirq > "$run/off2.out" 2>&1
guest_ok pirq_off_without_device "$run/off2.out" $?
# PVH: --hvm-pirq has no effect (libxl: XEN_X86_EMU_LAPIC only).
timeout -k 5 120 "$vmm" --kernel "$guest" --hvm-pirq --cmdline nopirq > "$run/pvh.out" 2>&1
guest_ok pirq_pvh_never_has_the_feature "$run/pvh.out" $?

# --- xl: hvm_pirq=1 reaches the VMM ----------------------------------------
xl=$BUILDDIR/xl-compat/xl
xl_private pirqxl
"$server" "$run/dev3.sock" > "$run/server3.log" 2>&1 &
srv=$!
await "$run/dev3.sock"
cat > "$tmp/pirq.cfg" <<CFG
name = "pirq"
type = "hvm"
firmware_override = "$guest"
memory = 32
hvm_pirq = 1
pci = [ "vfio-user=$run/dev3.sock" ]
CFG
out=$("$xl" create "$tmp/pirq.cfg" 2>&1); st=$?
result xl_create_hvm_pirq "$st" "status $st: $out"
if [ "$st" = 0 ]; then
    wait $srv
    log=$(grep -rl "RESULT:" "$tmp/log" 2>/dev/null | head -1)
    grep -q "RESULT: [1-9][0-9]* passed, 0 failed" "$log" 2>/dev/null &&
        grep -q "^PASS: pirq_msix_events" "$log"
    result xl_hvm_pirq_guest_got_events $? "no passing RESULT line under $tmp/log"
fi
out=$("$xl" create -n "$tmp/pirq.cfg" 2>&1)
grep -q '"pirq": "True"' <<<"$out"
result xl_dry_run_shows_pirq $? "$out"

# --- live update: a vector in the pirq encoding keeps its port ------------
"$server" "$run/dev5.sock" > "$run/server5.log" 2>&1 &
srv=$!
await "$run/dev5.sock"
cat > "$tmp/lu.cfg" <<CFG
name = "pirqlu"
type = "hvm"
firmware_override = "$guest"
memory = 32
hvm_pirq = 1
cmdline = "lu"
pci = [ "vfio-user=$run/dev5.sock" ]
CFG
out=$("$xl" create "$tmp/lu.cfg" 2>&1); st=$?
result xl_create_lu_guest "$st" "status $st: $out"
glog=$tmp/log/xl-pirqlu.log
for _ in $(seq 2400); do grep -q "PIRQ-LU-WAIT" "$glog" 2>/dev/null && break; sleep 0.05; done
if grep -q "PIRQ-LU-WAIT" "$glog" 2>/dev/null; then
    out=$("$xl" live-update --binary "$vmm" pirqlu 2>&1); st=$?
    result live_update_hvm_pirq_guest "$st" "status $st: $out"
    kill -USR1 $srv
    for _ in $(seq 2400); do grep -q "RESULT:" "$glog" && break; sleep 0.05; done
    grep -q "^PASS: pirq_msix_across_live_update" "$glog" &&
        grep -q "RESULT: [1-9][0-9]* passed, 0 failed" "$glog"
    result pirq_event_after_live_update $? "$(grep -E "FAIL|RESULT" "$glog" | tail -5)"
else
    result pirq_event_after_live_update 1 "the guest never said PIRQ-LU-WAIT"
fi
wait $srv

# --- the hot-plug SCI as a pirq: the guest maps GSI 9, xl pci-attach ------
cat > "$tmp/sci.cfg" <<CFG
name = "sci"
type = "hvm"
firmware_override = "$guest"
memory = 32
hvm_pirq = 1
cmdline = "sci"
CFG
"$server" "$run/dev4.sock" > "$run/server4.log" 2>&1 &
srv=$!
await "$run/dev4.sock"
out=$("$xl" create "$tmp/sci.cfg" 2>&1); st=$?
result xl_create_sci_guest "$st" "status $st: $out"
glog=
for _ in $(seq 2400); do
    glog=$(grep -rl "PIRQ-SCI-WAIT" "$tmp/log" 2>/dev/null | head -1)
    [ -n "$glog" ] && break
    sleep 0.05
done
if [ -n "$glog" ]; then
    out=$("$xl" pci-attach sci "vfio-user=$run/dev4.sock" 2>&1); st=$?
    result xl_pci_attach_to_sci_guest "$st" "status $st: $out"
    wait $srv
    for _ in $(seq 2400); do grep -q "RESULT:" "$glog" && break; sleep 0.05; done
    grep -q "^PASS: pirq_sci_hotplug_event" "$glog" &&
        grep -q "RESULT: [1-9][0-9]* passed, 0 failed" "$glog"
    result hotplug_sci_arrives_as_pirq_event $? "$(tail -5 "$glog")"
else
    result hotplug_sci_arrives_as_pirq_event 1 "the guest never said PIRQ-SCI-WAIT"
fi
xl_teardown
