#!/bin/bash
# xl pci-assignable-add / -remove / -list (xl-compat/cmd_pci_assignable.c)
# against a FAKE sysfs tree ($XENKVM_SYSFS_ROOT): this host has no VFIO and
# no function to give away, so what is checked is what xl writes where
# (driver_override, the old driver's unbind, vfio-pci's bind, the rebind
# with -r), not the kernel's reaction to it.
set -u
. "$SRCDIR/tests/cli/common.inc"
xl=$BUILDDIR/xl-compat/xl
xl_private pciassign
export XENKVM_SYSFS_ROOT=$tmp/sys
mkdir -p "$XENKVM_RUNDIR"
trap 'rm -rf "$tmp"' EXIT
d=$XENKVM_SYSFS_ROOT/bus/pci
mkdir -p "$d/drivers/e1000e" "$d/drivers/vfio-pci" "$d/devices/0000:03:00.0" \
    "$d/devices/0000:04:00.0"
touch "$d/drivers/e1000e/bind" "$d/drivers/e1000e/unbind" "$d/drivers/vfio-pci/bind" \
    "$d/drivers/vfio-pci/unbind" "$d/devices/0000:03:00.0/driver_override" \
    "$d/devices/0000:04:00.0/driver_override"
ln -s ../../drivers/e1000e "$d/devices/0000:03:00.0/driver"

out=$("$xl" pci-assignable-list); st=$?
[ $st = 0 ] && [ -z "$out" ]
result list_empty $? "status $st: $out"
"$xl" pci-assignable-add 03:00.0; st=$?
[ $st = 0 ] && [ "$(cat "$d/devices/0000:03:00.0/driver_override")" = vfio-pci ] &&
    [ "$(cat "$d/drivers/e1000e/unbind")" = 0000:03:00.0 ] &&
    [ "$(cat "$d/drivers/vfio-pci/bind")" = 0000:03:00.0 ]
result add_overrides_unbinds_binds $? "status $st"
[ "$(cat "$XENKVM_RUNDIR/pci-assignable/0000:03:00.0")" = e1000e ]
result add_remembers_the_driver $?
out=$("$xl" pci-assignable-list)
[ "$out" = 0000:03:00.0 ]
result list_shows_it "$?" "$out"
out=$("$xl" pci-assignable-add 0000:03:00.0 2>&1); st=$?
[ $st = 0 ] && grep -q "already assigned" <<<"$out"
result add_twice_warns $? "status $st: $out"
out=$("$xl" pci-assignable-add 05:00.0 2>&1); st=$?
[ $st = 1 ] && grep -q "Couldn't find device 0000:05:00.0" <<<"$out"
result add_missing_device $? "status $st: $out"
out=$("$xl" pci-assignable-add 03:00 2>&1); st=$?
[ $st = 2 ] && grep -q 'malformed BDF "03:00"' <<<"$out"
result add_malformed $? "status $st: $out"
out=$("$xl" pci-assignable-remove 04:00.0 2>&1); st=$?
[ $st = 1 ] && grep -q "0000:04:00.0 is not assignable" <<<"$out"
result remove_not_assignable $? "status $st: $out"
: > "$d/drivers/e1000e/bind"
"$xl" pci-assignable-remove -r 03:00.0; st=$?
[ $st = 0 ] && [ "$(cat "$d/drivers/vfio-pci/unbind")" = 0000:03:00.0 ] &&
    [ "$(cat "$d/devices/0000:03:00.0/driver_override")" = "" ] &&
    [ "$(cat "$d/drivers/e1000e/bind")" = 0000:03:00.0 ] &&
    [ ! -e "$XENKVM_RUNDIR/pci-assignable/0000:03:00.0" ]
result remove_r_rebinds_the_old_driver $? "status $st"
out=$("$xl" pci-assignable-list)
[ -z "$out" ]
result list_empty_again $? "$out"
