# Part: a disk given in the domain's config (l2.cfg's disk=, served from
# `xl create` on, not block-attached; the guest side is
# l2-tests/blk_boot.sh): xvda is there at boot (l2-init loads
# xen-blkfront when the domain has a vbd, as an initramfs with udev
# would), reads what L1 put in the image, and what the guest writes is in
# L1's file.  Then it is block-detached (gone in the guest), which leaves
# xen-blkfront unbound for the block-attach parts after this one.
bd_t0=$(uptime_s)
bd_home=/local/domain/$domid
bd_st=$("$xl" block-list "$name" 2>/dev/null | awk '$1 == 51712 { print $4 }')
if [ "$bd_st" = 4 ]; then
    pass blk/boot_block_list
else
    fail blk/boot_block_list "xl block-list shows xvda (51712) in state '$bd_st', expected 4"
fi
xenstore-write "$bd_home/data/blk-boot-expect" "$(($(stat -c %s $l2_disk) / 512)) $l2_disk_sum0"
l2_run blk_boot 120 ||
    tail -n 30 "$XENKVM_LOGDIR/blkback-$name.log" 2>/dev/null | sed 's/^/L1: blkback: /'
sync
bd_sum=$(xenstore-read "$bd_home/data/blk-boot-sum" 2>/dev/null)
for m in 1:direct 3:cached; do
    if [ -n "$bd_sum" ] &&
       [ "$(dd if=$l2_disk bs=1M skip="${m%%:*}" count=1 2>/dev/null | sha256sum | cut -d' ' -f1)" = "$bd_sum" ]; then
        pass "blk/boot_image_has_${m#*:}_write"
    else
        fail "blk/boot_image_has_${m#*:}_write" "MiB ${m%%:*} of $l2_disk is not what the guest wrote"
    fi
done
if "$xl" block-detach "$name" xvda > /tmp/blk-detach.out 2>&1; then
    pass blk/boot_detach
else
    fail blk/boot_detach "xl block-detach $name xvda: $(tr '\n' ' ' < /tmp/blk-detach.out)"
fi
xenstore-write "$bd_home/data/blk-gone" "xvda"
l2_run blk_gone 60 blk_boot_gone
echo "L1: part boot-disk took $(since "$bd_t0") s"
