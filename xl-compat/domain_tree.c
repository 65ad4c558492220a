/* The xenstore side of a domain's life (see domain_tree.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "device.h"
#include "device_pci.h"
#include "device_vbd.h"
#include "device_vif.h"
#include "domain_tree.h"
#include "lockfile.h"
#include "xl.h"
#include "xs_util.h"

#define XENBUS_INITIALISING 1

int xl_tree_name_to_domid(xs_transaction_t t, const char *name)
{
    unsigned n;
    char **ents = xs_directory(xl_xs(), t, "/local/domain", &n);
    int found = -1;

    for (unsigned i = 0; ents && i < n && found < 0; i++) {
        char *end, *v;
        unsigned long id = strtoul(ents[i], &end, 10);
        if (*end || id > 0xffff)
            continue;
        /* A domain whose processes are all gone holds no name. */
        if (id != 0 && !xl_domlock_held((unsigned)id))
            continue;
        v = xl_xs_readf(t, "/local/domain/%lu/name", id);
        if (v && !strcmp(v, name))
            found = (int)id;
        free(v);
    }
    free(ents);
    return found;
}

/* Write NAME for DOMID in transaction T (libxl__domain_rename's core). */
static int set_name(xs_transaction_t t, unsigned domid, const char *name)
{
    char *vm = xl_xs_readf(t, "/local/domain/%u/vm", domid);
    char path[64];
    int other = xl_tree_name_to_domid(t, name);

    if (other >= 0 && (unsigned)other != domid) {
        free(vm);
        return -EEXIST;
    }
    snprintf(path, sizeof(path), "/local/domain/%u/name", domid);
    if (!xl_xs_write(t, path, name)) {
        free(vm);
        return -EIO;
    }
    if (vm) {
        char *p = xl_xasprintf("%s/name", vm);
        bool ok = xl_xs_write(t, p, name);
        free(p);
        free(vm);
        if (!ok)
            return -EIO;
    }
    return 0;
}

bool xl_tree_make(unsigned domid, const struct domcfg *dc, const char *uuid)
{
    struct xs_handle *xs = xl_xs();
    struct xs_permissions noperm[1] = { { 0, XS_PERM_NONE } };
    struct xs_permissions roperm[2] = { { 0, XS_PERM_NONE }, { domid, XS_PERM_READ } };
    struct xs_permissions rwperm[1] = { { domid, XS_PERM_NONE } };
    /* libxl__domain_make's directories: read-only to the guest (owned by
     * dom0, readable by it) or the guest's own; some only for HVM. */
    static const struct { const char *path; bool guest_owned, hvm_only; } dirs[] = {
        { "cpu", false, false }, { "memory", false, false }, { "device", false, false },
        { "device/suspend/event-channel", true, false }, { "control", false, false },
        { "hvmloader", false, true }, { "control/shutdown", true, false },
        { "control/feature-poweroff", true, false }, { "control/feature-reboot", true, false },
        { "control/feature-suspend", true, false }, { "control/feature-s3", true, true },
        { "control/feature-s4", true, true }, { "control/sysrq", true, false },
        { "data", true, false }, { "drivers", true, false }, { "feature", true, false },
        { "attr", true, false }, { "error", true, false },
    };
    char *dom = xl_xasprintf("/local/domain/%u", domid);
    char *vm = xl_xasprintf("/vm/%s", uuid);
    char *lx = xl_xasprintf("/libxl/%u", domid);
    bool ok = false;
    int rc = 0;

    for (int tries = 0; tries < 10 && !ok; tries++) {
        xs_transaction_t t = xs_transaction_start(xs);
        char p[256];

        if (t == XBT_NULL)
            break;
        xs_rm(xs, t, dom);
        xl_xs_mknod(t, dom, roperm, 2);
        xs_rm(xs, t, vm);
        xl_xs_mknod(t, vm, roperm, 2);
        xs_rm(xs, t, lx);
        xl_xs_mknod(t, lx, noperm, 1);
        snprintf(p, sizeof(p), "%s/device", lx);
        xl_xs_mknod(t, p, noperm, 1);
        snprintf(p, sizeof(p), "%s/type", lx);
        xl_xs_write(t, p, dc_type_name(dc->type));
        snprintf(p, sizeof(p), "%s/vm", dom);
        xl_xs_write(t, p, vm);
        rc = set_name(t, domid, dc->name);
        if (rc) {
            xs_transaction_end(xs, t, true);
            break;
        }
        for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
            if (dirs[i].hvm_only && dc->type != DC_TYPE_HVM)
                continue;
            snprintf(p, sizeof(p), "%s/%s", dom, dirs[i].path);
            if (dirs[i].guest_owned)
                xl_xs_mknod(t, p, rwperm, 1);
            else
                xl_xs_mknod(t, p, roperm, 2);
        }
        snprintf(p, sizeof(p), "%s/uuid", vm);
        xl_xs_write(t, p, uuid);
        snprintf(p, sizeof(p), "%s/control/platform-feature-multiprocessor-suspend", dom);
        xl_xs_write(t, p, "1");
        snprintf(p, sizeof(p), "%s/control/platform-feature-xs_reset_watches", dom);
        xl_xs_write(t, p, "1");
        if (xs_transaction_end(xs, t, false))
            ok = true;
        else if (errno != EAGAIN)
            break;
    }
    if (rc == -EEXIST)
        fprintf(stderr, "libxl: error: domain with name \"%s\" already exists.\n", dc->name);
    else if (!ok)
        fprintf(stderr, "xl: cannot write the xenstore tree of domain %u: %s\n", domid,
                strerror(errno));
    free(dom);
    free(vm);
    free(lx);
    return ok;
}

