/* The backend side of the XenbusState handshake (backend/xenbus_backend.c):
 * the pure machine, then a device driven through a store the way a guest's
 * frontend and the toolstack move it. */
#include <errno.h>
#include <stdlib.h>

#include "backend/xenbus_backend.h"
#include "check.h"

/* --- the machine ------------------------------------------------------ */

#define STEP(be, conn, fe, online, want_state, want_action) do {            \
        struct xb_step s_ = xb_next(be, conn, fe, online);                  \
        CHECK_EQ(s_.state, want_state);                                     \
        CHECK_EQ(s_.action, want_action);                                   \
    } while (0)

static void test_next_connect(void)
{
    STEP(XenbusStateInitWait, false, XenbusStateInitialising, true,
         XenbusStateInitWait, XB_NOTHING);
    STEP(XenbusStateInitWait, false, XenbusStateInitialised, true,
         XenbusStateConnected, XB_CONNECT);
    /* a frontend that skipped Initialised (or a watch we missed) */
    STEP(XenbusStateInitWait, false, XenbusStateConnected, true,
         XenbusStateConnected, XB_CONNECT);
    /* a second event for the same state connects nothing again */
    STEP(XenbusStateConnected, true, XenbusStateConnected, true,
         XenbusStateConnected, XB_NOTHING);
    STEP(XenbusStateConnected, true, XenbusStateInitialised, true,
         XenbusStateConnected, XB_NOTHING);
}

static void test_next_close_and_reconnect(void)
{
    STEP(XenbusStateConnected, true, XenbusStateClosing, true,
         XenbusStateClosing, XB_DISCONNECT);
    STEP(XenbusStateClosing, false, XenbusStateClosed, true,
         XenbusStateClosed, XB_NOTHING);
    STEP(XenbusStateConnected, true, XenbusStateClosed, true,
         XenbusStateClosed, XB_DISCONNECT);
    /* the frontend was reset: ready again */
    STEP(XenbusStateClosed, false, XenbusStateInitialising, true,
         XenbusStateInitWait, XB_NOTHING);
    /* ... or already Initialised when we look */
    STEP(XenbusStateClosed, false, XenbusStateInitialised, true,
         XenbusStateConnected, XB_CONNECT);
}

static void test_next_offline(void)
{
    STEP(XenbusStateConnected, true, XenbusStateConnected, false,
         XenbusStateClosing, XB_DISCONNECT);
    STEP(XenbusStateClosing, false, XenbusStateConnected, false,
         XenbusStateClosing, XB_NOTHING);
    STEP(XenbusStateClosing, false, XenbusStateClosing, false,
         XenbusStateClosing, XB_NOTHING);
    STEP(XenbusStateClosing, false, XenbusStateClosed, false,
         XenbusStateClosed, XB_REMOVE);
    STEP(XenbusStateInitWait, false, XenbusStateInitialising, false,
         XenbusStateClosing, XB_NOTHING);
    STEP(XenbusStateClosed, false, XenbusStateClosed, false,
         XenbusStateClosed, XB_REMOVE);
    /* the frontend's directory vanished */
    STEP(XenbusStateConnected, true, XenbusStateUnknown, true,
         XenbusStateClosed, XB_REMOVE);
}

/* States a frontend never announces change nothing. */
static void test_next_odd_states(void)
{
    STEP(XenbusStateConnected, true, XenbusStateInitWait, true,
         XenbusStateConnected, XB_NOTHING);
    STEP(XenbusStateInitWait, false, XenbusStateReconfiguring, true,
         XenbusStateInitWait, XB_NOTHING);
}

static void test_parse_state(void)
{
    CHECK_EQ(xb_parse_state("4"), XenbusStateConnected);
    CHECK_EQ(xb_parse_state("6"), XenbusStateClosed);
    CHECK_EQ(xb_parse_state("9"), XenbusStateUnknown);
    CHECK_EQ(xb_parse_state("-1"), XenbusStateUnknown);
    CHECK_EQ(xb_parse_state("4x"), XenbusStateUnknown);
    CHECK_EQ(xb_parse_state(""), XenbusStateUnknown);
    CHECK_EQ(xb_parse_state(NULL), XenbusStateUnknown);
}

/* --- a store, a device ------------------------------------------------ */

#define MAX_KEYS 32

