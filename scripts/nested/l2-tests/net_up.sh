# xen-netfront with the vif L1 attached (l1-parts/30-netfront.sh).  L1
# writes data/net-expect as "MAC ADDR PEER SUM QUEUES": the vif's MAC,
# the guest's address, L1's bridge address, the sha256 of the file L1
# serves on port 5001, and the queues netfront should use (the backend's
# maximum, at most one per vCPU).  The guest's file goes to port 5002, its sha256 to
# data/net-sum.
. /tests/lib.inc
. /tests/dev.inc
set -- $(xenstore-read data/net-expect 2>/dev/null)
mac=$1 addr=$2 peer=$3 want=$4 queues=$5
if load xen-netfront; then pass netfront_loaded; else fail netfront_loaded "insmod xen-netfront failed"; fi
if appears /sys/class/net/eth0 30; then
    pass eth0_appears
else
    fail eth0_appears "no eth0 30 s after the module loaded"
    exit 0
fi
check eth0_mac "$mac" "$(cat /sys/class/net/eth0/address)"
check eth0_queues "$queues" "$(ls -d /sys/class/net/eth0/queues/tx-* | wc -l)"
ip addr add "$addr/24" dev eth0
ip link set eth0 up
if ping -c 3 -w 30 "$peer" > /tmp/ping.out 2>&1; then
    pass ping_bridge
else
    fail ping_bridge "$(tail -n 2 /tmp/ping.out | tr '\n' ' ')"
fi
rm -f /tmp/fifo && mkfifo /tmp/fifo
if timeout 60 nc "$peer" 5001 > /tmp/net-rx 0<> /tmp/fifo; then
    check file_from_l1 "$want" "$(sum /tmp/net-rx)"
else
    fail file_from_l1 "nc $peer 5001 failed or took over 60 s ($(wc -c < /tmp/net-rx) bytes)"
fi
dd if=/dev/urandom of=/tmp/net-tx bs=64k count=16 2>/dev/null
xenstore-write data/net-sum "$(sum /tmp/net-tx)"
if timeout 60 nc "$peer" 5002 < /tmp/net-tx > /dev/null; then
    pass file_to_l1
else
    fail file_to_l1 "nc $peer 5002 failed or took over 60 s"
fi
