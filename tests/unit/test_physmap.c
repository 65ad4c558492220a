/* Unit tests for hvm/physmap.c: the guest-physical map and its mirror in
 * KVM memslots.  A recording pm_slot_fn plays KVM: it keeps the installed
 * slots, refuses what KVM would refuse (installing over a used slot,
 * deleting a free one, overlapping slots), and after every operation the
 * test checks that the installed slots are exactly the range list. */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "hvm/physmap.h"

#define PG 4096ULL
#define MAX_KSLOTS 512

/* ---- fake KVM memslots ----------------------------------------------- */

struct kslot {
    bool used;
    uint64_t gpa, size, off;
};

static struct kslot kslots[MAX_KSLOTS];
static unsigned kvm_errors;     /* calls real KVM would have refused */
static unsigned kvm_calls;
static int fail_install_in = -1; /* > 0: the Nth install from now fails */
static int fail_install_rc;

static int fake_set_slot(void *opaque, int slot, uint64_t gpa, uint64_t size,
                         uint64_t memfd_off)
{
    (void)opaque;
    kvm_calls++;
    if (slot < 0 || slot >= MAX_KSLOTS) {
        kvm_errors++;
        return -EINVAL;
    }
    if (size == 0) {
        /* A delete must target an installed slot (at its own gpa). */
        if (!kslots[slot].used || kslots[slot].gpa != gpa) {
            kvm_errors++;
            return -EINVAL;
        }
        kslots[slot].used = false;
        return 0;
    }
    if (fail_install_in > 0 && --fail_install_in == 0)
        return fail_install_rc;
    /* An install must use a free slot, page-aligned, and not overlap. */
    if (kslots[slot].used || (gpa | size | memfd_off) & (PG - 1) ||
        gpa + size < gpa) {
        kvm_errors++;
        return -EINVAL;
    }
    for (int i = 0; i < MAX_KSLOTS; i++)
        if (kslots[i].used && gpa < kslots[i].gpa + kslots[i].size &&
            kslots[i].gpa < gpa + size) {
            kvm_errors++;
            return -EEXIST;
        }
    kslots[slot] = (struct kslot){ true, gpa, size, memfd_off };
    return 0;
}

static void kvm_reset(void)
{
    memset(kslots, 0, sizeof(kslots));
    kvm_errors = 0;
    kvm_calls = 0;
    fail_install_in = -1;
}

static void pm_new(struct physmap *pm, unsigned max_slots)
{
    kvm_reset();
    if (max_slots > MAX_KSLOTS || physmap_init(pm, max_slots, fake_set_slot, NULL)) {
        fprintf(stderr, "physmap_init failed\n");
        exit(2);
    }
}

/* ---- the invariant ----------------------------------------------------- */

/* The range list is sorted, non-empty ranges that do not overlap; each is
 * installed in its own slot; the fake KVM holds exactly those slots with
 * exactly those extents; no call KVM would refuse was made.  Returns a
 * description of the first violation, or NULL. */
static const char *pm_inconsistency(const struct physmap *pm)
{
    unsigned used = 0, installed = 0;

    if (kvm_errors)
        return "a slot call KVM would refuse";
    for (unsigned i = 0; i < pm->n; i++) {
        const struct pm_range *r = &pm->r[i];
        if (r->nr == 0)
            return "empty range";
        if (r->gfn + r->nr < r->gfn)
            return "range wraps";
        if (i && pm->r[i - 1].gfn + pm->r[i - 1].nr > r->gfn)
            return "ranges unsorted or overlapping";
        if (r->slot < 0 || (unsigned)r->slot >= pm->max_slots)
            return "range without a slot";
        if (!pm->slot_used[r->slot])
            return "range's slot not marked used";
        for (unsigned j = 0; j < i; j++)
            if (pm->r[j].slot == r->slot)
                return "two ranges share a slot";
        const struct kslot *k = &kslots[r->slot];
        if (!k->used)
            return "range's slot not installed in KVM";
        if (k->gpa != r->gfn * PG || k->size != r->nr * PG ||
            k->off != r->mpage * PG)
            return "KVM slot differs from its range";
    }
    for (unsigned s = 0; s < pm->max_slots; s++)
        used += pm->slot_used[s] != 0;
    for (unsigned s = 0; s < MAX_KSLOTS; s++)
        installed += kslots[s].used;
    if (used != pm->n)
        return "slot_used count differs from the range count";
    if (installed != pm->n)
        return "KVM holds slots no range accounts for";
    return NULL;
}

