#!/bin/bash
# Bad input to the VMM: each case must end with a clear one-line error, the
# documented exit status (2) and no crash.  Prints PASS:/FAIL: lines.
set -u
vmm=$BUILDDIR/hvm/xenkvm
guests=$BUILDDIR/tests/guest
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# expect NAME STATUS PATTERN -- ARGS...: run the VMM, check status and that
# stderr matches PATTERN.
expect() {
    local name=$1 want=$2 pattern=$3; shift 4
    local out status
    out=$(timeout -k 5 30 "$vmm" "$@" 2>&1 >/dev/null)
    status=$?
    if [ "$status" -ne "$want" ]; then
        echo "FAIL: $name: exit status $status, expected $want: $out"
    elif ! grep -qE -- "$pattern" <<<"$out"; then
        echo "FAIL: $name: message does not match /$pattern/: $out"
    elif grep -qE "AddressSanitizer|runtime error|Segmentation" <<<"$out"; then
        echo "FAIL: $name: sanitizer report: $out"
    else
        echo "PASS: $name"
    fi
}

expect no_arguments 2 "exactly one of --kernel and --firmware" --
expect both_kernel_and_firmware 2 "exactly one of" -- --kernel a --firmware b
expect unknown_option 2 "unrecognized option|usage" -- --frobnicate
expect stray_argument 2 "unexpected argument 'extra'" -- --kernel x extra
expect memory_not_a_number 2 "--memory 12x" -- --kernel x --memory 12x
expect memory_too_small 2 "--memory 1:" -- --kernel x --memory 1
expect memory_negative 2 "--memory -5" -- --kernel x --memory -5
expect memory_beyond_host 2 "--memory 1048576 MiB does not fit" -- --kernel x --memory 1048576
expect vcpus_zero 2 "--vcpus 0" -- --kernel x --vcpus 0
expect vcpus_too_many 2 "--vcpus 129" -- --kernel x --vcpus 129
expect domid_zero 2 "--domid 0" -- --kernel x --domid 0
expect max_grant_frames_zero 2 "--max-grant-frames 0" -- --kernel x --max-grant-frames 0
expect max_grant_frames_too_many 2 "--max-grant-frames 257" -- --kernel x --max-grant-frames 257
expect missing_kernel 2 "cannot read $tmp/nope.elf: No such file" -- --kernel "$tmp/nope.elf"
expect kernel_is_directory 2 "cannot read $tmp" -- --kernel "$tmp"
expect ready_fd_not_open 2 "--ready-fd 9: give an open file descriptor" -- --kernel x --ready-fd 9
expect ready_fd_stdio 2 "--ready-fd 1: give an open file descriptor from 3" -- --kernel x --ready-fd 1
expect ready_fd_not_a_number 2 "--ready-fd x3" -- --kernel x --ready-fd x3
expect console_log_unwritable 2 "--console-log $tmp/no/such/dir: No such file" -- \
    --kernel x --console-log "$tmp/no/such/dir"

if [ "${KVM_OK:-0}" = 1 ]; then
    printf 'not an elf at all\n' > "$tmp/text.elf"
    expect kernel_not_elf 2 "text.elf: not an ELF file" -- --kernel "$tmp/text.elf"
    head -c 100 "$guests/demo64.elf" > "$tmp/trunc.elf"
    expect kernel_truncated 2 "trunc.elf: .*(outside|truncated|short)" -- --kernel "$tmp/trunc.elf"
    # A firmware ELF is not a PVH kernel: no PHYS32 entry note.
    objcopy --remove-section=.note.Xen --remove-section='.note*' \
        "$guests/demo64.elf" "$tmp/nonote.elf" 2>/dev/null
    expect kernel_without_pvh_note 2 "not a PVH kernel" -- --kernel "$tmp/nonote.elf"
    # ... but it boots as HVM firmware, entered at its ELF entry point.
    out=$(timeout -k 5 30 "$vmm" --firmware "$tmp/nonote.elf" 2>&1)
    status=$?
    if [ "$status" -eq 0 ] && grep -qF "Hello from a PVH guest" <<<"$out"; then
        echo "PASS: firmware_boot"
    else
        echo "FAIL: firmware_boot: status $status: $out"
    fi
    head -c 3000000 /dev/zero > "$tmp/big.img"
    expect ramdisk_does_not_fit 2 "big.img .* does not fit" -- --kernel "$guests/demo64.elf" --memory 2 --ramdisk "$tmp/big.img"
    # RAM above the 4 GiB hole: a memory-map entry of its own after low
    # RAM, the ACPI tables and the special pages; the guest sees all of it.
    out=$(timeout -k 5 30 "$vmm" --kernel "$guests/demo64.elf" --memory 6144 2>&1)
    if grep -qF "memory: 6144 MiB RAM in 4 memmap entries" <<<"$out"; then
        echo "PASS: memory_above_4g"
    else
        echo "FAIL: memory_above_4g: $out"
    fi
    # A ramdisk is handed over as module 0 and the command line arrives.
    out=$(timeout -k 5 30 "$vmm" --kernel "$guests/demo64.elf" --ramdisk "$guests/demo64.elf" --cmdline "root=/dev/xvda1 quiet" 2>&1)
    size=$(stat -c %s "$guests/demo64.elf")
    if grep -qF 'command line: "root=/dev/xvda1 quiet"' <<<"$out" &&
       grep -qF "modules: 1, the first $size bytes" <<<"$out"; then
        echo "PASS: cmdline_and_ramdisk"
    else
        echo "FAIL: cmdline_and_ramdisk: $out"
    fi
    expect missing_ramdisk 2 "cannot read $tmp/none.img" -- --kernel "$guests/demo64.elf" --ramdisk "$tmp/none.img"
else
    echo "SKIP: loader_cases: no /dev/kvm (the loader runs after KVM set-up)"
fi
exit 0
