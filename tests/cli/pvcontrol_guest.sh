#!/bin/bash
# pvcontrol64.elf driven the way xl drives a domain with PV drivers: a
# private xenstored, the nodes libxl writes for a new domain (with its
# permissions), then control/shutdown, control/sysrq and memory/target
# written with the Debian xenstore tools, checking what the guest prints
# (port 0xe9, on the VMM's stdout), what it writes back and how the VMM
# exits (docs/exit-codes.md).  Also the command-line actions the xl tests
# use: crash, reboot, poweroff, watchdog, triple fault, a hung guest and a
# guest without PV drivers; its PV console through the VMM's console
# socket (tests/vmmctl/vmmctl_tool console).  Last, the demo guest reads
# its name.
set -u
elf=$BUILDDIR/tests/guest/pvcontrol64.elf
tool=$BUILDDIR/tests/vmmctl/vmmctl_tool
. "$SRCDIR/tests/cli/common.inc"
need_kvm pvcontrol_guest
tmp=$(mktemp -d /tmp/xenkvm-pvc.XXXXXX)
xpid= vmpid=
cleanup() {
    [ -n "$vmpid" ] && kill "$vmpid" 2>/dev/null && wait "$vmpid" 2>/dev/null
    [ -n "$xpid" ] && kill "$xpid" 2>/dev/null && wait "$xpid" 2>/dev/null
    release_domains
    rm -rf "$tmp"
}
trap cleanup EXIT

check() { # name condition-status why
    if [ "$2" = 0 ]; then pass "$1"; else fail "$1" "$3"; fi
}

start_xenstored "$tmp"
xpid=$xsd_pid
# The domains exist before their nodes are written, as under libxl.
hold_domains "$tmp" 21 32

# make_domain N NAME: what libxl writes for a new domain
# (libxl__domain_make, libxl__build_post), with its permissions: the home,
# control/ and memory/ are dom0's and readable by the domain;
# control/shutdown, the feature nodes, control/sysrq and data/ are the
# domain's own.
make_domain() {
    local d=/local/domain/$1 n
    xenstore-write "$d/name" "$2" \
        "$d/control/shutdown" "" "$d/control/sysrq" "" \
        "$d/control/feature-poweroff" "" "$d/control/feature-reboot" "" \
        "$d/control/feature-suspend" "" \
        "$d/control/platform-feature-multiprocessor-suspend" 1 \
        "$d/control/platform-feature-xs_reset_watches" 1 \
        "$d/memory/static-max" 65536 "$d/memory/target" 65536 "$d/data" ""
    xenstore-chmod -r "$d" n0 "r$1"
    for n in control/shutdown control/sysrq control/feature-poweroff \
             control/feature-reboot control/feature-suspend data; do
        xenstore-chmod "$d/$n" "n$1"
    done
}

# boot N [xenkvm options...]: the guest in the background, output in
# $tmp/domN.log (copied to the logs directory at the end).
boot() {
    local n=$1; shift
    "$vmm" --domid "$n" --xenstored "$tmp/vmm" --kernel "$elf" "$@" \
        > "$tmp/dom$n.log" 2>&1 &
    vmpid=$!
}

# wait_line N TEXT: up to 20 s for the guest's output to hold TEXT.
wait_line() {
    local i
    for i in $(seq 400); do
        grep -qF -- "$2" "$tmp/dom$1.log" && return 0
        kill -0 "$vmpid" 2>/dev/null || break
        sleep 0.05
    done
    grep -qF -- "$2" "$tmp/dom$1.log"
}

# finish: the VMM's exit status in $st, waiting up to 20 s (then killed:
# 124).
finish() {
    local i
    for i in $(seq 400); do
        kill -0 "$vmpid" 2>/dev/null || break
        sleep 0.05
    done
    if kill -0 "$vmpid" 2>/dev/null; then
        kill -9 "$vmpid"; wait "$vmpid" 2>/dev/null; st=124
    else
        wait "$vmpid"; st=$?
    fi
    vmpid=
}

node() { xenstore-read "/local/domain/$1/$2" 2>&1; }

# expect_exit NAME N WANT: the VMM of domain N ended with status WANT.
expect_exit() {
    finish
    check "$1" "$([ "$st" = "$3" ]; echo $?)" \
        "exit status $st, want $3 (log: $logs/pvcontrol-dom$2.log)"
    cp "$tmp/dom$2.log" "$logs/pvcontrol-dom$2.log"
}

# --- a full life: up, features, balloon, sysrq, requests it ignores, poweroff
make_domain 21 pvc-main
boot 21
wait_line 21 "pvcontrol: watching control/shutdown"
check up_line_names_domain "$(grep -qF 'pvcontrol: up, domid 21, name pvc-main' "$tmp/dom21.log"; echo $?)" \
    "$(head -3 "$tmp/dom21.log")"
