/* Disks: libxl's vbd node set, removal and the block backend process
 * (device_vbd.h). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "backend_spawn.h"
#include "device.h"
#include "device_vbd.h"
#include "paths.h"
#include "vbd_number.h"
#include "xl.h"
#include "xs_util.h"

#define XENBUS_INITIALISING "1"
#define XENBUS_CLOSING "5"
#define XENBUS_CLOSED 6

/* libxl__device_disk_string_of_format: the prefix of a qdisk's params. */
static const char *qdisk_format(enum dc_disk_format f)
{
    switch (f) {
    case DC_FMT_RAW: return "aio";
    case DC_FMT_QCOW: return "qcow";
    case DC_FMT_QCOW2: return "qcow2";
    case DC_FMT_VHD: return "vhd";
    case DC_FMT_QED: return "qed";
    case DC_FMT_EMPTY: return "empty";
    }
    return "aio";
}

/* DIR/KEY = VAL in T. */
static void put(xs_transaction_t t, const char *dir, const char *key, const char *val)
{
    char *p = xl_xasprintf("%s/%s", dir, key);

    xl_xs_write(t, p, val);
    free(p);
}

static void sleep_ms(long ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
    nanosleep(&ts, NULL);
}

/* The target as the backend (another process, another cwd) must see it. */
static char *absolute(const char *path)
{
    char cwd[PATH_MAX];

    if (path[0] == '/' || !getcwd(cwd, sizeof(cwd)))
        return xl_xstrdup(path);
    return xl_xasprintf("%s/%s", cwd, path);
}

int xl_vbd_prepare(const struct dc_disk *d, struct xl_vbd *v, char *err, size_t errlen)
{
    bool empty = !d->target || !*d->target || d->format == DC_FMT_EMPTY;
    struct stat st;
    char *path;

    memset(v, 0, sizeof(*v));
    v->devid = xl_vbd_number(d->vdev, NULL, NULL);
    if (v->devid < 0) {
        snprintf(err, errlen, "Invalid or unsupported virtual disk identifier %s "
                 "(xen-vbd-interface(7): xvdX, hdX, sdX, dNpM or a number)", d->vdev);
        return -1;
    }
    if (d->backend && *d->backend && strcmp(d->backend, "0") &&
        strcmp(d->backend, "Domain-0")) {
        snprintf(err, errlen, "backend=%s: the host (domain 0) is the only backend domain",
                 d->backend);
        return -1;
    }
    if (d->script) {
        snprintf(err, errlen, "script=%s is not supported: xenkvm has no hotplug scripts "
                 "(the disk backend opens files and block devices itself)", d->script);
        return -1;
    }
    if (d->specification == DC_SPEC_VIRTIO) {
        snprintf(err, errlen, "specification=virtio is not supported: disks are Xen PV "
                 "(blkfront) devices");
        return -1;
    }
    if (d->backendtype && strcmp(d->backendtype, "phy") && strcmp(d->backendtype, "qdisk")) {
        snprintf(err, errlen, "backendtype=%s is not supported: xenkvm's disk backend "
                 "serves backendtype=phy (raw) and backendtype=qdisk", d->backendtype);
        return -1;
    }
    /* libxl's choice: phy for raw images, qdisk for the other formats and
     * for an empty drive. */
    if (d->backendtype)
        v->type = !strcmp(d->backendtype, "phy") ? "phy" : "qdisk";
    else
        v->type = d->format == DC_FMT_RAW && !empty ? "phy" : "qdisk";
    /* What xenkvm-blkback serves (docs/blkback.md): raw files and block
     * devices, images through qemu-storage-daemon, no media change; a
     * refusal here says so before the guest meets a device that never
     * connects. */
    if (!strcmp(v->type, "phy") && (d->format != DC_FMT_RAW || empty)) {
        snprintf(err, errlen, "backendtype=phy needs a raw image, not format %s%s",
                 dc_format_name(d->format), empty ? " (an empty drive)" : "");
        return -1;
    }
    if (empty) {
        if (!d->cdrom) {
            snprintf(err, errlen, "an empty target is only for a cdrom drive");
            return -1;
        }
        v->params = xl_xasprintf("%s:", qdisk_format(DC_FMT_EMPTY));
        return 0;
    }
    if (stat(d->target, &st)) {
        snprintf(err, errlen, "failed to stat %s: %s", d->target, strerror(errno));
        return -1;
    }
    if (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode)) {
        snprintf(err, errlen, "%s is neither a file nor a block device", d->target);
        return -1;
    }
    if (access(d->target, d->readwrite ? R_OK | W_OK : R_OK)) {
        snprintf(err, errlen, "cannot open %s for %s: %s", d->target,
                 d->readwrite ? "writing" : "reading", strerror(errno));
        return -1;
    }
    path = absolute(d->target);
    if (!strcmp(v->type, "phy"))
        v->params = path;
    else {
        v->params = xl_xasprintf("%s:%s", qdisk_format(d->format), path);
        free(path);
    }
    return 0;
}

