#!/bin/bash
# Boot L1 (Debian's kernel + CACHE/l1/initramfs.cpio) in QEMU with TCG,
# which emulates AMD SVM, so /dev/kvm inside is a real-SVM KVM.  The QEMU
# is bookworm-backports' (fetch-qemu.sh, CACHE/qemu) with the CPU model
# "EPYC,svm=on,npt=on": its "max" model made Debian's kernel crawl through
# its boot (40 s to the LSM line, not 0.4).  NESTED_QEMU=system runs the
# host's QEMU (bookworm's 7.2) with "max" instead, as before.
# Two vCPUs: with one, L1 once froze for minutes while its guest ran.
# tsc=reliable: TCG's TSC fails L1's clocksource watchdog, and with a TSC
# it calls unstable L1's KVM shifts each vCPU's TSC offset when the vCPU
# moves between CPUs, so the guest's TSC drifts from the one xenkvm reads
# to compute Xen system time (pvclock and timer cases then fail).
# erms=off: under TCG a "rep movsb"/"rep stosb" of the L2 guest that
# crosses into a page its nested page tables do not map yet never
# completes (the L2 kernel sat for minutes in memcpy_erms with the same
# registers, and in clear_page_erms); without ERMS Linux copies and
# clears with other instructions.
# xsave=off: QEMU's TCG (7.2) does not apply a nested guest's XSETBV
# intercept, so L1's KVM never sees L2 set XCR0: it keeps x87-only as the
# guest's XCR0, loads that at every VM entry and sizes CPUID 0xD for it
# (Debian's kernel as L2 warned "XSAVE consistency problem"), and L2's
# XSAVE then left its SSE/AVX state out.  Without XSAVE both levels use
# FXSAVE, which has no such switch.  NESTED_L1_ARGS adds to L1's kernel
# command line, NESTED_QEMU_CPU replaces the CPU model, NESTED_QEMU_ACCEL
# QEMU's -accel (default tcg: multi-threaded; tcg,thread=single for one
# host thread, for debugging).
# The serial console is shown and saved to LOG; its PASS:/FAIL:/SKIP: lines
# are counted and the last line printed is "N passed, N failed, N skipped".
# QEMU gets TIMEOUT seconds (NESTED_TIMEOUT, default 900), and never runs
# past NESTED_DEADLINE (seconds since the epoch, check.sh's budget); a run
# that is cut off, or that never printed "NESTED: done", is a failure.
# NESTED_PARTS (default "suite,l2") picks what L1 runs ("main" too: the
# whole test suite in the host's tree NESTED_BUILDDIR, sources
# NESTED_SRCDIR, which QEMU then exports over virtio-9p; L1 gets 8 GiB
# for it, as the suite boots a 6 GiB guest), NESTED_L2_TIMEOUT
# bounds the L2 boot (default 200 s, and always below NESTED_IDLE so that
# a silent L2 ends as a FAIL of its own), NESTED_GUESTS (comma-separated
# ELF names from tests/guests.list) narrows the suite, for debugging.
# usage: run-l1.sh CACHE LOG
set -uo pipefail
cache=$(cd "${1:?usage: run-l1.sh CACHE LOG}" && pwd)
log=${2:?}
# shellcheck disable=SC1091
. "$cache/versions"
limit=${NESTED_TIMEOUT:-900}
idle=${NESTED_IDLE:-300}
l2_limit=${NESTED_L2_TIMEOUT:-200}
# L1 waiting on a silent L2 prints a progress line every 20 s, and must
# give up on it (a FAIL with L2's console, xl list and the logs) well before
# this watchdog would take L1 for stalled.
l2_max=$((idle > 120 ? idle - 60 : idle / 2))
if [ "$l2_limit" -gt "$l2_max" ]; then
    echo "nested: NESTED_L2_TIMEOUT $l2_limit s is not well below NESTED_IDLE $idle s: using $l2_max s"
    l2_limit=$l2_max
fi
# Which parts L1 runs: "main" (the whole suite), "suite" (the guest
# suite), "l2" (the Linux guest).
parts=${NESTED_PARTS:-suite,l2}
mem=2048 share=() main_args=
case ",$parts," in *,main,*)
    b=${NESTED_BUILDDIR:?NESTED_BUILDDIR: the build tree the main part runs in}
    src=${NESTED_SRCDIR:?NESTED_SRCDIR: its source tree}
    # They go on L1's kernel command line, one word each.
    case "$b$src" in *[[:space:],]*)
        echo "FAIL: nested/main: the build or source path has a space or comma: $b $src"
        echo; echo "0 passed, 1 failed, 0 skipped"; exit 1 ;;
    esac
    mem=8192
    # The host's root read-only, the build tree read-write; remap: the
    # root spans several file systems (/proc, /sys, ...).
    share=(-virtfs "local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap"
           -virtfs "local,path=$b,mount_tag=build,security_model=none,multidevs=remap")
    main_args="NESTED_BUILDDIR=$b NESTED_SRCDIR=$src" ;;