#define CHECK_CONSISTENT(pm) do {                                          \
        const char *why_ = pm_inconsistency(pm);                           \
        if (why_ && !check_case_failed) {                                  \
            printf("FAIL: %s: %s:%d: map inconsistent: %s\n",              \
                   check_case_name, __FILE__, __LINE__, why_);             \
            check_case_failed = 1;                                         \
        }                                                                  \
    } while (0)

/* Look up GFN; returns its memfd page or ~0 for a hole. */
#define HOLE (~0ULL)
static uint64_t mp(const struct physmap *pm, uint64_t gfn)
{
    uint64_t m;

    return physmap_lookup(pm, gfn, &m, NULL, NULL) ? m : HOLE;
}

static uint64_t run_of(const struct physmap *pm, uint64_t gfn)
{
    uint64_t m, run = 0;

    return physmap_lookup(pm, gfn, &m, NULL, &run) ? run : 0;
}

static int kind_of(const struct physmap *pm, uint64_t gfn)
{
    uint64_t m;
    enum pm_kind k;

    return physmap_lookup(pm, gfn, &m, &k, NULL) ? (int)k : 0;
}

/* Expect range I to be exactly this. */
static bool range_is(const struct physmap *pm, unsigned i, uint64_t gfn,
                     uint64_t nr, uint64_t mpage, enum pm_kind kind)
{
    return i < pm->n && pm->r[i].gfn == gfn && pm->r[i].nr == nr &&
           pm->r[i].mpage == mpage && pm->r[i].kind == kind;
}

/* ---- cases ------------------------------------------------------------- */

static void test_map_ram(void)
{
    struct physmap pm;

    pm_new(&pm, 16);
    CHECK_EQ(pm.n, 0);
    CHECK_EQ(mp(&pm, 0), HOLE);
    CHECK_EQ(physmap_set(&pm, 0, 256, 0, PM_RAM), 0);
    CHECK_CONSISTENT(&pm);
    CHECK_EQ(pm.n, 1);
    CHECK(range_is(&pm, 0, 0, 256, 0, PM_RAM));
    CHECK_EQ(mp(&pm, 0), 0);
    CHECK_EQ(mp(&pm, 255), 255);
    CHECK_EQ(mp(&pm, 256), HOLE);
    /* A second, disjoint range with an offset into the memfd. */
    CHECK_EQ(physmap_set(&pm, 0x100000, 64, 256, PM_RAM), 0);
    CHECK_CONSISTENT(&pm);
    CHECK_EQ(pm.n, 2);
    CHECK_EQ(mp(&pm, 0x100000), 256);
    CHECK_EQ(mp(&pm, 0x10003f), 256 + 63);
    CHECK_EQ(mp(&pm, 0x100040), HOLE);
    /* A range inserted before the others keeps the list sorted. */
    CHECK_EQ(physmap_set(&pm, 0x800, 8, 400, PM_SPECIAL), 0);
    CHECK_CONSISTENT(&pm);
    CHECK(range_is(&pm, 1, 0x800, 8, 400, PM_SPECIAL));
    CHECK_EQ(kind_of(&pm, 0x807), PM_SPECIAL);
    physmap_destroy(&pm);
}

static void test_punch_hole(void)
{
    struct physmap pm;

    pm_new(&pm, 16);
    CHECK_EQ(physmap_set(&pm, 0, 256, 0, PM_RAM), 0);
    CHECK_EQ(physmap_clear(&pm, 100, 1), 0);
    CHECK_CONSISTENT(&pm);
    CHECK_EQ(pm.n, 2);
    CHECK(range_is(&pm, 0, 0, 100, 0, PM_RAM));
    CHECK(range_is(&pm, 1, 101, 155, 101, PM_RAM));
    CHECK_EQ(mp(&pm, 99), 99);
    CHECK_EQ(mp(&pm, 100), HOLE);
    CHECK_EQ(mp(&pm, 101), 101);
    CHECK_EQ(run_of(&pm, 0), 100);
    CHECK_EQ(run_of(&pm, 101), 155);
    /* Punching the same hole again changes nothing and touches no slot. */
    kvm_calls = 0;
    CHECK_EQ(physmap_clear(&pm, 100, 1), 0);
    CHECK_EQ(kvm_calls, 0);
    CHECK_CONSISTENT(&pm);
    CHECK_EQ(pm.n, 2);
    physmap_destroy(&pm);
}

