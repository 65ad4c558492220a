#!/bin/bash
# The PV console backend in the VMM (docs/console.md) with the test
# frontends of tests/guest/pvcons/: the log file, clients of the console
# socket (several at once, a stalled one, input larger than the ring),
# the state dump's console totals, EOF at the end, and a guest that
# corrupts its ring indices.  Clients are tests/vmmctl/vmmctl_tool
# console.
set -u
tool=$BUILDDIR/tests/vmmctl/vmmctl_tool
. "$SRCDIR/tests/cli/common.inc"
need_kvm console
run=$(mktemp -d /tmp/xenkvm-con.XXXXXX)
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$run"' EXIT

result() { # name status [why]
    if [ "$2" = 0 ]; then echo "PASS: $1"; else echo "FAIL: $1${3:+: $3}"; fi
}
# Wait (10 s at most) until every file named exists.
await() {
    for _ in $(seq 200); do
        local all=1
        for f in "$@"; do [ -e "$f" ] || all=0; done
        [ $all = 1 ] && return 0
        sleep 0.05
    done
    return 1
}
FLOOD=2000      # lines of 64 bytes: far more than a stalled client may keep
LINES=50        # input lines of 100 bytes: five times the 1 KiB input ring

# --- one domain, several clients ----------------------------------------
log=$run/dom6.log
timeout -k 5 120 "$vmm" --paused --rundir "$run" --domid 6 --console-log "$log" \
    --kernel "$guests/pvcons64.elf" > "$logs/console_vmm.log" 2>&1 &
g=$!
await "$run/dom6.console" "$run/dom6.sock"; result console_socket_listens $?
# A: greeting, then a flood.  B: reads the same bytes alongside.  S: holds
# still through the flood.  E: waits for the end.
"$tool" console "$run" 6 "touch:$run/a" "expect:pvcons: hello" "send:flood $FLOOD\n" \
    "expect:pvcons: flood done $FLOOD" > "$run/a.out" 2> "$run/a.err" &
a=$!
"$tool" console "$run" 6 "touch:$run/b" "expect:pvcons: flood done $FLOOD" \
    > "$run/b.out" 2> "$run/b.err" &
b=$!
"$tool" console "$run" 6 "touch:$run/s" "waitfile:$run/go" \
    "expect:pvcons: flood done $FLOOD" > "$run/s.out" 2> "$run/s.err" &
s=$!
"$tool" console "$run" 6 "touch:$run/e" eof > "$run/e.out" 2> "$run/e.err" &
e=$!
await "$run/a" "$run/b" "$run/s" "$run/e"; result clients_connected $?
"$tool" unpause "$run" 6
wait $a; result flood_reaches_client $? "$(cat "$run/a.err")"
wait $b; result second_client_too $? "$(cat "$run/b.err")"
cmp -s "$run/a.out" "$run/b.out"; result clients_get_the_same_bytes $?
n=$(grep -c '^flood [0-9]\{6\} abc' "$run/a.out")
[ "$n" = $FLOOD ]; result flood_complete $? "$n of $FLOOD lines"
# The stalled client held the guest up no more than the others (they are
# done); it gets its newest output, not all of it.
touch "$run/go"
wait $s; result stalled_client_gets_the_end $? "$(cat "$run/s.err")"
sa=$(stat -c %s "$run/a.out"); ss=$(stat -c %s "$run/s.out")
[ "$ss" -lt "$sa" ] && [ "$ss" -gt 65536 ]
result stalled_client_lost_its_oldest $? "got $ss bytes of $sa"

# The state dump's console line counts what went where: every byte in
# the log was taken from the ring, four clients came and one (E) is left
# once the VMM has seen the others hang up, the stalled one lost bytes,
# and the three that ended were sent at least what they got.  SIGQUIT
# goes to the VMM itself: coreutils' timeout runs it as a child (and a
# signal to timeout would arm its kill timer), busybox's execs it.
vpid=
for p in "$g" $(pgrep -P "$g"); do
    [ "$(readlink "/proc/$p/exe")" = "$(readlink -f "$vmm")" ] && vpid=$p
done
dump=
for _ in $(seq 100); do
    kill -QUIT "$vpid" 2>/dev/null
    sleep 0.1
    dump=$(grep 'dump: console:' "$logs/console_vmm.log" | tail -n 1)
    grep -q ' 1 client(s) now' <<< "$dump" && break
