#!/bin/bash
# xl migrate / migrate-receive over `-s ''` loopback (docs/migration.md):
# the saverestore64 guest, dirtying memory all along, moves live (precopy
# rounds while it runs) to a new domain on the same host and finds its
# memory, clock, channels, timer, grant and xenstore watch as they were; a receiver that fails at each handshake step leaves the source
# running under its name ("Migration failed, resuming at sender"), except
# after permission to go was given, where xl says the state is undefined.
set -u
. "$SRCDIR/tests/cli/common.inc"
need_kvm xl_migrate
guest=$BUILDDIR/tests/guest/saverestore64.elf
xl_private mig
trap xl_teardown EXIT

conslog() { cat "$tmp/log/console/guest-$1.log" 2>/dev/null; }
in_console() { conslog "$1" | grep -qF -- "$2"; }
gone() { ! listed "$1"; }
state() { "$xl" list | awk -v n="$1" '$1 == n { print $5 }'; }
running() { [[ $(state "$1") =~ ^[-r][-b]---- ]]; }
banner_len=$(printf 'xl migration receiver ready, send binary domain data.\n' | wc -c)

xl_cfg sr "$guest" 'on_poweroff = "destroy"'
"$xl" create "$tmp/sr.cfg" >/dev/null 2>&1
wait_for 30 in_console sr "saverestore: ready" || fail guest_ready "$(conslog sr)"
old=$("$xl" domid sr)

out=$("$xl" migrate -s '' sr "$xl migrate-receive" 2>&1)
st=$?
[ $st = 0 ] && grep -qx "Migration successful." <<<"$out" && pass migrate \
    || fail migrate "status $st: $out"
for l in "migration target: Ready to receive domain." \
         "migration target: Transfer complete, requesting permission to start domain." \
         "migration sender: Target has acknowledged transfer." \
         "migration sender: Giving target permission to start." \
         "migration target: Got permission, starting domain." \
         "migration target: Domain started successsfully." \
         "migration sender: Target reports successful startup."; do
    grep -qxF "$l" <<<"$out" || { fail migrate_messages "missing '$l': $out"; break; }
done
# Live: rounds while the guest runs, then the paused last round.
grep -qE "^migration sender: [0-9]+ bytes, [1-9][0-9]* precopy rounds, [0-9]+ pages in the last, paused [0-9]+ us$" <<<"$out" \
    && pass migrate_is_live || fail migrate_is_live "$out"
# A progress line per round while the guest runs (xenkvm's own).
rounds=$(sed -nE 's/^migration sender: [0-9]+ bytes, ([0-9]+) precopy rounds,.*/\1/p' <<<"$out")
[ -n "$rounds" ] && [ "$(grep -cE '^migration sender: precopy round [0-9]+: [0-9]+ pages sent, [0-9]+ pages and [0-9]+ KiB so far$' <<<"$out")" = "$rounds" ] \
    && grep -qE "^migration sender: precopy round $rounds: " <<<"$out" \
    && pass migrate_progress_lines || fail migrate_progress_lines "$out"
new=$("$xl" domid sr 2>/dev/null)
[ -n "$new" ] && [ "$new" != "$old" ] && pass migrated_domain_renamed_back \
    || fail migrated_domain_renamed_back "old $old new '$new': $("$xl" list)"
gone sr--incoming && gone sr--migratedaway && pass no_leftover_names || fail no_leftover_names "$("$xl" list)"
running sr && pass migrated_domain_runs || fail migrated_domain_runs "$(state sr)"
# The new domain was built as sr--incoming: its console log has that name.
xenstore-write "/local/domain/$new/data/finish" done
wait_for 30 in_console sr--incoming "rounds, PASS" && pass migrated_guest_checks_pass \
    || fail migrated_guest_checks_pass "$(conslog sr--incoming)"
wait_for 20 gone sr

# The precopy policy (xenkvm's own options): --precopy-rounds 0 is
# stop-and-copy, 1 the single full round; --max-downtime is taken; out
# of range values are refused before anything moves.
: > "$tmp/log/console/guest-sr.log"
"$xl" create "$tmp/sr.cfg" >/dev/null 2>&1
wait_for 30 in_console sr "saverestore: ready" || fail guest_ready_policy "$(conslog sr)"
for r in 0 1; do
    : > "$tmp/log/console/guest-sr--incoming.log"
    out=$("$xl" migrate --precopy-rounds $r --max-downtime 5 -s '' sr "$xl migrate-receive" 2>&1)
    st=$?
    [ $st = 0 ] && grep -qE "^migration sender: [0-9]+ bytes, $r precopy rounds, [1-9][0-9]* pages in the last" <<<"$out" \
        && running sr && pass migrate_precopy_rounds_$r || fail migrate_precopy_rounds_$r "status $st: $out"
