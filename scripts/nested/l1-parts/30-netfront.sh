# Part: Debian's xen-netfront against xenkvm-netback (sourced by
# l1-guest-test.sh; the guest side is l2-tests/net_*.sh).  A bridge in L1
# with an address, a vif attached with `xl network-attach` (vif-bridge)
# while the guest runs: the guest's eth0 with the MAC xl gave, a static
# address, ping both ways, a file sent each way with busybox nc (sha256
# checked on both sides), network-list, xen-netfront unloaded and loaded
# again (a frontend reset), network-detach taking eth0 away,
# attached again and pinging, detached at the end.
net_t0=$(uptime_s)
net_br=xenbr0 net_l1=10.77.0.1 net_l2=10.77.0.2
net_home=/local/domain/$domid
net_log() { tail -n 30 "$XENKVM_LOGDIR/netback-$name.log" 2>/dev/null | sed 's/^/L1: netback: /'; }
# net_list: `xl network-list` lines of the domain's vifs (no heading).
net_list() { "$xl" network-list "$name" 2>/dev/null | awk 'NR > 1 && $1 ~ /^[0-9]+$/'; }
net_attach() { # CHECK [KEY=VALUE...]
    local c=$1
    shift
    if "$xl" network-attach "$name" bridge=$net_br ip=$net_l2 "$@" > /tmp/net-attach.out 2>&1; then
        pass "net/$c"
    else
        fail "net/$c" "xl network-attach: $(tr '\n' ' ' < /tmp/net-attach.out)"
        net_log
    fi
}
# net_detach CHECK: the domain's vif (by the devid network-list shows)
# goes, with its tap, and network-list no longer shows it.
net_detach() {
    local id tap n
    id=$(net_list | awk '{ print $1 }' | head -n 1)
    tap=vif$domid.$id
    if [ -n "$id" ] && "$xl" network-detach "$name" "$id" > /tmp/net-detach.out 2>&1 &&
       [ -z "$(net_list)" ]; then
        pass "net/$1"
    else
        fail "net/$1" "xl network-detach $name '$id': $(tr '\n' ' ' < /tmp/net-detach.out); list: $(net_list)"
    fi
    n=0
    while ip link show "$tap" > /dev/null 2>&1 && [ "$n" -lt 10 ]; do
        n=$((n + 1))
        sleep 1
    done
    if ip link show "$tap" > /dev/null 2>&1; then
        fail "net/$1_tap_gone" "$tap still in L1 after network-detach"
    else
        pass "net/$1_tap_gone"
    fi
}

for m in tun llc stp bridge; do
    [ -d /sys/module/$m ] || insmod /nested/modules/$m.ko || echo "L1: insmod $m failed"
done
ip link add $net_br type bridge 2>/dev/null || brctl addbr $net_br
ip addr add $net_l1/24 dev $net_br
ip link set $net_br up
net_attach attach
"$xl" network-list "$name" 2>&1 | sed 's/^/L1: /'
net_mac=$(net_list | awk '{ print $3 }' | head -n 1)
case "$net_mac" in
00:16:3e:??:??:??) pass net/network_list ;;
*) fail net/network_list "no vif with a 00:16:3e MAC in xl network-list: '$(net_list)'" ;;
esac

# The files: L1 serves one on port 5001 and takes one on 5002.  A
# receiving nc must not shut its own sending side down early (the peer's
# nc ends on EOF): its input is a fifo nobody writes.
dd if=/dev/urandom of=/tmp/net-l1.bin bs=64k count=16 2>/dev/null
rm -f /tmp/net-l2.bin /tmp/net-fifo
mkfifo /tmp/net-fifo
nc -l -p 5001 < /tmp/net-l1.bin > /dev/null &
net_nc1=$!
nc -l -p 5002 > /tmp/net-l2.bin 0<> /tmp/net-fifo &
net_nc2=$!
net_be=$(xenstore-read "/local/domain/0/backend/vif/$domid/$(net_list | awk '{ print $1 }' | head -n 1)/multi-queue-max-queues" 2>/dev/null)
net_v=$("$xl" list "$name" | awk -v n="$name" '$1 == n { print $4 }')
net_q=$(( ${net_be:-1} < ${net_v:-1} ? ${net_be:-1} : ${net_v:-1} ))
xenstore-write "$net_home/data/net-expect" "$net_mac $net_l2 $net_l1 $(sha256sum < /tmp/net-l1.bin | cut -d' ' -f1) $net_q"
dev_run net_up 180 || net_log
if ping -c 3 -w 30 $net_l2 > /tmp/net-ping.out 2>&1; then
    pass net/l1_pings_guest
else
    fail net/l1_pings_guest "$(tail -n 2 /tmp/net-ping.out | tr '\n' ' ')"
fi
ended $net_nc1 30 || { kill $net_nc1 2>/dev/null; fail net/l1_sent "L1's sending nc still runs"; }
if ended $net_nc2 30; then
    net_sum=$(xenstore-read "$net_home/data/net-sum" 2>/dev/null)
    if [ -n "$net_sum" ] && [ "$(sha256sum < /tmp/net-l2.bin | cut -d' ' -f1)" = "$net_sum" ]; then
        pass net/l1_received
    else
        fail net/l1_received "what L1 received ($(wc -c < /tmp/net-l2.bin) bytes) is not what the guest sent"
    fi
else
    kill $net_nc2 2>/dev/null
    fail net/l1_received "L1's receiving nc did not end"
fi
dev_run net_reload 120 || net_log
net_tap=vif$domid.$(net_list | awk '{ print $1 }' | head -n 1)
if [ "$(cat /sys/class/net/$net_tap/master/ifindex 2>/dev/null)" = "$(cat /sys/class/net/$net_br/ifindex)" ]; then
    pass net/tap_on_bridge
else
    fail net/tap_on_bridge "no $net_tap on $net_br in L1"
fi

net_detach detach
dev_run net_gone 60
# Attached again with a MAC of the user's choice.
xenstore-write "$net_home/data/net-mac" 00:16:3e:4a:2b:0c
net_attach attach_again mac=00:16:3e:4a:2b:0c
dev_run net_again 120 || net_log
net_detach detach_again
ip link del $net_br 2>/dev/null || { ip link set $net_br down; brctl delbr $net_br; }
rm -f /tmp/net-l1.bin /tmp/net-l2.bin /tmp/net-fifo
# What netback logged meanwhile (warnings about a frontend show here).
net_log
echo "L1: part netfront took $(since "$net_t0") s"
