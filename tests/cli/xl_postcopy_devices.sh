#!/bin/bash
# Postcopy migration of domains with disks and networks (docs/migration.md,
# "Postcopy with disks and networks"): the backends at the target ask the
# VMM for every granted page that has not arrived before they touch it.
#  Disk: blkfront64.elf in `saverestore' mode (a page written and two read
#   back every round, plus a page it filled once and never touches again,
#   written every round: the backend touches it first after the switch) is
#   migrated with --postcopy (no precopy round) to localhost, the disk file
#   shared, the postcopy stream held back by tests/cli/pc_relay.py until
#   the target's VMM says a backend waits for a page (the ring it attaches
#   to, or a request's data; POSTCOPY's query through vmmctl_tool): fetched on demand for it (the target's count
#   of pages asked for by device backends); I/O goes on; the guest ends
#   with PASS and the image holds what it says it wrote (checked from the
#   host by tests/cli/disk_pattern.py from the seeds the guest prints).
#  Network: netfront64.elf in `saverestore' mode exchanging frames with
#   tests/netback/nb_peer on a bridge: migrated the same way; frames flow
#   after, the guest checks every echo, the peer saw no bad frame.
#  Both again with the connection cut (tests/cli/pc_relay.py killed) while
#   a backend waits for a page, and resumed (--postcopy-resume).
# Runs in a network namespace of its own (root, /dev/net/tun, iproute2).
set -u
. "$SRCDIR/tests/cli/common.inc"
need_kvm xl_postcopy_devices

in_netns xl_postcopy_devices xkpcd "$0"

# ---- inside the namespace ----
export XENKVM_BLKBACK=$BUILDDIR/blkback/xenkvm-blkback
vif_fixture pcdev
relay="python3 $SRCDIR/tests/cli/pc_relay.py"

ip link set lo up
sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
ip link add xkbr0 mtu 9000 type bridge && ip link set xkbr0 up
"$BUILDDIR/tests/netback/nb_peer" xkbr0 900 > "$tmp/peer.log" 2>&1 &
peer_pid=$!
wait_for 5 grep -q listening "$tmp/peer.log"

truncate -s 8M "$tmp/a.img"
xl_cfg pcb "$guests/blkfront64.elf" 'cmdline = "saverestore"' 'on_poweroff = "destroy"' \
    "disk = [ '$tmp/a.img,raw,xvda,rw' ]"
xl_cfg pcn "$guests/netfront64.elf" 'cmdline = "saverestore"' 'on_poweroff = "destroy"' \
    'vif = [ "bridge=xkbr0,mac=00:16:3e:00:00:41", "bridge=xkbr0,mac=00:16:3e:00:00:42" ]'

# The target's count line: N pages, D on demand, B background, Z zero, K backends.
backend_count() {
    sed -nE 's/^migration target: postcopy: [0-9]+ pages, [0-9]+ fetched on demand, [0-9]+ in the background, [0-9]+ zero-filled, ([0-9]+) asked for by device backends$/\1/p' <<<"$1" | tail -1
}

# backend_waits NAME: NAME's VMM (the target) says a backend asked for a
# page that has not arrived (POSTCOPY's query, tests/vmmctl/vmmctl_tool).
backend_waits() {
    "$BUILDDIR/tests/vmmctl/vmmctl_tool" pc-status "$XENKVM_RUNDIR" "$("$xl" domid "$1")" |
        grep -qE "backends [1-9]"
}

