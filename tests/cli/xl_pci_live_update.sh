#!/bin/bash
# xl live-update with PCI functions attached (docs/live-update.md,
# docs/pciback.md): tests/guest/pciback64.elf with "liveupdate" drives
# 00:02.0 (pci= at create) and 00:04.0 (xl pci-attach), two vfio-user test
# devices: DMA, MSI-X and INTx, then the VMM is live-updated by a wrapper
# that has both device servers raise an interrupt (SIGUSR1) before it
# execs the real binary, while no KVM VM exists; the guest must take both
# after the update, find its config space, MSI-X table and BAR2 contents
# as they were, and run DMA and interrupts again.  Then an update to a
# binary that refuses the new pci part fails before anything stops, and
# the guest goes on with the old VMM (updated twice by then).
set -u
. "$SRCDIR/tests/cli/common.inc"
need_kvm xl_pci_live_update
guest=$guests/pciback64.elf
xl_private pcilu
trap 'kill $(jobs -p) 2>/dev/null; xl_teardown' EXIT

vmm_pid() { awk '{ print $2 }' "$XENKVM_RUNDIR/dom$("$xl" domid "$1").pid" 2>/dev/null; }

serve 2
serve 4
cat > "$tmp/pt.cfg" <<CFG
name = "ptlu"
type = "hvm"
firmware_override = "$guest"
memory = 32
cmdline = "liveupdate"
pci = [ "vfio-user=$tmp/dev2.sock" ]
CFG
out=$("$xl" create -p "$tmp/pt.cfg" 2>&1); st=$?
result create_with_pci "$st" "status $st: $out"
out=$("$xl" pci-attach ptlu "vfio-user=$tmp/dev4.sock,bdf=0000:05:00.0@4" 2>&1); st=$?
result pci_attach_before_start "$st" "status $st: $out"
"$xl" unpause ptlu
glog=$tmp/log/xl-ptlu.log      # the guest's output (debug port) is there
pid=$(vmm_pid ptlu)

# --- the update, interrupts raised while no VM exists ----------------------
cat > "$tmp/lu-vmm" <<SH
#!/bin/bash
# The new VMM: the probe as the real binary answers it; the update itself
# first has both devices raise an interrupt and waits until they did.
[ "\$1" = --check-live-update-version ] && exec "$vmm" "\$@"
kill -USR1 $srv2 $srv4
for _ in \$(seq 2400); do
    grep -q raised "$tmp/server2.log" && grep -q raised "$tmp/server4.log" && break
    sleep 0.05
done
exec "$vmm" "\$@"
SH
chmod +x "$tmp/lu-vmm"
await "$glog" "PCIBACK-LU-READY 1"
result guest_ready_for_update $? "$(tail -5 "$glog" 2>&1)"
out=$("$xl" live-update --binary "$tmp/lu-vmm" ptlu 2>&1); st=$?
result live_update_with_pci "$st" "status $st: $out"
grep -q raised "$tmp/server2.log" && grep -q raised "$tmp/server4.log"
result interrupts_raised_during_update $? "$(cat "$tmp/server2.log" "$tmp/server4.log")"
[ "$(vmm_pid ptlu)" = "$pid" ] && tr '\0' ' ' < "/proc/$pid/cmdline" | grep -q -- "--live-update-fd"
result same_vmm_new_image $? "pid $(vmm_pid ptlu) (was $pid)"
await "$glog" "PCIBACK-LU-READY 2"
result guest_took_interrupts_after_update $? "$(tail -5 "$glog" 2>&1)"
out=$("$xl" pci-list ptlu 2>&1)
[ "$out" = $'Vdev Device\n02.0 ffff:00:02.0\n04.0 0000:05:00.0' ]
result pci_list_after_update $? "$out"
kill -0 "$srv2" 2>/dev/null && kill -0 "$srv4" 2>/dev/null
result servers_kept_their_client $? "a device server exited"

# A second update, by the plain binary, of the VMM that took the functions
# over: what it adopted is handed over again (the guest checks after the
# refused update below that everything still works).
out=$("$xl" live-update --binary "$vmm" ptlu 2>&1); st=$?
[ $st = 0 ] && [ "$(vmm_pid ptlu)" = "$pid" ]
result second_live_update_with_pci $? "status $st: $out"

# --- a binary that cannot read the pci part: nothing stops -----------------
cat > "$tmp/old-vmm" <<SH
#!/bin/bash
# A VMM that reads the pci part only in a version the running one never wrote.
if [ "\$1" = --check-live-update-version ]; then
    exec "$vmm" --check-live-update-version "\$(sed 's/ 11=[0-9]*/ 11=9/' <<<"\$2")"
fi
exec "$vmm" "\$@"
SH
chmod +x "$tmp/old-vmm"
out=$("$xl" live-update --binary "$tmp/old-vmm" ptlu 2>&1); st=$?
[ $st != 0 ] && grep -q "part pci version 9" <<<"$out"
result refused_update_fails "$?" "status $st: $out"
: > "$tmp/server2.log"
: > "$tmp/server4.log"
kill -USR1 "$srv2" "$srv4"
await "$glog" "PCIBACK-LU-DONE"
result guest_runs_on_after_refusal $? "$(tail -5 "$glog" 2>&1)"
await "$glog" "RESULT:"
grep -q "RESULT: [1-9][0-9]* passed, 0 failed" "$glog"
result guest_cases_pass $? "$(grep -E "FAIL|RESULT" "$glog" | head -10)"
"$xl" destroy ptlu > /dev/null 2>&1
wait "$srv2" && wait "$srv4"
result servers_exit_with_domain $? "a server did not end with the domain"
