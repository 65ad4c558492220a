/* Domain control shared by destroy, shutdown and reboot. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "domain_ctl.h"
#include "domain_tree.h"
#include "dominfo.h"
#include "lockfile.h"
#include "paths.h"
#include "xl.h"
#include "xs_util.h"

static void sleep_ms(long ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
    nanosleep(&ts, NULL);
}

/* Signal SIG to every process holding domain DOMID's lock. */
static void kill_holders(unsigned domid, int sig)
{
    pid_t h[16];
    unsigned n = xl_domlock_holders(domid, h, 16);

    for (unsigned i = 0; i < n && i < 16; i++)
        kill(h[i], sig);
}

static long now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L + 1;
}

int xl_domain_destroy(unsigned domid)
{
    pid_t monitor, vmm;

    /* Found through the lock (or the VMM's socket), never only through a
     * pid file: a domain whose creation was cut short is reached too. */
    xl_dom_pids(domid, &monitor, &vmm);
    /* libxl's order: the domain's nodes, then the domain itself. */
    xl_tree_remove(domid);
    if (vmm > 0) {
        kill(vmm, SIGTERM);
        kill(vmm, SIGCONT);     /* a stopped VMM takes it once it runs */
    } else if (monitor > 0) {
        kill(monitor, SIGTERM); /* no VMM (yet): the monitor cleans up */
    }
    for (int i = 0; xl_domlock_held(domid); i++) {
        if (i == 50) {
            /* 5 s: it does not listen (or was not up when we looked). */
            xl_dom_pids(domid, &monitor, &vmm);
            if (vmm > 0)
                kill(vmm, SIGKILL);
        }
        if (i == 100)
            kill_holders(domid, SIGKILL);   /* nothing left to watch */
        if (i == 150)
            return -EBUSY;
        sleep_ms(100);
    }
    /* The monitor may have been gone already: clean up after it. */
    xl_dom_reap(domid);
    return 0;
}

int xl_domain_pvcontrol(unsigned domid, const char *cmd, bool fallback)
{
    struct xl_dominfo d;
    char *type = xl_xs_readf(XBT_NULL, "/libxl/%u/type", domid);
    bool pvh = type && !strcmp(type, "pvh");
    bool reboot = !strcmp(cmd, "reboot");

    free(type);
    if (xl_dom_get(domid, &d)) {
        fprintf(stderr, "%s failed (rc=-21)\n", reboot ? "reboot" : "shutdown");
        return 1;
    }
    /* libxl__domain_pvcontrol_available: PVH always, HVM once the guest
     * has set its callback (it runs PV drivers). */
    if (pvh || d.pvcontrol) {
        char *path = xl_xasprintf("/local/domain/%u/control/shutdown", domid);
        bool ok = xl_xs_write(XBT_NULL, path, cmd);
        free(path);
        xl_dominfo_free(&d);
        if (!ok) {
            fprintf(stderr, "%s failed (rc=-3)\n", reboot ? "reboot" : "shutdown");
            return 1;
        }
        return 0;
    }
    xl_dominfo_free(&d);
    if (!fallback) {
        fprintf(stderr, "PV control interface not available: external graceful %s not "
                "possible.\n", reboot ? "reboot" : "shutdown");
        fprintf(stderr, "Use \"-F\" to fallback to %s.\n",
                reboot ? "a hard reset" : "a hard power-off");
        fprintf(stderr, "%s failed (rc=-13)\n", reboot ? "reboot" : "shutdown");
        return 1;
    }
    {
        pid_t monitor, vmm;
        xl_dom_pids(domid, &monitor, &vmm);
        fprintf(stderr, "PV control interface not available: %s.\n",
                reboot ? "resetting the domain (xenkvm has no ACPI reset event)"
                       : "powering the domain off (xenkvm has no ACPI power button)");
        /* The VMM stops the guest as if it had asked: SIGUSR1 poweroff,
         * SIGUSR2 reboot (docs/exit-codes.md). */
        if (vmm <= 0 || kill(vmm, reboot ? SIGUSR2 : SIGUSR1)) {
            fprintf(stderr, "%s failed (rc=-3)\n", reboot ? "reboot" : "shutdown");
            return 1;
        }
    }
    return 0;
}

/* A domain whose VMM does not answer this long is not waited for. */
#define HUNG_GIVE_UP_MS 10000

unsigned xl_wait_domains(const unsigned *domids, unsigned n, bool death)
{
    struct xl_dominfo *d = calloc(n ? n : 1, sizeof(*d));
    long *hung_since = calloc(n ? n : 1, sizeof(*hung_since));
    bool *done = calloc(n ? n : 1, sizeof(*done));
    unsigned left = n, abandoned = 0;

    if (!d || !hung_since || !done) {
        perror("xl");
        exit(EXIT_FAILURE);
    }
    fprintf(stderr, "Waiting for %u domains\n", n);
    while (left) {
        unsigned k = 0, *idx = xl_xmalloc(n * sizeof(*idx));

        /* Every domain still waited for is asked at once. */
        for (unsigned i = 0; i < n; i++) {
            if (done[i])
                continue;
            if (!xl_domlock_held(domids[i])) {
                fprintf(stderr, "Domain %u has been destroyed\n", domids[i]);
                done[i] = true;
                left--;
                continue;
            }
            memset(&d[k], 0, sizeof(d[k]));
            d[k].domid = domids[i];
            idx[k++] = i;
        }
        xl_vmm_query_many(d, k, 1000);
        for (unsigned j = 0; j < k; j++) {
            unsigned i = idx[j];
            bool stopped = d[j].hung && d[j].vmm_pid > 0 && xl_pid_stopped(d[j].vmm_pid);

            if (d[j].shutdown && !death) {
                fprintf(stderr, "Domain %u has been shut down, reason code %d\n", domids[i],
                        d[j].shutdown_reason);
                done[i] = true;
            } else if (d[j].hung) {
                if (!hung_since[i])
                    hung_since[i] = now_ms();
                if (stopped || now_ms() - hung_since[i] >= HUNG_GIVE_UP_MS) {
                    fprintf(stderr, "Domain %u does not answer (its VMM, pid %ld, is %s): "
                            "not waiting for it\n", domids[i], (long)d[j].vmm_pid,
                            stopped ? "stopped" : "stuck");
                    done[i] = true;
                    abandoned++;
                }
            } else {
                hung_since[i] = 0;
            }
            if (done[i])
                left--;
            xl_dominfo_free(&d[j]);
        }
        free(idx);
        if (left)
            sleep_ms(100);
    }
    free(done);
    free(hung_since);
    free(d);
    return abandoned;
}
