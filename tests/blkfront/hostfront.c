/* A host-side blkfront (hostfront.h). */
#include "hostfront.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#define PAGE 4096u

/* --- the guest ---------------------------------------------------------- */

static void *hf_gfn_ptr(struct xk_backend_ctx *ctx, uint64_t gfn)
{
    struct hf_guest *g = ctx->opaque;

    return gnt_flat_ram_ptr(&g->flat, gfn);
}

/* The backend binds: it gets dups of the eventfds the frontend keeps. */
static int hf_bind(struct xk_backend_ctx *ctx, uint32_t port, uint32_t my_port,
                   struct xk_evtchn *e)
{
    struct hf_guest *g = ctx->opaque;
    int sv[2];

    (void)my_port;
    if (g->bind_fail) {
        int rc = g->bind_fail;
        g->bind_fail = 0;
        return rc;
    }
    if (port >= HF_MAX_PORTS || g->to_backend[port] < 0)
        return -EINVAL;
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv))
        return -errno;
    close(sv[1]);
    e->sock = sv[0];
    e->event_fd = dup(g->to_backend[port]);
    e->notify_fd = dup(g->from_backend[port]);
    e->domid = g->domid;
    e->port = port;
    return 0;
}

int hf_guest_init(struct hf_guest *g, uint32_t domid, uint64_t ram_pages)
{
    /* The region's layout is fixed by the largest table (gnttab/internal.h). */
    uint64_t region_pages = GNT_REGION_PAGES(GNT_MAX_FRAMES_LIMIT);
    int rc;

    memset(g, 0, sizeof(*g));
    for (unsigned i = 0; i < HF_MAX_PORTS; i++)
        g->to_backend[i] = g->from_backend[i] = -1;
    g->domid = domid;
    g->ram_pages = ram_pages;
    g->mem_pages = ram_pages + region_pages;
    g->mem_fd = memfd_create("hostfront-guest", MFD_CLOEXEC);
    if (g->mem_fd < 0 || ftruncate(g->mem_fd, (off_t)(g->mem_pages * PAGE)))
        return -errno;
    g->mem = mmap(NULL, g->mem_pages * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED,
                  g->mem_fd, 0);
    if (g->mem == MAP_FAILED)
        return -errno;
    g->flat = (struct gnt_flat_ram){ g->mem, ram_pages, ram_pages };
    if ((rc = gnt_table_init(g->mem + ram_pages * PAGE, HF_GRANT_FRAMES)) ||
        (rc = gnt_view_init(&g->view, g->mem + ram_pages * PAGE, (domid_t)domid,
                            gnt_flat_ram_ptr, &g->flat)) ||
        (rc = gnt_grow(&g->view, HF_GRANT_FRAMES)))
        return rc < 0 ? rc : -EINVAL;
    g->ops = (struct xk_backend_ops){ .gfn_ptr = hf_gfn_ptr, .bind = hf_bind };
    g->ctx = (struct xk_backend_ctx){
        .domid = domid, .mem_fd = g->mem_fd, .mem = g->mem, .mem_pages = g->mem_pages,
        .grants = &g->view, .ops = &g->ops, .opaque = g,
    };
    g->next_gfn = 1;
    g->next_gref = 8;           /* the reserved entries stay free */
    g->next_port = 5;
    return 0;
}

void hf_guest_fini(struct hf_guest *g)
{
    for (unsigned i = 0; i < HF_MAX_PORTS; i++) {
        if (g->to_backend[i] >= 0)
            close(g->to_backend[i]);
        if (g->from_backend[i] >= 0)
            close(g->from_backend[i]);
    }
    munmap(g->mem, g->mem_pages * PAGE);
    close(g->mem_fd);
}

uint64_t hf_alloc_pages(struct hf_guest *g, unsigned n)
{
    uint64_t gfn = g->next_gfn;

    if (gfn + n > g->ram_pages)
        abort();                /* a test asked for more than it set up */
    g->next_gfn += n;
    memset(g->mem + gfn * PAGE, 0, (size_t)n * PAGE);
    return gfn;
}

void *hf_page(struct hf_guest *g, uint64_t gfn)
{
    return g->mem + gfn * PAGE;
}

static grant_entry_v1_t *entry(struct hf_guest *g, grant_ref_t ref)
{
    return (grant_entry_v1_t *)gnt_shared_frame(&g->view, ref / GNT_V1_PER_FRAME) +
           ref % GNT_V1_PER_FRAME;
}

