#!/bin/sh
# Run in L1 (the nested KVM host): boot the L2 guest (Debian's kernel, l2.cfg)
# through xl with its console on standard output, show that output with an
# "L2| " prefix, and turn the guest's L2-PASS/L2-FAIL lines into PASS:/FAIL:
# lines of its own.  Every check the guest makes is expected; a missing one
# is a failure (the guest hung or died before it).  Bounded by TIMEOUT s
# (busybox timeout: status 143 when it had to stop xl).
timeout=${1:-300}
xk=/xenkvm
log=/tmp/l2-console.log
export XENKVM_RUNDIR=/run/xenkvm XENKVM_LOGDIR=/tmp/xenkvm-log \
       XENSTORED_PATH=/run/xenstored/socket
mkdir -p "$XENKVM_RUNDIR" "$XENKVM_LOGDIR" /run/xenstored

t0=$(cut -d' ' -f1 /proc/uptime)
# Shown as it comes (a hang shows where it is); xl's status via a file.
{ timeout -k 10 "$timeout" "$xk/xl-compat/xl" create -c /nested/l2.cfg < /dev/null 2>&1
  echo $? > /tmp/l2-status; } | tee "$log" |
while IFS= read -r l; do echo "L2| $l"; done
status=$(cat /tmp/l2-status)
# The console gives CR LF line ends.
tr -d '\r' < "$log" > "$log.txt"
log=$log.txt
t1=$(cut -d' ' -f1 /proc/uptime)
echo "L1: xl create -c ended with status $status after $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }') s"
if [ "$status" -eq 124 ] || [ "$status" -eq 137 ] || [ "$status" -eq 143 ]; then
    echo "FAIL: nested/l2/boot: no poweroff within $timeout s (L1 time)"
    "$xk/xl-compat/xl" list 2>&1 | sed 's/^/L1: /'
    for f in "$XENKVM_LOGDIR"/*; do [ -f "$f" ] && tail -n 20 "$f" | sed "s|^|L1: $(basename "$f"): |"; done
    "$xk/xl-compat/xl" destroy nested-l2 > /dev/null 2>&1
fi
# Userspace reached: the guest's init printed its first line.
if grep -q '^L2: userspace after' "$log"; then
    echo "PASS: nested/l2/userspace"
else
    echo "FAIL: nested/l2/userspace: the guest's init never ran"
fi
for c in hypervisor_type xenbus_device vcpus_online xenstore_read_name \
         xenstore_write_read xenstore_ls_home xenstore_read_domid clock_stable; do
    line=$(grep -E "^L2-(PASS|FAIL): $c(:|\$)" "$log" | head -n 1)
    case "$line" in
    L2-PASS:*) echo "PASS: nested/l2/$c" ;;
    L2-FAIL:*) echo "FAIL: nested/l2/${line#L2-FAIL: }" ;;
    *) echo "FAIL: nested/l2/$c: not reported by the guest" ;;
    esac
done
if [ "$status" -eq 0 ]; then
    echo "PASS: nested/l2/poweroff"
else
    echo "FAIL: nested/l2/poweroff: xl create -c exited with status $status"
fi
kill "$(cat "$XENKVM_RUNDIR/xenstored.pid" 2>/dev/null)" 2>/dev/null
