/* Unit tests for the PV console ring as the VMM's backend handles it
 * (hvm/console.c, after xenconsoled's buffer_append, ring_free_bytes and
 * handle_tty_read): wrapping free-running indices, and indices a guest
 * made wild.  The ring page sits between two inaccessible pages and the
 * output buffer ends at one, so any access outside them kills the test;
 * a wild ring must also be left exactly as it was. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "check.h"
#include "hvm/console.h"

#define PG 4096

static struct xencons_interface *intf;
static char *outbuf;            /* sizeof(intf->out) bytes before a guard */
static unsigned char before[PG];

static void *guarded(size_t off_in_page)
{
    uint8_t *p = mmap(NULL, 3 * PG, PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

    if (p == MAP_FAILED)
        exit(1);
    mprotect(p, PG, PROT_NONE);
    mprotect(p + 2 * PG, PG, PROT_NONE);
    return p + PG + off_in_page;
}

static void snapshot(void)
{
    memcpy(before, intf, PG);
}

static bool unchanged(void)
{
    return memcmp(before, intf, PG) == 0;
}

/* The guest writes LEN bytes of S at out_prod (as hvc_xen does). */
static void guest_write(const char *s, unsigned len)
{
    XENCONS_RING_IDX prod = intf->out_prod;

    for (unsigned i = 0; i < len; i++)
        intf->out[MASK_XENCONS_IDX(prod++, intf->out)] = s[i];
    intf->out_prod = prod;
}

static void reset(XENCONS_RING_IDX out, XENCONS_RING_IDX in)
{
    memset(intf, 0x5a, PG);
    intf->out_cons = intf->out_prod = out;
    intf->in_cons = intf->in_prod = in;
}

static void out_empty(void)
{
    reset(123, 0);
    snapshot();
    CHECK_EQ(cons_ring_take_out(intf, outbuf), 0);
    CHECK(unchanged());
}

static void out_wraps(void)
{
    char text[2048];

    /* Indices just below 2^32: the copy wraps the ring and the index. */
    reset(0xfffffc00u, 0);
    for (unsigned i = 0; i < sizeof(text); i++)
        text[i] = (char)('a' + i % 26);
    guest_write(text, sizeof(text));
    CHECK_EQ(intf->out_prod, 0x400u);
    CHECK_EQ(cons_ring_take_out(intf, outbuf), 2048);
    CHECK(memcmp(outbuf, text, sizeof(text)) == 0);
    CHECK_EQ(intf->out_cons, 0x400u);
    CHECK_EQ(cons_ring_take_out(intf, outbuf), 0);
}

static void out_wild(void)
{
    static const XENCONS_RING_IDX deltas[] = {
        2049, 4096, 0x10000, 0x7fffffff, 0x80000000u, 0xfffff800u, 0xffffffffu,
    };

    for (unsigned i = 0; i < sizeof(deltas) / sizeof(deltas[0]); i++) {
        reset(0xfffffff0u, 0);
        intf->out_prod = intf->out_cons + deltas[i];
        snapshot();
        CHECK_EQ(cons_ring_take_out(intf, outbuf), -1);
        CHECK(unchanged());     /* nothing consumed, as xenconsoled */
    }
    /* Exactly full is legal. */
    reset(7, 0);
    intf->out_prod = 7 + 2048;
    CHECK_EQ(cons_ring_take_out(intf, outbuf), 2048);
    CHECK_EQ(intf->out_cons, 7u + 2048);
}

static void in_space_and_put(void)
{
    reset(0, 0xfffffe00u);
    CHECK_EQ(cons_ring_in_space(intf), 1024);
    cons_ring_put_in(intf, "hello, guest", 12);
    CHECK_EQ(intf->in_prod, 0xfffffe00u + 12);
    CHECK_EQ(cons_ring_in_space(intf), 1012);
    CHECK(memcmp(intf->in + 0x200, "hello, guest", 12) == 0);
    /* Fill it across the wrap of both the ring and the index. */
    {
        char big[1012];
        memset(big, 'x', sizeof(big));
        cons_ring_put_in(intf, big, sizeof(big));
    }
    CHECK_EQ(cons_ring_in_space(intf), 0);
    CHECK_EQ(intf->in_prod, 0xfffffe00u + 1024);     /* wrapped to 0x200 */
    CHECK_EQ(intf->in[0x1ff], 'x');
    CHECK_EQ(intf->in[0x200], 'h');
}

static void in_wild(void)
{
    static const XENCONS_RING_IDX deltas[] = {
        1025, 4096, 0x10000, 0x80000000u, 0xffffffffu,
    };

    for (unsigned i = 0; i < sizeof(deltas) / sizeof(deltas[0]); i++) {
        reset(0, 100);
        intf->in_cons = intf->in_prod - deltas[i];
        snapshot();
        CHECK_EQ(cons_ring_in_space(intf), -1);
        CHECK(unchanged());
    }
    /* A consumer ahead of the producer is as wild (prod - cons wraps). */
    reset(0, 100);
    intf->in_cons = 101;
    CHECK_EQ(cons_ring_in_space(intf), -1);
}

/* Random indices and contents against a model: never outside the page,
 * never more than the ring, and exactly xenconsoled's verdicts. */
static void random_indices(void)
{
    unsigned seed = 12345;

    for (int round = 0; round < 20000; round++) {
        XENCONS_RING_IDX cons, prod;
        uint32_t r;
        int n;

        seed = seed * 1103515245u + 12345u;
        r = seed;
        reset(0, 0);
        cons = (XENCONS_RING_IDX)(r * 2654435761u);
        prod = cons + ((r >> 8) % 4 == 0 ? r : (r >> 4) % 2100);
        intf->out_cons = cons;
        intf->out_prod = prod;
        intf->in_cons = prod;
        intf->in_prod = cons;
        snapshot();
        n = cons_ring_take_out(intf, outbuf);
        if (prod - cons > 2048) {
            CHECK_EQ(n, -1);
            CHECK(unchanged());
        } else {
            CHECK_EQ(n, (int)(prod - cons));
            CHECK_EQ(intf->out_cons, prod);
            for (int i = 0; i < n; i++)
                CHECK_EQ(outbuf[i], 0x5a);
        }
        n = cons_ring_in_space(intf);
        if (cons - prod > 1024)
            CHECK_EQ(n, -1);
        else
            CHECK_EQ(n, (int)(1024 - (cons - prod)));
        if (check_case_failed)
            break;
    }
}

int main(void)
{
    intf = guarded(0);
    outbuf = guarded(PG - sizeof(intf->out));
    RUN(out_empty);
    RUN(out_wraps);
    RUN(out_wild);
    RUN(in_space_and_put);
    RUN(in_wild);
    RUN(random_indices);
    return CHECK_DONE();
}
