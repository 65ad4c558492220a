/* libFuzzer harness for gnttab/'s entry parsing and take path: the input
 * is a table's contents as a guest could write them (any version, any
 * flags, frames, sub-page ranges) followed by a script of backend and
 * table operations.  Properties checked on every input:
 *  - a taken grant's bytes lie inside one page of guest RAM, a whole page
 *    for a mapping (GNT_MAP);
 *  - a take that failed leaves no GTF_reading/GTF_writing behind;
 *  - once every handle is released no pin and no busy flag remain.
 * Built with clang -fsanitize=fuzzer,address (tests/fuzz/run.sh) and, as
 * a replay of pseudo-random inputs, by make check (unit/test_gnttab_fuzz). */
#include <stdio.h>
#include <stdlib.h>

#include "gnt_fixture.h"

#define MAX_HELD 8
#define FUZZ_FRAMES 4

static struct gnt_fixture F;
static bool ready;

static void fail(const char *why)
{
    fprintf(stderr, "fuzz_gnttab: property violated: %s\n", why);
    abort();
}

static uint16_t busy_bits(grant_ref_t ref)
{
    struct gnt_entry_state st;

    if (gnt_entry_state(&F.view, ref, &st))
        return 0;
    return st.flags & (GTF_reading | GTF_writing);
}

static void check_handle(const struct gnt_handle *h)
{
    const uint8_t *lo = F.ram.base, *hi = lo + FIX_RAM_PAGES * GNT_PAGE_SIZE;
    size_t page_off = (size_t)(h->ptr - lo) % GNT_PAGE_SIZE;

    /* An empty v2 sub-page window (Xen accepts any page_off with length 0,
     * e.g. 4096) grants no byte: nothing to check. */
    if (h->len == 0)
        return;
    if (h->ptr < lo || h->ptr + h->len > hi || page_off + h->len > GNT_PAGE_SIZE ||
        page_off != h->offset)
        fail("grant outside guest RAM or its page");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct gnt_handle held[MAX_HELD];
    unsigned nheld = 0;
    size_t table_bytes;
    bool switched = false;

    if (!ready) {
        if (fix_init(&F, GNT_DEFAULT_MAX_FRAMES))
            abort();
        ready = true;
    }
    if (size < 2)
        return 0;
    /* Header: version, frames; then the frames' bytes, then the script. */
    unsigned version = 1 + (data[0] & 1), nr = 1 + (data[1] % FUZZ_FRAMES);
    data += 2;
    size -= 2;
    gnt_table_init(F.region, GNT_DEFAULT_MAX_FRAMES);
    memset(gnt_shared_frame(&F.view, 0), 0, FUZZ_FRAMES * GNT_PAGE_SIZE);
    memset(gnt_status_frame(&F.view, 0), 0, GNT_PAGE_SIZE);
    gnt_set_version(&F.view, version);
    gnt_grow(&F.view, nr);
    table_bytes = size < 1024 ? size / 2 : 512;
    memcpy(gnt_shared_frame(&F.view, 0), data, table_bytes);
    /* Guests own the status words' neighbours but not the status itself:
     * start with it clear, as Xen leaves it. */
    data += table_bytes;
    size -= table_bytes;

    for (; size >= 4; data += 4, size -= 4) {
        grant_ref_t ref = (grant_ref_t)(data[1] | (data[2] << 8)) % (gnt_nr_entries(&F.view) + 4);
        uint8_t arg = data[3];
        uint8_t buf[GNT_PAGE_SIZE];

        switch (data[0] % 8) {
        case 0: case 1: {               /* take */
            struct gnt_handle h;
            uint16_t before = busy_bits(ref);
            unsigned fl = (data[0] & 1 ? GNT_WRITE : GNT_READ) | (arg & 1 ? GNT_MAP : 0);
            int rc = gnt_take(&F.view, 0, ref, fl, &h);

            if (rc == GNTST_okay) {
                check_handle(&h);
                if ((fl & GNT_MAP) && h.len != GNT_PAGE_SIZE)
                    fail("a mapping took a sub-page grant");
                if (nheld < MAX_HELD)
                    held[nheld++] = h;
                else
                    gnt_release(&h);
            } else if (busy_bits(ref) & ~before) {
                fail("failed take left the entry busy");
            }
            break;
        }
        case 2:                         /* release the oldest */
            if (nheld) {
                gnt_release(&held[0]);
                memmove(held, held + 1, --nheld * sizeof(held[0]));
            }
            break;
        case 3:
            gnt_copy_from(&F.view, 0, ref, arg * 16u, buf, (size_t)arg * 17u % 4200);
            break;
        case 4:
            memset(buf, arg, sizeof(buf));
            gnt_copy_to(&F.view, 0, ref, arg * 8u, buf, (size_t)arg * 9u);
            break;
        case 5:                         /* the guest rewrites a word */
            if (gnt_nr_entries(&F.view)) {
                uint16_t *w = (uint16_t *)gnt_shared_frame(&F.view, 0) + (ref % 2048);
                __atomic_store_n(w, (uint16_t)(arg | (data[2] << 8)), __ATOMIC_SEQ_CST);
            }
            break;
        case 6:
            gnt_swap(&F.view, ref, ref + arg);
            break;
        case 7: {
            unsigned old = gnt_version(&F.view);

            if (gnt_set_version(&F.view, 1 + (arg & 1)) == 0 && (arg & 2))
                gnt_grow(&F.view, 1 + arg % FUZZ_FRAMES);
            switched |= gnt_version(&F.view) != old;
            break;
        }
        }
    }
    while (nheld)
        gnt_release(&held[--nheld]);
    if (gnt_any_pinned(&F.view, 0))
        fail("pins left after every handle was released");
    for (grant_ref_t r = 0; r < gnt_nr_entries(&F.view); r++) {
        /* A v1 guest may write the busy bits itself, and a switch to v2
         * carries a reserved entry's into its status (as on Xen); other
         * status words only the table writes. */
        if (gnt_version(&F.view) == 2 && !switched &&
            (*((grant_status_t *)gnt_status_frame(&F.view, 0) + r) &
             (GTF_reading | GTF_writing)))
            fail("status left busy with no holder");
    }
    return 0;
}
