#!/bin/bash
# Domain 0's control of a running VMM, as xl drives it: --paused and
# --ready-fd, and PAUSE / UNPAUSE / INFO on the VMM socket through
# lib/vmm_ctl.c (tests/vmmctl/vmmctl_tool).  Pause counting follows Xen's
# domain_pause_by_systemcontroller: -EINVAL for an unpause with no pause
# outstanding, -EOVERFLOW past 255.
set -u
tool=$BUILDDIR/tests/vmmctl/vmmctl_tool
. "$SRCDIR/tests/cli/common.inc"
need_kvm vmm_control
run=$(mktemp -d /tmp/xenkvm-ctl.XXXXXX)
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$run"' EXIT

result() { # name ok-bool [why]
    if [ "$2" = 0 ]; then echo "PASS: $1"; else echo "FAIL: $1${3:+: $3}"; fi
}
# field FILE KEY: the value of KEY in an info listing
field() { awk -v k="$2" '$1 == k { print $2 }' "$1"; }
# info_is NAME FILE KEY WANT
info_is() {
    local got
    got=$(field "$2" "$3")
    [ "$got" = "$4" ]; result "$1" $? "$3 is '$got', expected '$4' ($2)"
}
has_flag() { # FILE FLAG
    field "$1" flags | tr ',' '\n' | grep -qx "$2"
}

# --- created paused, ready fd ------------------------------------------
mkfifo "$run/ready"
timeout -k 5 120 "$vmm" --paused --ready-fd 3 --rundir "$run" --domid 5 --vcpus 2 \
    --memory 32 --console-log "$run/dom5.log" --kernel "$guests/pvcons64.elf" \
    3>"$run/ready" > "$logs/vmm_control.log" 2>&1 &
g=$!
r=$(timeout 30 head -c1 "$run/ready")
[ "$r" = R ]; result ready_fd_says_R $? "read '$r'"
[ -S "$run/dom5.sock" ] && [ -S "$run/dom5.console" ]
result ready_after_sockets $? "socket missing when R came"

"$tool" info "$run" 5 > "$run/info.paused" 2>&1
result info_answers $? "$(cat "$run/info.paused")"
info_is info_domid "$run/info.paused" domid 5
info_is info_nr_vcpus "$run/info.paused" nr_vcpus 2
info_is info_online_vcpus "$run/info.paused" online_vcpus 1
# Xen's tot_pages: the 32 MiB of RAM and the 8 special pages (32 KiB).
info_is info_mem_kib "$run/info.paused" mem_kib 32800
info_is info_max_mem_kib "$run/info.paused" max_mem_kib 32768
# No xenstored attached: no xenstore ring for the guest (hvm/main.c).
info_is info_store_pfn "$run/info.paused" store_pfn 0
info_is info_store_port "$run/info.paused" store_port 1
info_is info_console_pfn "$run/info.paused" console_pfn 0xfefff
info_is info_console_port "$run/info.paused" console_port 2
info_is info_shutdown_code "$run/info.paused" shutdown_code -1
info_is info_pause_count_initial "$run/info.paused" pause_count 1
has_flag "$run/info.paused" paused; result info_paused_flag $?
! has_flag "$run/info.paused" pv_control; result info_no_pv_control_yet $?
pid=$(field "$run/info.paused" vmm_pid)
[ "$(cat "/proc/$pid/comm" 2>/dev/null)" = xenkvm ]; result info_vmm_pid $? "pid $pid"
grep -q "^vcpu1 online=0 " "$run/info.paused"; result info_vcpu1_down $?

# Paused: the guest has run no code at all.
sleep 1
[ ! -s "$run/dom5.log" ] && ! grep -q "pvcons64: domid" "$logs/vmm_control.log"
result paused_runs_no_guest_code $?

# --- counting ----------------------------------------------------------
"$tool" pause "$run" 5; result pause_twice $?
"$tool" info "$run" 5 > "$run/info.2"
info_is pause_count_two "$run/info.2" pause_count 2
"$tool" unpause "$run" 5; result unpause_one_of_two $?
"$tool" info "$run" 5 > "$run/info.1"
info_is pause_count_back_to_one "$run/info.1" pause_count 1
has_flag "$run/info.1" paused; result still_paused_at_one $?
"$tool" unpause "$run" 5; result unpause_last $?
"$tool" console "$run" 5 "expect:pvcons: hello from the PV console ring of domain 5" \
    > "$run/hello.out" 2>&1
result runs_after_unpause $? "$(tail -1 "$run/hello.out")"
out=$("$tool" unpause "$run" 5 2>&1)
[ "$out" = "unpause: Invalid argument" ]; result unpause_not_paused_einval $? "$out"
"$tool" info "$run" 5 > "$run/info.run"
info_is pause_count_zero "$run/info.run" pause_count 0
! has_flag "$run/info.run" paused; result info_not_paused $?
has_flag "$run/info.run" pv_control; result info_pv_control $?
t=$(field "$run/info.run" cpu_time_ns)
[ "${t:-0}" -gt 0 ]; result info_cpu_time $? "cpu_time_ns $t"

