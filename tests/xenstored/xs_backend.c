/* The backend side of the XenbusState handshake (backend/xenbus_backend.c)
 * on a real xenstored (XENSTORED_PATH) through libxenstore: this program is
 * the toolstack, the guest's frontend and a vbd backend at once; the
 * backend follows the frontend only through watch events. */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xenstore.h>

#include "../unit/check.h"
#include "backend/xenbus_xs.h"

#define BE "/local/domain/0/backend/vbd/7/51712"
#define FE "/local/domain/7/device/vbd/51712"

static struct xs_handle *xs;
static struct xb_backend b;
static int connects, disconnects, removed;

static int publish(void *dev, const char *dir)
{
    char p[256];

    snprintf(p, sizeof(p), "%s/feature-barrier", dir);
    return xs_write(xs, XBT_NULL, p, "1", 1) ? 0 : -1;
}

static int dev_connect(void *dev, const char *fe_dir)
{
    char p[256], *v;
    unsigned len;

    snprintf(p, sizeof(p), "%s/ring-ref", fe_dir);
    v = xs_read(xs, XBT_NULL, p, &len);
    if (!v)
        return -2;
    free(v);
    connects++;
    return 0;
}

static void dev_disconnect(void *dev) { disconnects++; }
static void dev_removed(void *dev) { removed++; }

static const struct xb_device_ops ops = { publish, dev_connect, dev_disconnect, dev_removed };

static void put(const char *path, const char *v)
{
    if (!xs_write(xs, XBT_NULL, path, v, (unsigned)strlen(v)))
        printf("FAIL: setup: cannot write %s\n", path);
}

/* Take every watch event that arrives within a short quiet period and let
 * the backend look after each (as its event loop would). */
static void pump(void)
{
    struct pollfd p = { .fd = xs_fileno(xs), .events = POLLIN };

    while (poll(&p, 1, 300) == 1) {
        unsigned n;
        char **ev = xs_read_watch(xs, &n);

        if (!ev)
            break;
        free(ev);
        xb_backend_changed(&b);
    }
}

static bool be_state_is(const char *want)
{
    unsigned len;
    char *v = xs_read(xs, XBT_NULL, BE "/state", &len);
    bool ok = v && !strcmp(v, want);

    free(v);
    return ok;
}

static void frontend(const char *state)
{
    put(FE "/state", state);
    pump();
}

static void test_handshake_on_xenstored(void)
{
    unsigned len;
    char *v;

    put(BE "/frontend", FE);
    put(BE "/online", "1");
    put(FE "/backend", BE);
    put(FE "/state", "1");
    CHECK_EQ(xb_backend_probe(&b, "vbd", 7, 51712, &xb_xs_ops, xs, &ops, NULL), 0);
    pump();                                     /* the watches' first events */
    CHECK(be_state_is("2"));
    v = xs_read(xs, XBT_NULL, BE "/feature-barrier", &len);
    CHECK(v && !strcmp(v, "1"));
    free(v);

    put(FE "/ring-ref", "8");
    frontend("3");
    CHECK(be_state_is("4"));
    CHECK_EQ(connects, 1);
    frontend("4");
    CHECK_EQ(connects, 1);

    frontend("5");                              /* the guest reboots */
    CHECK(be_state_is("5"));
    CHECK_EQ(disconnects, 1);
    frontend("6");
    CHECK(be_state_is("6"));
    frontend("1");
    CHECK(be_state_is("2"));
    frontend("3");
    CHECK(be_state_is("4"));
    CHECK_EQ(connects, 2);

    put(BE "/online", "0");                     /* xl block-detach */
    pump();
    CHECK(be_state_is("5"));
    CHECK_EQ(disconnects, 2);
    frontend("6");
    CHECK(be_state_is("6"));
    CHECK_EQ(removed, 1);
    xb_backend_release(&b);
}

int main(void)
{
    xs = xs_open(0);
    if (!xs) {
        printf("FAIL: connect: no xenstored at $XENSTORED_PATH\n");
        return 1;
    }
    RUN(test_handshake_on_xenstored);
    xs_close(xs);
    return CHECK_DONE();
}
