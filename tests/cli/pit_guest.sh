#!/bin/bash
# The PIT as guests see it (hvm/vm.c, docs/migration.md): pit64.elf booted
# as a type=hvm guest (--firmware) programs KVM's in-kernel PIT and reads
# its mode, counts and speaker port back; as a PVH guest (--kernel) it finds
# no PIT on ports 0x40-0x43 and 0x61, as on Xen's PVH.
set -u
. "$SRCDIR/tests/cli/common.inc"
need_kvm pit_guest
guest=$guests/pit64.elf

run() { # NAME ARGS...: the guest's own case lines, then its exit status
    local n=$1 out st; shift
    out=$(timeout -k 5 60 "$vmm" "$@" 2>&1); st=$?
    sed -n 's/^\(PASS\|FAIL\|SKIP\): /\1: '"$n"'_/p' <<<"$out"
    if [ $st = 0 ] && grep -q "^RESULT: [0-9]* passed, 0 failed" <<<"$out"; then pass "$n"
    else fail "$n" "status $st: $out"; fi
}
run hvm_has_pit --firmware "$guest"
run pvh_has_no_pit --kernel "$guest" --cmdline nopit
