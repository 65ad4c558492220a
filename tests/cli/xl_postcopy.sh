#!/bin/bash
# xl migrate --postcopy over `-s ''` loopback (docs/migration.md,
# "Postcopy"): the saverestore64 guest, dirtying memory all along, runs at
# the destination at once (or after precopy rounds, --precopy-rounds)
# while the pages it changed follow; the ones it touches first are fetched on demand
# (userfaultfd at the destination).  It finds its memory, clock, channels,
# timer, grant and xenstore watch as they were; also when received paused
# (-p: every page comes in the background) and unpaused later; and after
# a connection cut mid-stream and resumed.  A source killed mid-stream
# loses the guest, said at both ends.  A domain with a vbd is refused.
set -u
. "$SRCDIR/tests/cli/common.inc"
need_kvm xl_postcopy
guest=$BUILDDIR/tests/guest/saverestore64.elf
xl_private pc
trap xl_teardown EXIT

conslog() { cat "$tmp/log/console/guest-$1.log" 2>/dev/null; }
in_console() { conslog "$1" | grep -qF -- "$2"; }
gone() { ! listed "$1"; }
state() { "$xl" list | awk -v n="$1" '$1 == n { print $5 }'; }
running() { [[ $(state "$1") =~ ^[-r][-b]---- ]]; }

xl_cfg sr "$guest" 'on_poweroff = "destroy"'
"$xl" create "$tmp/sr.cfg" >/dev/null 2>&1
wait_for 30 in_console sr "saverestore: ready" || fail guest_ready "$(conslog sr)"
old=$("$xl" domid sr)

out=$("$xl" migrate --postcopy -s '' sr "$xl migrate-receive" 2>&1)
st=$?
[ $st = 0 ] && grep -qx "Migration successful." <<<"$out" && pass postcopy_migrate \
    || fail postcopy_migrate "status $st: $out"
# Pages moved after the guest ran: the receiver counts them, some asked
# for by a fault, the rest in the background; both sides agree on the total.
echo "$out" | grep -E "postcopy:|precopy rounds" >&2
recv=$(grep -E "^migration target: postcopy: [0-9]+ pages, [0-9]+ fetched on demand, [0-9]+ in the background, [0-9]+ zero-filled, 0 asked for by device backends$" <<<"$out")
send=$(grep -E "^migration sender: postcopy: [0-9]+ pages, [0-9]+ asked for, [0-9]+ in the background$" <<<"$out")
if [ -n "$recv" ] && [ -n "$send" ]; then
    read -r rp rd rb < <(sed -E 's/.*: ([0-9]+) pages, ([0-9]+) fetched on demand, ([0-9]+) in the background.*/\1 \2 \3/' <<<"$recv")
    sp=$(sed -E 's/.*: ([0-9]+) pages,.*/\1/' <<<"$send")
    [ "$rp" = "$sp" ] && [ "$rp" -gt 0 ] && [ $((rd + rb)) = "$rp" ] && pass postcopy_counts \
        || fail postcopy_counts "$recv / $send"
    # The guest runs while its pages arrive and touches what it dirtied:
    # at least one page comes on demand.
    [ "$rd" -gt 0 ] && pass postcopy_on_demand || fail postcopy_on_demand "$recv"
    [ "$rb" -gt 0 ] && pass postcopy_background || fail postcopy_background "$recv"
else
    fail postcopy_counts "$out"
    rp=0
fi
nopre=$rp
new=$("$xl" domid sr 2>/dev/null)
[ -n "$new" ] && [ "$new" != "$old" ] && gone sr--incoming && gone sr--migratedaway \
    && running sr && pass postcopy_domain_runs || fail postcopy_domain_runs "$("$xl" list)"
xenstore-write "/local/domain/$new/data/finish" done
wait_for 30 in_console sr--incoming "rounds, PASS" && pass postcopy_guest_checks_pass \
    || fail postcopy_guest_checks_pass "$(conslog sr--incoming)"
wait_for 20 gone sr

