# Before L1 moves the guest (live update, save/restore, migration; parts
# 50-60): keep a value in tmpfs, note the clock and each CPU's timer count,
# and make sure the ticker runs: a loop printing "L2: tick N" on the console
# every second, which L1 watches continue through the move.  L1 writes
# "VALUE L1-DATE" to data/expect first.
. /tests/lib.inc
set -- $(xenstore-read data/expect 2>/dev/null)
echo "$1" > /tmp/keep-value
cut -d' ' -f1 /proc/uptime > /tmp/keep-uptime
timer_counts > /tmp/keep-timers
if ! { [ -f /tmp/ticker.pid ] && kill -0 "$(cat /tmp/ticker.pid)" 2>/dev/null; }; then
    ( i=0; while :; do i=$((i + 1)); echo "L2: tick $i"; sleep 1; done ) < /dev/null &
    echo $! > /tmp/ticker.pid
fi
check value_kept "$1" "$(cat /tmp/keep-value)"
wall_near before "$2"
