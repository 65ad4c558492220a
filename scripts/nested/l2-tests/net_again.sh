# The vif attached again (l1-parts/30-netfront.sh): an interface comes
# back (eth0 again, the name being free) with the MAC given to
# network-attach (data/net-mac), takes the address and pings L1.
. /tests/lib.inc
. /tests/dev.inc
set -- $(xenstore-read data/net-expect 2>/dev/null)
if appears /sys/class/net/eth0 30; then
    pass eth0_back
else
    fail eth0_back "no eth0 30 s after the second network-attach"
    exit 0
fi
check eth0_mac "$(xenstore-read data/net-mac 2>/dev/null)" "$(cat /sys/class/net/eth0/address)"
ip addr add "$2/24" dev eth0
ip link set eth0 up
if ping -c 3 -w 30 "$3" > /tmp/ping.out 2>&1; then
    pass ping_again
else
    fail ping_again "$(tail -n 2 /tmp/ping.out | tr '\n' ' ')"
fi
