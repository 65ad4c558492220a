#!/bin/bash
# PCI hot plug (docs/pciback.md, "Hot plug"): xl pci-attach / pci-detach /
# pci-list on a running HVM domain whose guest, tests/guest/pcihotplug64.elf,
# takes the ACPI hot-plug SCI and drives each device (config space, BARs,
# DMA with an MSI-X completion).  The guest says what it waits for
# ("HOTPLUG-WAIT <step>") in its console log; the script does that step and
# checks xl's output, libxl's xenstore nodes and the device servers.  Then
# xl's refusals: a malformed BDF, no such domain, a device not attached.
set -u
. "$SRCDIR/tests/cli/common.inc"
need_kvm xl_pci_hotplug
guest=$guests/pcihotplug64.elf
xl_private pcihp
trap 'kill $(jobs -p) 2>/dev/null; xl_teardown' EXIT
be=/local/domain/0/backend/pci

gone() { ! kill -0 "$1" 2>/dev/null; }

cat > "$tmp/hp.cfg" <<CFG
name = "hp"
type = "hvm"
firmware_override = "$guest"
memory = 32
CFG
out=$("$xl" create "$tmp/hp.cfg" 2>&1); st=$?
result xl_create_hvm_without_pci "$st" "status $st: $out"
domid=$("$xl" domid hp 2>/dev/null)
glog=$(ls "$XENKVM_LOGDIR"/*hp* 2>/dev/null | head -1)
[ -n "$glog" ] || glog=$(grep -rl "pcihotplug64" "$XENKVM_LOGDIR" 2>/dev/null | head -1)
out=$("$xl" pci-list hp 2>&1); st=$?
[ $st = 0 ] && [ -z "$out" ]
result pci_list_empty_prints_nothing $? "status $st: $out"

# --- attach one -----------------------------------------------------------
serve 1
await "$glog" "HOTPLUG-WAIT attach"
out=$("$xl" pci-attach hp "vfio-user=$tmp/dev1.sock" 2>&1); st=$?
result pci_attach_first "$st" "status $st: $out"
[ "$(xs_node $be/$domid/0/num_devs)" = 1 ] && [ "$(xs_node $be/$domid/0/dev-0)" = ffff:00:02.0 ] &&
    [ "$(xs_node $be/$domid/0/key-0)" = ffff:00:02.0 ] && [ "$(xs_node $be/$domid/0/vdevfn-0)" = 10 ] &&
    [ "$(xs_node $be/$domid/0/state-0)" = 1 ] && [ "$(xs_node $be/$domid/0/state)" = 1 ] &&
    [ "$(xs_node $be/$domid/0/frontend-id)" = "$domid" ] &&
    [ "$(xs_node $be/$domid/0/opts-0)" = "msitranslate=0,power_mgmt=0,permissive=0,rdm_policy=relaxed" ] &&
    [ "$(xs_node /local/domain/$domid/device/pci/0/state)" = 1 ]
result pci_attach_writes_libxl_nodes $? "$(xenstore-ls -f $be 2>&1 | head -20)"

# --- a second one at slot 4, with plain MSI -----------------------------------
serve 2 --msi
await "$glog" "HOTPLUG-WAIT second"
out=$("$xl" pci-attach hp "vfio-user=$tmp/dev2.sock,bdf=0000:03:00.0@4" 2>&1); st=$?
result pci_attach_second_at_slot_4 "$st" "status $st: $out"
out=$("$xl" pci-list hp 2>&1); st=$?
want=$'Vdev Device\n02.0 ffff:00:02.0\n04.0 0000:03:00.0'
[ $st = 0 ] && [ "$out" = "$want" ]
result pci_list_output "$?" "status $st: $out"
[ "$(xs_node $be/$domid/0/num_devs)" = 2 ] && [ "$(xs_node $be/$domid/0/state)" = 7 ] &&
    [ "$(xs_node $be/$domid/0/vdevfn-1)" = 20 ]
result pci_attach_second_node_set $? "$(xenstore-ls -f $be 2>&1 | head -30)"
out=$("$xl" pci-attach hp "vfio-user=$tmp/dev2.sock,bdf=0000:03:00.0@5" 2>&1); st=$?
[ $st = 1 ] && grep -qF "PCI device already attached to a domain" <<<"$out"
result pci_attach_same_bdf_refused $? "status $st: $out"

# --- detach the first: the guest ejects it --------------------------------
await "$glog" "HOTPLUG-WAIT detach"
out=$("$xl" pci-detach hp ffff:00:02.0 2>&1); st=$?
result pci_detach_after_guest_eject "$st" "status $st: $out"
wait_for 10 gone "$srv1"
result server_saw_the_disconnect $? "vfu_testdev 1 still runs"
[ "$(xs_node $be/$domid/0/num_devs)" = 1 ] && [ "$(xs_node $be/$domid/0/dev-0)" = 0000:03:00.0 ] &&
    [ "$(xs_node $be/$domid/0/vdevfn-0)" = 20 ] && ! xenstore-exists $be/$domid/0/dev-1 2>/dev/null
result pci_detach_moves_entries_down $? "$(xenstore-ls -f $be 2>&1 | head -30)"

# --- attach again (the first free slot: 2) ----------------------------------
serve 3
await "$glog" "HOTPLUG-WAIT reattach"
out=$("$xl" pci-attach hp "vfio-user=$tmp/dev3.sock" 2>&1); st=$?
result pci_reattach "$st" "status $st: $out"
[ "$("$xl" pci-list hp 2>&1)" = $'Vdev Device\n04.0 0000:03:00.0\n02.0 ffff:00:02.0' ]
result pci_list_after_reattach $? "$("$xl" pci-list hp 2>&1)"

# --- the server killed mid-DMA, the function forced out ---------------------
if await "$glog" HOTPLUG-STALLED; then
    kill -9 "$srv3"; wait "$srv3" 2>/dev/null
    await "$glog" HOTPLUG-GONE
    # A removal the guest does not answer (it polls with interrupts off),
    # then forced: both xl commands succeed.
    "$xl" pci-detach hp ffff:00:02.0 > "$tmp/pending.out" 2>&1 &
    pend=$!
    await "$glog" HOTPLUG-REMOVAL-ASKED
    out=$("$xl" pci-detach -f hp ffff:00:02.0 2>&1); st=$?
    result pci_detach_force_dead_server "$st" "status $st: $out"
    wait $pend; st=$?
    result pending_detach_ends_with_the_forced_one "$st" "status $st: $(cat "$tmp/pending.out")"
    "$xl" list hp > /dev/null 2>&1
    result vmm_survives_server_killed_mid_dma $? "the domain is gone"
else
    result pci_detach_force_dead_server 1 "the guest never stalled its DMA"
fi

# --- detach the second at the end -----------------------------------------
await "$glog" "HOTPLUG-WAIT end"
out=$("$xl" pci-detach hp 03:00.0 2>&1); st=$?
result pci_detach_second "$st" "status $st: $out"
wait_for 10 gone "$srv2"
result second_server_saw_the_disconnect $? "vfu_testdev 2 still runs"
! xenstore-exists "$be/$domid/0" 2>/dev/null && ! xenstore-exists "/local/domain/$domid/device/pci/0" 2>/dev/null
result last_detach_removes_the_device $? "$(xenstore-ls -f $be 2>&1 | head)"
wait_for 60 bash -c "! \"$xl\" list hp"
result guest_powers_off $? "the domain still runs"
grep -q "RESULT: [1-9][0-9]* passed, 0 failed, 0 skipped" "$glog"
result guest_cases_pass $? "$(grep -E 'FAIL|RESULT' "$glog" | head)"

# --- refusals ---------------------------------------------------------------
"$xl" create -p "$tmp/hp.cfg" > /dev/null 2>&1
out=$("$xl" pci-attach hp 03:00 2>&1); st=$?
[ $st = 2 ] && grep -qF 'pci-attach: malformed PCI_SPEC_STRING "03:00"' <<<"$out"
result pci_attach_bad_bdf "$?" "status $st: $out"
out=$("$xl" pci-detach hp zz:00.0 2>&1); st=$?
[ $st = 2 ] && grep -qF 'pci-detach: malformed PCI_SPEC_STRING "zz:00.0"' <<<"$out"
result pci_detach_bad_bdf "$?" "status $st: $out"
out=$("$xl" pci-attach nosuch 03:00.0 2>&1); st=$?
[ $st = 1 ] && grep -qF "nosuch is an invalid domain identifier" <<<"$out"
result pci_attach_no_such_domain "$?" "status $st: $out"
out=$("$xl" pci-list nosuch 2>&1); st=$?
[ $st = 1 ] && grep -qF "nosuch is an invalid domain identifier" <<<"$out"
result pci_list_no_such_domain "$?" "status $st: $out"
out=$("$xl" pci-detach hp 03:00.0 2>&1); st=$?
[ $st = 1 ] && grep -qF "PCI device not attached to this domain" <<<"$out"
result pci_detach_not_attached "$?" "status $st: $out"
out=$("$xl" pci-attach hp "vfio-user=$tmp/none.sock" 2>&1); st=$?
[ $st = 1 ] && grep -q "No such file" <<<"$out" && [ -z "$("$xl" pci-list hp)" ]
result pci_attach_no_server "$?" "status $st: $out"
serve 4
out=$("$xl" pci-attach hp "vfio-user=$tmp/dev4.sock,vslot=1" 2>&1); st=$?
[ $st = 1 ] && grep -q "not a passthrough slot" <<<"$out"
result pci_attach_platform_slot_refused "$?" "status $st: $out"
"$xl" destroy hp > /dev/null 2>&1
sed -i 's/type = "hvm"/type = "pvh"/; s/firmware_override/kernel/' "$tmp/hp.cfg"
"$xl" create -p "$tmp/hp.cfg" > /dev/null 2>&1
out=$("$xl" pci-attach hp "vfio-user=$tmp/dev4.sock" 2>&1); st=$?
[ $st = 1 ] && grep -qF "passthrough not yet supported for x86 PVH guests" <<<"$out"
result pci_attach_pvh_refused "$?" "status $st: $out"
"$xl" destroy hp > /dev/null 2>&1