void xl_vbd_free(struct xl_vbd *v)
{
    free(v->params);
    v->params = NULL;
}

bool xl_vbd_check_config(const struct domcfg *dc)
{
    bool ok = true;
    int *ids = calloc(dc->nr_disks + 1, sizeof(*ids));

    for (unsigned i = 0; i < dc->nr_disks; i++) {
        const struct dc_disk *d = &dc->disks[i];
        struct xl_vbd v;
        char err[512];

        if (xl_vbd_prepare(d, &v, err, sizeof(err))) {
            fprintf(stderr, "%s:%d: error: disk `%s': %s\n", dc->source ? dc->source : "?",
                    d->line, d->vdev, err);
            ok = false;
            continue;
        }
        for (unsigned j = 0; ids && j < i; j++)
            if (ids[j] == v.devid) {
                fprintf(stderr, "%s:%d: error: disk `%s': virtual device %d is given "
                        "twice\n", dc->source ? dc->source : "?", d->line, d->vdev,
                        v.devid);
                ok = false;
            }
        if (ids)
            ids[i] = v.devid;
        xl_vbd_free(&v);
    }
    free(ids);
    return ok;
}

void xl_vbd_write(xs_transaction_t t, unsigned domid, const struct dc_disk *d,
                  const struct xl_vbd *v)
{
    struct xs_permissions noperm = { 0, XS_PERM_NONE };
    char devid[16];
    struct xl_device dev;
    char *p;
    const char *back[] = {
        "online", "1",
        "removable", d->cdrom ? "1" : "0",
        "bootable", "1",
        "state", XENBUS_INITIALISING,
        "dev", d->vdev,
        "type", v->type,
        "mode", d->readwrite ? "w" : "r",
        "device-type", d->cdrom ? "cdrom" : "disk",
        "params", v->params,
        /* libxl's default: discard where the guest may write */
        "discard-enable", (d->discard < 0 ? d->readwrite : d->discard) ? "1" : "0",
        d->direct_io_safe ? "direct-io-safe" : NULL, "1",
        NULL,
    };
    /* The frontend's entries live in its (guest-owned) directory, as
     * libxl writes them: the guest changes `state` there. */
    const char *front[] = {
        "state", XENBUS_INITIALISING,
        "virtual-device", devid,
        "device-type", d->cdrom ? "cdrom" : "disk",
        NULL,
    };

    snprintf(devid, sizeof(devid), "%d", v->devid);
    xl_device_init(&dev, domid, "vbd", (unsigned)v->devid, NULL);
    xl_device_write(t, &dev, back, NULL);
    for (size_t i = 0; front[i]; i += 2)
        put(t, dev.fe_dir, front[i], front[i + 1]);
    /* libxl's own record of the device. */
    p = xl_xasprintf("/libxl/%u/device/vbd/%d", domid, v->devid);
    xl_xs_mknod(t, p, &noperm, 1);
    put(t, p, "frontend", dev.fe_dir);
    put(t, p, "backend", dev.be_dir);
    free(p);
    xl_device_free(&dev);
}

int xl_vbd_add(unsigned domid, const struct dc_disk *d, const struct xl_vbd *v)
{
    struct xs_handle *xs = xl_xs();

    for (int tries = 0; tries < 10; tries++) {
        xs_transaction_t t = xs_transaction_start(xs);
        char *dom, *be;

        if (t == XBT_NULL)
            return -EIO;
        dom = xl_xs_readf(t, "/local/domain/%u/domid", domid);
        be = xl_xs_readf(t, "/local/domain/0/backend/vbd/%u/%d", domid, v->devid);
        free(dom);
        free(be);
        if (!dom || be) {
            xs_transaction_end(xs, t, true);
            return dom ? -EEXIST : -ESRCH;
        }
        xl_vbd_write(t, domid, d, v);
        if (xs_transaction_end(xs, t, false))
            return 0;
        if (errno != EAGAIN)
            return -errno;
    }
    return -EAGAIN;
}