/* An overlay in the middle of RAM splits it in three; clearing the
 * overlay leaves head and tail. */
static void test_overlay(void)
{
    struct physmap pm;

    pm_new(&pm, 16);
    CHECK_EQ(physmap_set(&pm, 0, 256, 0, PM_RAM), 0);
    CHECK_EQ(physmap_set(&pm, 128, 1, 1000, PM_SHARED_INFO), 0);
    CHECK_CONSISTENT(&pm);
    CHECK_EQ(pm.n, 3);
    CHECK(range_is(&pm, 0, 0, 128, 0, PM_RAM));
    CHECK(range_is(&pm, 1, 128, 1, 1000, PM_SHARED_INFO));
    CHECK(range_is(&pm, 2, 129, 127, 129, PM_RAM));
    CHECK_EQ(mp(&pm, 127), 127);
    CHECK_EQ(mp(&pm, 128), 1000);
    CHECK_EQ(kind_of(&pm, 128), PM_SHARED_INFO);
    CHECK_EQ(run_of(&pm, 128), 1);
    CHECK_EQ(mp(&pm, 129), 129);
    CHECK_EQ(kind_of(&pm, 129), PM_RAM);

    CHECK_EQ(physmap_clear(&pm, 128, 1), 0);
    CHECK_CONSISTENT(&pm);
    CHECK_EQ(pm.n, 2);
    CHECK(range_is(&pm, 0, 0, 128, 0, PM_RAM));
    CHECK(range_is(&pm, 1, 129, 127, 129, PM_RAM));

    /* Overlaying a page that is itself an overlay replaces it. */
    CHECK_EQ(physmap_set(&pm, 5, 1, 1000, PM_SHARED_INFO), 0);
    CHECK_EQ(physmap_set(&pm, 5, 1, 1001, PM_GRANT), 0);
    CHECK_CONSISTENT(&pm);
    CHECK_EQ(mp(&pm, 5), 1001);
    CHECK_EQ(kind_of(&pm, 5), PM_GRANT);
    CHECK_EQ(pm.n, 4);
    /* A range covering several ranges and a hole replaces them all. */
    CHECK_EQ(physmap_set(&pm, 2, 200, 5000, PM_RAM), 0);
    CHECK_CONSISTENT(&pm);
    CHECK_EQ(pm.n, 3);
    CHECK(range_is(&pm, 0, 0, 2, 0, PM_RAM));
    CHECK(range_is(&pm, 1, 2, 200, 5000, PM_RAM));
    CHECK(range_is(&pm, 2, 202, 54, 202, PM_RAM));
    CHECK_EQ(mp(&pm, 128), 5000 + 126);
    physmap_destroy(&pm);
}

/* Moving the shared info page: the old gfn becomes a hole. */
static void test_move_overlay(void)
{
    struct physmap pm;

    pm_new(&pm, 16);
    CHECK_EQ(physmap_set(&pm, 0, 256, 0, PM_RAM), 0);
    CHECK_EQ(physmap_set(&pm, 50, 1, 1000, PM_SHARED_INFO), 0);
    /* What shinfo_map does: clear the old place, set the new one. */
    CHECK_EQ(physmap_clear(&pm, 50, 1), 0);
    CHECK_EQ(physmap_set(&pm, 200, 1, 1000, PM_SHARED_INFO), 0);
    CHECK_CONSISTENT(&pm);
    CHECK_EQ(pm.n, 4);
    CHECK(range_is(&pm, 0, 0, 50, 0, PM_RAM));
    CHECK(range_is(&pm, 1, 51, 149, 51, PM_RAM));
    CHECK(range_is(&pm, 2, 200, 1, 1000, PM_SHARED_INFO));
    CHECK(range_is(&pm, 3, 201, 55, 201, PM_RAM));
    CHECK_EQ(mp(&pm, 50), HOLE);
    CHECK_EQ(mp(&pm, 200), 1000);
    /* Move it into the hole it left. */
    CHECK_EQ(physmap_clear(&pm, 200, 1), 0);
    CHECK_EQ(physmap_set(&pm, 50, 1, 1000, PM_SHARED_INFO), 0);
    CHECK_CONSISTENT(&pm);
    CHECK_EQ(mp(&pm, 50), 1000);
    CHECK_EQ(mp(&pm, 200), HOLE);
    CHECK_EQ(pm.n, 4);
    physmap_destroy(&pm);
}