esac
mkdir -p "$(dirname "$log")"
if [ "${NESTED_QEMU:-}" != system ] && [ -x "$cache/qemu/usr/bin/qemu-system-x86_64" ]; then
    qemu=("$cache/qemu/usr/bin/qemu-system-x86_64" -L "$cache/qemu/usr/share/qemu"
          -L "$cache/qemu/usr/share/seabios")
    cpu=EPYC,svm=on,npt=on,erms=off,xsave=off
else
    qemu=(qemu-system-x86_64)
    cpu=max,erms=off,xsave=off
fi
echo "nested: L1 runs on $("${qemu[0]}" --version | head -n 1), -cpu ${NESTED_QEMU_CPU:-$cpu}"
# Debugging aids passed on to L1's /init (see l1-init).
extra=
for v in NESTED_GUESTS NESTED_TRANSPORTS NESTED_VMM_OPTS NESTED_LOG_LINES NESTED_PRINTK NESTED_RUN_SKIPPED NESTED_L2_PARTS NESTED_L2_REBOOTS NESTED_L2_BALLOONS NESTED_KVM_HOLD NESTED_KEY_CYCLES; do
    [ -n "${!v:-}" ] && extra="$extra $v=${!v// /,}"
done

# stall_report: what L1's vCPUs do when it looks stalled, before QEMU is
# stopped, to tell a hung L1 from a slow one: QEMU's vCPU threads on the
# host (running or sleeping, CPU time), then three samples a second apart
# of each vCPU's RIP (with its symbol, stall_symbol), CPL and HLT through
# QEMU's monitor (a pipe: LOG.mon.in / LOG.mon.out).  A monitor that does not answer means
# QEMU's main loop itself is stuck.
stall_report() {
    local qpid sample map=$cache/l1/kallsyms-$KERNEL_ABI
    qpid=$(cat "$log.qemu-pid" 2>/dev/null) || return
    echo "nested: stall report: QEMU's threads (pid $qpid)"
    ps -L -o tid,stat,pcpu,time,wchan:24,comm -p "$qpid" | sed 's/^/nested:   /'
    # l1-init's holder of KVM's static keys (tests/nested/kvm_hold.c):
    # whether it held them when L1 stalled, from its console lines.
    if grep -q '^PASS: nested/l1/kvm_hold:' "$log"; then
        if grep -q '^L1: kvm_hold exited' "$log"; then
            echo "nested: stall report: kvm_hold had ended: $(grep -m1 '^L1: kvm_hold exited' "$log")"
        else
            echo "nested: stall report: kvm_hold was holding KVM's static keys (no exit reported)"
        fi
    else
        echo "nested: stall report: kvm_hold was not holding KVM's static keys (not started, or it failed)"
    fi
    for sample in 1 2 3; do
        echo "nested: stall report: vCPUs, sample $sample"
        timeout 1 cat "$log.mon.out" > /dev/null 2>&1   # what was left in it
        printf 'info registers -a\n' > "$log.mon.in"
        sleep 1
        timeout 3 cat "$log.mon.out" 2>/dev/null | tr -d '\r' |
            sed -n -e 's/^CPU#\([0-9]*\).*/CPU \1/p' \
                   -e 's/^[RE]IP=\([0-9a-f]*\) .*\(CPL=[0-9]\).*\(HLT=[0-9]\).*/\1 \2 \3/p' |
            paste -d' ' - - |
            while read -r _ cpu rip rest; do
                echo "nested:   CPU $cpu rip $rip $(stall_symbol "$map" "$rip") $rest"
            done
    done
    stall_stacks "$map"
}
# stall_stacks MAP: the kernel addresses in the top 64 words of each
# vCPU's stack, named (QEMU's monitor: "cpu N", "x/64gx RSP"): under an
# exception handler such as exc_int3 they include the interrupted place,
# e.g. the code being patched, and its callers (data addresses, named
# after the last text symbol _etext, are left out).
stall_stacks() {
    local cpu rsp names
    timeout 1 cat "$log.mon.out" > /dev/null 2>&1
    printf 'info registers -a\n' > "$log.mon.in"
    sleep 1
    timeout 3 cat "$log.mon.out" 2>/dev/null | tr -d '\r' |
        sed -n -e 's/^CPU#\([0-9]*\).*/\1/p' -e 's/.*RSP=\([0-9a-f]*\).*/\1/p' |
        paste -d' ' - - > "$log.rsp"
    while read -r cpu rsp; do
        [ -n "$rsp" ] || continue
        timeout 1 cat "$log.mon.out" > /dev/null 2>&1
        printf 'cpu %s\nx/64gx 0x%s\n' "$cpu" "$rsp" > "$log.mon.in"
        sleep 1
        names=$(timeout 3 cat "$log.mon.out" 2>/dev/null | tr -d '\r' | sed 's/^[0-9a-f]*://' |
            grep -o '0xffffffff[89abc][0-9a-f]\{7\}' | sed 's/^0x//' |
            while read -r a; do stall_symbol "$1" "$a"; echo; done | grep -v -e '^$' -e '^_etext+' | tr '\n' ' ')
        echo "nested:   CPU $cpu stack at $rsp, kernel addresses on it: ${names:-none named}"
    done < "$log.rsp"
    rm -f "$log.rsp"
}
# stall_symbol MAP RIP: the kernel symbol RIP is in ("symbol+0xoff"), from
# L1's own /proc/kallsyms (Debian's System.map is a stub): with nokaslr the
# addresses are the same at every boot of one kernel, so the first run
# has L1 write its text symbols (kvm's included) to a second serial port,
# kept as CACHE/l1/kallsyms-ABI.
stall_symbol() {
    [ -f "$1" ] || return
    # Both 16 hex digits: compared as strings; the offset from the low half.
    awk -v a="$2" '
        function h(s,  i, v) { v = 0
            for (i = 1; i <= length(s); i++) v = v * 16 + index("0123456789abcdef", substr(s, i, 1)) - 1
            return v }
        $2 ~ /^[tTwW]$/ { if ($1 <= a) { best = $3; bv = $1 } else exit }
        END { if (best != "" && substr(a, 1, 8) == substr(bv, 1, 8))
                  printf "%s+0x%x", best, h(substr(a, 9)) - h(substr(bv, 9)) }' "$1"
}

