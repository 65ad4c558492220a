#!/bin/bash
# xl live-update (xenkvm's own, docs/live-update.md): the VMM of a running
# guest is replaced by exec with the guest kept.  saverestore64.elf dirties
# memory all the time and checks its memory, clock, event channels, timer,
# grant entry and xenstore; it must finish with PASS after updates.  The
# VMM's pid stays, xl list is unchanged, the console keeps serving; a
# binary that refuses the state version leaves the old VMM running; -a
# updates every domain.
set -u
. "$SRCDIR/tests/cli/common.inc"
need_kvm live_update
guest=$BUILDDIR/tests/guest/saverestore64.elf
vmm=$BUILDDIR/hvm/xenkvm
xl_private lu
trap xl_teardown EXIT

conslog() { cat "$tmp/log/console/guest-$1.log" 2>/dev/null; }
in_console() { conslog "$1" | grep -qF -- "$2"; }
gone() { ! listed "$1"; }
# The VMM's pid as xl records it (<rundir>/dom<N>.pid: monitor, VMM).
vmm_pid() { awk '{ print $2 }' "$XENKVM_RUNDIR/dom$("$xl" domid "$1").pid" 2>/dev/null; }
# PID holds the domain's lock file open (what xl's lock checks look for).
holds_lock() { ls -l "/proc/$1/fd" 2>/dev/null | grep -q "dom$2.lock\$"; }
# Name, id, memory, vCPUs and the state's p/s/c/d flags (r and b, running
# or blocked at that instant, come and go with the load).
list_line() { "$xl" list "$1" | awk 'NR == 2 { print $1, $2, $3, $4, substr($5, 3) }'; }
# The guest runs: its vCPU time grows (the guest never idles).
cpu_of() { "$xl" vcpu-list "$1" | awk 'NR == 2 { print $6 }'; }
cpu_grows() { local a b; a=$(cpu_of "$1"); sleep 1; b=$(cpu_of "$1"); awk -v a="$a" -v b="$b" 'BEGIN { exit !(b > a) }'; }
finish() { # NAME TAG
    local id
    id=$("$xl" domid "$1" 2>/dev/null)
    xenstore-write "/local/domain/$id/data/finish" done
    if wait_for 30 in_console "$1" "rounds, PASS"; then pass "$2"; else fail "$2" "$(conslog "$1")"; fi
    wait_for 20 gone "$1"
}

# The probe on its own: this build reads its own state, not a newer part.
desc=$("$vmm" --check-live-update-version "lu=1 ss=1 1=1 2=1 3=1 4=1 5=1 6=1 7=1 8=1 9=1")
[ $? = 0 ] && pass probe_accepts_own_state || fail probe_accepts_own_state "$desc"
out=$("$vmm" --check-live-update-version "lu=1 ss=1 1=1 2=1 3=1 4=1 5=1 6=1 7=1 8=7 9=1")
[ $? != 0 ] && grep -q "part vcpus version 7" <<<"$out" && pass probe_refuses_newer_part \
    || fail probe_refuses_newer_part "$out"
# Handover version 2 carries the live-update parts (irqchip 10, pci 11):
# read when there, needed when the version says so, refused when newer.
desc=$("$vmm" --check-live-update-version "lu=2 ss=1 1=1 2=1 3=1 4=1 5=1 6=1 7=1 8=1 9=1 10=1 11=1")
[ $? = 0 ] && pass probe_accepts_pci_part || fail probe_accepts_pci_part "$desc"
out=$("$vmm" --check-live-update-version "lu=2 ss=1 1=1 2=1 3=1 4=1 5=1 6=1 7=1 8=1 9=1 10=1")
[ $? != 0 ] && grep -q "does not write part pci" <<<"$out" && pass probe_refuses_missing_pci_part \
    || fail probe_refuses_missing_pci_part "$out"
out=$("$vmm" --check-live-update-version "lu=2 ss=1 1=1 2=1 3=1 4=1 5=1 6=1 7=1 8=1 9=1 10=1 11=3")
[ $? != 0 ] && grep -q "part pci version 3" <<<"$out" && pass probe_refuses_newer_pci_part \
    || fail probe_refuses_newer_pci_part "$out"
out=$("$vmm" --check-live-update-version "lu=4 ss=1 1=1 2=1 3=1 4=1 5=1 6=1 7=1 8=1 9=1 10=1 11=1")
[ $? != 0 ] && grep -q "handover version 4" <<<"$out" && pass probe_refuses_newer_handover \
    || fail probe_refuses_newer_handover "$out"
out=$("$vmm" --check-live-update-version "lu=1 ss=1 1=1 2=1 3=1")
[ $? != 0 ] && grep -q "does not write part" <<<"$out" && pass probe_refuses_missing_part \
    || fail probe_refuses_missing_part "$out"

