#!/bin/bash
# ACPI for HVM guests (hvm/acpi.c, docs/acpi.md "The HVM set"):
# acpi_poweroff64.elf booted as a type=hvm guest (--firmware) finds a FADT
# that is not hardware-reduced and powers off as Linux's
# acpi_hw_legacy_sleep does, SLP_TYP from \_S5 and SLP_EN to the PM1a
# control block; with --no-acpi (xl's acpi=0) it finds no tables.
set -u
. "$SRCDIR/tests/cli/common.inc"
need_kvm acpi_hvm
guest=$guests/acpi_poweroff64.elf

out=$(timeout -k 5 60 "$vmm" -v --firmware "$guest" 2>&1); st=$?
if [ $st = 0 ] && grep -q "SLP_TYP 5 << 10 | SLP_EN to PM1a_CNT 0xb004" <<<"$out" &&
    grep -q "ACPI S5: powering off" <<<"$out"; then pass hvm_poweroff_through_pm1a_cnt
else fail hvm_poweroff_through_pm1a_cnt "status $st: $out"; fi

out=$(timeout -k 5 60 "$vmm" --firmware "$guest" --no-acpi 2>&1); st=$?
if [ $st = 12 ] && grep -q "no FADT" <<<"$out"; then pass hvm_no_acpi_has_no_tables
else fail hvm_no_acpi_has_no_tables "status $st: $out"; fi
