/* Taking and releasing a grant by the GTF_ protocol, as Xen's
 * acquire_grant_for_copy/release_grant_for_copy and _set_status_v1/v2 do:
 * the first holder marks the entry busy with an atomic update that fails
 * if the guest changed the entry meanwhile; the last one clears it. */
#include "internal.h"

#include <stdatomic.h>

/* v1: flags and domid are one 32-bit word; one cmpxchg both checks that
 * the entry still grants LDOM access and marks it.  A guest rewriting the
 * word as fast as we retry could livelock us: five tries, as on Xen. */
static int set_status_v1(uint32_t *word, bool pinned, bool ro, domid_t ldom,
                         uint16_t mask)
{
    uint32_t cur = __atomic_load_n(word, __ATOMIC_ACQUIRE);

    for (int tries = 0;; tries++) {
        uint16_t flags = (uint16_t)cur;
        domid_t domid = (domid_t)(cur >> 16);
        uint32_t want = cur | GTF_reading;

        if (!pinned && ((flags & mask) != GTF_permit_access ||
                        domid != ldom))
            return GNTST_general_error;
        if (!ro) {
            if (flags & GTF_readonly)
                return GNTST_general_error;
            want |= GTF_writing;
        }
        if (__atomic_compare_exchange_n(word, &cur, want, false,
                                        __ATOMIC_SEQ_CST, __ATOMIC_ACQUIRE))
            return GNTST_okay;
        if (tries == 4)
            return GNTST_general_error;     /* entry unstable */
    }
}

static bool v2_grants(uint32_t word, domid_t ldom, uint16_t mask)
{
    return ((uint16_t)word & mask) == GTF_permit_access &&
           (domid_t)(word >> 16) == ldom;
}

/* v2: the status word is ours; mark it, then re-check the guest's flags
 * after a full barrier (the guest clears flags, barriers, reads status). */
static int set_status_v2(uint32_t *word, grant_status_t *st, bool pinned,
                         bool ro, domid_t ldom, uint16_t mask)
{
    uint32_t cur = __atomic_load_n(word, __ATOMIC_ACQUIRE);

    if (!pinned && !v2_grants(cur, ldom, mask))
        return GNTST_general_error;
    if (!ro && ((uint16_t)cur & GTF_readonly))
        return GNTST_general_error;
    __atomic_fetch_or(st, ro ? GTF_reading : GTF_reading | GTF_writing,
                      __ATOMIC_SEQ_CST);
    atomic_thread_fence(memory_order_seq_cst);
    cur = __atomic_load_n(word, __ATOMIC_SEQ_CST);
    if (!pinned) {
        if (!v2_grants(cur, ldom, mask) || (!ro && ((uint16_t)cur & GTF_readonly))) {
            __atomic_fetch_and(st, (grant_status_t)~(GTF_reading | GTF_writing),
                               __ATOMIC_SEQ_CST);
            return GNTST_general_error;
        }
    } else if ((uint16_t)cur & GTF_readonly) {
        /* Xen clears only GTF_writing here (readers keep it). */
        __atomic_fetch_and(st, (grant_status_t)~GTF_writing, __ATOMIC_SEQ_CST);
        return GNTST_general_error;
    }
    return GNTST_okay;
}

static void clear_flags(grant_status_t *st, uint16_t bits)
{
    if (bits)
        __atomic_fetch_and(st, (grant_status_t)~bits, __ATOMIC_SEQ_CST);
}

/* Xen's reduce_status_for_pin: a failed take leaves what the pins need. */
static void reduce_status(const struct gnt_active *a, grant_status_t *st, bool ro)
{
    uint16_t bits = a->pin ? 0 : GTF_reading;

    if (!ro && !(a->pin & PIN_W_MASK))
        bits |= GTF_writing;
    clear_flags(st, bits);
}

