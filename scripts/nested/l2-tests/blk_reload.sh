# With no disk attached (l1-parts/20-blkfront.sh): xen-blkfront loaded
# again with the largest ring and indirect requests the backend offers
# (max_ring_page_order 4, 256 segments; Linux's defaults are 0 and 32),
# for the next attach.  (Not a frontend reset with the disk attached:
# while a device is bound, xenbus holds the module, and Linux 6.1's
# blkfront, unbound and bound again, stays Closed on a Xen dom0's blkback
# too: unlike netfront, its probe does not go back to Initialising.)
. /tests/lib.inc
. /tests/dev.inc
if rmmod xen-blkfront && insmod /modules/xen-blkfront.ko max_ring_page_order=4 max_indirect_segments=256; then
    pass blkfront_reloaded
else
    fail blkfront_reloaded "rmmod and insmod of xen-blkfront with max_ring_page_order=4 failed"
fi