/* Write "DIR/key" = value pairs; KV ends with NULL. */
static void write_ents(xs_transaction_t t, const char *dir, const char *const *kv)
{
    for (; kv[0]; kv += 2) {
        char *p = xl_xasprintf("%s/%s", dir, kv[0]);
        xl_xs_write(t, p, kv[1] ? kv[1] : "");
        free(p);
    }
}

bool xl_tree_build_post(unsigned domid, const struct domcfg *dc,
                        const struct xl_vmm_rings *r, const char *console_tty)
{
    struct xs_handle *xs = xl_xs();
    char *dom = xl_xasprintf("/local/domain/%u", domid);
    char *vm = xl_xs_readf(XBT_NULL, "%s/vm", dom);
    char smax[32], target[32], sid[16], sport[16], sref[32], start[48];
    struct timeval now;
    bool ok = false;

    gettimeofday(&now, NULL);
    snprintf(smax, sizeof(smax), "%llu", (unsigned long long)dc->maxmem_mib * 1024);
    snprintf(target, sizeof(target), "%llu", (unsigned long long)dc->memory_mib * 1024);
    snprintf(sid, sizeof(sid), "%u", domid);
    snprintf(sport, sizeof(sport), "%u", r->store_port);
    snprintf(sref, sizeof(sref), "%llu", (unsigned long long)r->store_pfn);
    snprintf(start, sizeof(start), "%lld.%02d", (long long)now.tv_sec, (int)(now.tv_usec / 10000));

    for (int tries = 0; tries < 10 && !ok && vm; tries++) {
        xs_transaction_t t = xs_transaction_start(xs);
        const char *dom_ents[] = {
            "memory/static-max", smax, "memory/target", target, "memory/videoram", "0",
            "domid", sid, "store/port", sport, "store/ring-ref", sref, NULL,
        };
        char *p;

        if (t == XBT_NULL)
            break;
        write_ents(t, dom, dom_ents);
        for (unsigned i = 0; i < dc->maxvcpus; i++) {
            p = xl_xasprintf("%s/cpu/%u/availability", dom, i);
            xl_xs_write(t, p, i < dc->vcpus ? "online" : "offline");
            free(p);
        }
        /* /vm/UUID as libxl's vments: the image (a PV-style kernel for PVH). */
        {
            const char *vm_ents[] = {
                "image/ostype", dc->type == DC_TYPE_HVM ? "hvm" : "linux",
                "start_time", start,
                dc->kernel ? "image/kernel" : NULL, dc->kernel,
                dc->ramdisk ? "image/ramdisk" : NULL, dc->ramdisk,
                dc->cmdline ? "image/cmdline" : NULL, dc->cmdline,
            };
            for (size_t i = 0; i < sizeof(vm_ents) / sizeof(vm_ents[0]); i += 2) {
                if (!vm_ents[i])
                    continue;
                p = xl_xasprintf("%s/%s", vm, vm_ents[i]);
                xl_xs_write(t, p, vm_ents[i + 1]);
                free(p);
            }
        }
        /* The primary console: frontend (the domain's own dir) and backend. */
        xl_device_console_add(t, domid, r, console_tty);
        /* The disks (checked by xl create: none fails here but a target
         * removed since, which is then left out with its reason). */
        for (unsigned i = 0; i < dc->nr_disks; i++) {
            struct xl_vbd v;
            char err[512];

            if (xl_vbd_prepare(&dc->disks[i], &v, err, sizeof(err))) {
                fprintf(stderr, "xl: disk `%s': %s\n", dc->disks[i].vdev, err);
                continue;
            }
            xl_vbd_write(t, domid, &dc->disks[i], &v);
            xl_vbd_free(&v);
        }
        /* The vifs (served by the domain's xenkvm-netback). */
        for (unsigned i = 0; i < dc->nr_nics; i++)
            xl_device_vif_add(t, domid, &dc->nics[i]);
        /* pci=: libxl's backend nodes (xl pci-list reads them); the VMM
         * has the function at slot 2. */
        for (unsigned i = 0; i < dc->nr_pcis; i++) {
            struct xl_pci_node n = { .vdevfn = 2 << 3 };
            struct pci_spec ps;
            char err[512];

            if (pci_spec_parse(dc->pcis[i], &ps, err, sizeof(err)) < 0)
                continue;
            if (ps.permissive < 0)
                ps.permissive = dc->pci_permissive;
            if (ps.power_mgmt < 0)
                ps.power_mgmt = dc->pci_power_mgmt;
            xl_pci_name(&ps, 2, n.bdf);
            n.vfio_user = ps.vfio_user;
            xl_pci_xs_add(t, domid, &ps, &n, true);
            pci_spec_free(&ps);
        }
        if (xs_transaction_end(xs, t, false))
            ok = true;
        else if (errno != EAGAIN)
            break;
    }
    if (!ok)
        fprintf(stderr, "xl: cannot write the xenstore nodes of domain %u: %s\n", domid,
                vm ? strerror(errno) : "its vm path is gone");
    free(dom);
    free(vm);
    return ok;
}

