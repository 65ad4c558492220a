/* vif devices as libxl writes them (libxl_nic.c: libxl__set_xenstore_nic
 * and libxl__device_generic_add), the domain's netback process, and
 * removal as libxl_device_nic_remove does it. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "backend_spawn.h"
#include "device.h"
#include "device_vif.h"
#include "domcfg.h"
#include "paths.h"
#include "xl.h"
#include "xs_util.h"

/* libxl's LIBXL_DESTROY_TIMEOUT: how long a detach waits for the backend. */
#define DETACH_TIMEOUT_MS 10000
/* How long a hotplug may take (libxl's LIBXL_HOTPLUG_TIMEOUT). */
#define HOTPLUG_TIMEOUT_MS 40000

void xl_format_mac(const uint8_t m[6], char out[18])
{
    snprintf(out, 18, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
}

void xl_device_vif_add(xs_transaction_t t, unsigned domid, const struct dc_vif *v)
{
    char mac[18], handle[16], rate[48], mtu[16], fdom[40];
    const char *back[32], *front_ro[8];
    struct xl_device d;
    int n = 0;

    xl_format_mac(v->mac, mac);
    snprintf(handle, sizeof(handle), "%d", v->devid);
    snprintf(mtu, sizeof(mtu), "%u", v->mtu ? v->mtu : DC_VIF_DEFAULT_MTU);
    snprintf(rate, sizeof(rate), "%llu,%u", (unsigned long long)v->rate_bytes, v->rate_usecs);
#define B(k, val) (back[n++] = (k), back[n++] = (val))
    B("online", "1");
    B("state", "1");
    if (v->script)
        B("script", v->script);
    if (v->vifname)
        B("vifname", v->vifname);
    B("mac", mac);
    if (v->ip)
        B("ip", v->ip);
    if (v->gatewaydev)
        B("gatewaydev", v->gatewaydev);
    if (v->rate_usecs)
        B("rate", rate);
    if (v->bridge)
        B("bridge", v->bridge);
    B("handle", handle);
    B("type", v->type && !strcmp(v->type, "ioemu") ? "vif_ioemu" : "vif");
    B("mtu", mtu);
    back[n] = NULL;
#undef B
    front_ro[0] = "handle", front_ro[1] = handle;
    front_ro[2] = "mac", front_ro[3] = mac;
    front_ro[4] = "mtu", front_ro[5] = mtu;
    front_ro[6] = NULL;
    xl_device_init(&d, domid, "vif", (unsigned)v->devid, NULL);
    xl_device_write(t, &d, back, front_ro);
    /* The frontend's state is the guest's to change. */
    snprintf(fdom, sizeof(fdom), "%s/state", d.fe_dir);
    xl_xs_write(t, fdom, "1");
    xl_device_free(&d);
}

int xl_vif_next_devid(unsigned domid)
{
    char p[64];
    unsigned n = 0;
    char **ents;
    int next = 0;

    snprintf(p, sizeof(p), "/local/domain/%u/device/vif", domid);
    ents = xs_directory(xl_xs(), XBT_NULL, p, &n);
    for (unsigned i = 0; ents && i < n; i++)
        if (atoi(ents[i]) >= next)
            next = atoi(ents[i]) + 1;
    free(ents);
    snprintf(p, sizeof(p), "/local/domain/0/backend/vif/%u", domid);
    ents = xs_directory(xl_xs(), XBT_NULL, p, &n);
    for (unsigned i = 0; ents && i < n; i++)
        if (atoi(ents[i]) >= next)
            next = atoi(ents[i]) + 1;
    free(ents);
    return next;
}


static const struct xl_backend_kind netback = {
    .kind = "vif", .prog = "xenkvm-netback", .path = xl_netback_path,
    .log_prefix = "netback", .what = "vif backend",
};

static pid_t netback_pid(unsigned domid)
{
    return xl_backend_pid(&netback, domid);
}

int xl_netback_ensure(unsigned domid, const char *name)
{
    return xl_backend_ensure(&netback, domid, name) ? 0 : -1;
}

int xl_vif_wait_hotplug(unsigned domid, unsigned devid)
{
    char *be = xl_xasprintf("/local/domain/0/backend/vif/%u/%u", domid, devid);
    int rc = -1;

    for (int waited = 0; waited < HOTPLUG_TIMEOUT_MS; waited += 20) {
        struct timespec ts = { 0, 20 * 1000 * 1000 };
        char *st = xl_xs_readf(XBT_NULL, "%s/hotplug-status", be);

        if (st && !strcmp(st, "connected"))
            rc = 0;
        else if (st && !strcmp(st, "error")) {
            char *why = xl_xs_readf(XBT_NULL, "%s/hotplug-error", be);
            fprintf(stderr, "libxl: error: vif %u of domain %u: hotplug failed: %s\n", devid,
                    domid, why ? why : "?");
            free(why);
            free(st);
            break;
        }
        free(st);
        if (!rc || !netback_pid(domid))
            break;
        nanosleep(&ts, NULL);
    }
    if (rc && !netback_pid(domid))
        fprintf(stderr, "libxl: error: vif %u of domain %u: its backend has gone\n", devid,
                domid);
    free(be);
    return rc;
}

int xl_device_vif_remove(unsigned domid, unsigned devid)
{
    char *be = xl_xasprintf("/local/domain/0/backend/vif/%u/%u", domid, devid);
    char *fe = xl_xasprintf("/local/domain/%u/device/vif/%u", domid, devid);
    char *p = xl_xasprintf("%s/online", be), *st = NULL;
    bool hotplug_failed;
    int rc = 0;

    if (!(st = xl_xs_readf(XBT_NULL, "%s/state", be))) {
        rc = -ENOENT;
        goto out;
    }
    free(st);
    st = NULL;
    /* The backend goes Closing, the frontend closes, the backend goes
     * Closed; then the nodes go, whether it did or not (libxl forces it
     * after its timeout too). */
    xl_xs_write(XBT_NULL, p, "0");
    /* A vif whose hotplug failed was never served: nothing to wait for. */
    st = xl_xs_readf(XBT_NULL, "%s/hotplug-status", be);
    hotplug_failed = st && !strcmp(st, "error");
    for (int waited = 0; waited < DETACH_TIMEOUT_MS && !hotplug_failed; waited += 20) {
        struct timespec ts = { 0, 20 * 1000 * 1000 };

        free(st);
        st = xl_xs_readf(XBT_NULL, "%s/state", be);
        if (!st || !strcmp(st, "6") || !netback_pid(domid))
            break;
        nanosleep(&ts, NULL);
    }
    if (st && strcmp(st, "6") && !hotplug_failed)
        fprintf(stderr, "libxl: warning: vif %u of domain %u did not close in time: "
                "removed anyway\n", devid, domid);
    xs_rm(xl_xs(), XBT_NULL, fe);
    xs_rm(xl_xs(), XBT_NULL, be);
    free(p);
    p = xl_xasprintf("/libxl/%u/device/vif/%u", domid, devid);
    xs_rm(xl_xs(), XBT_NULL, p);
out:
    free(st);
    free(p);
    free(be);
    free(fe);
    return rc;
}

/* Vif DEVID of DOMID as its backend nodes describe it, into V (set up by
 * the caller with its devid): what libxl_device_nic_getinfo reads back. */
static void vif_read(unsigned domid, int devid, struct dc_vif *v)
{
    static const char *const keys[] = {
        "mac", "bridge", "ip", "script", "vifname", "gatewaydev", "mtu",
    };
    char err[160], *rate;

    for (unsigned i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
        char *val = xl_xs_readf(XBT_NULL, "/local/domain/0/backend/vif/%u/%d/%s", domid, devid,
                                keys[i]);
        if (val) {
            char *tok = xl_xasprintf("%s=%s", keys[i], val);
            dc_vif_parse_token(v, tok, err, sizeof(err));
            free(tok);
            free(val);
        }
    }
    rate = xl_xs_readf(XBT_NULL, "/local/domain/0/backend/vif/%u/%d/rate", domid, devid);
    if (rate) {
        unsigned long long b;
        unsigned u;
        if (sscanf(rate, "%llu,%u", &b, &u) == 2) {
            v->rate_bytes = b;
            v->rate_usecs = u;
        }
        free(rate);
    }
}

void xl_vif_domain_nics(unsigned domid, struct domcfg *dc)
{
    char p[64];
    unsigned n = 0, k = 0;
    char **ents;
    struct dc_vif *out;

    snprintf(p, sizeof(p), "/local/domain/0/backend/vif/%u", domid);
    ents = xs_directory(xl_xs(), XBT_NULL, p, &n);
    out = calloc(n + 1, sizeof(*out));
    if (!out)
        abort();
    /* The config's vifs that are still there, as the config said... */
    for (unsigned i = 0; i < dc->nr_nics; i++) {
        bool present = false;

        for (unsigned j = 0; ents && j < n; j++)
            present |= atoi(ents[j]) == dc->nics[i].devid;
        if (present)
            out[k++] = dc->nics[i];
        else
            dc_vif_free(&dc->nics[i]);
    }
    /* ...then those network-attach added. */
    for (unsigned j = 0; ents && j < n; j++) {
        int devid = atoi(ents[j]);
        bool known = false;

        for (unsigned i = 0; i < k; i++)
            known |= out[i].devid == devid;
        if (known)
            continue;
        dc_vif_init(&out[k]);
        out[k].devid = devid;
        vif_read(domid, devid, &out[k]);
        dc_vif_defaults(&out[k]);
        k++;
    }
    free(ents);
    free(dc->nics);
    dc->nics = out;
    dc->nr_nics = k;
}
