#!/bin/bash
# Ballooning with passed-through functions (docs/pciback.md, "Ballooning"):
# xl create refuses memory < maxmem with pci= as libxl does (PoD); xl
# mem-set balloons a domain whose functions are vfio-user servers and
# refuses to go below static-max while one is the host's (kernel VFIO,
# named in libxl's nodes without a server: this host has no VFIO, so the
# node is taken away to make one); tests/guest/pciback64.elf with
# "balloonattach" gives a frame back, has 00:04.0 hot-attached (xl
# pci-attach) while it is out, and checks that neither function reaches
# it until it is populated again (pt_balloon, pt_balloon_hot_attach).
set -u
. "$SRCDIR/tests/cli/common.inc"
need_kvm xl_pci_balloon
guest=$guests/pciback64.elf
xl_private pcibal
trap 'kill $(jobs -p) 2>/dev/null; xl_teardown' EXIT
be=/local/domain/0/backend/pci

serve 2
serve 4
# --- PoD with pci=: refused before anything starts -------------------------
cat > "$tmp/pod.cfg" <<CFG
name = "pod"
type = "hvm"
firmware_override = "$guest"
memory = 32
maxmem = 64
pci = [ "vfio-user=$tmp/dev2.sock" ]
CFG
out=$("$xl" create "$tmp/pod.cfg" 2>&1); st=$?
[ $st = 1 ] && grep -qx "libxl: error: IOMMU not supported together with PoD" <<<"$out" &&
    ! "$xl" domid pod > /dev/null 2>&1
result pod_with_pci_refused "$?" "status $st: $out"

cat > "$tmp/bal.cfg" <<CFG
name = "bal"
type = "hvm"
firmware_override = "$guest"
memory = 32
cmdline = "balloonattach"
pci = [ "vfio-user=$tmp/dev2.sock" ]
CFG
out=$("$xl" create -p "$tmp/bal.cfg" 2>&1); st=$?
result create_with_pci "$st" "status $st: $out"
domid=$("$xl" domid bal 2>/dev/null)
glog=$tmp/log/xl-bal.log      # the guest's output (debug port) is there

# --- xl mem-set: vfio-user follows the balloon, kernel VFIO does not ----------
out=$("$xl" mem-set bal 24m 2>&1); st=$?
[ $st = 0 ] && [ -z "$out" ] && [ "$(xs_node /local/domain/$domid/memory/target)" = 24576 ]
result mem_set_with_vfio_user_function "$?" "status $st: $out"
sock=$(xs_node $be/$domid/0/vfio-user-0)
xenstore-rm "$be/$domid/0/vfio-user-0"
out=$("$xl" mem-set bal 16m 2>&1); st=$?
want="libxl: error: Domain $domid:PCI function ffff:00:02.0 is passed through with the kernel's VFIO, whose DMA mapping cannot follow the balloon: the target cannot be below memory_static_max
cannot set domid $domid dynamic max memory to : 16m"
[ $st = 1 ] && [ "$out" = "$want" ] && [ "$(xs_node /local/domain/$domid/memory/target)" = 24576 ]
result mem_set_refused_with_kernel_vfio_function "$?" "status $st: $out"
out=$("$xl" mem-set bal 32m 2>&1); st=$?
[ $st = 0 ] && [ "$(xs_node /local/domain/$domid/memory/target)" = 32768 ]
result mem_set_to_static_max_with_kernel_vfio_function "$?" "status $st: $out"
xenstore-write "$be/$domid/0/vfio-user-0" "$sock"

# --- the guest: a frame out, a function hot-attached, the frame back --------
"$xl" unpause bal
attached=1
if await "$glog" PCIBACK-BALLOONED; then
    out=$("$xl" pci-attach bal "vfio-user=$tmp/dev4.sock,bdf=0000:05:00.0@4" 2>&1); attached=$?
    result pci_attach_while_ballooned "$attached" "status $attached: $out"
fi
await "$glog" "RESULT:"
grep -q "PASS: pt_balloon$" "$glog" && grep -q "PASS: pt_balloon_hot_attach" "$glog"
result guest_balloon_cases_pass "$?" "$(grep -E "FAIL|SKIP|RESULT" "$glog" | head -10)"
grep -q "RESULT: [1-9][0-9]* passed, 0 failed" "$glog"
result guest_cases_pass "$?" "$(grep -E "FAIL|RESULT" "$glog" | head -10)"
"$xl" destroy bal > /dev/null 2>&1
[ $attached = 0 ] || kill "$srv4"
wait "$srv2" && { [ $attached != 0 ] || wait "$srv4"; }
result servers_exit_with_the_domain "$?"