struct store {
    char *key[MAX_KEYS], *val[MAX_KEYS];
    char *watch[4];
    int nwatch;
};

static int find(struct store *st, const char *path)
{
    for (int i = 0; i < MAX_KEYS; i++)
        if (st->key[i] && !strcmp(st->key[i], path))
            return i;
    return -1;
}

static char *st_read(void *p, const char *path)
{
    struct store *st = p;
    int i = find(st, path);

    return i < 0 ? NULL : strdup(st->val[i]);
}

static int st_write(void *p, const char *path, const char *value)
{
    struct store *st = p;
    int i = find(st, path);

    if (i < 0)
        for (i = 0; i < MAX_KEYS && st->key[i]; i++)
            ;
    if (i == MAX_KEYS)
        return -ENOSPC;
    if (!st->key[i])
        st->key[i] = strdup(path);
    free(st->val[i]);
    st->val[i] = strdup(value);
    return 0;
}

static void st_rm(struct store *st, const char *path)
{
    int i = find(st, path);

    if (i >= 0) {
        free(st->key[i]);
        free(st->val[i]);
        st->key[i] = st->val[i] = NULL;
    }
}

static int st_watch(void *p, const char *path)
{
    struct store *st = p;

    if (st->nwatch == 4)
        return -ENOSPC;
    st->watch[st->nwatch++] = strdup(path);
    return 0;
}

static int st_unwatch(void *p, const char *path)
{
    struct store *st = p;

    for (int i = 0; i < st->nwatch; i++)
        if (!strcmp(st->watch[i], path)) {
            free(st->watch[i]);
            st->watch[i] = st->watch[--st->nwatch];
            return 0;
        }
    return -ENOENT;
}

static void st_free(struct store *st)
{
    for (int i = 0; i < MAX_KEYS; i++) {
        free(st->key[i]);
        free(st->val[i]);
    }
    for (int i = 0; i < st->nwatch; i++)
        free(st->watch[i]);
}

static const struct xb_store_ops store_ops = {
    st_read, st_write, st_watch, st_unwatch,
};

struct dev {
    int published, connects, disconnects, removed;
    int fail_connect;
    char ring_ref[16];
    struct store *st;
};

static int dev_publish(void *p, const char *dir)
{
    struct dev *d = p;
    char path[256];

    d->published++;
    snprintf(path, sizeof(path), "%s/feature-flush-cache", dir);
    return st_write(d->st, path, "1");
}

static int dev_connect(void *p, const char *fe_dir)
{
    struct dev *d = p;
    char path[256], *v;

    if (d->fail_connect)
        return d->fail_connect;
    snprintf(path, sizeof(path), "%s/ring-ref", fe_dir);
    v = st_read(d->st, path);
    if (!v)
        return -ENOENT;
    snprintf(d->ring_ref, sizeof(d->ring_ref), "%s", v);
    free(v);
    d->connects++;
    return 0;
}

static void dev_disconnect(void *p) { ((struct dev *)p)->disconnects++; }
static void dev_removed(void *p) { ((struct dev *)p)->removed++; }

static const struct xb_device_ops dev_ops = {
    dev_publish, dev_connect, dev_disconnect, dev_removed,
};

#define BE "/local/domain/0/backend/vbd/3/51712"
#define FE "/local/domain/3/device/vbd/51712"

static char *be_state(struct store *st)
{
    int i = find(st, BE "/state");
    return i < 0 ? "" : st->val[i];
}

/* The frontend moves to STATE and the watch fires. */
static void frontend(struct xb_backend *b, struct store *st, const char *state)
{
    st_write(st, FE "/state", state);
    xb_backend_changed(b);
}

static void toolstack_setup(struct store *st)
{
    st_write(st, BE "/frontend", FE);
    st_write(st, BE "/online", "1");
    st_write(st, FE "/backend", BE);
    st_write(st, FE "/state", "1");
}

/* A whole life: probe, connect, the guest reboots (close, reset,
 * reconnect), then the toolstack detaches it. */