xl_cfg lu1 "$guest" 'on_poweroff = "destroy"'
xl_cfg lu2 "$guest" 'on_poweroff = "destroy"'
"$xl" create "$tmp/lu1.cfg" >/dev/null 2>&1
"$xl" create "$tmp/lu2.cfg" >/dev/null 2>&1
wait_for 30 in_console lu1 "saverestore: ready" && pass guest_ready || fail guest_ready "$(conslog lu1)"
wait_for 30 in_console lu2 "saverestore: ready"

id1=$("$xl" domid lu1)
pid1=$(vmm_pid lu1)

# A console client connected before the updates reads on after them.
python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1])
open(sys.argv[2] + ".up", "w").close()
s.settimeout(120)
got = b""
while b"rounds, PASS" not in got:
    d = s.recv(4096)
    if not d:
        break
    got += d
open(sys.argv[2], "wb").write(got)
' "$XENKVM_RUNDIR/dom$id1.console" "$tmp/client.out" 2>"$tmp/client.err" &
client=$!
wait_for 10 test -e "$tmp/client.out.up"
line1=$(list_line lu1)

# --- one domain ---------------------------------------------------------------
out=$("$xl" live-update --binary "$vmm" lu1 2>&1)
st=$?
[ $st = 0 ] && grep -q "live update to .* done, guest paused" <<<"$out" \
    && pass live_update || fail live_update "status $st: $out"
pid1b=$(vmm_pid lu1)
[ -n "$pid1" ] && [ "$pid1" = "$pid1b" ] && kill -0 "$pid1" && pass same_pid || fail same_pid "$pid1 -> $pid1b"
holds_lock "$pid1" "$id1" && pass vmm_holds_domain_lock || fail vmm_holds_domain_lock "$(ls -l /proc/$pid1/fd)"
tr '\0' ' ' < "/proc/$pid1b/cmdline" | grep -q -- "--live-update-fd" && pass runs_new_image \
    || fail runs_new_image "$(tr '\0' ' ' < /proc/$pid1b/cmdline)"
[ "$(list_line lu1)" = "$line1" ] && pass xl_list_unchanged || fail xl_list_unchanged "$line1 / $(list_line lu1)"
cpu_grows lu1 && pass guest_runs_after || fail guest_runs_after "$("$xl" vcpu-list lu1)"

# --- a binary that refuses the state: the old VMM runs on --------------------
cat > "$tmp/newer-vmm" <<SH
#!/bin/bash
# A VMM that reads vCPU state only in a version the running one never wrote.
if [ "\$1" = --check-live-update-version ]; then
    exec "$vmm" --check-live-update-version "\$(sed 's/ 8=1/ 8=99/' <<<"\$2")"
fi
exec "$vmm" "\$@"
SH
chmod +x "$tmp/newer-vmm"
# The probe runs the new binary with the old state's description; the
# script above changes what it is asked, as a binary reading other vCPU
# versions would answer.
out=$("$xl" live-update --binary "$tmp/newer-vmm" lu1 2>&1)
st=$?
[ $st != 0 ] && grep -q "version 99" <<<"$out" && pass refused_update_fails \
    || fail refused_update_fails "status $st: $out"
[ "$(vmm_pid lu1)" = "$pid1" ] && listed lu1 && tr '\0' ' ' < "/proc/$pid1/cmdline" | grep -q -- "--live-update-fd" \
    && pass refused_old_vmm_runs || fail refused_old_vmm_runs "$("$xl" list)"
cpu_grows lu1 && pass refused_guest_runs || fail refused_guest_runs "$("$xl" vcpu-list lu1)"

# --- all domains, twice (the updated VMM updates again) -----------------------
out=$("$xl" live-update -a --binary "$vmm" 2>&1)
st=$?
[ $st = 0 ] && [ "$(grep -c "done, guest paused" <<<"$out")" = 2 ] && pass update_all \
    || fail update_all "status $st: $out"
out=$("$xl" live-update -a 2>&1)
[ $? = 0 ] && pass update_all_again || fail update_all_again "$out"
# Each update starts the binary with one handover option, whatever came
# before (descriptor numbers are reused from one update to the next).
for i in 1 2 3 4 5; do "$xl" live-update lu1 >/dev/null 2>&1 || break; done
[ "$(tr '\0' '\n' < "/proc/$pid1/cmdline" | grep -c -- "--live-update-fd")" = 1 ] && listed lu1 \
    && pass repeated_updates_one_handover || fail repeated_updates_one_handover "$(tr '\0' ' ' < /proc/$pid1/cmdline)"

# A domain paused by xl stays paused across an update, and runs after
# xl unpause.
"$xl" pause lu2
out=$("$xl" live-update lu2 2>&1)
st=$?
state=$("$xl" list lu2 | awk 'NR == 2 { print $5 }')
[ $st = 0 ] && [[ "$state" == *p* ]] && pass paused_stays_paused || fail paused_stays_paused "status $st, state '$state': $out"
"$xl" unpause lu2
cpu_grows lu2 && pass unpaused_after_update || fail unpaused_after_update "$("$xl" list lu2)"

