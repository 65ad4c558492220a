#!/bin/bash
# xl reboot keeps the PCI functions a domain has (docs/pciback.md), as
# libxl keeps pci-attach's devices in the domain's config: an HVM domain
# created paused with 00:02.0 from pci= gets 00:04.0 by xl pci-attach, is
# reset by `xl reboot -F` (its test guest has no PV control), and the new
# domain has both at the same slots, with libxl's nodes, and its guest
# (pciback64.elf liveupdate) runs DMA and interrupts on both.  The device
# servers (vfu_testdev --again) serve the new VMM after the old one hung up.
set -u
. "$SRCDIR/tests/cli/common.inc"
need_kvm xl_pci_reboot
guest=$guests/pciback64.elf
xl_private pcirb
trap 'kill $(jobs -p) 2>/dev/null; xl_teardown' EXIT
be=/local/domain/0/backend/pci

serve 2 --again
serve 4 --again
cat > "$tmp/rb.cfg" <<CFG
name = "ptrb"
type = "hvm"
firmware_override = "$guest"
memory = 32
cmdline = "liveupdate"
pci = [ "vfio-user=$tmp/dev2.sock" ]
CFG
out=$("$xl" create -p "$tmp/rb.cfg" 2>&1); st=$?
result create_with_pci "$st" "status $st: $out"
d1=$("$xl" domid ptrb 2>/dev/null)
out=$("$xl" pci-attach ptrb "vfio-user=$tmp/dev4.sock,bdf=0000:05:00.0@4,permissive=1" 2>&1); st=$?
result pci_attach_before_reboot "$st" "status $st: $out"
out=$("$xl" reboot -F ptrb 2>&1)
wait_for 60 bash -c "d=\$('$xl' domid ptrb 2>/dev/null) && [ -n \"\$d\" ] && [ \"\$d\" != '$d1' ]"
result rebooted $? "$out; $("$xl" list 2>&1)"
d2=$("$xl" domid ptrb 2>/dev/null)
# The new domain is named before its functions are attached: wait for them.
want=$'Vdev Device\n02.0 ffff:00:02.0\n04.0 0000:05:00.0'
wait_for 60 bash -c "[ \"\$('$xl' pci-list ptrb 2>&1)\" = '$want' ]"
out=$("$xl" pci-list ptrb 2>&1)
[ "$out" = "$want" ]
result reboot_keeps_attached_function "$?" "$out"
[ "$(xs_node $be/$d2/0/num_devs)" = 2 ] && [ "$(xs_node $be/$d2/0/vdevfn-1)" = 20 ] &&
    [ "$(xs_node $be/$d2/0/vfio-user-1)" = "$tmp/dev4.sock" ] &&
    [ "$(xs_node $be/$d2/0/opts-1)" = "msitranslate=0,power_mgmt=0,permissive=1,rdm_policy=relaxed" ] &&
    ! xenstore-ls "$be/$d1" > /dev/null 2>&1
result reboot_writes_libxl_nodes $? "$(xenstore-ls -f $be 2>&1 | head -30)"
grep -q "client gone" "$tmp/server2.log" && grep -q "client gone" "$tmp/server4.log"
result servers_saw_old_vmm_go $? "$(cat "$tmp/server2.log" "$tmp/server4.log")"
glog=$tmp/log/xl-ptrb.log      # the guest's output (debug port) is there
await "$glog" "PCIBACK-LU-READY 1"
result guest_drives_both_after_reboot $? "$(grep -E "FAIL|PCIBACK" "$glog" | head -10)"
! grep -q "^FAIL" "$glog"
result guest_cases_pass_so_far $? "$(grep "^FAIL" "$glog" | head -5)"
"$xl" destroy ptrb > /dev/null 2>&1