static void test_clear_edges(void)
{
    struct physmap pm;

    pm_new(&pm, 16);
    CHECK_EQ(physmap_set(&pm, 100, 100, 0, PM_RAM), 0);         /* [100,200) */
    CHECK_EQ(physmap_set(&pm, 300, 100, 100, PM_RAM), 0);       /* [300,400) */
    /* First page of a range. */
    CHECK_EQ(physmap_clear(&pm, 100, 1), 0);
    CHECK_CONSISTENT(&pm);
    CHECK(range_is(&pm, 0, 101, 99, 1, PM_RAM));
    /* Last page of a range. */
    CHECK_EQ(physmap_clear(&pm, 199, 1), 0);
    CHECK_CONSISTENT(&pm);
    CHECK(range_is(&pm, 0, 101, 98, 1, PM_RAM));
    CHECK_EQ(mp(&pm, 198), 98);
    CHECK_EQ(mp(&pm, 199), HOLE);
    /* A span starting in a hole and ending inside a range. */
    CHECK_EQ(physmap_clear(&pm, 50, 60), 0);
    CHECK_CONSISTENT(&pm);
    CHECK(range_is(&pm, 0, 110, 89, 10, PM_RAM));
    /* A span starting inside one range, over a hole, into the next. */
    CHECK_EQ(physmap_clear(&pm, 190, 120), 0);
    CHECK_CONSISTENT(&pm);
    CHECK_EQ(pm.n, 2);
    CHECK(range_is(&pm, 0, 110, 80, 10, PM_RAM));
    CHECK(range_is(&pm, 1, 310, 90, 110, PM_RAM));
    /* Exactly one whole range. */
    CHECK_EQ(physmap_clear(&pm, 110, 80), 0);
    CHECK_CONSISTENT(&pm);
    CHECK_EQ(pm.n, 1);
    CHECK(range_is(&pm, 0, 310, 90, 110, PM_RAM));
    /* A span ending exactly at a range's start, and one starting at its
     * end, leave it alone. */
    kvm_calls = 0;
    CHECK_EQ(physmap_clear(&pm, 300, 10), 0);
    CHECK_EQ(physmap_clear(&pm, 400, 10), 0);
    CHECK_EQ(kvm_calls, 0);
    CHECK(range_is(&pm, 0, 310, 90, 110, PM_RAM));
    /* Everything, with a span far larger than the map. */
    CHECK_EQ(physmap_clear(&pm, 0, 1ULL << 40), 0);
    CHECK_CONSISTENT(&pm);
    CHECK_EQ(pm.n, 0);
    /* Clearing an empty map. */
    CHECK_EQ(physmap_clear(&pm, 0, 10), 0);
    CHECK_CONSISTENT(&pm);
    physmap_destroy(&pm);
}

