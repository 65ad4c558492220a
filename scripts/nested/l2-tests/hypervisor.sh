# Linux's /sys/hypervisor (drivers/xen/sys-hypervisor.c) agrees with xl:
# the version it got from XENVER_version / XENVER_extraversion and the
# uuid it read from its xenstore "vm" node.  L1 writes what xl says to
# data/expect as "VERSION UUID".
. /tests/lib.inc
set -- $(xenstore-read data/expect 2>/dev/null)
v="$(cat /sys/hypervisor/version/major).$(cat /sys/hypervisor/version/minor)$(cat /sys/hypervisor/version/extra)"
check version "$1" "$v"
check uuid "$2" "$(cat /sys/hypervisor/uuid 2>&1)"
