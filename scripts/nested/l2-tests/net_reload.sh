# A frontend reset with the vif attached (l1-parts/30-netfront.sh): the
# device unbound from xen-netfront (eth0 goes, the frontend closes; while
# it is bound, xenbus holds the module), the module unloaded and loaded
# again: it binds the device again, the backend goes back to InitWait,
# eth0 comes back and pings L1.
. /tests/lib.inc
. /tests/dev.inc
set -- $(xenstore-read data/net-expect 2>/dev/null)
if echo vif-0 > /sys/bus/xen/drivers/vif/unbind; then pass unbind; else fail unbind "unbind of vif-0 failed"; fi
check eth0_gone_unbound yes "$(goes /sys/class/net/eth0 30 && echo yes || echo no)"
if rmmod xen-netfront; then pass netfront_unloaded; else fail netfront_unloaded "rmmod xen-netfront failed"; fi
if load xen-netfront && appears /sys/class/net/eth0 30; then
    pass eth0_after_reload
else
    fail eth0_after_reload "no eth0 30 s after xen-netfront was loaded again"
    exit 0
fi
ip addr add "$2/24" dev eth0
ip link set eth0 up
if ping -c 3 -w 30 "$3" > /tmp/ping.out 2>&1; then
    pass ping_after_reload
else
    fail ping_after_reload "$(tail -n 2 /tmp/ping.out | tr '\n' ' ')"
fi
