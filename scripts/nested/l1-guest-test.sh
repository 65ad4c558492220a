#!/bin/sh
# Run in L1 (the nested KVM host): the L2 guest (Debian's kernel, l2.cfg)
# through xl, as a user would drive it.  `xl create -p`, its console read
# with `xl console` (shown with an "L2| " prefix), `xl unpause`; the
# guest's L2-PASS/L2-FAIL lines become PASS:/FAIL: lines of their own
# (every check the guest makes is expected; a missing one is a failure).
# Then, once the guest says "L2: ready": `xl sysrq`, `xl mem-set` (the
# balloon), `xl reboot` (the guest comes back: on_reboot="restart") and
# `xl shutdown`, each through the guest's PV control driver.  Every wait
# is bounded: TIMEOUT s (L1 time) for a boot, a minute for the rest.
timeout=${1:-200}
xk=/xenkvm
xl=$xk/xl-compat/xl
name=nested-l2
export XENKVM_RUNDIR=/run/xenkvm XENKVM_LOGDIR=/tmp/xenkvm-log \
       XENSTORED_PATH=/run/xenstored/socket
mkdir -p "$XENKVM_RUNDIR" "$XENKVM_LOGDIR" /run/xenstored
xllog=$XENKVM_LOGDIR/xl-$name.log

uptime_s() { cut -d' ' -f1 /proc/uptime; }
since() { awk -v a="$1" -v b="$(uptime_s)" 'BEGIN { printf "%.1f", b - a }'; }
pass() { echo "PASS: nested/l2/$1"; }
fail() { echo "FAIL: nested/l2/$1: $2"; }

# console N: `xl console` of the domain into /tmp/l2-console.N, shown as
# it comes; its pid in $con_pid.  text N: that output with LF line ends
# (the console gives CR LF).
console() {
    : > "/tmp/l2-console.$1"
    { "$xl" console "$name" < /dev/null 2>&1 | tee "/tmp/l2-console.$1" |
      while IFS= read -r l; do echo "L2| $l"; done; } &
    con_pid=$!
}
text() { tr -d '\r' < "/tmp/l2-console.$1"; }
# wait_for N PATTERN SECONDS: until an extended regexp appears in console N,
# for at most SECONDS of L1 time (each look at the console takes a while
# under TCG: counting looks instead would make the limit half as long
# again).  Every 20 s of waiting it prints a progress line with the
# console's last line: L1 busy waiting on a silent L2 must not look like a
# silent, stalled L1 to run-l1.sh's idle watchdog (NESTED_IDLE).
# The current console's `xl console` ending (its domain went away: a
# triple fault restarts it under a new domid, with a console of its own)
# ends the wait too: nothing more can come on it.
wait_for() {
    local t0 n last=0
    t0=$(cut -d. -f1 /proc/uptime)
    while ! text "$1" | grep -q -E "$2"; do
        n=$(($(cut -d. -f1 /proc/uptime) - t0))
        [ "$n" -gt "$3" ] && return 1
        if [ "$1" = "$cn" ] && ! kill -0 "$con_pid" 2>/dev/null; then
            text "$1" | grep -q -E "$2" && return 0
            echo "L1: console $1 ended after $n s (its domain went away) without '$2'"
            return 1
        fi
        if [ $((n - last)) -ge 20 ]; then
            last=$n
            echo "L1: waiting $n of $3 s for '$2' on the L2 console; its last line: '$(text "$1" | tail -n 1 | cut -c1-100)'"
        fi
        sleep 1
    done
}