check features_as_linux \
    "$([ "$(node 21 control/feature-poweroff)" = 1 ] && [ "$(node 21 control/feature-reboot)" = 1 ] &&
       [ -z "$(node 21 control/feature-suspend)" ]; echo $?)" \
    "poweroff '$(node 21 control/feature-poweroff)' reboot '$(node 21 control/feature-reboot)' suspend '$(node 21 control/feature-suspend)'"
check callback_irq_set "$(grep -qF 'cannot set HVM_PARAM_CALLBACK_IRQ' "$tmp/dom21.log"; [ $? = 1 ]; echo $?)" \
    "the guest could not set it"
# A new watch fires at once: the first target is the toolstack's.
wait_line 21 "pvcontrol: balloon target 65536 KiB"
check balloon_initial_target $? "no initial target line"
xenstore-write /local/domain/21/memory/target 32768
wait_line 21 "pvcontrol: balloon target 32768 KiB"
check balloon_target_change $? "no line for 32768"
xenstore-write /local/domain/21/control/sysrq s
wait_line 21 "pvcontrol: sysrq s"
check sysrq_key $? "no sysrq line"
check sysrq_node_cleared "$([ -z "$(node 21 control/sysrq)" ]; echo $?)" \
    "control/sysrq is '$(node 21 control/sysrq)'"
# The VMM's SIGQUIT dump shows the xenstore ring: a guest that has had
# every reply and event leaves nothing unread either way (a guest stuck on
# xenstore shows here, docs/nested-host.md).
kill -QUIT "$vmpid"
wait_line 21 "dump: xenstore ring"
ring=$(grep -o 'dump: xenstore ring req [0-9]*/[0-9]* rsp [0-9]*/[0-9]*' "$tmp/dom21.log" | head -n 1)
check dump_xenstore_ring_idle \
    "$(echo "$ring" | awk '{ split($5, q, "/"); split($7, r, "/"); exit !(q[1] == q[2] && r[1] == r[2] && q[2] > 0) }'; echo $?)" \
    "'$ring'"
xenstore-write /local/domain/21/control/shutdown bogus
wait_line 21 "pvcontrol: ignoring shutdown request: bogus"
check shutdown_unknown_ignored $? "no ignoring line"
check shutdown_unknown_left "$([ "$(node 21 control/shutdown)" = bogus ]; echo $?)" \
    "control/shutdown is '$(node 21 control/shutdown)'"
xenstore-write /local/domain/21/control/shutdown suspend
wait_line 21 "pvcontrol: shutdown suspend not supported, ignored"
check shutdown_suspend_ignored $? "no suspend line"
check shutdown_suspend_left "$([ "$(node 21 control/shutdown)" = suspend ]; echo $?)" \
    "control/shutdown is '$(node 21 control/shutdown)'"
xenstore-write /local/domain/21/control/shutdown poweroff
wait_line 21 "pvcontrol: shutdown poweroff"
check shutdown_poweroff_line $? "no poweroff line"
expect_exit shutdown_poweroff_status 21 0
check shutdown_poweroff_acked "$([ -z "$(node 21 control/shutdown)" ]; echo $?)" \
    "control/shutdown is '$(node 21 control/shutdown)'"

# --- reboot and halt (halt is poweroff to Linux too)
make_domain 22 pvc-reboot
boot 22
wait_line 22 "pvcontrol: watching"
xenstore-write /local/domain/22/control/shutdown reboot
wait_line 22 "pvcontrol: shutdown reboot"
check shutdown_reboot_line $? "no reboot line"
expect_exit shutdown_reboot_status 22 10
check shutdown_reboot_acked "$([ -z "$(node 22 control/shutdown)" ]; echo $?)" \
    "control/shutdown is '$(node 22 control/shutdown)'"

make_domain 23 pvc-halt
# Written before boot: the watch's first firing finds the request.
xenstore-write /local/domain/23/control/shutdown halt
boot 23
wait_line 23 "pvcontrol: shutdown poweroff"
check shutdown_halt_line $? "no poweroff line for halt"
expect_exit shutdown_halt_status 23 0

# --- the name unreadable (dom0's, no grant): said so, and still running
make_domain 24 secret
xenstore-chmod /local/domain/24/name n0
boot 24 --cmdline pvcontrol.poweroff
wait_line 24 "pvcontrol: up, domid 24, name unknown (reading name failed: EACCES)"
check name_read_fails $? "$(head -2 "$tmp/dom24.log")"
expect_exit cmdline_poweroff_status 24 0