void xl_tree_remove(unsigned domid)
{
    struct xs_handle *xs = xl_xs();
    char *vm = xl_xs_readf(XBT_NULL, "/local/domain/%u/vm", domid);
    char p[96];
    unsigned n = 0;
    char **kinds;

    /* Backends first, then the domain, as libxl's devices-then-domain. */
    kinds = xs_directory(xs, XBT_NULL, "/local/domain/0/backend", &n);
    for (unsigned i = 0; kinds && i < n; i++) {
        snprintf(p, sizeof(p), "/local/domain/0/backend/%s/%u", kinds[i], domid);
        xs_rm(xs, XBT_NULL, p);
    }
    free(kinds);
    if (vm && !strncmp(vm, "/vm/", 4) && !strchr(vm + 4, '/'))
        xs_rm(xs, XBT_NULL, vm);
    snprintf(p, sizeof(p), "/libxl/%u", domid);
    xs_rm(xs, XBT_NULL, p);
    snprintf(p, sizeof(p), "/local/domain/%u", domid);
    xs_rm(xs, XBT_NULL, p);
    free(vm);
}

int xl_tree_rename(unsigned domid, const char *new_name)
{
    struct xs_handle *xs = xl_xs();

    for (int tries = 0; tries < 10; tries++) {
        xs_transaction_t t = xs_transaction_start(xs);
        char *old;
        int rc;

        if (t == XBT_NULL)
            return -EIO;
        old = xl_xs_readf(t, "/local/domain/%u/name", domid);
        if (!old) {
            xs_transaction_end(xs, t, true);
            return -ENOENT;
        }
        free(old);
        rc = set_name(t, domid, new_name);
        if (rc) {
            xs_transaction_end(xs, t, true);
            return rc;
        }
        if (xs_transaction_end(xs, t, false))
            return 0;
        if (errno != EAGAIN)
            return -EIO;
    }
    return -EIO;
}