# gone SECONDS: until xl no longer lists the domain.
gone() {
    local n=0
    while "$xl" list "$name" > /dev/null 2>&1; do
        n=$((n + 1))
        [ "$n" -gt "$1" ] && return 1
        sleep 1
    done
}
# ended PID SECONDS: until process PID has ended (then reaped).
ended() {
    local n=0
    while kill -0 "$1" 2>/dev/null; do
        n=$((n + 1))
        [ "$n" -gt "$2" ] && return 1
        sleep 1
    done
    wait "$1"
}
show_logs() {
    "$xl" list 2>&1 | sed 's/^/L1: xl list: /'
    for f in "$XENKVM_LOGDIR"/*; do
        [ -f "$f" ] && tail -n 30 "$f" | sed "s|^|L1: $(basename "$f"): |"
    done
}
# timed_out CHECK N WHY: L2 did not get somewhere in time: a FAIL with what
# there is to see (the end of console N, xl list, the VMM's and xl's logs),
# so a silent L2 is a failure of its own, not an L1 stall.
timed_out() {
    # A domain restarted behind the test's back: that, with why, ends the
    # L2 part (seen: the first boot died at 11 s and its restart booted to
    # "L2: ready" while the test watched the dead one's console).
    still_same "$1"
    fail "$1" "$3"
    echo "L1: the L2 console (xl console) has $(text "$2" | wc -l) lines; the last ones:"
    text "$2" | tail -n "${NESTED_LOG_LINES:-15}" | sed 's/^/L1: L2 console tail: /'
    vmm_dump
    console_state "$2"
    show_logs
    guest_tasks "$2"
}
# console_state N: where console N's output stopped: the VMM's console log
# (its own record of what it took from the ring) against what `xl console`
# gave, and the state of each `xl console` process (the VMM's side of the
# socket is the dump's "console:" line).
console_state() {
    local f="$XENKVM_LOGDIR/console/guest-$name.log" p
    echo "L1: console: xl console gave $(wc -c < "/tmp/l2-console.$1") bytes; the VMM's console log (every boot of $name) $(wc -c < "$f" 2>/dev/null) bytes, its last lines:"
    tr -d '\r' < "$f" 2>/dev/null | tail -n 5 | sed 's/^/L1: console log tail: /'
    for p in $(ps -o pid,args | awk '/[x]l console/ { print $1 }'); do
        echo "L1: console client $p: $(tr '\0' ' ' < "/proc/$p/cmdline" 2>/dev/null) state $(awk '{ print $3 }' "/proc/$p/stat" 2>/dev/null) wchan $(cat "/proc/$p/wchan" 2>/dev/null)"
        ls -l "/proc/$p/fd" 2>/dev/null | sed -n 's/.* \([0-9]* -> .*\)/L1:     fd \1/p'
        sed 's/^/L1:     /' "/proc/$p/stack" 2>/dev/null | head -n 8
    done
}
# guest_tasks N: once per run, the guest kernel's list of tasks with their
# stacks (xl sysrq t) from console N: where a silent guest's tasks wait
# (reaches the console only while the control driver and console work).
guest_tasks() {
    [ -n "${tasks_shown:-}" ] && return
    tasks_shown=1
    local before
    before=$(text "$1" | wc -l)
    "$xl" sysrq "$name" t 2>/dev/null || return
    sleep 20
    echo "L1: xl sysrq t: $(($(text "$1" | wc -l) - before)) new console lines:"
    text "$1" | tail -n +"$((before + 1))" | head -n 600 | sed 's/^/L1: L2 tasks: /'
}
# vmm_dump: the VMM's state dump (SIGQUIT: per vCPU RIP, MP state, LAPIC,
# vcpu_info flags, armed timers against Xen time, pending events), taken
# twice 5 s apart (what moves and what does not), from xl's log of the
# domain, where the VMM's messages go.  L2 RIPs are kernel text addresses
# of the same kernel as L1's (no KASLR either): nested-cache/l1/kallsyms-*.
vmm_dump() {
    local id pid k
    id=$("$xl" domid "$name" 2>/dev/null) || return
    pid=$(cat "$XENKVM_RUNDIR/dom$id.pid" 2>/dev/null) || return
    for k in 1 2; do
        kill -QUIT "$pid" 2>/dev/null || return
        sleep 5
    done
    grep 'dump:' "$xllog" | tail -n 80 | sed 's/^/L1: VMM /'
    # Where each of the VMM's threads is (a stuck event thread stops
    # timers, the console and event delivery at once).
    for k in /proc/"$pid"/task/*; do
        echo "L1: VMM thread $(cat "$k/comm" 2>/dev/null) $(awk '{ print $3, "utime", $14, "stime", $15 }' "$k/stat" 2>/dev/null) wchan $(cat "$k/wchan" 2>/dev/null)"
        sed 's/^/L1:     /' "$k/stack" 2>/dev/null | head -n 12
    done
}
# guest_checks N: the guest's own checks in console N, each expected once.
guest_checks() {
    local c line
    for c in hypervisor_type xenbus_device vcpus_online xenstore_read_name \
             xenstore_write_read xenstore_ls_home xenstore_read_domid \
             cpu1_timer cpu1_ipi clocksource clock_stable clock_advances; do
        # A kernel message may land between a check's text and its line
        # end ("L2-PASS: vcpus_online[   53.66] hrtimer: ..." was seen).
        line=$(text "$1" | grep -oE "L2-(PASS|FAIL): $c(:.*|\[.*|\$)" | head -n 1)
        case "$line" in
        L2-PASS:*) pass "$c" ;;
        L2-FAIL:*) echo "FAIL: nested/l2/${line#L2-FAIL: }" ;;
        *) fail "$c" "not reported by the guest" ;;
        esac
    done
}
# l2_run NAME SECONDS [LABEL]: the guest runs its part /tests/NAME.sh
# (asked for through its data/run node, see l2-init); its L2-PASS/L2-FAIL
# lines become nested/l2/LABEL/... results (LABEL defaults to NAME).  Fails
# when the guest does not finish it in time or reports no check at all.
l2_seq=0
# mark_re WHAT NAME SEQ: the guest's "L2: run|done NAME SEQ" marker as an
# extended regexp, found anywhere on a line: the guest's lines and the
# kernel's share the console, and one can land inside the other ("bounce
# buL2: run blk_ro 8ffer: disabled;" was seen).
mark_re() { echo "L2: $1 $2 $3([^0-9]|\$)"; }
l2_run() {
    local out label=${3:-$1}
    l2_seq=$((l2_seq + 1))
    if ! "$xl" domid "$name" > /dev/null 2>&1; then
        fail "$label" "no domain $name to run it in"
        gone_why
        return 1
    fi
    still_same "$label"
    xenstore-write "/local/domain/$domid/data/run" "$1 $l2_seq"
    if ! wait_for $cn "$(mark_re done "$1" $l2_seq)" "$2"; then
        timed_out "$label" $cn "the guest did not finish part $1 within $2 s"
        return 1
    fi
    out=$(text $cn | sed -nE "/$(mark_re run "$1" $l2_seq)/,/$(mark_re done "$1" $l2_seq)/p" |
          grep -oE 'L2-(PASS|FAIL): .*')
    if [ -z "$out" ]; then
        fail "$label" "part $1 reported no check"
        return 1
    fi
    echo "$out" | sed -e "s|^L2-PASS: |PASS: nested/l2/$label/|" -e "s|^L2-FAIL: |FAIL: nested/l2/$label/|"
}

# Why the domain went away behind the test's back: what the VMM and xl's
# monitor logged about its end (a triple fault, a crash, a shutdown
# reason), not the debug dump.
gone_why() {
    # A migrated domain's monitor logs under its incoming name.
    grep -E 'triple fault|shut down|crash|KVM internal|KVM entry|unhandled|rebooting|Domain .* (died|has)' \
        "$XENKVM_LOGDIR/xl-$name"*.log 2>/dev/null | grep -v 'dump:' | tail -n 8 |
        sed 's/^/L1: domain gone: /'
}

# still_same LABEL: the domain is still the one the test started ($domid,
# which the parts that replace it keep up to date).  xl restarts a domain
# that died (a triple fault is a reboot, as on Xen) under a new domid;
# every later part would then wait out its time on a fresh boot, so the L2
# part ends here with the reason, in one failure.
still_same() {
    local now
    now=$("$xl" domid "$name" 2>/dev/null)
    [ -z "$now" ] || [ "$now" = "$domid" ] && return 0
    fail "$1" "the domain restarted behind the test's back (domid $domid, now $now): the L2 part ends"
    gone_why
    finish
}

# The shutdown reason xl's monitor logged last ("reason code N").
last_reason() {
    sed -n 's/.*has shut down, reason code \([0-9]*\).*/\1/p' "$xllog" | tail -n 1
}
finish() {
    "$xl" destroy "$name" > /dev/null 2>&1
    kill "$con_pid" 2>/dev/null
    kill "$(cat "$XENKVM_RUNDIR/xenstored.pid" 2>/dev/null)" 2>/dev/null
    exit 0
}

