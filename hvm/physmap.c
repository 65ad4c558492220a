#include "physmap.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

int physmap_init(struct physmap *pm, unsigned max_slots, pm_slot_fn fn,
                 void *opaque)
{
    memset(pm, 0, sizeof(*pm));
    pm->max_slots = max_slots;
    pm->slot_used = calloc(max_slots, 1);
    pm->set_slot = fn;
    pm->opaque = opaque;
    if (!pm->slot_used)
        return -ENOMEM;
    pthread_rwlock_init(&pm->lock, NULL);
    return 0;
}

void physmap_destroy(struct physmap *pm)
{
    free(pm->r);
    free(pm->slot_used);
    pthread_rwlock_destroy(&pm->lock);
}

static int alloc_slot(struct physmap *pm)
{
    for (unsigned i = 0; i < pm->max_slots; i++)
        if (!pm->slot_used[i]) {
            pm->slot_used[i] = 1;
            return (int)i;
        }
    return -1;
}

static int install(struct physmap *pm, struct pm_range *r)
{
    int slot = alloc_slot(pm);
    int rc;

    if (slot < 0)
        return -ENOSPC;
    rc = pm->set_slot ? pm->set_slot(pm->opaque, slot, r->gfn << XK_PAGE_SHIFT,
                                     r->nr << XK_PAGE_SHIFT,
                                     r->mpage << XK_PAGE_SHIFT) : 0;
    if (rc) {
        pm->slot_used[slot] = 0;
        return rc;
    }
    r->slot = slot;
    return 0;
}

static void uninstall(struct physmap *pm, struct pm_range *r)
{
    if (r->slot < 0)
        return;
    if (pm->set_slot)
        pm->set_slot(pm->opaque, r->slot, r->gfn << XK_PAGE_SHIFT, 0, 0);
    pm->slot_used[r->slot] = 0;
    r->slot = -1;
}

static int reserve(struct physmap *pm, unsigned extra)
{
    if (pm->n + extra <= pm->cap)
        return 0;
    unsigned cap = (pm->n + extra) * 2 + 8;
    struct pm_range *nr = realloc(pm->r, cap * sizeof(*nr));
    if (!nr)
        return -ENOMEM;
    pm->r = nr;
    pm->cap = cap;
    return 0;
}

/* Remove [gfn, end) from every range, splitting those that straddle it.
 * A range whose extent changes is reinstalled as a new memslot. */
static int punch(struct physmap *pm, uint64_t gfn, uint64_t end)
{
    int rc = reserve(pm, 1);
    if (rc)
        return rc;
    for (unsigned i = 0; i < pm->n; i++) {
        struct pm_range *r = &pm->r[i];
        uint64_t rend = r->gfn + r->nr;

        if (rend <= gfn || r->gfn >= end)
            continue;
        uninstall(pm, r);
        if (r->gfn < gfn && rend > end) {
            /* Split in two: keep the head here, the tail after it. */
            memmove(&pm->r[i + 2], &pm->r[i + 1],
                    (pm->n - i - 1) * sizeof(*r));
            pm->n++;
            struct pm_range *t = &pm->r[i + 1];
            *t = *r;
            t->gfn = end;
            t->nr = rend - end;
            t->mpage = r->mpage + (end - r->gfn);
            r->nr = gfn - r->gfn;
            if ((rc = install(pm, r)) || (rc = install(pm, t)))
                return rc;
            i++;
        } else if (r->gfn < gfn) {
            r->nr = gfn - r->gfn;
            if ((rc = install(pm, r)))
                return rc;
        } else if (rend > end) {
            r->mpage += end - r->gfn;
            r->nr = rend - end;
            r->gfn = end;
            if ((rc = install(pm, r)))
                return rc;
        } else {
            memmove(&pm->r[i], &pm->r[i + 1], (pm->n - i - 1) * sizeof(*r));
            pm->n--;
            i--;
        }
    }
    return 0;
}

unsigned physmap_free_slots(const struct physmap *pm)
{
    unsigned n = 0;

    for (unsigned i = 0; i < pm->max_slots; i++)
        n += !pm->slot_used[i];
    return n;
}

/* Reject ranges outside the guest-physical address space and make sure
 * the change cannot run out of slots half-way: a range strictly containing
 * [gfn, end) splits in two (one more slot), a new range takes one. */
static int check_change(const struct physmap *pm, uint64_t gfn, uint64_t nr,
                        bool adding)
{
    unsigned need = adding, freed = 0;
    uint64_t end = gfn + nr;

    if (nr == 0 || gfn >= PHYSMAP_MAX_GFN || nr > PHYSMAP_MAX_GFN - gfn)
        return -EINVAL;
    for (unsigned i = 0; i < pm->n; i++) {
        uint64_t rs = pm->r[i].gfn, re = rs + pm->r[i].nr;
        if (rs < gfn && re > end)
            need++;
        else if (rs >= gfn && re <= end)
            freed++;    /* removed whole: its slot comes back first */
    }
    return physmap_free_slots(pm) + freed < need ? -ENOSPC : 0;
}

int physmap_clear(struct physmap *pm, uint64_t gfn, uint64_t nr)
{
    int rc = check_change(pm, gfn, nr, false);

    return rc ? rc : punch(pm, gfn, gfn + nr);
}

int physmap_set(struct physmap *pm, uint64_t gfn, uint64_t nr, uint64_t mpage,
                enum pm_kind kind)
{
    unsigned i;
    int rc;

    if ((rc = check_change(pm, gfn, nr, true)) ||
        (rc = punch(pm, gfn, gfn + nr)) || (rc = reserve(pm, 1)))
        return rc;
    for (i = 0; i < pm->n && pm->r[i].gfn < gfn; i++)
        ;
    memmove(&pm->r[i + 1], &pm->r[i], (pm->n - i) * sizeof(pm->r[0]));
    pm->n++;
    pm->r[i] = (struct pm_range){ .gfn = gfn, .nr = nr, .mpage = mpage,
                                  .kind = kind, .slot = -1 };
    rc = install(pm, &pm->r[i]);
    if (rc) {
        memmove(&pm->r[i], &pm->r[i + 1], (pm->n - i - 1) * sizeof(pm->r[0]));
        pm->n--;
    }
    return rc;
}

bool physmap_lookup(const struct physmap *pm, uint64_t gfn, uint64_t *mpage,
                    enum pm_kind *kind, uint64_t *run)
{
    unsigned lo = 0, hi = pm->n;

    while (lo < hi) {
        unsigned mid = lo + (hi - lo) / 2;
        const struct pm_range *r = &pm->r[mid];

        if (gfn < r->gfn)
            hi = mid;
        else if (gfn >= r->gfn + r->nr)
            lo = mid + 1;
        else {
            *mpage = r->mpage + (gfn - r->gfn);
            if (kind)
                *kind = r->kind;
            if (run)
                *run = r->gfn + r->nr - gfn;
            return true;
        }
    }
    return false;
}