# Precopy rounds first (--precopy-rounds, xenkvm's own): the guest's
# pages written once at setup go while it runs; postcopy then moves only
# what it dirtied since the last round: fewer pages than without rounds
# (which moves every page with data, the 96 written once among them).
: > "$tmp/log/console/guest-sr.log"
"$xl" create "$tmp/sr.cfg" >/dev/null 2>&1
wait_for 30 in_console sr "saverestore: ready" || fail guest_ready_pre "$(conslog sr)"
: > "$tmp/log/console/guest-sr--incoming.log"
out=$("$xl" migrate --postcopy --precopy-rounds 1 -s '' sr "$xl migrate-receive" 2>&1)
st=$?
echo "$out" | grep -E "postcopy:|precopy round" >&2
# The sender's count (0 and no postcopy at all when nothing changed
# after the round; the target's count agrees when there was one).
send=$(grep -E "^migration sender: postcopy: [0-9]+ pages," <<<"$out")
recv=$(grep -E "^migration target: postcopy: [0-9]+ pages," <<<"$out")
rounds=$(sed -nE 's/^migration sender: [0-9]+ bytes, ([0-9]+) precopy rounds,.*/\1/p' <<<"$out")
pre=$(sed -E 's/.*: ([0-9]+) pages,.*/\1/' <<<"$send")
echo "postcopy after 1 precopy round: ${pre:-?} pages; without: $nopre" >&2
if [ $st = 0 ] && [ -n "$send" ] && [ "$rounds" = 1 ] &&
   { [ "$pre" = 0 ] || [ "$(sed -E 's/.*: ([0-9]+) pages,.*/\1/' <<<"$recv")" = "$pre" ]; } &&
   grep -qE "^migration sender: precopy round 1: [0-9]+ pages sent" <<<"$out"; then
    pass postcopy_precopy_rounds
else
    fail postcopy_precopy_rounds "status $st, rounds '$rounds': $out"
fi
[ -n "$pre" ] && [ "$nopre" -gt 96 ] && [ "$pre" -lt "$nopre" ] && [ "$pre" -lt 96 ] \
    && pass postcopy_precopy_fewer_pages \
    || fail postcopy_precopy_fewer_pages "with rounds '$pre' pages, without '$nopre'"
new=$("$xl" domid sr 2>/dev/null)
xenstore-write "/local/domain/$new/data/finish" done
wait_for 30 in_console sr--incoming "rounds, PASS" && pass postcopy_precopy_guest_checks_pass \
    || fail postcopy_precopy_guest_checks_pass "$(conslog sr--incoming)"
wait_for 20 gone sr

# Received paused (-p): the background stream starts at once, every page
# arrives while the guest waits; unpaused later, it finds them all.
: > "$tmp/log/console/guest-sr.log"
"$xl" create "$tmp/sr.cfg" >/dev/null 2>&1
wait_for 30 in_console sr "saverestore: ready" || fail guest_ready_2 "$(conslog sr)"
: > "$tmp/log/console/guest-sr--incoming.log"
out=$("$xl" migrate --postcopy -s '' sr "$xl migrate-receive -p" 2>&1)
st=$?
recv=$(grep -E "^migration target: postcopy: [0-9]+ pages, [0-9]+ fetched on demand, [0-9]+ in the background" <<<"$out")
if [ $st = 0 ] && [ -n "$recv" ] && [[ $(state sr) =~ p ]]; then
    pass postcopy_received_paused
else
    fail postcopy_received_paused "status $st, state '$(state sr)': $out"
fi
new=$("$xl" domid sr 2>/dev/null)
"$xl" unpause sr
xenstore-write "/local/domain/$new/data/finish" done
wait_for 30 in_console sr--incoming "rounds, PASS" && pass postcopy_paused_guest_checks_pass \
    || fail postcopy_paused_guest_checks_pass "$(conslog sr--incoming)"
wait_for 20 gone sr

