#!/bin/bash
# Live update of domains with disks and networks, then a save
# (docs/live-update.md, "Backends"): blkfront64.elf with a disk and
# netfront64.elf with a vif, both in `saverestore' mode (disk pages
# written and read back, frames echoed by tests/netback/nb_peer, round
# after round), are live-updated; their backends' quiesce lines cross the
# exec, so I/O goes on and a later `xl save' quiesces the backends instead
# of failing on their grants (EBUSY); the restored guests end with PASS.
# Runs in a network namespace of its own (root, /dev/net/tun, iproute2).
# LUD_ONLY=blk or vif runs one half (by hand).
set -u
. "$SRCDIR/tests/cli/common.inc"
need_kvm live_update_devices

in_netns live_update_devices xklud "$0"

# ---- inside the namespace ----
export XENKVM_BLKBACK=$BUILDDIR/blkback/xenkvm-blkback
vif_fixture ludev
vmm_pid() { awk '{ print $2 }' "$XENKVM_RUNDIR/dom$("$xl" domid "$1").pid" 2>/dev/null; }

ip link set lo up
sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
ip link add xkbr0 mtu 9000 type bridge && ip link set xkbr0 up
"$BUILDDIR/tests/netback/nb_peer" xkbr0 600 > "$tmp/peer.log" 2>&1 &
peer_pid=$!
wait_for 5 grep -q listening "$tmp/peer.log"

truncate -s 8M "$tmp/a.img"
xl_cfg ldb "$guests/blkfront64.elf" 'cmdline = "saverestore"' 'on_poweroff = "destroy"' \
    "disk = [ '$tmp/a.img,raw,xvda,rw' ]"
xl_cfg ldn "$guests/netfront64.elf" 'cmdline = "saverestore"' 'on_poweroff = "destroy"' \
    'vif = [ "bridge=xkbr0,mac=00:16:3e:00:00:31", "bridge=xkbr0,mac=00:16:3e:00:00:32" ]'

# run KIND NAME READY ROUND PASSWORD: one domain through update and save.
run() {
    local kind=$1 n=$2 ready=$3 round=$4 done=$5 pid d out
    "$xl" create "$tmp/$n.cfg" >/dev/null 2>&1
    wait_for 60 in_log "$n" "$ready"; check "${kind}_guest_ready" $? "$(log "$n" | tail -3)"
    pid=$(vmm_pid "$n")
    out=$("$xl" live-update "$n" 2>&1)
    check "${kind}_live_update" $? "$out"
    [ "$(vmm_pid "$n")" = "$pid" ]; check "${kind}_live_update_same_vmm" $? "$(vmm_pid "$n") vs $pid"
    : > "$tmp/log/xl-$n.log"
    wait_for 60 in_log "$n" "$round"; check "${kind}_io_after_live_update" $? "$(log "$n" | tail -3)"
    # The backends' lines came across: the save quiesces them (before,
    # the grant table part refused the save with EBUSY).
    out=$("$xl" save "$n" "$tmp/$n.img" 2>&1)
    check "${kind}_save_after_live_update" $? "$out"
    wait_for 10 gone "$n"
    : > "$tmp/log/xl-$n.log"
    out=$("$xl" restore "$tmp/$n.img" 2>&1)
    check "${kind}_restore_after_live_update" $? "$out"
    wait_for 60 in_log "$n" "$round"; check "${kind}_io_after_restore" $? "$(log "$n" | tail -3)"
    d=$("$xl" domid "$n" 2>/dev/null)
    xenstore-write "/local/domain/$d/data/finish" done
    if wait_for 90 in_log "$n" "$done"; then pass "${kind}_guest_checks_pass"
    else fail "${kind}_guest_checks_pass" "$(log "$n" | grep -E 'front-sr' | tail -5)"; fi
    wait_for 20 gone "$n" || "$xl" destroy "$n" >/dev/null 2>&1
}

[ "${LUD_ONLY:-}" = vif ] || run blk ldb "blkfront-sr: ready" "blkfront-sr: round" "rounds, PASS"
[ "${LUD_ONLY:-}" = blk ] || run vif ldn "netfront-sr: ready" "netfront-sr: round" "echoed, PASS"