# migrate TAG NAME [cut]: xl migrate --postcopy of NAME (its log emptied
# first); with cut, through a relay that stops in the postcopy stream and
# is killed, then resumed.  Sets $out to everything both xl said.
migrate() {
    local tag=$1 n=$2 st
    : > "$tmp/log/xl-$n--incoming.log"
    if [ "${3:-}" != cut ]; then
        # The postcopy stream held back from its first byte until the
        # target's VMM says a backend waits for a page: that page cannot
        # have arrived any other way, so it is fetched on demand.
        rm -f "$tmp/stall"
        "$xl" migrate --postcopy -s '' "$n" "$relay 0 $tmp/stall $xl migrate-receive" \
            > "$tmp/mig.out" 2>&1 &
        local migpid=$!
        wait_for 60 test -s "$tmp/stall"; check "${tag}_stream_held" $? "$(cat "$tmp/mig.out")"
        wait_for 60 backend_waits "$n"
        check "${tag}_backend_waits_for_a_missing_page" $? \
            "$("$BUILDDIR/tests/vmmctl/vmmctl_tool" pc-status "$XENKVM_RUNDIR" "$("$xl" domid "$n" 2>/dev/null)" 2>&1)"
        kill -USR1 "$(cat "$tmp/stall")"
        wait $migpid
        st=$?
        out=$(cat "$tmp/mig.out")
    else
        rm -f "$tmp/stall"
        # Cut while a backend waits for a page: it waits across the
        # break and gets its page after the resume.
        "$xl" migrate --postcopy -s '' "$n" "$relay 0 $tmp/stall $xl migrate-receive" \
            > "$tmp/mig.out" 2>&1 &
        local migpid=$!
        wait_for 60 test -s "$tmp/stall"; check "${tag}_relay_stalled" $? "$(cat "$tmp/mig.out")"
        wait_for 60 backend_waits "$n"
        check "${tag}_backend_waits_before_the_cut" $? "$(cat "$tmp/mig.out")"
        kill -9 "$(cat "$tmp/stall")"
        wait $migpid
        wait_for 30 grep -q "^migration target: postcopy paused" "$tmp/mig.out"
        check "${tag}_cut_pauses_target" $? "$(cat "$tmp/mig.out")"
        out=$("$xl" migrate --postcopy-resume -s '' "$n--migratedaway" \
              "$xl migrate-receive --postcopy-resume $n" 2>&1)
        st=$?
        out="$(cat "$tmp/mig.out")
$out"
    fi
    echo "$out" | grep -E "postcopy:|paused" >&2
    [ $st = 0 ] && grep -qx "Migration successful." <<<"$out" && gone "$n--migratedaway" \
        && listed "$n"
    check "${tag}_migrate" $? "status $st: $out"
}

# finish TAG NAME ROUND DONE: I/O after the migration, then the guest ends.
finish() {
    local d
    wait_for 60 in_log "$2--incoming" "$3"; check "${1}_io_after" $? "$(log "$2--incoming" | tail -3)"
    d=$("$xl" domid "$2" 2>/dev/null)
    xenstore-write "/local/domain/$d/data/finish" done
    wait_for 90 in_log "$2--incoming" "$4"
    check "${1}_guest_checks_pass" $? "$(log "$2--incoming" | grep -E 'front-sr' | tail -5)"
    wait_for 20 gone "$2" || "$xl" destroy "$2" >/dev/null 2>&1
}

# run_blk TAG [cut]
run_blk() {
    local k seeds
    { : > "$tmp/log/xl-pcb.log"; } 2>/dev/null
    "$xl" create "$tmp/pcb.cfg" >/dev/null 2>&1
    wait_for 60 in_log pcb "blkfront-sr: ready"; check "${1}_guest_ready" $? "$(log pcb | tail -3)"
    migrate "$1" pcb "${2:-}"
    k=$(backend_count "$out")
    [ -n "$k" ] && [ "$k" -gt 0 ]; check "${1}_backend_fetched_on_demand" $? "count '$k': $out"
    finish "$1" pcb "blkfront-sr: round" "rounds, PASS"
    seeds=$(log pcb--incoming | sed -n 's/.*blkfront-sr: seeds //p' | tail -1)
    r=$(python3 "$SRCDIR/tests/cli/disk_pattern.py" "$tmp/a.img" $seeds 2>&1)
    check "${1}_disk_image_matches" $? "$r"
}

# run_vif TAG [cut]
run_vif() {
    local k before
    { : > "$tmp/log/xl-pcn.log"; } 2>/dev/null
    "$xl" create "$tmp/pcn.cfg" >/dev/null 2>&1
    wait_for 60 in_log pcn "netfront-sr: ready"; check "${1}_guest_ready" $? "$(log pcn | tail -3)"
    migrate "$1" pcn "${2:-}"
    k=$(backend_count "$out")
    [ -n "$k" ] && [ "$k" -gt 0 ]; check "${1}_backend_fetched_on_demand" $? "count '$k': $out"
    before=$(grep -c "^PEER:" "$tmp/peer.log")
    finish "$1" pcn "netfront-sr: round" "echoed, PASS"
    # The peer checked every frame the guest sent through the target's
    # netback (payload pattern), and echoed more after the migration.
    ! grep -q "PEER-BAD" "$tmp/peer.log" && [ "$(grep -c "^PEER:" "$tmp/peer.log")" -gt "$before" ]
    check "${1}_peer_frames_good" $? "$(grep -E 'PEER-BAD' "$tmp/peer.log" | head -3) $before"
}

case "${PCD_ONLY:-all}" in
blk) run_blk pc_blk ;;
vif) run_vif pc_vif ;;
*)
    run_blk pc_blk
    run_vif pc_vif
    run_blk pc_blk_resumed cut
    run_vif pc_vif_resumed cut
    ;;
esac