static void test_lookup_boundaries(void)
{
    struct physmap pm;
    uint64_t m = 77, run = 77;
    enum pm_kind k = 0;

    pm_new(&pm, 16);
    CHECK_EQ(physmap_set(&pm, 10, 10, 500, PM_RAM), 0);         /* [10,20) */
    CHECK_EQ(physmap_set(&pm, 20, 5, 900, PM_SPECIAL), 0);      /* [20,25) */
    CHECK_EQ(physmap_set(&pm, 30, 1, 42, PM_GRANT), 0);         /* [30] */

    CHECK(physmap_lookup(&pm, 10, &m, &k, &run));
    CHECK_EQ(m, 500);
    CHECK_EQ(k, PM_RAM);
    CHECK_EQ(run, 10);
    CHECK(physmap_lookup(&pm, 19, &m, &k, &run));
    CHECK_EQ(m, 509);
    CHECK_EQ(run, 1);
    /* Adjacent ranges are not merged: the run stops at the range's end. */
    CHECK(physmap_lookup(&pm, 20, &m, &k, &run));
    CHECK_EQ(m, 900);
    CHECK_EQ(k, PM_SPECIAL);
    CHECK_EQ(run, 5);
    CHECK(physmap_lookup(&pm, 24, &m, NULL, &run));
    CHECK_EQ(m, 904);
    CHECK_EQ(run, 1);
    CHECK(physmap_lookup(&pm, 30, &m, &k, NULL));
    CHECK_EQ(m, 42);
    CHECK_EQ(k, PM_GRANT);
    /* Holes: below, between, above, far above. */
    m = 77;
    run = 77;
    CHECK(!physmap_lookup(&pm, 0, &m, &k, &run));
    CHECK(!physmap_lookup(&pm, 9, &m, &k, &run));
    CHECK(!physmap_lookup(&pm, 25, &m, &k, &run));
    CHECK(!physmap_lookup(&pm, 29, &m, &k, &run));
    CHECK(!physmap_lookup(&pm, 31, &m, &k, &run));
    CHECK(!physmap_lookup(&pm, 1ULL << 40, &m, &k, &run));
    CHECK(!physmap_lookup(&pm, UINT64_MAX, &m, &k, &run));
    /* A failed lookup leaves the outputs alone. */
    CHECK_EQ(m, 77);
    CHECK_EQ(run, 77);
    physmap_destroy(&pm);

    /* An empty map has only holes. */
    pm_new(&pm, 4);
    CHECK(!physmap_lookup(&pm, 0, &m, &k, &run));
    physmap_destroy(&pm);
}

/* Lookups in a map with many ranges (the binary search's every branch). */
static void test_lookup_many(void)
{
    struct physmap pm;

    pm_new(&pm, 300);
    /* Ranges of 3 frames every 5 frames: [5i, 5i+3), memfd page 1000+3i. */
    for (uint64_t i = 0; i < 257; i++)
        CHECK_EQ(physmap_set(&pm, 5 * i, 3, 1000 + 3 * i, PM_RAM), 0);
    CHECK_CONSISTENT(&pm);
    CHECK_EQ(pm.n, 257);
    for (uint64_t g = 0; g < 5 * 257 + 10; g++) {
        uint64_t i = g / 5, o = g % 5;
        if (i < 257 && o < 3) {
            CHECK_EQ(mp(&pm, g), 1000 + 3 * i + o);
            CHECK_EQ(run_of(&pm, g), 3 - o);
        } else {
            CHECK_EQ(mp(&pm, g), HOLE);
        }
    }
    physmap_destroy(&pm);
}

static void test_bad_arguments(void)
{
    struct physmap pm;

    pm_new(&pm, 16);
    CHECK_EQ(physmap_set(&pm, 0, 16, 0, PM_RAM), 0);
    kvm_calls = 0;
    CHECK_EQ(physmap_set(&pm, 5, 0, 0, PM_RAM), -EINVAL);
    CHECK_EQ(physmap_clear(&pm, 5, 0), -EINVAL);
    CHECK_EQ(physmap_set(&pm, UINT64_MAX, 1, 0, PM_RAM), -EINVAL);
    CHECK_EQ(physmap_set(&pm, UINT64_MAX, 2, 0, PM_RAM), -EINVAL);
    CHECK_EQ(physmap_set(&pm, UINT64_MAX - 1, 3, 0, PM_RAM), -EINVAL);
    CHECK_EQ(physmap_set(&pm, 8, UINT64_MAX, 0, PM_RAM), -EINVAL);
    CHECK_EQ(physmap_set(&pm, 1ULL << 63, 1ULL << 63, 0, PM_RAM), -EINVAL);
    CHECK_EQ(physmap_clear(&pm, UINT64_MAX, 1), -EINVAL);
    CHECK_EQ(physmap_clear(&pm, 8, UINT64_MAX), -EINVAL);
    CHECK_EQ(physmap_clear(&pm, 1, UINT64_MAX), -EINVAL);
    /* Nothing changed, no slot was touched. */
    CHECK_EQ(kvm_calls, 0);
    CHECK_CONSISTENT(&pm);
    CHECK_EQ(pm.n, 1);
    CHECK(range_is(&pm, 0, 0, 16, 0, PM_RAM));
    physmap_destroy(&pm);
}