int gnt_take(struct gnt_view *v, domid_t ldom, grant_ref_t gref,
             unsigned flags, struct gnt_handle *out)
{
    struct gnt_hdr *h = gnt_hdr(v);
    bool ro = !(flags & GNT_WRITE);
    uint32_t inc = ro ? PIN_R : PIN_W;
    /* A mapping (Xen's mapflag) may not take a sub-page grant. */
    uint16_t mask = GTF_type_mask | (flags & GNT_MAP ? GTF_sub_page : 0);
    struct gnt_active *a;
    uint32_t *word;
    grant_status_t *st;
    unsigned version;
    uint8_t *page;
    int rc = GNTST_okay;

    gnt_rdlock(h);
    version = gnt_load(&h->version);
    if (gref >= gnt_entries(version, gnt_load(&h->nr_frames))) {
        gnt_rdunlock(h);
        return GNTST_bad_gntref;
    }
    a = gnt_act(v, gref);
    word = gnt_hdr32(v, version, gref);
    st = version == 1 ? (grant_status_t *)word : gnt_status(v, gref);
    gnt_act_lock(a);
    uint32_t old = a->pin;

    if (old && (a->domid != ldom ||
                (ro ? (old & PIN_R_MASK) == PIN_R_MASK
                    : (old & PIN_W_MASK) == PIN_W_MASK) ||
                ((flags & GNT_MAP) && a->len != GNT_PAGE_SIZE))) {
        rc = GNTST_general_error;           /* another holder, or overflow */
        goto out;
    }
    if (version == 2 && !old &&
        ((uint16_t)__atomic_load_n(word, __ATOMIC_ACQUIRE) & GTF_type_mask) ==
            GTF_transitive) {
        /* Transitive grants name a third domain's table: not supported
         * (only domains in this process have tables here). */
        rc = GNTST_general_error;
        goto out;
    }
    if (!old || (!ro && !(old & PIN_W_MASK))) {
        rc = version == 1 ? set_status_v1(word, old != 0, ro, ldom, mask)
                          : set_status_v2(word, st, old != 0, ro, ldom, mask);
        if (rc)
            goto out;
    }
    if (!old) {
        /* First holder: read the frame once the entry is marked busy.
         * Later holders use what it found (Xen's active entry), whatever
         * the guest writes into a busy entry meanwhile. */
        if (version == 1) {
            a->gfn = ((volatile grant_entry_v1_t *)word)->frame;
            a->off = 0;
            a->len = GNT_PAGE_SIZE;
        } else {
            volatile grant_entry_v2_t *e = (volatile grant_entry_v2_t *)word;
            uint16_t f = e->hdr.flags;

            if (f & GTF_sub_page) {
                a->gfn = e->sub_page.frame;
                a->off = e->sub_page.page_off;
                a->len = e->sub_page.length;
            } else {
                a->gfn = e->full_page.frame;
                a->off = 0;
                a->len = GNT_PAGE_SIZE;
            }
            if ((unsigned)a->off + a->len > GNT_PAGE_SIZE) {
                reduce_status(a, st, ro);
                rc = GNTST_general_error;
                goto out;
            }
        }
        a->domid = ldom;
    }
    page = v->gfn_ptr ? v->gfn_ptr(v->opaque, a->gfn) : NULL;
    if (!page) {
        reduce_status(a, st, ro);
        rc = GNTST_bad_page;
        goto out;
    }
    __atomic_store_n(&a->pin, old + inc, __ATOMIC_RELEASE);
    out->view = v;
    out->ref = gref;
    out->write = !ro;
    out->offset = a->off;
    out->len = a->len;
    out->ptr = page + a->off;
    out->gfn = a->gfn;
out:
    gnt_act_unlock(a);
    gnt_rdunlock(h);
    return rc;
}

void gnt_release(struct gnt_handle *hd)
{
    struct gnt_view *v = hd->view;
    struct gnt_hdr *h;
    struct gnt_active *a;
    grant_status_t *st;
    unsigned version;

    if (!v)
        return;
    h = gnt_hdr(v);
    gnt_rdlock(h);
    version = gnt_load(&h->version);
    a = gnt_act(v, hd->ref);
    st = version == 1 ? (grant_status_t *)gnt_hdr32(v, 1, hd->ref)
                      : gnt_status(v, hd->ref);
    gnt_act_lock(a);
    uint32_t pin = a->pin;

    if (hd->write && (pin & PIN_W_MASK)) {
        pin -= PIN_W;
        if (!(pin & PIN_W_MASK))
            clear_flags(st, GTF_writing);
    } else if (!hd->write && (pin & PIN_R_MASK)) {
        pin -= PIN_R;
    }
    if (!pin)
        clear_flags(st, GTF_reading);
    __atomic_store_n(&a->pin, pin, __ATOMIC_RELEASE);
    gnt_act_unlock(a);
    gnt_rdunlock(h);
    hd->view = NULL;
    hd->ptr = NULL;
}

int gnt_entry_state(struct gnt_view *v, grant_ref_t gref,
                    struct gnt_entry_state *s)
{
    struct gnt_hdr *h = gnt_hdr(v);
    int rc = GNTST_okay;

    gnt_rdlock(h);
    s->version = gnt_load(&h->version);
    if (gref >= gnt_entries(s->version, gnt_load(&h->nr_frames))) {
        rc = GNTST_bad_gntref;
    } else if (s->version == 1) {
        volatile grant_entry_v1_t *e = (void *)gnt_hdr32(v, 1, gref);

        s->flags = e->flags;
        s->domid = e->domid;
        s->frame = e->frame;
    } else {
        volatile grant_entry_v2_t *e = gnt_v2(v, gref);

        s->flags = e->hdr.flags | *(volatile grant_status_t *)gnt_status(v, gref);
        s->domid = e->hdr.domid;
        s->frame = (e->hdr.flags & GTF_sub_page) ? e->sub_page.frame
                                                 : e->full_page.frame;
    }
    if (!rc) {
        uint32_t pin = gnt_load(&gnt_act(v, gref)->pin);

        s->readers = pin & PIN_R_MASK;
        s->writers = pin >> 16;
    }
    gnt_rdunlock(h);
    return rc;
}