# One boot of L1.  A watchdog ends QEMU when the serial console has been
# silent for NESTED_IDLE seconds (default 300; every guest case prints far
# more often, and L1 waiting on L2 prints a progress line every 20 s): L1
# under TCG has now and then stopped with both CPUs in soft lockups
# (docs/nested-host.md), and waiting out the whole limit for that helps
# nobody.
run_once() {
    local t0 t1 status watch
    : > "$log"
    rm -f "$log.qemu-pid" "$log.mon.in" "$log.mon.out"
    mkfifo "$log.mon.in" "$log.mon.out"
    ksyms=$cache/l1/kallsyms-$KERNEL_ABI
    ksyms_args=
    [ -s "$ksyms" ] || ksyms_args="-serial file:$ksyms.tmp"
    t0=$(date +%s)
    # $ksyms_args is two words or none.
    # shellcheck disable=SC2086
    ( timeout -k 10 "$limit" "${qemu[@]}" -accel "${NESTED_QEMU_ACCEL:-tcg}" -cpu "${NESTED_QEMU_CPU:-$cpu}" -smp 2 -m "$mem" "${share[@]}" \
        -kernel "$cache/root/$IMAGE_PKG/boot/vmlinuz-$KERNEL_ABI" \
        -initrd "$cache/l1/initramfs.cpio" \
        -append "console=ttyS0 rdinit=/init panic=-1 quiet tsc=reliable nokaslr ${NESTED_L1_ARGS:-} NESTED_L2_TIMEOUT=$l2_limit NESTED_PARTS=$parts${ksyms_args:+ NESTED_KSYMS=1}${main_args:+ $main_args}${main_from:+ NESTED_MAIN_FROM=$main_from}$extra" \
        -display none -monitor pipe:"$log.mon" -name nested-l1,debug-threads=on -serial stdio $ksyms_args -no-reboot -pidfile "$log.qemu-pid" < /dev/null 2>&1 |
        sed -u 's/\r$//' | tee "$log"
      exit "${PIPESTATUS[0]}" ) &
    watch=$!
    stalled=0
    while kill -0 "$watch" 2>/dev/null; do
        sleep 5
        # A soft lockup reported every half minute keeps the console
        # busy: one stuck for 200 s or more is a stall too (a starved
        # QEMU makes L1 report shorter ones that pass).
        if [ $(( $(date +%s) - $(stat -c %Y "$log") )) -ge "$idle" ] ||
           grep -q -E 'soft lockup - CPU#[0-9]+ stuck for ([2-9][0-9]{2}|[0-9]{4,})s' "$log"; then
            echo "nested: no console output for $idle s, or L1 in a soft lockup for 200 s: L1 stalled, stopping QEMU"
            stalled=1
            stall_report
            [ -s "$log.qemu-pid" ] && kill -KILL "$(cat "$log.qemu-pid")" 2>/dev/null
            break
        fi
    done
    wait "$watch"
    status=$?
    rm -f "$log.mon.in" "$log.mon.out"
    [ -n "$ksyms_args" ] && grep -q '^NESTED: kallsyms written' "$log" &&
        tr -d '\r' < "$ksyms.tmp" | sort > "$ksyms"
    rm -f "$ksyms.tmp"
    [ "$stalled" -eq 1 ] && status=124
    t1=$(date +%s)
    echo "nested: QEMU ran $((t1 - t0)) s (status $status); serial log: $log"
    return "$status"
}