/* A frame number whose guest-physical address does not fit in 64 bits
 * (gfn << 12 wraps) must be refused, not installed at the wrapped
 * address on top of other memory. */
static void test_gpa_overflow(void)
{
    struct physmap pm;
    int rc;

    pm_new(&pm, 16);
    CHECK_EQ(physmap_set(&pm, 0, 16, 0, PM_RAM), 0);
    kvm_calls = 0;
    /* gpa would wrap to 0x64000, a free address: KVM would not object. */
    rc = physmap_set(&pm, (1ULL << 52) + 100, 1, 100, PM_RAM);
    CHECK_EQ(rc, -EINVAL);
    CHECK_EQ(kvm_calls, 0);
    rc = physmap_set(&pm, 1ULL << 52, 1, 100, PM_RAM);
    CHECK_EQ(rc, -EINVAL);
    rc = physmap_set(&pm, (1ULL << 52) - 1, 2, 100, PM_RAM);
    CHECK_EQ(rc, -EINVAL);
    CHECK_CONSISTENT(&pm);
    CHECK_EQ(mp(&pm, 0), 0);
    CHECK_EQ(mp(&pm, 1ULL << 52), HOLE);
    physmap_destroy(&pm);
}

/* KVM refusing a slot: the error comes back and the map stays a mirror. */
static void test_kvm_refuses(void)
{
    struct physmap pm;

    pm_new(&pm, 16);
    fail_install_in = 1;
    fail_install_rc = -EFAULT;
    CHECK_EQ(physmap_set(&pm, 0, 16, 0, PM_RAM), -EFAULT);
    CHECK_CONSISTENT(&pm);
    CHECK_EQ(pm.n, 0);
    CHECK_EQ(mp(&pm, 0), HOLE);
    /* The slot it would have used is free again. */
    CHECK_EQ(physmap_set(&pm, 0, 16, 0, PM_RAM), 0);
    CHECK_CONSISTENT(&pm);
    CHECK_EQ(pm.r[0].slot, 0);
    /* An overlay whose own slot is refused: the head and tail were
     * reinstalled, the overlay is a hole, the map is still a mirror. */
    fail_install_in = 3;
    fail_install_rc = -ENOMEM;
    CHECK_EQ(physmap_set(&pm, 8, 1, 100, PM_SHARED_INFO), -ENOMEM);
    CHECK_CONSISTENT(&pm);
    /* gfn 8 is not the overlay; whether the RAM page survives the failed
     * call is not specified (today it is left a hole). */
    CHECK(mp(&pm, 8) == HOLE || mp(&pm, 8) == 8);
    CHECK_EQ(mp(&pm, 7), 7);
    CHECK_EQ(mp(&pm, 9), 9);
    physmap_destroy(&pm);
}

/* Out of slots (max_slots small): -ENOSPC, and the map stays a mirror. */
static void test_out_of_slots(void)
{
    struct physmap pm;

    /* A new disjoint range with every slot in use. */
    pm_new(&pm, 2);
    CHECK_EQ(physmap_set(&pm, 0, 50, 0, PM_RAM), 0);
    CHECK_EQ(physmap_set(&pm, 60, 40, 60, PM_RAM), 0);
    CHECK_EQ(physmap_set(&pm, 52, 2, 500, PM_SPECIAL), -ENOSPC);
    CHECK_CONSISTENT(&pm);
    CHECK_EQ(pm.n, 2);
    CHECK_EQ(mp(&pm, 52), HOLE);
    /* Trimming a range keeps its slot count: that still works. */
    CHECK_EQ(physmap_clear(&pm, 0, 10), 0);
    CHECK_CONSISTENT(&pm);
    /* Replacing a whole range frees and reuses its slot. */
    CHECK_EQ(physmap_set(&pm, 60, 40, 700, PM_RAM), 0);
    CHECK_CONSISTENT(&pm);
    CHECK_EQ(mp(&pm, 60), 700);
    physmap_destroy(&pm);

    /* A hole in the middle of a range needs one more slot (head and
     * tail): with none left it must fail and leave a mirror behind. */
    pm_new(&pm, 3);
    CHECK_EQ(physmap_set(&pm, 0, 100, 0, PM_RAM), 0);
    CHECK_EQ(physmap_set(&pm, 50, 1, 1000, PM_SHARED_INFO), 0);
    CHECK_CONSISTENT(&pm);
    CHECK_EQ(pm.n, 3);
    /* This one needs no extra slot: trimming the tail's first frame. */
    CHECK_EQ(physmap_clear(&pm, 51, 1), 0);
    CHECK_CONSISTENT(&pm);
    physmap_destroy(&pm);
}