grant_ref_t hf_grant(struct hf_guest *g, uint64_t gfn, bool readonly)
{
    grant_ref_t ref = g->next_gref++;
    grant_entry_v1_t *e = entry(g, ref);

    if (ref >= gnt_nr_entries(&g->view))
        abort();
    e->domid = 0;
    e->frame = (uint32_t)gfn;
    __atomic_store_n(&e->flags, GTF_permit_access | (readonly ? GTF_readonly : 0),
                     __ATOMIC_RELEASE);
    return ref;
}

bool hf_ungrant(struct hf_guest *g, grant_ref_t ref)
{
    grant_entry_v1_t *e = entry(g, ref);
    uint16_t flags = __atomic_load_n(&e->flags, __ATOMIC_ACQUIRE);

    do {
        if (flags & (GTF_reading | GTF_writing))
            return false;
    } while (!__atomic_compare_exchange_n(&e->flags, &flags, 0, false, __ATOMIC_SEQ_CST,
                                          __ATOMIC_ACQUIRE));
    return true;
}

uint32_t hf_alloc_port(struct hf_guest *g)
{
    uint32_t p = g->next_port++;

    if (p >= HF_MAX_PORTS)
        abort();
    g->to_backend[p] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    g->from_backend[p] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    return p;
}

void hf_kick(struct hf_guest *g, uint32_t port)
{
    uint64_t one = 1;

    if (write(g->to_backend[port], &one, sizeof(one)) != sizeof(one))
        abort();
}

bool hf_wait_irq(struct hf_guest *g, uint32_t port, int ms)
{
    struct pollfd p = { .fd = g->from_backend[port], .events = POLLIN };
    uint64_t n;

    if (poll(&p, 1, ms) != 1)
        return false;
    return read(p.fd, &n, sizeof(n)) == sizeof(n);
}

/* --- rings ---------------------------------------------------------------- */

