# After xl network-detach (l1-parts/30-netfront.sh): eth0 goes away.
. /tests/lib.inc
. /tests/dev.inc
if goes /sys/class/net/eth0 30; then pass eth0_removed; else fail eth0_removed "eth0 still there 30 s after network-detach"; fi