/* Whatever the list says is guest memory must be memory KVM maps (and
 * the reverse).  Returns the first gfn below LIMIT that disagrees, or -1. */
static long long list_vs_kvm(const struct physmap *pm, uint64_t limit)
{
    for (uint64_t g = 0; g < limit; g++) {
        uint64_t m;
        bool in_list = physmap_lookup(pm, g, &m, NULL, NULL), in_kvm = false;
        for (int s = 0; s < MAX_KSLOTS; s++)
            if (kslots[s].used && g * PG >= kslots[s].gpa &&
                g * PG < kslots[s].gpa + kslots[s].size)
                in_kvm = true;
        if (in_list != in_kvm)
            return (long long)g;
    }
    return -1;
}

/* Splitting a range needs one more slot (head and tail).  With every slot
 * in use, clearing a frame in the middle of a range must fail with
 * -ENOSPC and leave the range list and KVM's slots in agreement. */
static void test_out_of_slots_split_clear(void)
{
    struct physmap pm;

    pm_new(&pm, 3);
    CHECK_EQ(physmap_set(&pm, 0, 100, 0, PM_RAM), 0);
    CHECK_EQ(physmap_set(&pm, 50, 1, 1000, PM_SHARED_INFO), 0);
    CHECK_EQ(pm.n, 3);
    CHECK_EQ(physmap_clear(&pm, 20, 1), -ENOSPC);
    CHECK_EQ(list_vs_kvm(&pm, 100), -1);
    CHECK_CONSISTENT(&pm);
    physmap_destroy(&pm);
}

/* The same through physmap_set: an overlay that splits a range. */
static void test_out_of_slots_split_set(void)
{
    struct physmap pm;

    pm_new(&pm, 3);
    CHECK_EQ(physmap_set(&pm, 0, 100, 0, PM_RAM), 0);
    CHECK_EQ(physmap_set(&pm, 50, 1, 1000, PM_SHARED_INFO), 0);
    CHECK_EQ(physmap_set(&pm, 20, 1, 1001, PM_GRANT), -ENOSPC);
    CHECK_EQ(list_vs_kvm(&pm, 100), -1);
    CHECK_CONSISTENT(&pm);
    physmap_destroy(&pm);
}

/* ---- randomized against a per-frame reference -------------------------- */

#define RGFNS 64

struct ref {
    uint64_t mpage;     /* HOLE for a hole */
    enum pm_kind kind;
};

static uint64_t rng_state;

static uint64_t rng(void)
{
    /* xorshift64* */
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545F4914F6CDD1DULL;
}

static bool ref_matches(const struct physmap *pm, const struct ref *ref,
                        uint64_t *bad_gfn)
{
    for (uint64_t g = 0; g < RGFNS + 4; g++) {
        uint64_t m, run;
        enum pm_kind k;
        bool found = physmap_lookup(pm, g, &m, &k, &run);
        bool want = g < RGFNS && ref[g].mpage != HOLE;

        *bad_gfn = g;
        if (found != want)
            return false;
        if (!found)
            continue;
        if (m != ref[g].mpage || k != ref[g].kind || run == 0 ||
            g + run > RGFNS)
            return false;
        /* The whole run is contiguous in both spaces, of one kind. */
        for (uint64_t j = 1; j < run; j++)
            if (ref[g + j].mpage != m + j || ref[g + j].kind != k)
                return false;
    }
    return true;
}

