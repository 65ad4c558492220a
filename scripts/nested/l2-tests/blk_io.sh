# xen-blkfront with a raw disk L1 attached as xvdb (l1-parts/20-blkfront.sh).
# L1 writes data/blk-expect as "SECTORS SUM QUEUES": the disk's size in
# sectors, the sha256 of the 1 MiB pattern it put at its start, and the
# queues blkfront should use (the backend's maximum, at most one per vCPU).  The guest's own
# 1 MiB pattern goes to MiB 1 (direct I/O of 1 MiB: indirect requests) and
# its sha256 to data/blk-sum for L1 to check on the image file.
. /tests/lib.inc
. /tests/dev.inc
set -- $(xenstore-read data/blk-expect 2>/dev/null)
if load xen-blkfront; then pass blkfront_loaded; else fail blkfront_loaded "insmod xen-blkfront failed"; fi
if appears /sys/block/xvdb 30 && appears /dev/xvdb 5; then
    pass xvdb_appears
else
    fail xvdb_appears "no /sys/block/xvdb and /dev/xvdb 30 s after the module loaded"
    exit 0
fi
check xvdb_size "$1" "$(cat /sys/block/xvdb/size)"
check xvdb_rw 0 "$(cat /sys/block/xvdb/ro)"
check xvdb_queues "$3" "$(ls /sys/block/xvdb/mq | wc -l)"
# What blkfront negotiated: flush (feature-flush-cache), indirect segments.
check xvdb_write_cache "write back" "$(cat /sys/block/xvdb/queue/write_cache)"
feat=$(dmesg | grep 'blkfront: xvdb:' | tail -n 1)
case "$feat" in
*"flush diskcache: enabled;"*"indirect descriptors: enabled;"*) pass xvdb_features ;;
*) fail xvdb_features "blkfront said '$feat'" ;;
esac
check read_host_data "$2" "$(region /dev/xvdb 0 1)"
dd if=/dev/urandom of=/tmp/blk-pat bs=64k count=16 2>/dev/null
want=$(sum /tmp/blk-pat)
if dd if=/tmp/blk-pat of=/dev/xvdb bs=1M seek=1 oflag=direct conv=fsync 2>/dev/null; then
    pass write_direct
else
    fail write_direct "dd to /dev/xvdb failed"
fi
check write_read_back "$want" "$(region /dev/xvdb 1 1)"
# The same through the page cache: written, flushed, dropped, read again.
dd if=/tmp/blk-pat of=/dev/xvdb bs=4k seek=768 conv=fsync 2>/dev/null
blockdev --flushbufs /dev/xvdb
echo 3 > /proc/sys/vm/drop_caches
check write_read_cached "$want" "$(dd if=/dev/xvdb bs=4k skip=768 count=256 2>/dev/null | sha256sum | cut -d' ' -f1)"
xenstore-write data/blk-sum "$want"