# --- command-line actions
run_flag() { # domid flag line status
    make_domain "$1" "pvc-$2"
    boot "$1" --cmdline "console=hvc0 pvcontrol.$2"
    wait_line "$1" "$3"
    check "cmdline_$2_line" $? "no '$3' (log: $logs/pvcontrol-dom$1.log)"
    expect_exit "cmdline_$2_status" "$1" "$4"
}
run_flag 25 crash "pvcontrol: shutdown crash (command line)" 12
run_flag 26 reboot "pvcontrol: shutdown reboot (command line)" 10
run_flag 27 watchdog "pvcontrol: watchdog 1 armed for 1 s" 13
run_flag 28 triple "pvcontrol: triple fault (command line)" 20

# --- a hung guest and one without PV drivers ignore control/shutdown
ignores_shutdown() { # domid flag line
    make_domain "$1" "pvc-$2"
    boot "$1" --cmdline "pvcontrol.$2"
    wait_line "$1" "$3"
    check "cmdline_$2_line" $? "no '$3'"
    xenstore-write "/local/domain/$1/control/shutdown" poweroff
    sleep 1
    check "cmdline_$2_ignores_shutdown" \
        "$(kill -0 "$vmpid" 2>/dev/null && [ "$(node "$1" control/shutdown)" = poweroff ]; echo $?)" \
        "guest gone or node '$(node "$1" control/shutdown)'"
    kill -TERM "$vmpid"
    expect_exit "cmdline_$2_killed" "$1" 22
}
ignores_shutdown 29 hang "pvcontrol: hanging with events off (command line)"
ignores_shutdown 30 no-pv "pvcontrol: no PV drivers (command line)"
check no_pv_no_features "$([ -z "$(node 30 control/feature-poweroff)" ]; echo $?)" \
    "feature-poweroff is '$(node 30 control/feature-poweroff)'"

# --- no xenstored at all: the guest says so and still acts
out=$(timeout -k 5 30 "$vmm" --kernel "$elf" --cmdline pvcontrol.poweroff 2>&1)
st=$?
check no_xenstore_said "$(printf '%s' "$out" | grep -qF 'name unknown (xenstore not connected)'; echo $?)" "$out"
check no_xenstore_status "$([ "$st" = 0 ]; echo $?)" "status $st"

# --- the PV console: the lines there too (CR LF, as Linux's console),
# typed lines echoed (LF, CR or CR LF ends one), shutdown seen by a client
mkdir -p "$tmp/run"
make_domain 32 pvc-console
boot 32 --rundir "$tmp/run"
wait_line 32 "pvcontrol: watching"
"$tool" console "$tmp/run" 32 \
    $'expect:pvcontrol: up, domid 32, name pvc-console\r\n' \
    'send:hello world\n' $'expect:echo: hello world\r\n' \
    $'send:typed\r' $'expect:echo: typed\r\n' \
    $'send:crlf\r\nnext\n' $'expect:echo: crlf\r\necho: next\r\n' \
    > "$tmp/console1.out" 2> "$tmp/console1.err"
check console_echo $? "$(cat "$tmp/console1.err") (got: $(tr '\r' '~' < "$tmp/console1.out" | tail -5))"
"$tool" console "$tmp/run" 32 "touch:$tmp/c2" \
    "expect:pvcontrol: shutdown poweroff" eof > "$tmp/console2.out" 2> "$tmp/console2.err" &
cpid=$!
for _ in $(seq 200); do [ -e "$tmp/c2" ] && break; sleep 0.05; done
xenstore-write /local/domain/32/control/shutdown poweroff
wait "$cpid"
check console_shutdown_line_then_eof $? "$(cat "$tmp/console2.err")"
expect_exit console_guest_status 32 0
check console_no_blank_echo "$(grep -c '^echo: $' "$tmp/dom32.log" | grep -qx 0; echo $?)" \
    "an empty line was echoed: $(cat "$tmp/dom32.log")"

# --- the demo guest names itself from xenstore
make_domain 31 demo
out=$(timeout -k 5 30 "$vmm" --domid 31 --xenstored "$tmp/vmm" --vcpus 2 \
      --kernel "$BUILDDIR/tests/guest/demo64.elf" 2>&1)
st=$?
check demo_named "$(printf '%s' "$out" | grep -qF 'I am domain 31, named "demo" in xenstore'; echo $?)" "$out"
check demo_vcpus "$(printf '%s' "$out" | grep -qF 'vcpus: 2'; echo $?)" "$out"
check demo_status "$([ "$st" = 0 ]; echo $?)" "status $st"

kill "$xpid"; wait "$xpid"; xpid=
if grep -qE "AddressSanitizer|runtime error|LeakSanitizer" "$tmp/daemon.log"; then
    fail daemon_clean "$(head -5 "$tmp/daemon.log")"
else
    pass daemon_clean
fi
exit 0