# The guests check everything they kept (memory, clock, channels, timer,
# grants, xenstore) and end.
finish lu1 guest_checks_after_updates
wait $client
grep -q "rounds, PASS" "$tmp/client.out" && pass console_client_kept \
    || fail console_client_kept "$(cat "$tmp/client.out" "$tmp/client.err" 2>&1 | tail -3)"
finish lu2 second_guest_checks_after_updates

# --- a timer that expires during the pause still interrupts the guest -------
# saverestore64 "upcall" takes its timer by the per-vCPU upcall vector with
# interrupts on, as Linux does, armed 20 ms ahead: an update most likely
# finds it armed, and it expires meanwhile.  The new VMM raises it while it
# restores the timers, before the vCPUs' APICs are set as saved; unless it
# is offered again after (irq_restored) the guest waits for it in vain
# (Debian's kernel hung so on the nested host, docs/nested-host.md).
xl_cfg lu3 "$guest" 'cmdline = "upcall"' 'on_poweroff = "destroy"'
"$xl" create "$tmp/lu3.cfg" >/dev/null 2>&1
wait_for 30 in_console lu3 "saverestore: ready" && pass upcall_guest_ready \
    || fail upcall_guest_ready "$(conslog lu3)"
n=0
for i in 1 2 3 4 5 6; do "$xl" live-update lu3 >/dev/null 2>&1 && n=$((n + 1)); done
[ $n = 6 ] && pass upcall_guest_updated || fail upcall_guest_updated "$n of 6 updates"
finish lu3 upcall_timer_after_updates

# --- a vbd disk served by xenkvm-blkback keeps serving ------------------------
# blkfront64.elf with `hotplug' runs its disk cases, then waits (a xenstore
# watch) for a disk block-attach adds.  The VMM is updated while it waits:
# the backend's channels and the guest's watch must survive, the new disk
# connect, be written and read back, and go again with block-detach.
blkback=$BUILDDIR/blkback/xenkvm-blkback
if [ ! -x "$blkback" ]; then
    echo "SKIP: vbd_kept: $blkback is not built"
    exit 0
fi
export XENKVM_BLKBACK=$blkback
blog() { cat "$tmp/log/xl-$1.log" 2>/dev/null; }
truncate -s 8M "$tmp/a.img"
head -c 1M /dev/urandom > "$tmp/b.img"
truncate -s 1M "$tmp/e.img"
xl_cfg disk "$BUILDDIR/tests/guest/blkfront64.elf" 'cmdline = "hotplug"' \
    "disk = [ '$tmp/a.img,raw,xvda,rw', '$tmp/b.img,raw,xvdb,r' ]"
"$xl" create "$tmp/disk.cfg" >/dev/null 2>&1
dd=$("$xl" domid disk 2>/dev/null)
if ! wait_for 300 grep -q "ready for block-attach" "$tmp/log/xl-disk.log"; then
    fail vbd_guest_ready "$(blog disk | tail -3)"
    exit 0
fi
bpid=$(cat "$XENKVM_RUNDIR/dom$dd.vbd.pid" 2>/dev/null)
out=$("$xl" live-update disk 2>&1)
[ $? = 0 ] && pass vbd_live_update || fail vbd_live_update "$out"
{ [ -n "$bpid" ] && kill -0 "$bpid"; } && pass vbd_backend_alive || fail vbd_backend_alive "pid '$bpid'"
out=$("$xl" block-attach disk "$tmp/e.img,raw,xvdc,w" 2>&1)
[ $? = 0 ] || fail vbd_block_attach "$out"
wait_for 120 grep -q "hotplug disk 51744 connected" "$tmp/log/xl-disk.log" \
    && pass vbd_hotplug_after_update || fail vbd_hotplug_after_update "$(blog disk | tail -3)"
"$xl" block-detach disk xvdc >/dev/null 2>&1
wait_for 60 grep -q "hotplug disk detached" "$tmp/log/xl-disk.log"
xenstore-write "/local/domain/$dd/data/release" 1
wait_for 120 grep -q "^RESULT" "$tmp/log/xl-disk.log"
grep -q "^RESULT: [0-9]* passed, 0 failed" "$tmp/log/xl-disk.log" && pass vbd_guest_result \
    || fail vbd_guest_result "$(blog disk | grep -E '^(FAIL|RESULT)' | head -5)"
want=$(for o in 0 1 2 3; do printf '%02x' $(( (16 * 131 + o * 7 + 14 * 29) & 255 )); done)
got=$(dd if="$tmp/e.img" bs=1 skip=$((16 * 512)) count=4 2>/dev/null | od -An -tx1 | tr -d ' \n')
[ "$got" = "$want" ] && pass vbd_data_written_after_update || fail vbd_data_written_after_update "got $got want $want"