int hf_ring_init(struct hf_ring *r, struct hf_guest *g, enum blk_layout layout,
                 unsigned order, bool scatter)
{
    size_t len;
    uint8_t *va;

    memset(r, 0, sizeof(*r));
    r->g = g;
    r->layout = layout;
    r->nr_pages = 1u << order;
    len = (size_t)r->nr_pages * PAGE;
    va = mmap(NULL, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (va == MAP_FAILED)
        return -errno;
    for (unsigned i = 0; i < r->nr_pages; i++) {
        /* Scattered: every other page, and in falling order. */
        r->gfn[i] = hf_alloc_pages(g, scatter ? 2 : 1);
        r->ref[i] = hf_grant(g, r->gfn[i], false);
        if (mmap(va + (size_t)i * PAGE, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED,
                 g->mem_fd, (off_t)(r->gfn[i] * PAGE)) == MAP_FAILED)
            return -errno;
    }
    if (scatter && r->nr_pages > 1) {
        /* Reverse the refs' order: page 0 of the ring is the highest gfn. */
        for (unsigned i = 0; i < r->nr_pages / 2; i++) {
            unsigned j = r->nr_pages - 1 - i;
            uint64_t tg = r->gfn[i];
            grant_ref_t tr = r->ref[i];
            r->gfn[i] = r->gfn[j];
            r->ref[i] = r->ref[j];
            r->gfn[j] = tg;
            r->ref[j] = tr;
            if (mmap(va + (size_t)i * PAGE, PAGE, PROT_READ | PROT_WRITE,
                     MAP_SHARED | MAP_FIXED, g->mem_fd, (off_t)(r->gfn[i] * PAGE)) == MAP_FAILED ||
                mmap(va + (size_t)j * PAGE, PAGE, PROT_READ | PROT_WRITE,
                     MAP_SHARED | MAP_FIXED, g->mem_fd, (off_t)(r->gfn[j] * PAGE)) == MAP_FAILED)
                return -errno;
        }
    }
    r->va = va;
    if (layout == BLK_LAYOUT_NATIVE) {
        SHARED_RING_INIT((struct blkif_sring *)va);
        FRONT_RING_INIT(&r->fr.native, (struct blkif_sring *)va, len);
    } else {
        SHARED_RING_INIT((struct blkif_x86_32_sring *)va);
        FRONT_RING_INIT(&r->fr.x86_32, (struct blkif_x86_32_sring *)va, len);
    }
    r->port = hf_alloc_port(g);
    return 0;
}

void hf_ring_fini(struct hf_ring *r)
{
    if (r->va)
        munmap(r->va, (size_t)r->nr_pages * PAGE);
    r->va = NULL;
}

unsigned hf_ring_size(const struct hf_ring *r)
{
    return r->fr.native.nr_ents;
}

unsigned hf_ring_free(const struct hf_ring *r)
{
    return RING_FREE_REQUESTS(&r->fr.native);
}

void hf_make_rw(const struct hf_ring *r, union blk_slot *slot, uint8_t op, uint64_t id,
                uint64_t sector, unsigned nseg, const struct hf_seg *seg)
{
    memset(slot, 0, sizeof(*slot));
    if (r->layout == BLK_LAYOUT_NATIVE) {
        struct blkif_request *q = &slot->native;
        q->operation = op;
        q->nr_segments = (uint8_t)nseg;
        q->id = id;
        q->sector_number = sector;
        for (unsigned i = 0; i < nseg && i < BLKIF_MAX_SEGMENTS_PER_REQUEST; i++)
            q->seg[i] = (struct blkif_request_segment){ seg[i].gref, seg[i].first,
                                                        seg[i].last };
    } else {
        struct blkif_x86_32_request *q = &slot->x86_32;
        q->operation = op;
        q->u.rw.nr_segments = (uint8_t)nseg;
        q->u.rw.id = id;
        q->u.rw.sector_number = sector;
        for (unsigned i = 0; i < nseg && i < BLKIF_MAX_SEGMENTS_PER_REQUEST; i++) {
            struct blkif_request_segment s = { seg[i].gref, seg[i].first, seg[i].last };
            memcpy(&q->u.rw.seg[i], &s, sizeof(s));
        }
    }
}

void hf_make_discard(const struct hf_ring *r, union blk_slot *slot, uint64_t id,
                     uint64_t sector, uint64_t nr_sectors, uint8_t flag)
{
    memset(slot, 0, sizeof(*slot));
    if (r->layout == BLK_LAYOUT_NATIVE) {
        struct blkif_request_discard *d = (void *)&slot->native;
        d->operation = BLKIF_OP_DISCARD;
        d->flag = flag;
        d->id = id;
        d->sector_number = sector;
        d->nr_sectors = nr_sectors;
    } else {
        slot->x86_32.operation = BLKIF_OP_DISCARD;
        slot->x86_32.u.discard.flag = flag;
        slot->x86_32.u.discard.id = id;
        slot->x86_32.u.discard.sector_number = sector;
        slot->x86_32.u.discard.nr_sectors = nr_sectors;
    }
}

void hf_make_indirect(const struct hf_ring *r, union blk_slot *slot, uint8_t indirect_op,
                      uint64_t id, uint64_t sector, uint16_t nseg, unsigned npages,
                      const grant_ref_t *pages)
{
    memset(slot, 0, sizeof(*slot));
    if (r->layout == BLK_LAYOUT_NATIVE) {
        struct blkif_request_indirect *in = (void *)&slot->native;
        in->operation = BLKIF_OP_INDIRECT;
        in->indirect_op = indirect_op;
        in->nr_segments = nseg;
        in->id = id;
        in->sector_number = sector;
        for (unsigned i = 0; i < npages && i < BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST; i++)
            in->indirect_grefs[i] = pages[i];
    } else {
        struct blkif_x86_32_request *q = &slot->x86_32;
        q->operation = BLKIF_OP_INDIRECT;
        q->u.indirect.indirect_op = indirect_op;
        q->u.indirect.nr_segments = nseg;
        q->u.indirect.id = id;
        q->u.indirect.sector_number = sector;
        for (unsigned i = 0; i < npages && i < BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST; i++)
            q->u.indirect.indirect_grefs[i] = pages[i];
    }
}

void hf_write_indirect(struct hf_guest *g, uint64_t gfn, unsigned idx, const struct hf_seg *s)
{
    struct blkif_request_segment *p = hf_page(g, gfn);

    p[idx] = (struct blkif_request_segment){ s->gref, s->first, s->last };
}

void hf_put(struct hf_ring *r, const union blk_slot *slot)
{
    RING_IDX i = r->fr.native.req_prod_pvt;

    if (r->layout == BLK_LAYOUT_NATIVE)
        *RING_GET_REQUEST(&r->fr.native, i) = slot->native;
    else
        *RING_GET_REQUEST(&r->fr.x86_32, i) = slot->x86_32;
    r->fr.native.req_prod_pvt = i + 1;
}

void hf_push(struct hf_ring *r)
{
    int notify;

    RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&r->fr.native, notify);
    if (notify)
        hf_kick(r->g, r->port);
}

