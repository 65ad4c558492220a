/* The guest-physical map: which guest frame is backed by which page of the
 * guest-memory memfd, kept as sorted ranges and mirrored into KVM memslots.
 * Frames not in any range are holes (Xen: no p2m entry). */
#ifndef XK_PHYSMAP_H
#define XK_PHYSMAP_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

enum pm_kind {
    PM_RAM = 1,       /* ordinary guest RAM (balloonable) */
    PM_SPECIAL,       /* reserved pages: xenstore/console rings, ... */
    PM_SHARED_INFO,   /* the shared info overlay */
    PM_GRANT,         /* grant table frames (overlay) */
};

struct pm_range {
    uint64_t gfn;       /* first guest frame */
    uint64_t nr;        /* number of frames */
    uint64_t mpage;     /* memfd page backing gfn */
    enum pm_kind kind;
    int slot;           /* KVM memslot id, -1 when not yet installed */
};

/* Installs (size != 0) or deletes (size == 0) one KVM memslot. */
typedef int (*pm_slot_fn)(void *opaque, int slot, uint64_t gpa, uint64_t size,
                          uint64_t memfd_off);

struct physmap {
    pthread_rwlock_t lock;      /* readers: VMM-side guest memory access */
    struct pm_range *r;
    unsigned n, cap;
    unsigned max_slots;
    unsigned char *slot_used;
    pm_slot_fn set_slot;
    void *opaque;
};

int physmap_init(struct physmap *pm, unsigned max_slots, pm_slot_fn fn,
                 void *opaque);
void physmap_destroy(struct physmap *pm);

/* Guest frames are below 2^40 (52-bit guest-physical addresses). */
#define PHYSMAP_MAX_GFN (1ULL << 40)

/* Back [gfn, gfn+nr) with memfd pages starting at mpage, replacing whatever
 * was there.  Caller holds the write lock and has stopped the vCPUs.
 * Returns 0 or -errno (KVM refused a slot, out of slots). */
int physmap_set(struct physmap *pm, uint64_t gfn, uint64_t nr, uint64_t mpage,
                enum pm_kind kind);
/* Make [gfn, gfn+nr) a hole.  Same locking as physmap_set.  Both return
 * -EINVAL for frames past PHYSMAP_MAX_GFN and -ENOSPC, with nothing
 * changed, when the KVM memslots would run out. */
int physmap_clear(struct physmap *pm, uint64_t gfn, uint64_t nr);
/* Memslots still free. */
unsigned physmap_free_slots(const struct physmap *pm);

/* Look up gfn (read lock held).  On success sets the memfd page, the kind and
 * how many frames from gfn on are contiguous in both spaces. */
bool physmap_lookup(const struct physmap *pm, uint64_t gfn, uint64_t *mpage,
                    enum pm_kind *kind, uint64_t *run);

#endif
