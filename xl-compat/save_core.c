/* The domain to a file or a migration stream in Xen's format (save_core.h). */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <xen/sched.h>

#include "domain_ctl.h"
#include "domcfg.h"
#include "device_save.h"
#include "dominfo.h"
#include "paths.h"
#include "util.h"
#include "xs_util.h"
#include "vmm_ctl.h"
#include "save_core.h"
#include "xl.h"
#include "xl_savefile.h"

/* The libxl_domain_config JSON of DC (as `xl list -l` prints it). */
static char *config_json(const struct domcfg *dc)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);

    if (!f)
        return NULL;
    domcfg_write_json(dc, f, 0);
    fclose(f);
    return text;
}

/* The xl config text to restore from: CONFIG if given, else the text xl
 * create kept for the domain. */
static char *config_text(unsigned domid, const char *config)
{
    char *path = config ? xl_xstrdup(config) : xl_dom_file(domid, ".cfg"), *text;
    size_t len;

    text = read_file(path, &len, 1 << 20);
    if (!text)
        fprintf(stderr, "Failed to read config file: %s: %s\n", path, strerror(errno));
    free(path);
    if (text) {
        /* The file's bytes, as a string. */
        char *s = xl_xmalloc(len + 1);
        memcpy(s, text, len);
        s[len] = '\0';
        free(text);
        text = s;
    }
    return text;
}

/* libxl's timeouts for the guest's acknowledgement and its suspend. */
#define SUSPEND_TIMEOUT_MS 60000

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static bool can_suspend(unsigned domid)
{
    char *v = xl_xs_readf(XBT_NULL, "/local/domain/%u/control/feature-suspend", domid);
    bool yes = v && !strcmp(v, "1");

    free(v);
    return yes;
}

static bool suspended(unsigned domid)
{
    struct xl_dominfo d = { .domid = domid };
    bool yes = xl_vmm_query(&d) && d.shutdown && d.shutdown_reason == SHUTDOWN_suspend;

    xl_dominfo_free(&d);
    return yes;
}

/* libxl__domain_suspend_callback_common for a guest with PV control: ask,
 * wait for the acknowledgement (the node emptied), then for the
 * suspend.  0, or -1 after libxl's message (the request withdrawn). */
static int suspend_guest(unsigned domid)
{
    char *path = xl_xasprintf("/local/domain/%u/control/shutdown", domid);
    uint64_t end = now_ms() + SUSPEND_TIMEOUT_MS;
    bool acked = false;

    if (!xl_xs_write(XBT_NULL, path, "suspend")) {
        fprintf(stderr, "libxl: error: domain %u: cannot write %s\n", domid, path);
        free(path);
        return -1;
    }
    while (now_ms() < end) {
        char *v;
        if (suspended(domid)) {
            free(path);
            return 0;
        }
        if (!acked) {
            v = xl_xs_readf(XBT_NULL, "%s", path);
            acked = !v || strcmp(v, "suspend");
            free(v);
        }
        usleep(20000);
    }
    if (!acked) {
        fprintf(stderr, "libxl: error: guest didn't acknowledge suspend, cancelling request\n");
        xl_xs_write(XBT_NULL, path, "");
    } else {
        fprintf(stderr, "libxl: error: guest did not suspend, timed out\n");
    }
    free(path);
    return -1;
}

/* xenstored's watch-export for the domain, or NULL (nothing to carry). */
static char *export_watches(unsigned domid)
{
    char id[16];
    int n = snprintf(id, sizeof(id), "%u", domid);

    return xs_control_command(xl_xs(), "watch-export", id, (unsigned)n + 1);
}

/* One line per precopy round, while the domain runs (xenkvm's own). */
static void print_progress(const struct xk_link_save *r, void *arg)
{
    (void)arg;
    fprintf(stderr, "migration sender: precopy round %llu: %llu pages sent, %llu pages and "
            "%llu KiB so far\n", (unsigned long long)r->rounds,
            (unsigned long long)r->last_round_pages,
            (unsigned long long)(r->pages_data + r->pages_zero + r->pages_absent),
            (unsigned long long)(r->bytes >> 10));
}

