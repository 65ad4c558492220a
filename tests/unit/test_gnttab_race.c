/* A guest thread grants, rewrites and revokes entries (Linux's
 * gnttab_end_foreign_access_ref, v1 cmpxchg loop and v2 clear-then-check)
 * while backend threads take, copy and release through the real library.
 * The property: once the guest's revoke succeeded, no backend holds the
 * page; a backend that holds a grant always finds the page still granted. */
#include <pthread.h>
#include <sched.h>

#include "check.h"
#include "gnt_fixture.h"

#define NREFS 4
#define FIRST_REF 8                     /* past the reserved entries */
#define GUEST_ROUNDS 60000

enum { FREE, GRANTED };

static struct gnt_fixture F;
static unsigned version;
static int page_state[NREFS];
static int guest_done;
static long violations, takes, busy_revokes, bad_ptrs;

static uint32_t rnd(uint32_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 17;
    *s ^= *s << 5;
    return *s;
}

static void grant(unsigned i, uint16_t extra, domid_t to)
{
    __atomic_store_n(&page_state[i], GRANTED, __ATOMIC_SEQ_CST);
    if (version == 1)
        fix_grant_v1(&F, FIRST_REF + i, to, 1 + i, GTF_permit_access | extra);
    else
        fix_grant_v2(&F, FIRST_REF + i, to, 1 + i, GTF_permit_access | extra, 0, 0);
}

static int end_access(unsigned i)
{
    return version == 1 ? fix_end_v1(&F, FIRST_REF + i) : fix_end_v2(&F, FIRST_REF + i);
}

static void *guest(void *arg)
{
    uint32_t s = 12345;
    (void)arg;

    for (int round = 0; round < GUEST_ROUNDS; round++) {
        unsigned i = rnd(&s) % NREFS;
        uint32_t r = rnd(&s);

        if (__atomic_load_n(&page_state[i], __ATOMIC_SEQ_CST) == FREE) {
            /* Sometimes read-only, sometimes for another domain. */
            grant(i, (r & 3) == 0 ? GTF_readonly : 0, (r & 12) == 0 ? 5 : 0);
            continue;
        }
        if ((r & 7) == 0 && version == 1) {
            /* A guest racing the backend by flipping GTF_readonly. */
            grant_entry_v1_t *e = (grant_entry_v1_t *)gnt_shared_frame(&F.view, 0) +
                                  FIRST_REF + i;
            __atomic_fetch_xor(&e->flags, GTF_readonly, __ATOMIC_SEQ_CST);
            continue;
        }
        if (end_access(i)) {
            __atomic_store_n(&page_state[i], FREE, __ATOMIC_SEQ_CST);
            /* The guest reuses the page for something else. */
            memset(F.ram.base + (size_t)(1 + i) * GNT_PAGE_SIZE, round & 0xff, 64);
        } else {
            __atomic_fetch_add(&busy_revokes, 1, __ATOMIC_RELAXED);
        }
        if ((round & 255) == 0)
            sched_yield();
    }
    __atomic_store_n(&guest_done, 1, __ATOMIC_SEQ_CST);
    return NULL;
}

static void *backend(void *arg)
{
    uint32_t s = (uint32_t)(uintptr_t)arg;
    uint8_t buf[256];

    while (!__atomic_load_n(&guest_done, __ATOMIC_SEQ_CST)) {
        unsigned i = rnd(&s) % NREFS;
        struct gnt_handle h;
        unsigned fl = rnd(&s) & 1 ? GNT_WRITE : GNT_READ;

        if (gnt_take(&F.view, 0, FIRST_REF + i, fl, &h) != GNTST_okay)
            continue;
        __atomic_fetch_add(&takes, 1, __ATOMIC_RELAXED);
        if (__atomic_load_n(&page_state[i], __ATOMIC_SEQ_CST) != GRANTED)
            __atomic_fetch_add(&violations, 1, __ATOMIC_RELAXED);
        if (h.ptr != F.ram.base + (size_t)(1 + i) * GNT_PAGE_SIZE)
            __atomic_fetch_add(&bad_ptrs, 1, __ATOMIC_RELAXED);
        if (fl == GNT_WRITE)
            memset(h.ptr + 128, 0x5a, sizeof(buf));
        else
            memcpy(buf, h.ptr, sizeof(buf));
        if (__atomic_load_n(&page_state[i], __ATOMIC_SEQ_CST) != GRANTED)
            __atomic_fetch_add(&violations, 1, __ATOMIC_RELAXED);
        gnt_release(&h);
    }
    return NULL;
}

static void race(unsigned ver)
{
    pthread_t g, b[2];

    CHECK_EQ(fix_init(&F, GNT_DEFAULT_MAX_FRAMES), 0);
    CHECK_EQ(gnt_set_version(&F.view, ver), 0);
    version = ver;
    guest_done = 0;
    violations = takes = busy_revokes = bad_ptrs = 0;
    memset(page_state, 0, sizeof(page_state));
    pthread_create(&b[0], NULL, backend, (void *)1u);
    pthread_create(&b[1], NULL, backend, (void *)7u);
    pthread_create(&g, NULL, guest, NULL);
    pthread_join(g, NULL);
    pthread_join(b[0], NULL);
    pthread_join(b[1], NULL);
    printf("# v%u: %ld takes, %ld revokes found busy\n", ver, takes, busy_revokes);
    CHECK_EQ(violations, 0);
    CHECK_EQ(bad_ptrs, 0);
    /* Every pin was given back: nothing is left marked. */
    CHECK(!gnt_any_pinned(&F.view, 0));
    for (unsigned i = 0; i < NREFS; i++) {
        struct gnt_entry_state st;
        CHECK_EQ(gnt_entry_state(&F.view, FIRST_REF + i, &st), GNTST_okay);
        CHECK_EQ(st.flags & (GTF_reading | GTF_writing), 0);
    }
    fix_fini(&F);
}

static void race_revoke_v1(void) { race(1); }
static void race_revoke_v2(void) { race(2); }

int main(void)
{
    RUN(race_revoke_v1);
    RUN(race_revoke_v2);
    return CHECK_DONE();
}
