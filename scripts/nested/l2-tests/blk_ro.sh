# A read-only disk (mode r) as xvdc (l1-parts/20-blkfront.sh): the kernel
# marks it read-only, reads give what L1 put there (data/blk-ro-expect:
# "SUM" of its first MiB), a write is refused.
. /tests/lib.inc
. /tests/dev.inc
if appears /sys/block/xvdc 30 && appears /dev/xvdc 5; then
    pass xvdc_appears
else
    fail xvdc_appears "no /sys/block/xvdc 30 s after block-attach"
    exit 0
fi
check xvdc_ro 1 "$(cat /sys/block/xvdc/ro)"
check ro_read "$(xenstore-read data/blk-ro-expect)" "$(region /dev/xvdc 0 1)"
if dd if=/dev/urandom of=/dev/xvdc bs=4k count=1 oflag=direct 2>/dev/null; then
    fail ro_write_refused "a write to the read-only xvdc succeeded"
else
    pass ro_write_refused
fi