bool hf_take_response(struct hf_ring *r, struct hf_rsp *rsp)
{
    struct blkif_front_ring *fr = &r->fr.native;
    RING_IDX prod = __atomic_load_n(&fr->sring->rsp_prod, __ATOMIC_ACQUIRE);

    if (fr->rsp_cons == prod) {
        fr->sring->rsp_event = fr->rsp_cons + 1;
        __atomic_thread_fence(__ATOMIC_SEQ_CST);
        prod = __atomic_load_n(&fr->sring->rsp_prod, __ATOMIC_ACQUIRE);
        if (fr->rsp_cons == prod)
            return false;
    }
    if (r->layout == BLK_LAYOUT_NATIVE) {
        struct blkif_response *p = RING_GET_RESPONSE(&r->fr.native, fr->rsp_cons);
        *rsp = (struct hf_rsp){ p->id, p->operation, p->status };
    } else {
        struct blkif_x86_32_response *p = RING_GET_RESPONSE(&r->fr.x86_32, fr->rsp_cons);
        *rsp = (struct hf_rsp){ p->id, p->operation, p->status };
    }
    fr->rsp_cons++;
    return true;
}

bool hf_wait_response(struct hf_ring *r, struct hf_rsp *rsp, int ms)
{
    /* Generous: the suite runs on loaded machines; a response that never
     * comes is a failure, not a slow pass. */
    for (int waited = 0; waited <= ms; waited += 10) {
        if (hf_take_response(r, rsp))
            return true;
        hf_wait_irq(r->g, r->port, 10);
    }
    return false;
}

/* --- a table store ----------------------------------------------------- */

struct hf_kv {
    struct hf_kv *next;
    char *path, *value;
};

struct hf_store {
    struct hf_kv *kv;
    unsigned txns;
};

struct hf_store *hf_store_new(void)
{
    return calloc(1, sizeof(struct hf_store));
}

void hf_store_free(struct hf_store *s)
{
    while (s->kv) {
        struct hf_kv *k = s->kv;
        s->kv = k->next;
        free(k->path);
        free(k->value);
        free(k);
    }
    free(s);
}

const char *hf_store_get(struct hf_store *s, const char *path)
{
    for (struct hf_kv *k = s->kv; k; k = k->next)
        if (!strcmp(k->path, path))
            return k->value;
    return NULL;
}

void hf_store_put(struct hf_store *s, const char *path, const char *value)
{
    struct hf_kv *k;

    for (k = s->kv; k; k = k->next)
        if (!strcmp(k->path, path)) {
            free(k->value);
            k->value = strdup(value);
            return;
        }
    k = calloc(1, sizeof(*k));
    k->path = strdup(path);
    k->value = strdup(value);
    k->next = s->kv;
    s->kv = k;
}

void hf_store_rm(struct hf_store *s, const char *path)
{
    for (struct hf_kv **pp = &s->kv; *pp; pp = &(*pp)->next)
        if (!strcmp((*pp)->path, path)) {
            struct hf_kv *k = *pp;
            *pp = k->next;
            free(k->path);
            free(k->value);
            free(k);
            return;
        }
}

static char *st_read(void *store, const char *path)
{
    const char *v = hf_store_get(store, path);

    return v ? strdup(v) : NULL;
}

static int st_write(void *store, const char *path, const char *value)
{
    hf_store_put(store, path, value);
    return 0;
}

static int st_watch(void *store, const char *path)
{
    (void)store;
    (void)path;
    return 0;
}

const struct xb_store_ops hf_store_ops = {
    .read = st_read, .write = st_write, .watch = st_watch, .unwatch = st_watch,
};

int hf_store_txn(void *store, const char *const *paths, const char *const *values,
                 unsigned n)
{
    struct hf_store *s = store;

    for (unsigned i = 0; i < n; i++)
        hf_store_put(s, paths[i], values[i]);
    s->txns++;
    return 0;
}

unsigned hf_store_txns(const struct hf_store *s)
{
    return s->txns;
}