static int cmp_int(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

unsigned xl_vbd_list(unsigned domid, int **devids)
{
    char path[64], **names, *end;
    unsigned n = 0, k = 0;

    snprintf(path, sizeof(path), "/libxl/%u/device/vbd", domid);
    names = xs_directory(xl_xs(), XBT_NULL, path, &n);
    *devids = xl_xmalloc(sizeof(int) * (n + 1));
    for (unsigned i = 0; names && i < n; i++) {
        long v = strtol(names[i], &end, 10);
        if (!*end && v >= 0 && v <= INT_MAX)
            (*devids)[k++] = (int)v;
    }
    free(names);
    qsort(*devids, k, sizeof(int), cmp_int);
    return k;
}

static int backend_state(const char *be)
{
    char *s = xl_xs_readf(XBT_NULL, "%s/state", be);
    int v = s ? atoi(s) : -1;

    free(s);
    return v;
}

int xl_vbd_remove(unsigned domid, int devid, bool force, int timeout_ms)
{
    struct xs_handle *xs = xl_xs();
    char *be = xl_xasprintf("/local/domain/0/backend/vbd/%u/%d", domid, devid);
    char *fe = xl_xasprintf("/local/domain/%u/device/vbd/%d", domid, devid);
    char *lx = xl_xasprintf("/libxl/%u/device/vbd/%d", domid, devid);
    int st;

    if (!force) {
        /* libxl__initiate_device_generic_remove: in one transaction, only
         * if the backend is still there. */
        for (int tries = 0; tries < 10; tries++) {
            xs_transaction_t t = xs_transaction_start(xs);
            char *s;

            if (t == XBT_NULL)
                break;
            s = xl_xs_readf(t, "%s/state", be);
            if (!s) {
                xs_transaction_end(xs, t, true);
                break;
            }
            free(s);
            put(t, be, "online", "0");
            put(t, be, "state", XENBUS_CLOSING);
            if (xs_transaction_end(xs, t, false) || errno != EAGAIN)
                break;
        }
        for (int waited = 0; (st = backend_state(be)) != XENBUS_CLOSED && st >= 0;
             waited += 20) {
            if (waited >= timeout_ms) {
                fprintf(stderr, "libxl: warning: backend %s did not close (state %d) in "
                        "%d ms: removing the device by force\n", be, st, timeout_ms);
                break;
            }
            sleep_ms(20);
        }
    }
    xs_rm(xs, XBT_NULL, fe);
    xs_rm(xs, XBT_NULL, be);
    xs_rm(xs, XBT_NULL, lx);
    free(be);
    free(fe);
    free(lx);
    return 0;
}

bool xl_vbd_read(unsigned domid, int devid, struct dc_disk *d)
{
    char *be = xl_xasprintf("/local/domain/0/backend/vbd/%u/%d", domid, devid);
    char *params = xl_xs_readf(XBT_NULL, "%s/params", be);
    char *type = xl_xs_readf(XBT_NULL, "%s/type", be);
    char *mode = xl_xs_readf(XBT_NULL, "%s/mode", be);
    char *dtype = xl_xs_readf(XBT_NULL, "%s/device-type", be);
    char *discard = xl_xs_readf(XBT_NULL, "%s/discard-enable", be);
    char *dio = xl_xs_readf(XBT_NULL, "%s/direct-io-safe", be);
    char *dev = xl_xs_readf(XBT_NULL, "%s/dev", be);
    bool ok = params && type && dev;

    memset(d, 0, sizeof(*d));
    d->discard = d->trusted = d->colo = -1;
    if (ok) {
        const char *colon = strchr(params, ':');
        static const struct { const char *name; enum dc_disk_format f; } fmts[] = {
            { "aio", DC_FMT_RAW }, { "raw", DC_FMT_RAW }, { "qcow", DC_FMT_QCOW },
            { "qcow2", DC_FMT_QCOW2 }, { "vhd", DC_FMT_VHD }, { "qed", DC_FMT_QED },
            { "empty", DC_FMT_EMPTY },
        };

        d->format = *params ? DC_FMT_RAW : DC_FMT_EMPTY;    /* "": an ejected cdrom */
        d->target = xl_xstrdup(params);
        if (!strcmp(type, "qdisk") && colon) {
            for (size_t i = 0; i < sizeof(fmts) / sizeof(fmts[0]); i++)
                if (strlen(fmts[i].name) == (size_t)(colon - params) &&
                    !strncmp(params, fmts[i].name, strlen(fmts[i].name)))
                    d->format = fmts[i].f;
            free(d->target);
            d->target = xl_xstrdup(colon + 1);
        }
        d->vdev = dev;
        dev = NULL;
        d->backendtype = type;
        type = NULL;
        d->readwrite = mode && !strcmp(mode, "w");
        d->cdrom = dtype && !strcmp(dtype, "cdrom");
        d->direct_io_safe = dio && !strcmp(dio, "1");
        if (discard)
            d->discard = !strcmp(discard, "1");
    }
    free(be);
    free(params);
    free(type);
    free(mode);
    free(dtype);
    free(discard);
    free(dio);
    free(dev);
    return ok;
}

static const struct xl_backend_kind blkback = {
    .kind = "vbd", .prog = "xenkvm-blkback", .path = xl_blkback_path,
    .log_prefix = "blkback", .what = "block backend",
};

bool xl_blkback_ensure(unsigned domid, const char *name)
{
    return xl_backend_ensure(&blkback, domid, name);
}

/* The backend has the target made absolute: "/srv/a.img" ends with the
 * config's "a.img". */
static bool ends_with(const char *s, const char *tail)
{
    size_t n = strlen(s), k = strlen(tail);

    return n >= k && !strcmp(s + n - k, tail);
}

void xl_vbd_domain_disks(unsigned domid, struct domcfg *dc)
{
    int *ids;
    unsigned n = xl_vbd_list(domid, &ids), k = 0;
    struct dc_disk *out = calloc(n + 1, sizeof(*out));
    bool *used = calloc(n + 1, sizeof(*used));

    if (!out || !used)
        abort();
    /* The config's disks first, in its order, while they are attached
     * with what the config said (the same target). */
    for (unsigned i = 0; i < dc->nr_disks; i++) {
        struct dc_disk *d = &dc->disks[i];
        struct dc_disk x;
        int devid = xl_vbd_number(d->vdev, NULL, NULL);
        unsigned j;

        for (j = 0; j < n && ids[j] != devid; j++)
            ;
        if (j == n || used[j] || !xl_vbd_read(domid, devid, &x)) {
            dc_disk_free(d);
            continue;
        }
        if (d->target && *d->target ? !ends_with(x.target, d->target)
                                    : x.target && *x.target) {
            dc_disk_free(d);
            *d = x;         /* detached and attached again, or other media
                               (cd-insert / cd-eject): as it is now */
        } else {
            free(d->backendtype);
            d->backendtype = x.backendtype;
            x.backendtype = NULL;
            dc_disk_free(&x);
        }
        used[j] = true;
        out[k++] = *d;
    }
    /* Then those block-attach added. */
    for (unsigned j = 0; j < n; j++)
        if (!used[j] && xl_vbd_read(domid, ids[j], &out[k]))
            k++;
    free(dc->disks);
    dc->disks = out;
    dc->nr_disks = k;
    free(used);
    free(ids);
}

/* The devid of DOMID's cdrom drive VDEV, or -1. */
static int find_cdrom(unsigned domid, const char *vdev, char **type)
{
    int *ids = NULL, found = -1;
    unsigned n = xl_vbd_list(domid, &ids);

    for (unsigned i = 0; i < n && found < 0; i++) {
        struct dc_disk d;
        if (!xl_vbd_read(domid, ids[i], &d))
            continue;
        if (d.cdrom && d.vdev && !strcmp(d.vdev, vdev)) {
            found = ids[i];
            *type = xl_xstrdup(d.backendtype ? d.backendtype : "qdisk");
        }
        dc_disk_free(&d);
    }
    free(ids);
    return found;
}

/* TYPE and PARAMS under the backend and libxl's directories of DEVID, in
 * one transaction. */
static int write_media(unsigned domid, int devid, const char *type, const char *params)
{
    struct xs_handle *xs = xl_xs();

    for (int tries = 0; tries < 10; tries++) {
        xs_transaction_t t = xs_transaction_start(xs);
        char *be = xl_xasprintf("/local/domain/0/backend/vbd/%u/%d", domid, devid);
        char *lx = xl_xasprintf("/libxl/%u/device/vbd/%d", domid, devid);
        char *fe = xl_xs_readf(t, "%s/frontend", lx);

        if (t == XBT_NULL || !fe) {
            if (t != XBT_NULL)
                xs_transaction_end(xs, t, true);
            free(be);
            free(lx);
            return -ENOENT;     /* the device went meanwhile */
        }
        free(fe);
        put(t, be, "type", type);
        put(t, be, "params", params);
        put(t, lx, "type", type);
        put(t, lx, "params", params);
        free(be);
        free(lx);
        if (xs_transaction_end(xs, t, false))
            return 0;
        if (errno != EAGAIN)
            return -errno;
    }
    return -EAGAIN;
}

int xl_vbd_cdrom_change(unsigned domid, const struct dc_disk *d, char *err, size_t errlen)
{
    bool empty = !d->target || !*d->target || d->format == DC_FMT_EMPTY;
    char *type = NULL, *params, *path;
    int devid = find_cdrom(domid, d->vdev, &type), rc;

    if (devid < 0) {
        snprintf(err, errlen, "Virtual device not found");
        return -ENOENT;
    }
    /* libxl empties the drive first, then puts the new media in. */
    rc = write_media(domid, devid, type, "");
    if (!rc && !empty) {
        path = absolute(d->target);
        if (!strcmp(type, "phy") && d->format == DC_FMT_RAW)
            params = path;
        else {
            params = xl_xasprintf("%s:%s", qdisk_format(d->format), path);
            free(path);
        }
        rc = write_media(domid, devid, type, params);
        free(params);
    }
    if (rc)
        snprintf(err, errlen, "cannot write the drive's nodes: %s", strerror(-rc));
    free(type);
    return rc;
}
