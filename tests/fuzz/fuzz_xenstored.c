/* Fuzz target for xenstored's message handling: the input is a byte
 * stream from one client, fed through the same connection code, parser and
 * request handlers as the daemon's.  First byte selects the client: bit 0
 * a guest ring (the rest of the input is the ring page, indices included)
 * instead of a socket stream, bit 1 an unprivileged domain (domid 5)
 * instead of the host.  Built for libFuzzer by tests/fuzz/run.sh and as a
 * plain corpus replay by make check. */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include "xenstored/xenstored.h"
#include "log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);


static const uint8_t *in_data;
static size_t in_len, in_off;

static int mem_read(struct conn *c, void *buf, unsigned int len)
{
    size_t n = in_len - in_off;

    if (n == 0) {
        c->closing = true;
        return -1;      /* EOF, as a socket client hanging up */
    }
    if (n > len)
        n = len;
    memcpy(buf, in_data + in_off, n);
    in_off += n;
    return n;
}

static int mem_write(struct conn *c, const void *buf, unsigned int len)
{
    return len;         /* the client reads everything */
}

static const struct conn_ops mem_ops = { .read = mem_read, .write = mem_write };

static void init_once(void)
{
    static bool done;

    if (done)
        return;
    done = true;
    log_set_level(-1);
    lu_dry_run = true;      /* "live-update -f /bin/sh" must not exec */
    evbase = event_base_new();
    if (!evbase || store_open(NULL) || store_init_tree())
        abort();
    domain_init();
}

static void run_stream(unsigned int domid)
{
    struct conn *c = conn_new(NULL, CONN_MEM, &mem_ops, domid);

    if (!c)
        return;
    while (conn_handle_input(c))
        conn_flush(c);
    conn_flush(c);
    conn_free(c);
}

static void run_ring(const uint8_t *d, size_t n)
{
    static char page[4096] __attribute__((aligned(4096)));
    struct attach *a = talloc_zero(NULL, struct attach);
    struct domain *dom;

    if (!a)
        return;
    memset(page, 0, sizeof(page));
    memcpy(page, d, n < sizeof(page) ? n : sizeof(page));
    a->domid = 5;
    a->map = page;
    a->vmm_fd = a->mem_fd = -1;
    a->target = XS_ATTACH_NO_TARGET;
    a->event_fd = eventfd(0, EFD_NONBLOCK);
    a->notify_fd = eventfd(0, EFD_NONBLOCK);
    if (domain_introduce(5, a) == 0) {
        /* The first pass runs from the loop, as after an attach. */
        event_base_loop(evbase, EVLOOP_NONBLOCK);
        event_base_loop(evbase, EVLOOP_NONBLOCK);
    }
    dom = domain_find(5);
    if (dom) {
        a->map = NULL;      /* not mmap'd here */
        domain_attach_lost(a);
    } else {
        close(a->event_fd);
        close(a->notify_fd);
        talloc_free(a);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    unsigned int mode;

    init_once();
    if (size < 1)
        return 0;
    mode = data[0];
    in_data = data + 1;
    in_len = size - 1;
    in_off = 0;
    if (mode & 1)
        run_ring(data + 1, size - 1);
    else
        run_stream(mode & 2 ? 5 : 0);
    return 0;
}
