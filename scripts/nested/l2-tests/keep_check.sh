# After L1 moved the guest (keep_start.sh ran before): the tmpfs value is
# still there, the ticker still runs, xenstore reads and writes (L1 reads
# data/keep-after back), the clock moved on by about as much as L1's did
# (uptime counts boot time, so it includes a suspend's pause), the wall
# clock agrees with L1's, both CPUs' timers tick, and the kernel logged no
# trouble.  L1 writes "VALUE L1-DATE L1-ELAPSED SEQ" to data/expect.
. /tests/lib.inc
set -- $(xenstore-read data/expect 2>/dev/null)
check value_kept "$1" "$(cat /tmp/keep-value 2>&1)"
check ticker_runs yes "$(kill -0 "$(cat /tmp/ticker.pid 2>/dev/null)" 2>/dev/null && echo yes || echo no)"
xenstore-write data/keep-after "after-$4" 2>&1
check xenstore_write_read "after-$4" "$(xenstore-read data/keep-after 2>&1)"
wall_near after "$2"
# The guest's uptime since keep_start against L1's elapsed time: wide
# bounds (polling adds seconds on each side), a stopped or jumping clock
# is far outside them.
d=$(awk -v a="$(cat /tmp/keep-uptime)" -v b="$(cut -d' ' -f1 /proc/uptime)" 'BEGIN { printf "%.1f", b - a }')
echo "L2: uptime moved $d s, L1's clock $3 s"
check clock_moved_on yes "$(awk -v d="$d" -v e="$3" 'BEGIN { print (d >= e - 5 && d <= e + 30) ? "yes" : "no (" d " s for L1s " e " s)" }')"
# Both CPUs' PV timers tick: busy loops on both, then compare.
set -- $(cat /tmp/keep-timers)
for i in 1 2; do ( i=0; while [ $i -lt 3000 ]; do i=$((i + 1)); done ) & done
wait
sleep 1
set -- "$1" "$2" $(timer_counts)
echo "L2: timer counts CPU0 $1 -> $3, CPU1 $2 -> $4"
check cpu0_timer_ticks yes "$([ "$3" -gt "$1" ] && echo yes || echo "no ($1 -> $3)")"
check cpu1_timer_ticks yes "$([ "$4" -gt "$2" ] && echo yes || echo "no ($2 -> $4)")"
check vcpus_online 0-1 "$(cat /sys/devices/system/cpu/online 2>&1)"
# WARN() splats ("WARNING: CPU: N PID: ..."), not notices that merely
# contain the word: on the EPYC CPU model L1 gives (docs/nested-host.md)
# the kernel says "Speculative Return Stack Overflow: WARNING: See ...
# for mitigation options", about the emulated CPU, not about xenkvm.
bad=$(dmesg | grep -E 'BUG|Oops|WARNING: CPU|soft lockup|clocksource.*unstable|xen:manage.*failed' | head -n 3)
check kernel_log_clean '' "$bad"