# A run that stalled before any case failed is tried again, up to three
# times (NESTED_RETRIES, default 3), saying so: the stalls are the emulator's
# (both L1 vCPUs livelocked in exc_int3, docs/nested-host.md "L1
# stalls"; two in a row were seen on an idle machine; l1-init's holder
# of KVM's static keys removed the known trigger, the retries stay for
# any other).  A run with a FAIL line is tried again only where
# NESTED_RETRY_FAILED is set (check.sh sets it for the L2 guest's boot,
# whose failures were each traced to the emulator: docs/nested-host.md,
# "The L2 boot's retry"); every FAIL of the failed attempt is printed
# first, as "nested: attempt N: FAIL: ...", and its log kept.
# The main part is resumed rather than run again: an attempt that did not
# complete goes on in a fresh L1 at the program that was running ("L1:
# main: running N NAME", l1-main.sh), its FAIL lines or not; the cases
# of the programs before it are kept (LOG.resumed) and counted.
tries=$(( ${NESTED_RETRIES:-3} + 1 ))
main_from=
resumed=$log.resumed
: > "$resumed"
passed=0 failed=0 skipped=0 status=0 complete=0 spent=0
for attempt in $(seq "$tries"); do
    # check.sh's time budget (NESTED_DEADLINE, seconds since the epoch):
    # no attempt runs past it, none starts with less than a minute left.
    if [ -n "${NESTED_DEADLINE:-}" ]; then
        left=$((NESTED_DEADLINE - $(date +%s)))
        if [ "$left" -lt 60 ]; then
            spent=1
            break
        fi
        [ "$left" -lt "$limit" ] && limit=$left
    fi
    run_once
    status=$?
    passed=$(( $(grep -c '^PASS: ' "$log") + $(grep -c '^PASS: ' "$resumed") ))
    failed=$(( $(grep -c '^FAIL: ' "$log") + $(grep -c '^FAIL: ' "$resumed") ))
    skipped=$(( $(grep -c '^SKIP: ' "$log") + $(grep -c '^SKIP: ' "$resumed") ))
    complete=0
    grep -q '^NESTED: done' "$log" && complete=1
    running=$(grep -n -E '^L1: main: running [0-9]+ ' "$log" | tail -n 1)
    if [ "$complete" -eq 0 ] && [ -n "$running" ] && [ "$attempt" -lt "$tries" ]; then
        at=${running%%:*}
        set -- ${running#*running }
        main_from=$1
        head -n "$at" "$log" | grep -E '^(PASS|FAIL|SKIP): nested/main/' >> "$resumed"
        cp "$log" "$log.stalled-$attempt"
        echo "nested: attempt $attempt did not complete (status $status; log kept in $log.stalled-$attempt): resuming at program $1 ($2) in a fresh L1"
        continue
    fi
    if [ "$complete" -eq 0 ] && [ "$failed" -eq 0 ] && [ "$attempt" -lt "$tries" ]; then
        cp "$log" "$log.stalled-$attempt"
        echo "nested: attempt $attempt did not complete (status $status, no case failed; log kept in $log.stalled-$attempt): booting L1 again"
        continue
    fi
    if [ "$failed" -gt 0 ] && [ -n "${NESTED_RETRY_FAILED:-}" ] && [ "$attempt" -lt "$tries" ]; then
        cp "$log" "$log.failed-$attempt"
        grep '^FAIL: ' "$log" | sed "s/^/nested: attempt $attempt: /"
        echo "nested: attempt $attempt failed (FAIL lines: $failed; log kept in $log.failed-$attempt): booting L1 again"
        continue
    fi
    break
done
if [ "$spent" -eq 1 ]; then
    echo "FAIL: nested/l1: attempt $attempt not started: the check's time budget (NESTED_BUDGET) is spent"
    failed=$((failed + 1))
elif [ "$status" -eq 124 ] || [ "$status" -eq 137 ]; then
    echo "FAIL: nested/l1: QEMU stopped (the $limit s limit, or L1 silent for $idle s)"
    failed=$((failed + 1))
elif [ "$complete" -eq 0 ]; then
    echo "FAIL: nested/l1: L1 ended before its run was complete (status $status)"
    failed=$((failed + 1))
fi
rm -f "$resumed"
echo
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