static void test_device_life(void)
{
    struct store st = { 0 };
    struct dev d = { .st = &st };
    struct xb_backend b;

    toolstack_setup(&st);
    CHECK_EQ(xb_backend_probe(&b, "vbd", 3, 51712, &store_ops, &st, &dev_ops, &d), 0);
    CHECK_EQ(d.published, 1);
    CHECK(!strcmp(be_state(&st), "2"));                         /* InitWait */
    CHECK(find(&st, BE "/feature-flush-cache") >= 0);
    CHECK_EQ(st.nwatch, 2);
    CHECK(!strcmp(st.watch[0], FE "/state"));
    CHECK(!strcmp(st.watch[1], BE "/online"));

    st_write(&st, FE "/ring-ref", "8");
    frontend(&b, &st, "3");                                     /* Initialised */
    CHECK_EQ(d.connects, 1);
    CHECK(!strcmp(d.ring_ref, "8"));
    CHECK(!strcmp(be_state(&st), "4"));
    frontend(&b, &st, "4");                                     /* Connected */
    CHECK_EQ(d.connects, 1);

    /* the guest reboots: its frontend closes and starts over */
    frontend(&b, &st, "5");
    CHECK_EQ(d.disconnects, 1);
    CHECK(!strcmp(be_state(&st), "5"));
    frontend(&b, &st, "6");
    CHECK(!strcmp(be_state(&st), "6"));
    CHECK_EQ(d.disconnects, 1);
    CHECK_EQ(d.removed, 0);                                     /* still online */
    frontend(&b, &st, "1");
    CHECK(!strcmp(be_state(&st), "2"));
    st_write(&st, FE "/ring-ref", "9");
    frontend(&b, &st, "3");
    CHECK_EQ(d.connects, 2);
    CHECK(!strcmp(d.ring_ref, "9"));
    CHECK(!strcmp(be_state(&st), "4"));

    /* xl block-detach: online = 0, we close, the frontend follows */
    st_write(&st, BE "/online", "0");
    xb_backend_changed(&b);
    CHECK(!strcmp(be_state(&st), "5"));
    CHECK_EQ(d.disconnects, 2);
    frontend(&b, &st, "5");
    frontend(&b, &st, "6");
    CHECK(!strcmp(be_state(&st), "6"));
    CHECK_EQ(d.removed, 1);
    CHECK_EQ(d.disconnects, 2);
    frontend(&b, &st, "1");                                     /* gone: ignored */
    CHECK(!strcmp(be_state(&st), "6"));
    xb_backend_release(&b);
    CHECK_EQ(st.nwatch, 0);
    st_free(&st);
}

/* A frontend that announces itself without what we need: the device goes
 * Closing with an error node, as xenbus_dev_fatal leaves it. */
static void test_connect_failure(void)
{
    struct store st = { 0 };
    struct dev d = { .st = &st };
    struct xb_backend b;
    char *err;

    toolstack_setup(&st);
    CHECK_EQ(xb_backend_probe(&b, "vbd", 3, 51712, &store_ops, &st, &dev_ops, &d), 0);
    frontend(&b, &st, "3");                         /* no ring-ref */
    CHECK_EQ(d.connects, 0);
    CHECK(!strcmp(be_state(&st), "5"));
    err = st_read(&st, BE "/error");
    CHECK(err && strstr(err, "connecting to the frontend"));
    free(err);
    xb_backend_release(&b);
    st_free(&st);
}

/* The frontend's directory vanished (the domain died): the device goes. */
static void test_frontend_vanished(void)
{
    struct store st = { 0 };
    struct dev d = { .st = &st };
    struct xb_backend b;

    toolstack_setup(&st);
    CHECK_EQ(xb_backend_probe(&b, "vif", 3, 51712, &store_ops, &st, &dev_ops, &d), -ENOENT);
    st_write(&st, "/local/domain/0/backend/vif/3/51712/frontend", FE);
    CHECK_EQ(xb_backend_probe(&b, "vif", 3, 51712, &store_ops, &st, &dev_ops, &d), 0);
    st_write(&st, FE "/ring-ref", "8");
    frontend(&b, &st, "4");
    CHECK_EQ(d.connects, 1);
    st_rm(&st, FE "/state");
    xb_backend_changed(&b);
    CHECK_EQ(d.disconnects, 1);
    CHECK_EQ(d.removed, 1);
    xb_backend_release(&b);
    st_free(&st);
}

int main(void)
{
    RUN(test_next_connect);
    RUN(test_next_close_and_reconnect);
    RUN(test_next_offline);
    RUN(test_next_odd_states);
    RUN(test_parse_state);
    RUN(test_device_life);
    RUN(test_connect_failure);
    RUN(test_frontend_vanished);
    return CHECK_DONE();
}