done
for bad in "--precopy-rounds 256" "--precopy-rounds x" "--max-downtime 0" "--max-downtime 65536"; do
    out=$("$xl" migrate $bad -s '' sr "$xl migrate-receive" 2>&1)
    st=$?
    [ $st != 0 ] && grep -qE "takes (0 to 255|1 to 65535 ms)" <<<"$out" && running sr \
        && pass "migrate_refuses_${bad// /_}" || fail "migrate_refuses_${bad// /_}" "status $st: $out"
done
new=$("$xl" domid sr)
xenstore-write "/local/domain/$new/data/finish" done
wait_for 30 in_console sr--incoming "rounds, PASS" && pass migrate_policy_guest_checks_pass \
    || fail migrate_policy_guest_checks_pass "$(conslog sr--incoming)"
wait_for 20 gone sr

# failed: receiver fails at STEP with RUNE; the source runs on as sr.
failed() { # NAME RUNE EXPECTED-TEXT
    local out st
    out=$("$xl" migrate -s '' sr "$2" 2>&1)
    st=$?
    if [ $st != 0 ] && grep -qF -- "$3" <<<"$out" && listed sr && running sr; then
        pass "$1"
    else
        fail "$1" "status $st, state '$(state sr)': $out"
    fi
    for d in sr--incoming sr--migratedaway; do listed $d && "$xl" destroy $d; done
}
: > "$tmp/log/console/guest-sr.log"
"$xl" create "$tmp/sr.cfg" >/dev/null 2>&1
wait_for 30 in_console sr "saverestore: ready"
failed receiver_gone_before_banner "true" "file/stream truncated reading banner from migration receiver stream"
failed receiver_wrong_banner "printf '%0${banner_len}d' 0" "migration receiver stream contained unexpected data instead of banner"
failed receiver_gone_in_stream "printf 'xl migration receiver ready, send binary domain data.\\n'; head -c 100 >/dev/null" \
    "Migration failed, resuming at sender."
# (dd passes each byte on at once; head -c may wait to fill its count.)
failed receiver_gone_before_ready "$xl migrate-receive | dd bs=1 count=$banner_len status=none" \
    "Migration failed, resuming at sender."
# After "go": the sender cannot know, and says so.
out=$("$xl" migrate -s '' sr "$xl migrate-receive | dd bs=1 count=$((banner_len + 34)) status=none" 2>&1)
grep -qF "Domain state is now undefined !" <<<"$out" && listed sr--migratedaway \
    && pass receiver_gone_after_go_is_undefined || fail receiver_gone_after_go_is_undefined "$out"
for d in sr sr--incoming sr--migratedaway; do listed $d && "$xl" destroy $d; done

# The migrated domain's monitor goes on under the name the domain took
# back: `xl reboot` restarts it as pvc (on_reboot = "restart"), not as
# pvc--incoming, and its log is xl-pvc.log.
pvc=$BUILDDIR/tests/guest/pvcontrol64.elf
xl_cfg pvc "$pvc"
"$xl" create "$tmp/pvc.cfg" >/dev/null 2>&1
wait_for 30 in_console pvc "pvcontrol: up"
out=$("$xl" migrate -s '' pvc "$xl migrate-receive" 2>&1)
[ $? = 0 ] || fail migrate_pvcontrol "$out"
mid=$("$xl" domid pvc 2>/dev/null)
restarted() { local d; d=$("$xl" domid pvc 2>/dev/null) && [ "$d" != "$mid" ]; }
"$xl" reboot pvc >/dev/null 2>&1
if wait_for 30 restarted && gone pvc--incoming &&
   grep -q "has shut down, reason code 1 " "$tmp/log/xl-pvc.log" 2>/dev/null; then
    pass migrated_domain_restarts_under_its_name
else
    fail migrated_domain_restarts_under_its_name "domid '$("$xl" domid pvc 2>&1)' (migrated: $mid): $("$xl" list 2>&1); $(tail -n 5 "$tmp/log/xl-pvc"*.log 2>&1)"
fi
# (if, not &&: the script's status is its last command's, and a domain
# already gone is no failure)
for d in pvc pvc--incoming; do if listed $d; then "$xl" destroy $d; fi; done
