/* The blkif ring ABI as the backend reads it: Xen's <xen/io/blkif.h> and
 * <xen/io/ring.h> for the native (x86_64) layout, and the x86_32 layout
 * a 32-bit frontend uses (protocol node "x86_32-abi", or no node at all:
 * the ABI's default).  In the 32-bit ABI a uint64_t is 4-byte aligned, so
 * every field after the first few moves; the public headers only define
 * the layout of the compiler they are built with, hence these. */
#ifndef XK_BLKIF_ABI_H
#define XK_BLKIF_ABI_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* ring.h leaves the barriers to its user (newer interface versions). */
#define xen_mb()  __atomic_thread_fence(__ATOMIC_SEQ_CST)
#define xen_rmb() __atomic_thread_fence(__ATOMIC_ACQUIRE)
#define xen_wmb() __atomic_thread_fence(__ATOMIC_RELEASE)

#include <xen/xen.h>
#include <xen/grant_table.h>
#include <xen/io/ring.h>
#include <xen/io/blkif.h>
#include <xen/io/protocols.h>

/* The 32-bit request: the operation, then one of these (packed: the
 * i386 ABI aligns 64-bit fields to 4 bytes). */
struct blkif_x86_32_request_rw {
    uint8_t nr_segments;
    blkif_vdev_t handle;
    uint64_t id;
    blkif_sector_t sector_number;
    struct blkif_request_segment seg[BLKIF_MAX_SEGMENTS_PER_REQUEST];
} __attribute__((packed));

struct blkif_x86_32_request_discard {
    uint8_t flag;
    blkif_vdev_t handle;
    uint64_t id;
    blkif_sector_t sector_number;
    uint64_t nr_sectors;
} __attribute__((packed));

struct blkif_x86_32_request_indirect {
    uint8_t indirect_op;
    uint16_t nr_segments;
    uint64_t id;
    blkif_sector_t sector_number;
    blkif_vdev_t handle;
    uint16_t pad1;
    grant_ref_t indirect_grefs[BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST];
    uint64_t pad2;
} __attribute__((packed));

struct blkif_x86_32_request {
    uint8_t operation;
    union {
        struct blkif_x86_32_request_rw rw;
        struct blkif_x86_32_request_discard discard;
        struct blkif_x86_32_request_indirect indirect;
    } u;
} __attribute__((packed));

struct blkif_x86_32_response {
    uint64_t id;
    uint8_t operation;
    uint8_t pad;
    int16_t status;
} __attribute__((packed));

DEFINE_RING_TYPES(blkif_x86_32, struct blkif_x86_32_request, struct blkif_x86_32_response);

/* The ABI's sizes and offsets (Linux's xen-blkback common.h agrees). */
_Static_assert(sizeof(struct blkif_x86_32_request) == 108, "x86_32 request");
_Static_assert(sizeof(struct blkif_x86_32_response) == 12, "x86_32 response");
_Static_assert(offsetof(struct blkif_x86_32_request, u.rw.id) == 4, "x86_32 id");
_Static_assert(offsetof(struct blkif_x86_32_request, u.rw.seg) == 20, "x86_32 seg");
_Static_assert(offsetof(struct blkif_x86_32_request, u.indirect.indirect_grefs) == 24,
               "x86_32 indirect grefs");
_Static_assert(sizeof(struct blkif_request) == 112, "x86_64 request");
_Static_assert(sizeof(struct blkif_response) == 16, "x86_64 response");
_Static_assert(offsetof(struct blkif_request_indirect, indirect_grefs) == 28,
               "x86_64 indirect grefs");

enum blk_layout {
    BLK_LAYOUT_NATIVE,      /* "x86_64-abi" */
    BLK_LAYOUT_X86_32,      /* "x86_32-abi", and no protocol node */
};

/* One ring slot, copied out of the shared ring before anything reads it. */
union blk_slot {
    struct blkif_request native;
    struct blkif_x86_32_request x86_32;
};

/* Sectors are 512 bytes on the ring, whatever the disk's sector size. */
#define BLK_SECTOR_SHIFT 9
#define BLK_PAGE_SIZE 4096u
#define BLK_SECTORS_PER_PAGE (BLK_PAGE_SIZE >> BLK_SECTOR_SHIFT)
/* Segment descriptors in one indirect page. */
#define BLK_SEGS_PER_INDIRECT_PAGE (BLK_PAGE_SIZE / sizeof(struct blkif_request_segment))

#endif
