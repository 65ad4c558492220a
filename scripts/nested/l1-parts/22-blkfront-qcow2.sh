# Part: a qcow2 image for Debian's xen-blkfront (sourced by
# l1-guest-test.sh; the guest side is l2-tests/blk_qcow2.sh): blkback
# serves it through Debian's qemu-storage-daemon (NBD on a unix socket,
# libnbd), which l1-initramfs.sh copies from the host with qemu-img when
# the host has them.  The guest reads what qemu-img put in, writes MiB 1;
# after block-detach `qemu-img check` is clean and the raw conversion
# holds the guest's data.
q_img=/tmp/l2-xvdd.qcow2
q_t0=$(uptime_s)
if ! command -v qemu-storage-daemon > /dev/null || ! command -v qemu-img > /dev/null; then
    echo "SKIP: nested/l2/blk/qcow2: no qemu-storage-daemon or qemu-img in L1 (not on the host that built its initramfs)"
else
    dd if=/dev/urandom of=/tmp/l2-xvdd.raw bs=64k count=16 2>/dev/null
    truncate -s 16M /tmp/l2-xvdd.raw
    q_sum0=$(blk_region /tmp/l2-xvdd.raw 0 1)
    qemu-img convert -f raw -O qcow2 /tmp/l2-xvdd.raw $q_img
    rm -f /tmp/l2-xvdd.raw
    xenstore-write "$blk_home/data/blk-qcow2-expect" "32768 $q_sum0"
    blk_attach qcow2_attach "format=qcow2,vdev=xvdd,access=rw,target=$q_img"
    dev_run blk_qcow2 120 || blk_log
    if "$xl" block-detach "$name" xvdd > /tmp/blk-detach.out 2>&1 && [ -z "$(blk_state 51760)" ]; then
        pass blk/qcow2_detach
    else
        fail blk/qcow2_detach "xl block-detach $name xvdd: $(tr '\n' ' ' < /tmp/blk-detach.out)"
    fi
    xenstore-write "$blk_home/data/blk-gone" "xvdd"
    dev_run blk_gone 60
    # The daemon went with the device; the image is consistent and holds
    # what the guest wrote.
    if qemu-img check $q_img > /tmp/qemu-img-check.out 2>&1; then
        pass blk/qcow2_check
    else
        fail blk/qcow2_check "qemu-img check: $(tr '\n' ' ' < /tmp/qemu-img-check.out)"
    fi
    qemu-img convert -f qcow2 -O raw $q_img /tmp/l2-xvdd.raw
    q_sum=$(xenstore-read "$blk_home/data/blk-qcow2-sum" 2>/dev/null)
    if [ -n "$q_sum" ] && [ "$(blk_region /tmp/l2-xvdd.raw 1 1)" = "$q_sum" ] &&
       [ "$(blk_region /tmp/l2-xvdd.raw 0 1)" = "$q_sum0" ]; then
        pass blk/qcow2_image_has_guest_write
    else
        fail blk/qcow2_image_has_guest_write "the qcow2 image does not hold the guest's MiB 1 (or lost MiB 0)"
    fi
    rm -f $q_img /tmp/l2-xvdd.raw
fi
echo "L1: part blkfront-qcow2 took $(since "$q_t0") s"