# --- pausing a running guest: backends go on, the guest does not -------
# (Its promptness is the tool's 5 s bound; speed is not a test's business.)
"$tool" pause "$run" 5; result pause_running $?
"$tool" info "$run" 5 > "$run/info.p"
grep -q "^vcpu0 online=1 blocked=[01] running=0 " "$run/info.p"
result paused_vcpu_not_running $? "$(grep ^vcpu0 "$run/info.p")"
# The console takes input while paused; the guest answers only later.
"$tool" console "$run" 5 'send:while paused\n' quiet:1500 > "$run/quiet.out" 2>&1
result paused_guest_silent $? "$(cat "$run/quiet.out")"
"$tool" unpause "$run" 5; result unpause_running $?
"$tool" console "$run" 5 "expect:echo: while paused" > "$run/echo.out" 2>&1
result input_kept_across_pause $? "$(tail -1 "$run/echo.out")"

# A vCPU busy in guest code (a flood of output) stops too, and resumes.
# The client reads on while the script pauses the guest: one that stops
# reading loses its oldest output past 64 KiB (hvm/console.c), which a
# slow host (the nested one) reached before the pause took effect.
"$tool" console "$run" 5 'send:flood 3000\n' 'expect:flood 000100 ' "touch:$run/flooding" \
    "drainfile:$run/paused" drain:300 quiet:1000 "touch:$run/quiet" \
    'expect:pvcons: flood done 3000' > "$run/flood.out" 2> "$run/flood.err" &
c=$!
for _ in $(seq 400); do [ -e "$run/flooding" ] && break; sleep 0.05; done
"$tool" pause "$run" 5; result pause_busy_guest $?
"$tool" info "$run" 5 > "$run/info.busy"
grep -q "^vcpu0 online=1 blocked=[01] running=0 " "$run/info.busy"
result busy_vcpu_stopped $? "$(grep ^vcpu0 "$run/info.busy")"
touch "$run/paused"
for _ in $(seq 400); do [ -e "$run/quiet" ] || ! kill -0 $c 2>/dev/null && break; sleep 0.05; done
"$tool" unpause "$run" 5; result unpause_busy_guest $?
wait $c; result busy_guest_silent_then_resumes $? "$(cat "$run/flood.err")"
n=$(grep -c '^flood [0-9]\{6\} abc' "$run/flood.out")
[ "$n" = 3000 ]; result flood_across_pause_complete $? "$n of 3000 lines"

# --- the count's limit: 255 (Xen) --------------------------------------
n=0
for i in $(seq 255); do "$tool" pause "$run" 5 && n=$((n + 1)); done
[ $n = 255 ]; result pause_255_times $? "$n succeeded"
out=$("$tool" pause "$run" 5 2>&1)
[ "$out" = "pause: Value too large for defined data type" ]
result pause_256_eoverflow $? "$out"
n=0
for i in $(seq 255); do "$tool" unpause "$run" 5 && n=$((n + 1)); done
[ $n = 255 ]; result unpause_255_times $? "$n succeeded"
"$tool" info "$run" 5 > "$run/info.end"
info_is pause_count_zero_again "$run/info.end" pause_count 0

# --- only domain 0 controls ----------------------------------------------
for t in 5 6 7; do
    out=$("$tool" raw "$run" 5 $t 3 2>&1)
    [ "$out" = "status -1" ]; result "type${t}_from_domu_eperm" $? "$out"
done
out=$("$tool" info "$run" 77 2>&1)
[ "$out" = "info: No such file or directory" ]; result info_no_such_domain $? "$out"

# --- the end -------------------------------------------------------------
"$tool" console "$run" 5 'send:quit\n' eof > "$run/quit.out" 2>&1
result console_eof_at_end $? "$(tail -1 "$run/quit.out")"
wait $g; s=$?
result exit_status_poweroff $s "status $s (log: $logs/vmm_control.log)"
[ ! -e "$run/dom5.sock" ] && [ ! -e "$run/dom5.console" ]
result sockets_removed $?

# --- a VMM that fails before it is ready: EOF, no 'R' --------------------
mkfifo "$run/ready2"
timeout -k 5 30 "$vmm" --ready-fd 3 --kernel "$run/missing.elf" 3>"$run/ready2" \
    > /dev/null 2>&1 &
g=$!
r=$(timeout 30 head -c1 "$run/ready2"; echo "rc$?")
wait $g; s=$?
[ "$r" = rc0 ] && [ $s = 2 ]; result ready_fd_eof_on_failure $? "read '$r', status $s"
exit 0