done
taken=$(sed -n 's/.*console: \([0-9]*\) bytes taken from the ring.*/\1/p' <<< "$dump")
sent=$(sed -n 's/.*ring, \([0-9]*\) sent to clients.*/\1/p' <<< "$dump")
dropped=$(sed -n 's/.*for them, \([0-9]*\) dropped.*/\1/p' <<< "$dump")
sb=$(stat -c %s "$run/b.out")
[ -n "$taken" ] && [ "$taken" = "$(stat -c %s "$log")" ]
result dump_console_taken $? "'$dump', log $(stat -c %s "$log") bytes"
grep -q ' 1 client(s) now (4 accepted)' <<< "$dump"; result dump_console_clients $? "$dump"
[ -n "$dropped" ] && [ "$dropped" -gt 0 ]; result dump_console_dropped $? "$dump"
[ -n "$sent" ] && [ "$sent" -ge $((sa + sb + ss)) ]
result dump_console_sent $? "'$dump', clients got $((sa + sb + ss))"

# Input both ways, and more input than the ring holds: nothing is lost.
"$tool" console "$run" 6 'send:hello vmm\n' 'expect:echo: hello vmm' > "$run/c.out" 2>&1
result input_echoed $? "$(tail -1 "$run/c.out")"
"$tool" console "$run" 6 "sendlines:$LINES:100" "expect:echo: in $(printf %04d $LINES) " \
    > "$run/d.out" 2>&1
result large_input_echoed $? "$(tail -1 "$run/d.out")"
n=$(grep -c '^echo: in [0-9]\{4\} x\{91\}$' "$run/d.out")
[ "$n" = $LINES ]; result large_input_complete $? "$n of $LINES lines"

"$tool" console "$run" 6 'send:quit\n' 'expect:pvcons: bye' > "$run/q.out" 2>&1
result quit_answered $? "$(cat "$run/q.out")"
wait $e; result waiting_client_sees_eof $? "$(cat "$run/e.err")"
wait $g; st=$?
result vmm_exit_status $st "status $st (log: $logs/console_vmm.log)"
[ ! -e "$run/dom6.console" ]; result console_socket_removed $?

# The log has everything, in order, whatever the clients did.
head -c "$sa" "$log" | cmp -s - "$run/a.out"; result log_starts_as_client_saw $?
grep -q '^pvcons: bye$' "$log" && [ "$(grep -c '^flood ' "$log")" = $FLOOD ] &&
    [ "$(grep -c '^echo: in ' "$log")" = $LINES ]
result log_has_everything $?
# No client: the log still gets it, and is appended to.
timeout -k 5 60 "$vmm" --console-log "$log" --kernel "$guests/pvcons64.elf" --cmdline exit \
    > "$run/nolisten.out" 2>&1
st=$?
[ $st = 0 ] && [ "$(grep -c '^pvcons: hello' "$log")" = 2 ]
result log_appended_without_clients $? "status $st"
! grep -q 'pvcons: hello' "$run/nolisten.out"; result log_only_not_stdout $?

# --- a guest that corrupts its ring ---------------------------------------
timeout -k 5 60 "$vmm" --rundir "$run" --domid 7 --console-log "$run/dom7.log" \
    --kernel "$guests/pvcons_wild64.elf" > "$logs/pvcons_wild64.log" 2>&1 &
g=$!
await "$run/dom7.console"
"$tool" console "$run" 7 'expect:wild: input broken' 'send:after\n' 'expect:wild: done' eof \
    > "$run/w.out" 2> "$run/w.err"
result wild_client $? "$(cat "$run/w.err")"
wait $g; st=$?
sed -n 's/^\(PASS\|FAIL\|SKIP\): /\1: wild: /p' "$logs/pvcons_wild64.log"
result wild_vmm_survives $st "status $st (log: $logs/pvcons_wild64.log)"
grep -q '^wild: got after$' "$run/w.out"; result wild_input_kept $?
grep -q '^wild: output repaired$' "$run/w.out"; result wild_output_resumes $?
n=$(grep -c 'console ring: output indices are corrupt' "$logs/pvcons_wild64.log")
[ "$n" = 1 ]; result wild_output_reported_once $? "$n reports"
n=$(grep -c 'console ring: input indices are corrupt' "$logs/pvcons_wild64.log")
[ "$n" = 1 ]; result wild_input_reported_once $? "$n reports"
! grep -qE 'AddressSanitizer|runtime error' "$logs/pvcons_wild64.log"
result wild_no_sanitizer_report $?
exit 0