# The disk l2.cfg gives the guest at boot (xvda): 16 MiB, a random first
# MiB the guest reads (l1-parts/15-boot-disk.sh).
l2_disk=/tmp/l2-xvda.img
dd if=/dev/zero of=$l2_disk bs=1M count=16 2>/dev/null
dd if=/dev/urandom of=$l2_disk bs=64k count=16 conv=notrunc 2>/dev/null
l2_disk_sum0=$(dd if=$l2_disk bs=1M count=1 2>/dev/null | sha256sum | cut -d' ' -f1)

t0=$(uptime_s)
if ! "$xl" create -p /nested/l2.cfg > /tmp/l2-create.out 2>&1; then
    sed 's/^/L1: xl create: /' /tmp/l2-create.out
    fail create "xl create -p failed"
    finish
fi
domid=$("$xl" domid "$name")
cn=1                    # the current console (a new one per domain)
console $cn
"$xl" unpause "$name" || fail unpause "xl unpause failed"
if ! wait_for 1 'L2: ready after' "$timeout"; then
    timed_out boot 1 "no 'L2: ready' within $timeout s (L1 time)"
    guest_checks 1
    finish
fi
echo "L1: L2 ready $(since "$t0") s after xl create"
# A domain that died in its boot (a triple fault) is restarted by xl
# (on_reboot) under a new domid (seen once in CI: domid 1 after xl create,
# 3 at the disk parts): still_same ends the L2 part there.
still_same boot_once
pass boot_once
# What the guest printed reached us through `xl console`.
if text 1 | grep -q 'L2: userspace after'; then
    pass console
