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

int xl_domain_destroy(unsigned domid)
{
    pid_t monitor, vmm;

    xl_dom_pids(domid, &monitor, &vmm);
    /* libxl's order: the domain's nodes, then the domain itself. */
    xl_tree_remove(domid);
    if (vmm > 0)
        kill(vmm, SIGTERM);
    for (int i = 0; xl_domlock_held(domid); i++) {
        if (i == 50 && vmm > 0)
            kill(vmm, SIGKILL);     /* 5 s: it does not listen */
        if (i == 100) {
            /* A monitor that never lets go: it has nothing left to watch. */
            if (monitor > 0)
                kill(monitor, SIGKILL);
        }
        if (i == 150)
            return -EBUSY;
        sleep_ms(100);
    }
    /* The monitor may have been gone already: clean up after it. */
    xl_tree_remove(domid);
    {
        char *p = xl_dom_file(domid, ".cfg");
        unlink(p);
        free(p);
        p = xl_dom_file(domid, ".pid");
        unlink(p);
        free(p);
    }
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

void xl_wait_domains(const unsigned *domids, unsigned n, bool death)
{
    bool *done = calloc(n, sizeof(*done));
    unsigned left = n;

    fprintf(stderr, "Waiting for %u domains\n", n);
    while (left && done) {
        for (unsigned i = 0; i < n; i++) {
            struct xl_dominfo d;
            if (done[i])
                continue;
            if (xl_dom_get(domids[i], &d)) {
                fprintf(stderr, "Domain %u has been destroyed\n", domids[i]);
                done[i] = true;
                left--;
                continue;
            }
            if (d.shutdown && !death) {
                fprintf(stderr, "Domain %u has been shut down, reason code %d\n", domids[i],
                        d.shutdown_reason);
                done[i] = true;
                left--;
            }
            xl_dominfo_free(&d);
        }
        if (left)
            sleep_ms(100);
    }
    free(done);
}
