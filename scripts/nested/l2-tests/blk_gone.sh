# After xl block-detach (l1-parts/2*-blkfront*.sh): each disk named in
# data/blk-gone goes away from the guest, its /dev node with it.
. /tests/lib.inc
. /tests/dev.inc
for d in $(xenstore-read data/blk-gone 2>/dev/null); do
    if goes /sys/block/$d 30 && goes /dev/$d 5; then
        pass ${d}_removed
    else
        fail ${d}_removed "/sys/block/$d or /dev/$d still there 30 s after block-detach"
    fi
done
