#!/bin/bash
# A second vCPU asleep across a move (docs/migration.md): saverestore64 with
# "ap" and two vCPUs keeps vCPU 1 asleep with its singleshot timer armed
# 20 ms ahead, alternately in SCHEDOP_block and in hlt, woken by its own
# VIRQ_TIMER through its own upcall vector, its events FIFO in guest RAM
# (as Linux's idle CPUs).  After xl save + xl restore a second later (the
# deadline long past), xl save -c and xl migrate, the guest's vCPU 1 must
# be woken by its timer again (the guest waits for three more wake-ups at
# its end and says PASS).
set -u
. "$SRCDIR/tests/cli/common.inc"
need_kvm xl_move_blocked_vcpu
guest=$BUILDDIR/tests/guest/saverestore64.elf
xl_private mvb
trap xl_teardown EXIT

conslog() { cat "$tmp/log/console/guest-$1.log" 2>/dev/null; }
in_console() { conslog "$1" | grep -qF -- "$2"; }
gone() { ! listed "$1"; }

# start: a fresh guest with vCPU 1 asleep on its timer.
start() {
    rm -f "$tmp/log/console/guest-ap.log"
    "$xl" create "$tmp/ap.cfg" >/dev/null 2>&1
    wait_for 30 in_console ap "saverestore: ready"
}
# finish CONSOLE TAG: the guest ends; PASS TAG when vCPU 1 woke again and
# every check passed.
finish() {
    local id
    id=$("$xl" domid ap 2>/dev/null)
    xenstore-write "/local/domain/$id/data/finish" done
    if wait_for 40 in_console "$1" "rounds, PASS" && in_console "$1" "vCPU 1 woke"; then
        pass "$2"
    else
        fail "$2" "$(conslog "$1")"
    fi
    wait_for 20 gone ap
}

xl_cfg ap "$guest" 'vcpus = 2' 'cmdline = "ap"' 'on_poweroff = "destroy"'

start && pass guest_ready || fail guest_ready "$(conslog ap)"
out=$("$xl" save ap "$tmp/ap.img" 2>&1)
[ $? = 0 ] && pass save || fail save "$out"
sleep 1     # the armed deadline passes while the guest is saved
out=$("$xl" restore "$tmp/ap.img" 2>&1)
[ $? = 0 ] && pass restore || fail restore "$out"
finish ap restored_vcpu1_wakes

start
out=$("$xl" save -c ap "$tmp/cp.img" 2>&1)
[ $? = 0 ] && pass save_checkpoint || fail save_checkpoint "$out"
finish ap checkpointed_vcpu1_wakes

# Twelve migrations in a row: a timer expiring in the last round (a few
# ms of 20) lost vCPU 1 in about one migration of thirty before the event
# thread was held through it.
start
for i in $(seq 12); do
    out=$("$xl" migrate -s '' ap "$xl migrate-receive" 2>&1)
    [ $? = 0 ] && grep -qx "Migration successful." <<<"$out" || break
done
[ "$i" = 12 ] && grep -qx "Migration successful." <<<"$out" && pass migrate \
    || fail migrate "migration $i: $out"
# The new domain was built as ap--incoming: its console log has that name.
finish ap--incoming migrated_vcpu1_wakes
