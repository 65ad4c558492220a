# Discard on xvdb (l1-parts/20-blkfront.sh): blkdiscard of MiB 1 (the
# guest's pattern from blk_io.sh) reads back as zeroes; L1 then looks for
# the hole in the image file.
. /tests/lib.inc
. /tests/dev.inc
check discard_max_bytes nonzero "$([ "$(cat /sys/block/xvdb/queue/discard_max_bytes)" -gt 0 ] && echo nonzero || echo zero)"
zero=$(dd if=/dev/zero bs=1M count=1 2>/dev/null | sha256sum | cut -d' ' -f1)
if blkdiscard -o 1048576 -l 1048576 /dev/xvdb; then pass blkdiscard; else fail blkdiscard "blkdiscard failed"; fi
check discard_reads_zero "$zero" "$(region /dev/xvdb 1 1)"
