#!/bin/bash
# Build the libFuzzer harness for xl-compat/'s domain config parser (what a
# user writes in a domain config) with clang (+ ASan, UBSan) and run it for
# SECONDS (default 15).  usage: tests/fuzz/xlcfg.sh [SECONDS]; see common.inc.
NAME=xlcfg SECS=${1:-15}
. "$(dirname "$0")/common.inc"
fuzz_build -I"$src/xl-compat" "$src"/xl-compat/cfg_parse.c "$src"/xl-compat/domcfg.c \
    "$src"/xl-compat/disk_spec.c "$src"/xl-compat/vif_spec.c "$src"/xl-compat/pci_spec.c \
    "$src"/xl-compat/domcfg_json.c "$src"/lib/util.c "$src"/lib/hcall_transport.c
fuzz_run 16384