# A connection cut mid-stream (the relay between the two xl stops
# copying a few pages into the postcopy stream and is killed): both sides
# pause and say so, the target's domain waits for the pages it misses,
# the source keeps its copy; --postcopy-resume over a new connection
# finishes, and the guest finds all its memory.
relay="python3 $SRCDIR/tests/cli/pc_relay.py"
cut_migration() { # TAG: xl migrate --postcopy through a relay that stalls; waits for the stall
    : > "$tmp/log/console/guest-sr.log"
    "$xl" create "$tmp/sr.cfg" >/dev/null 2>&1
    wait_for 30 in_console sr "saverestore: ready" || fail "guest_ready_$1" "$(conslog sr)"
    : > "$tmp/log/console/guest-sr--incoming.log"
    rm -f "$tmp/stall"
    "$xl" migrate --postcopy -s '' sr "$relay 20000 $tmp/stall $xl migrate-receive" \
        > "$tmp/mig.out" 2>&1 &
    migpid=$!
    wait_for 60 test -s "$tmp/stall" || fail "relay_stalled_$1" "$(cat "$tmp/mig.out")"
}
cut_migration cut
kill -9 "$(cat "$tmp/stall")"
wait $migpid
st=$?
# The receiver (orphaned by the relay's death) reports on its own time.
wait_for 30 grep -q "^migration target: postcopy paused" "$tmp/mig.out"
out=$(cat "$tmp/mig.out")
[ $st != 0 ] && grep -qF "migration sender: postcopy paused: the connection to the target was lost" <<<"$out" \
    && grep -qF "kept paused as sr--migratedaway" <<<"$out" \
    && grep -qE "^migration target: postcopy paused: the connection to the source was lost .* with [1-9][0-9]* pages missing: the domain sr waits" <<<"$out" \
    && pass postcopy_cut_pauses_both || fail postcopy_cut_pauses_both "status $st: $out"
listed sr && listed sr--migratedaway && [[ $(state sr--migratedaway) =~ p ]] \
    && pass postcopy_cut_keeps_both || fail postcopy_cut_keeps_both "$("$xl" list)"
# Not a paused source: refused, nothing touched.
out=$("$xl" migrate --postcopy-resume -s '' sr "$xl migrate-receive --postcopy-resume sr" 2>&1)
[ $? != 0 ] && grep -qF "is not a postcopy source paused" <<<"$out" && listed sr \
    && pass postcopy_resume_needs_paused_source || fail postcopy_resume_needs_paused_source "$out"
out=$("$xl" migrate --postcopy-resume -s '' sr--migratedaway "$xl migrate-receive --postcopy-resume sr" 2>&1)
st=$?
echo "$out" | grep -E "postcopy:" >&2
[ $st = 0 ] && grep -qx "Migration successful." <<<"$out" \
    && grep -qE "^migration target: postcopy: [0-9]+ pages, [0-9]+ fetched on demand" <<<"$out" \
    && gone sr--migratedaway && running sr \
    && pass postcopy_resumed || fail postcopy_resumed "status $st: $out"
new=$("$xl" domid sr 2>/dev/null)
xenstore-write "/local/domain/$new/data/finish" done
wait_for 30 in_console sr--incoming "rounds, PASS" && pass postcopy_resumed_guest_checks_pass \
    || fail postcopy_resumed_guest_checks_pass "$(conslog sr--incoming)"
wait_for 20 gone sr

# The source killed mid-stream: the guest is lost.  The sender says so,
# the target pauses and says what to do, xl lists and destroys what
# remains, and nothing hangs.
cut_migration dead
kill -9 "$(awk '{ print $2 }' "$XENKVM_RUNDIR/dom$("$xl" domid sr--migratedaway).pid")"
kill -9 "$(cat "$tmp/stall")"
wait $migpid
st=$?
wait_for 30 grep -q "^migration target: postcopy paused" "$tmp/mig.out"
out=$(cat "$tmp/mig.out")
[ $st != 0 ] && grep -qF "the guest is lost" <<<"$out" \
    && grep -qE "^migration target: postcopy paused: .*if the source is gone, the guest is lost: xl destroy sr" <<<"$out" \
    && pass postcopy_dead_source_reported || fail postcopy_dead_source_reported "status $st: $out"
wait_for 10 gone sr--migratedaway
listed sr && pass postcopy_dead_source_target_listed || fail postcopy_dead_source_target_listed "$("$xl" list)"
out=$("$xl" migrate --postcopy-resume -s '' sr "$xl migrate-receive --postcopy-resume sr" 2>&1)
[ $? != 0 ] && pass postcopy_dead_source_no_resume || fail postcopy_dead_source_no_resume "$out"
timeout 30 "$xl" destroy sr && ! listed sr && pass postcopy_dead_source_destroyed \
    || fail postcopy_dead_source_destroyed "$("$xl" list)"