else
    fail console "xl console did not show the guest's first line"
fi
guest_checks 1

# xl sysrq: the control driver hands the key to handle_sysrq ('h' prints
# the help line on the console).
# xl mem-set: the balloon driver follows memory/target down by the 64 MiB
# taken off (its target_kb counts from the memory it booted with), and
# MemTotal drops by what it gave back; xl list shows the VMM's reservation.
balloon() { # target_kb and MemTotal of the latest "L2: balloon" line on console $cn
    text $cn | sed -n 's/.*L2: balloon target_kb=\([0-9]*\) memtotal_kb=\([0-9]*\).*/\1 \2/p' | tail -n 1
}
# sysrq_balloon PREFIX: both, right after a boot (where a balloon stop was
# seen once, docs/nested-host.md); check names get PREFIX.
sysrq_balloon() {
    if "$xl" sysrq "$name" h && wait_for $cn 'sysrq: HELP' 60; then
        pass "${1}sysrq"
    else
        fail "${1}sysrq" "no 'sysrq: HELP' on the console after xl sysrq $name h"
    fi
    set -- "$1" $(balloon)
    target0=${2:-0} mem0=${3:-0}
    "$xl" mem-set "$name" 192m || fail "${1}mem_set" "xl mem-set $name 192m failed"
    n=0
    while :; do
        set -- "$1" $(balloon)
        target1=${2:-0} mem1=${3:-0}
        [ $((target0 - target1)) -eq 65536 ] && [ $((mem0 - mem1)) -ge 65536 ] && break
        n=$((n + 1))
        [ "$n" -gt 60 ] && break
        sleep 1
    done
    if [ $((target0 - target1)) -eq 65536 ]; then
        pass "${1}balloon_target"
    else
        fail "${1}balloon_target" "target_kb went from $target0 to $target1, expected 65536 less"
    fi
    # The pages went back to the host: xl list shows the VMM's reservation.
    mem_host=$("$xl" list "$name" 2>/dev/null | awk -v n="$name" '$1 == n { print $3 }')
    if [ -n "$mem_host" ] && [ "$mem_host" -le 192 ]; then
        pass "${1}balloon_host"
    else
        fail "${1}balloon_host" "xl list shows '$mem_host' MiB, expected 192 or less"
    fi
    if [ $((mem0 - mem1)) -ge 65536 ]; then
        pass "${1}balloon_memtotal"
    else
        timed_out "${1}balloon_memtotal" $cn "MemTotal went from $mem0 to $mem1 kB, expected 64 MiB less (xl list $mem_host MiB)"
    fi
}
sysrq_balloon ""
# NESTED_L2_BALLOONS=N (default 0) moves the balloon up to 256 MiB and down
# to 192 MiB N times more, for debugging a balloon move that stops
# (docs/nested-host.md): each move must reach its MemTotal and xl list
# figures within 60 s; the first that does not ends the loop as a FAIL
# with the guest's and the VMM's state.
b=0
while [ "$b" -lt "${NESTED_L2_BALLOONS:-0}" ]; do
    b=$((b + 1))
    for to in 256 192; do
        "$xl" mem-set "$name" ${to}m || fail balloon_loop "xl mem-set $name ${to}m failed"
        n=0
        while :; do
            set -- $(balloon)
            target1=${1:-0} mem1=${2:-0}
            mem_host=$("$xl" list "$name" 2>/dev/null | awk -v n="$name" '$1 == n { print $3 }')
            if [ "$to" = 256 ]; then
                [ "$mem1" -ge "$mem0" ] && [ "${mem_host:-0}" -ge 256 ] && break
            else
                [ $((mem0 - mem1)) -ge 65536 ] && [ "${mem_host:-999}" -le 192 ] && break
            fi
            n=$((n + 1))
            [ "$n" -gt 60 ] && break
            sleep 1
        done
        [ "$n" -gt 60 ] && break 2
        echo "L1: balloon move $b to $to MiB took $n s (MemTotal $mem1 kB, xl list $mem_host MiB)"
    done