static void test_random(void)
{
    static const enum pm_kind kinds[] = { PM_RAM, PM_SPECIAL, PM_SHARED_INFO,
                                          PM_GRANT };
    struct physmap pm;
    struct ref ref[RGFNS];
    unsigned ops = 0, sets = 0, clears = 0;

    rng_state = 0x9e3779b97f4a7c15ULL;
    /* Enough slots for one range per frame plus the split in flight. */
    pm_new(&pm, RGFNS + 2);
    for (unsigned g = 0; g < RGFNS; g++)
        ref[g] = (struct ref){ HOLE, 0 };

    for (ops = 0; ops < 5000 && !check_case_failed; ops++) {
        uint64_t gfn = rng() % RGFNS;
        /* Mostly short spans, sometimes long ones, sometimes past the end. */
        uint64_t nr = (rng() % 4) ? 1 + rng() % 4 : 1 + rng() % (RGFNS + 8 - gfn);
        uint64_t bad;
        int rc;

        if (rng() % 3) {
            uint64_t mpage = rng() % 1024;
            enum pm_kind kind = kinds[rng() % 4];
            rc = physmap_set(&pm, gfn, nr, mpage, kind);
            CHECK_EQ(rc, 0);
            for (uint64_t j = 0; j < nr && gfn + j < RGFNS; j++)
                ref[gfn + j] = (struct ref){ mpage + j, kind };
            sets++;
            /* Frames set past RGFNS: clear them again so the reference
             * and the map cover the same space. */
            if (gfn + nr > RGFNS)
                CHECK_EQ(physmap_clear(&pm, RGFNS, gfn + nr - RGFNS), 0);
        } else {
            rc = physmap_clear(&pm, gfn, nr);
            CHECK_EQ(rc, 0);
            for (uint64_t j = 0; j < nr && gfn + j < RGFNS; j++)
                ref[gfn + j] = (struct ref){ HOLE, 0 };
            clears++;
        }
        CHECK_CONSISTENT(&pm);
        if (!ref_matches(&pm, ref, &bad)) {
            printf("FAIL: %s: op %u (%s gfn %llu nr %llu): gfn %llu differs "
                   "from the reference\n", check_case_name, ops,
                   rc == 0 ? "ok" : "failed", (unsigned long long)gfn,
                   (unsigned long long)nr, (unsigned long long)bad);
            check_case_failed = 1;
        }
    }
    CHECK(sets > 1000 && clears > 1000);
    /* Clear everything at the end: no slot may be left behind. */
    CHECK_EQ(physmap_clear(&pm, 0, RGFNS + 8), 0);
    CHECK_CONSISTENT(&pm);
    CHECK_EQ(pm.n, 0);
    physmap_destroy(&pm);
}

/* No slot callback (a VMM-only map): the list logic works alone. */
static void test_no_callback(void)
{
    struct physmap pm;

    CHECK_EQ(physmap_init(&pm, 8, NULL, NULL), 0);
    CHECK_EQ(physmap_set(&pm, 0, 10, 0, PM_RAM), 0);
    CHECK_EQ(physmap_set(&pm, 5, 1, 99, PM_SHARED_INFO), 0);
    CHECK_EQ(pm.n, 3);
    CHECK_EQ(mp(&pm, 5), 99);
    CHECK_EQ(mp(&pm, 6), 6);
    CHECK_EQ(physmap_clear(&pm, 0, 10), 0);
    CHECK_EQ(pm.n, 0);
    physmap_destroy(&pm);
}

int main(void)
{
    RUN(test_map_ram);
    RUN(test_punch_hole);
    RUN(test_overlay);
    RUN(test_move_overlay);
    RUN(test_clear_edges);
    RUN(test_lookup_boundaries);
    RUN(test_lookup_many);
    RUN(test_bad_arguments);
    RUN(test_gpa_overflow);
    RUN(test_kvm_refuses);
    RUN(test_out_of_slots);
    RUN(test_out_of_slots_split_clear);
    RUN(test_out_of_slots_split_set);
    RUN(test_random);
    RUN(test_no_callback);
    return CHECK_DONE();
}