int xl_save_domain(unsigned domid, int fd, const char *config, const char *where,
                   uint32_t live_flags, bool *coop, struct xk_link_save *r)
{
    struct domcfg dc;
    char *text, *json, *watches, *devices;
    void *hdr;
    size_t hlen;
    bool live = live_flags & XK_SAVE_LIVE;
    int rc, paused_err;

    text = config_text(domid, config);
    if (!text)
        return -1;
    {
        FILE *quiet = fopen("/dev/null", "w");
        rc = domcfg_parse(&dc, config ? config : "saved config", text, strlen(text), NULL, 0,
                          quiet ? quiet : stderr);
        if (quiet)
            fclose(quiet);
    }
    if (rc) {
        fprintf(stderr, "Failed to parse config file %s\n", config ? config : "(saved)");
        free(text);
        return -1;
    }
    json = config_json(&dc);
    domcfg_free(&dc);
    if (!json) {
        free(text);
        fprintf(stderr, "xl: out of memory\n");
        return -1;
    }
    *coop = can_suspend(domid);
    if (*coop && suspend_guest(domid)) {
        free(json);
        free(text);
        return -1;
    }
    live = live && !*coop;
    /* Live: the VMM pauses the domain for the last round itself. */
    rc = paused_err = live ? -EALREADY : xl_vmm_pause(domid);
    if (live)
        rc = 0;
    /* A guest saved without being asked keeps its xenstore watches:
     * xenstored's list of them goes into the header (a suspended guest
     * registers its own again, as Linux's xs_resume does). */
    watches = !rc && !*coop ? export_watches(domid) : NULL;
    /* Likewise its frontends stay connected: their nodes go along
     * (device_save.h). */
    devices = !rc && !*coop ? xl_devices_export(domid) : NULL;
    memset(r, 0, sizeof(*r));
    hdr = rc ? NULL : xl_savefile_build(json, text, watches, devices, &hlen);
    free(json);
    free(text);
    free(watches);
    free(devices);
    if (hdr) {
        uint32_t f[4];
        memcpy(f, (uint8_t *)hdr + XL_SAVE_MAGIC_LEN, sizeof(f));
        fprintf(stderr, "Saving to %s new xl format (info 0x%x/0x%x/%u)\n", where, f[1], f[2],
                f[3]);
        rc = write(fd, hdr, hlen) == (ssize_t)hlen ? 0 : -EIO;
        free(hdr);
        if (rc)
            fprintf(stderr, "libxl: error: domain %u: cannot write %s\n", domid, where);
    } else if (!rc) {
        rc = -ENOMEM;
    } else {
        fprintf(stderr, "libxl: error: domain %u: cannot pause it: %s\n", domid,
                strerror(-rc));
    }
    if (!rc) {
        /* A guest that suspended itself comes back as a new domain, as
         * on Xen: only what Xen's stream carries (memory, params, vCPU
         * context); it binds its channels, maps its shared info and
         * grant frames and registers its vcpu_info itself, which Linux
         * does unconditionally (it panics when a vcpu_info is already
         * registered, BUGs when a VIRQ is still bound). */
        rc = vmm_ctl_save_progress(xl_rundir(), domid, fd,
                                   (*coop ? 0 : XK_SAVE_XENKVM_STATE) | (live ? live_flags : 0),
                                   r, print_progress, NULL);
        if (rc == -EINVAL && !strcmp(r->msg, XK_SAVE_PCI_REFUSAL)) {
            /* Xen's lines for a domain with a PCI device: libxc's error,
             * then libxl__xc_domain_save_done's (log-dirty is refused
             * before the guest is asked to suspend). */
            fprintf(stderr, "xc: error: %s\n", r->msg);
            fprintf(stderr, "libxl: error: Domain %u:saving domain: domain did not respond "
                    "to suspend request: %s\n", domid, strerror(-rc));
        } else if (rc) {
            fprintf(stderr, "libxl: error: domain %u: saving: %s\n", domid,
                    r->msg[0] ? r->msg : strerror(-rc));
        }
        if (!rc && fsync(fd) < 0 && errno != EINVAL)
            rc = -errno;    /* a file; a pipe cannot be synced */
    }
    if (rc) {
        /* The domain runs again: its suspend cancelled, our pause gone. */
        if (*coop)
            vmm_ctl_resume(xl_rundir(), domid);
        if (!paused_err)
            xl_vmm_unpause(domid);
        return -1;
    }
    return 0;
}

int xl_save_resume(unsigned domid, bool coop, bool unpause)
{
    int rc = coop ? vmm_ctl_resume(xl_rundir(), domid) : 0;

    if (rc)
        fprintf(stderr, "libxl: error: domain %u: resuming: %s\n", domid, strerror(-rc));
    if (unpause)
        xl_vmm_unpause(domid);
    return rc;
}