done
if [ "${NESTED_L2_BALLOONS:-0}" -gt 0 ]; then
    if [ "$n" -gt 60 ]; then
        timed_out balloon_loop $cn "balloon move $b to $to MiB: MemTotal $mem1 kB (from $mem0), xl list $mem_host MiB after 60 s"
    else
        pass balloon_loop
    fi
fi

# The parts (scripts/nested/l1-parts/*.sh, in name order), each sourced
# with the guest running and console $cn current; a part that replaces the
# domain (save/restore, migration) leaves it running under $name with
# $domid, $cn and $con_pid up to date.
# NESTED_L2_PARTS (comma-separated numbers, e.g. 50,51) narrows them, for
# debugging: they run in its order, a number given twice runs twice (e.g.
# 50,55,60,60,60 moves the guest four times).
if [ -n "${NESTED_L2_PARTS:-}" ]; then
    parts=
    for n in $(echo "$NESTED_L2_PARTS" | tr ',' ' '); do
        parts="$parts $(ls /nested/l1-parts/"$n"-*.sh 2>/dev/null)"
    done
else
    parts=$(ls /nested/l1-parts/*.sh 2>/dev/null)
fi
for part in $parts; do
    [ -f "$part" ] || continue
    echo "L1: part $(basename "$part" .sh)"
    . "$part"
done

# xl reboot: the control driver runs /sbin/reboot, init reboots, xl's
# monitor restarts the domain (on_reboot="restart") and it boots again.
# NESTED_L2_REBOOTS (default 1) repeats it, for debugging a boot that stops
# now and then (docs/nested-host.md).
r=0
while [ "$r" -lt "${NESTED_L2_REBOOTS:-1}" ]; do
    r=$((r + 1))
    [ "$r" -gt 1 ] && echo "L1: reboot $r of $NESTED_L2_REBOOTS"
    "$xl" reboot "$name" || fail reboot "xl reboot failed"
    if wait_for $cn 'L2: init got SIGTERM' 60; then
        pass reboot_request
    else
        fail reboot_request "the guest's init never heard of the reboot"
    fi
    ended "$con_pid" 60     # the first console ends with its domain
    # The restarted domain has a new domid.
    n=0
    while [ "$("$xl" domid "$name" 2>/dev/null)" = "$domid" ] ||
          ! "$xl" domid "$name" > /dev/null 2>&1; do
        n=$((n + 1))
        [ "$n" -gt 60 ] && break
        sleep 1
done
domid=$("$xl" domid "$name" 2>/dev/null)
n=0                     # its VMM's console socket
while [ ! -S "$XENKVM_RUNDIR/dom$domid.console" ] && [ "$n" -lt 60 ]; do
    n=$((n + 1))
    sleep 1
done
reason=$(last_reason)
check_reason() { # name expected-code what
    if [ "$reason" = "$2" ]; then pass "$1"; else fail "$1" "xl logged shutdown reason '$reason', expected $2 ($3)"; fi
}
check_reason reboot_reason 1 reboot
t1=$(uptime_s)
cn=$((cn + 1))
console $cn
if wait_for $cn 'L2: ready after' "$timeout"; then
    pass reboot
    echo "L1: L2 ready again $(since "$t1") s after its reboot"
    # NESTED_L2_BALLOONS also repeats the sysrq and the first balloon move
    # after every reboot, as after the first boot.
    [ "${NESTED_L2_BALLOONS:-0}" -gt 0 ] && sysrq_balloon "reboot_$r/"
else
    timed_out reboot $cn "the rebooted guest was not ready within $timeout s"
    finish
fi
done

# xl shutdown: the control driver runs /sbin/poweroff, init powers off.
"$xl" shutdown "$name" || fail shutdown "xl shutdown failed"
if wait_for $cn 'L2: init got SIGUSR2' 60; then
    pass shutdown_request
else
    fail shutdown_request "the guest's init never heard of the shutdown"
fi
if gone 60; then
    reason=$(last_reason)
    check_reason shutdown 0 poweroff
else
    fail shutdown "the domain was still there a minute after xl shutdown"
    show_logs
fi
ended "$con_pid" 60
echo "L1: the L2 part took $(since "$t0") s"
finish
