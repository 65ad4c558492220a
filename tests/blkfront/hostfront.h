/* A host-side blkfront: a "guest" whose RAM and grant table are one
 * memfd, exactly as a VMM lays them out for a backend in another process
 * (backend/context.h), and a frontend that grants pages, builds rings in
 * either layout and drives them as Linux's xen-blkfront does.  The unit
 * tests, the benchmark and the fuzz-free replay drive blkback/ with it,
 * no KVM and no guest CPU involved.
 *
 * Event channels: the context's bind op gives the backend eventfds whose
 * other ends the frontend holds per guest port (hf_kick, hf_wait_irq). */
#ifndef XK_HOSTFRONT_H
#define XK_HOSTFRONT_H

#include <stdbool.h>
#include <stdint.h>

#include "backend/context.h"
#include "backend/xenbus_backend.h"
#include "blkback/blkif_abi.h"

#define HF_MAX_PORTS 64
#define HF_GRANT_FRAMES 64      /* 32768 v1 entries */

struct hf_guest {
    uint32_t domid;
    int mem_fd;
    uint8_t *mem;
    uint64_t mem_pages, ram_pages;
    struct gnt_flat_ram flat;
    struct gnt_view view;
    struct xk_backend_ops ops;
    struct xk_backend_ctx ctx;  /* what the backend is given */
    uint64_t next_gfn;
    grant_ref_t next_gref;
    uint32_t next_port;
    int to_backend[HF_MAX_PORTS];   /* write: the guest sends */
    int from_backend[HF_MAX_PORTS]; /* read: the backend notified */
    int bind_fail;                  /* -errno the next bind returns, once */
};

int hf_guest_init(struct hf_guest *g, uint32_t domid, uint64_t ram_pages);
void hf_guest_fini(struct hf_guest *g);
/* N fresh pages of guest RAM (zeroed): the first gfn. */
uint64_t hf_alloc_pages(struct hf_guest *g, unsigned n);
void *hf_page(struct hf_guest *g, uint64_t gfn);
/* Grant GFN to domain 0 (read-only or writable): the new ref. */
grant_ref_t hf_grant(struct hf_guest *g, uint64_t gfn, bool readonly);
/* End access (gnttab_end_foreign_access_ref): false while the backend
 * still holds it. */
bool hf_ungrant(struct hf_guest *g, grant_ref_t ref);
/* An unbound port for the backend to bind. */
uint32_t hf_alloc_port(struct hf_guest *g);
void hf_kick(struct hf_guest *g, uint32_t port);
/* Wait up to MS for the backend's notification on PORT (and consume it). */
bool hf_wait_irq(struct hf_guest *g, uint32_t port, int ms);

struct hf_ring {
    struct hf_guest *g;
    enum blk_layout layout;
    unsigned nr_pages;
    uint64_t gfn[16];
    grant_ref_t ref[16];
    void *va;                   /* the pages, contiguous in our view */
    union {
        struct blkif_front_ring native;
        struct blkif_x86_32_front_ring x86_32;
    } fr;
    uint32_t port;
};

/* A ring of 2^ORDER pages in LAYOUT, granted; SCATTER: the pages are not
 * adjacent in guest memory.  0 or -errno. */
int hf_ring_init(struct hf_ring *r, struct hf_guest *g, enum blk_layout layout,
                 unsigned order, bool scatter);
void hf_ring_fini(struct hf_ring *r);
unsigned hf_ring_size(const struct hf_ring *r);
/* Requests the ring has room for now. */
unsigned hf_ring_free(const struct hf_ring *r);

struct hf_seg {
    grant_ref_t gref;
    uint8_t first, last;
};

/* Build a request in the ring's layout into SLOT. */
void hf_make_rw(const struct hf_ring *r, union blk_slot *slot, uint8_t op, uint64_t id,
                uint64_t sector, unsigned nseg, const struct hf_seg *seg);
void hf_make_discard(const struct hf_ring *r, union blk_slot *slot, uint64_t id,
                     uint64_t sector, uint64_t nr_sectors, uint8_t flag);
void hf_make_indirect(const struct hf_ring *r, union blk_slot *slot, uint8_t indirect_op,
                      uint64_t id, uint64_t sector, uint16_t nseg, unsigned npages,
                      const grant_ref_t *pages);
/* Queue SLOT at the producer (not visible until hf_push). */
void hf_put(struct hf_ring *r, const union blk_slot *slot);
/* Publish queued requests; kick the backend when it asked. */
void hf_push(struct hf_ring *r);

struct hf_rsp {
    uint64_t id;
    uint8_t operation;
    int16_t status;
};
/* The next response: true if there was one. */
bool hf_take_response(struct hf_ring *r, struct hf_rsp *rsp);
/* Wait (polling the ring and the event channel) up to MS for a response. */
bool hf_wait_response(struct hf_ring *r, struct hf_rsp *rsp, int ms);

/* Indirect segment descriptors for page GFN. */
void hf_write_indirect(struct hf_guest *g, uint64_t gfn, unsigned idx, const struct hf_seg *s);

/* A table store for the handshake (struct xb_store_ops), no watches:
 * tests call the device's changed() after each move. */
struct hf_store;
struct hf_store *hf_store_new(void);
void hf_store_free(struct hf_store *s);
extern const struct xb_store_ops hf_store_ops;
int hf_store_txn(void *store, const char *const *paths, const char *const *values,
                 unsigned n);
/* Transactions the store committed. */
unsigned hf_store_txns(const struct hf_store *s);
void hf_store_put(struct hf_store *s, const char *path, const char *value);
void hf_store_rm(struct hf_store *s, const char *path);
/* The value (the store's own string) or NULL. */
const char *hf_store_get(struct hf_store *s, const char *path);

#endif
