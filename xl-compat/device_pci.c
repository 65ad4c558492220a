/* device_pci.c: pci= at xl create: libxl's PVH refusal, then the VMM's
 * --pci argument from the entry (pci_spec.c). */
#include "device_pci.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "device.h"
#include "pci_spec.h"
#include "xl.h"
#include "xs_util.h"

#define PCI_KEYS 7      /* per-entry nodes, moved down together on removal */
static const char *const entry_keys[PCI_KEYS] = {
    "state", "key", "dev", "vdev", "opts", "vdevfn", "vfio-user",
};

const char *xl_sysfs_root(void)
{
    const char *r = getenv("XENKVM_SYSFS_ROOT");

    return r && *r ? r : "/sys";
}

int xl_pci_prepare(struct domcfg *dc, const char *file)
{
    struct pci_spec p;
    char err[512];

    if (dc->type == DC_TYPE_PVH) {
        /* libxl__arch_passthrough_mode_setdefault */
        fprintf(stderr, "%s: passthrough not yet supported for x86 PVH guests\n", file);
        return -1;
    }
    if (dc->memory_mib < dc->maxmem_mib) {
        /* libxl__domain_config_setdefault (Xen 4.17 on): memory below
         * maxmem is populate-on-demand for an HVM guest, which an IOMMU
         * (passthrough) does not go with. */
        fprintf(stderr, "libxl: error: IOMMU not supported together with PoD\n");
        return -1;
    }
    if (pci_spec_parse(dc->pcis[0], &p, err, sizeof(err)) < 0) {
        fprintf(stderr, "%s: %s\n", file, err);
        return -1;
    }
    free(dc->pci_vmm_arg);
    dc->pci_vmm_arg = pci_spec_vmm_arg(&p, xl_sysfs_root(), dc->pci_permissive,
                                       dc->pci_power_mgmt, err, sizeof(err));
    pci_spec_free(&p);
    if (!dc->pci_vmm_arg) {
        fprintf(stderr, "%s: %s\n", file, err);
        return -1;
    }
    return 0;
}

void xl_pci_name(const struct pci_spec *p, unsigned slot, char out[16])
{
    if (p->has_bdf)
        snprintf(out, 16, "%04x:%02x:%02x.%x", p->domain, p->bus, p->dev, p->func);
    else
        snprintf(out, 16, "ffff:00:%02x.0", slot & 0x1f);
}

static char *be_path(unsigned domid)
{
    return xl_xasprintf("/local/domain/0/backend/pci/%u/0", domid);
}

/* BE/KEY-NUM = VAL */
static void put(xs_transaction_t t, const char *be, const char *key, unsigned num,
                const char *val)
{
    char *path = xl_xasprintf("%s/%s-%u", be, key, num);

    xl_xs_write(t, path, val);
    free(path);
}

void xl_pci_xs_add(xs_transaction_t t, unsigned domid, const struct pci_spec *p,
                   const struct xl_pci_node *n, bool starting)
{
    char *be = be_path(domid), *num_s = xl_xs_readf(t, "%s/num_devs", be), *v;
    unsigned num = num_s ? (unsigned)strtoul(num_s, NULL, 10) : 0;

    if (!num_s) {
        /* libxl__create_pci_backend: the device, both ends Initialising. */
        struct xl_device d;
        char *name = xl_xs_readf(t, "/local/domain/%u/name", domid);
        const char *back[] = { "online", "1", "state", "1", "domain", name ? name : "", NULL };

        xl_device_init(&d, domid, "pci", 0, NULL);
        xl_device_write(t, &d, back, NULL);
        v = xl_xasprintf("%s/state", d.fe_dir);
        xl_xs_write(t, v, "1");
        free(v);
        xl_device_free(&d);
        free(name);
    }
    /* libxl_create_pci_backend_device */
    put(t, be, "key", num, n->bdf);
    put(t, be, "dev", num, n->bdf);
    v = xl_xasprintf("%x", n->vdevfn);
    put(t, be, "vdevfn", num, v);
    free(v);
    v = xl_xasprintf("msitranslate=%d,power_mgmt=%d,permissive=%d,rdm_policy=%s",
                     p->msitranslate > 0, p->power_mgmt > 0, p->permissive > 0,
                     p->rdm_policy == 1 ? "strict" : "relaxed");
    put(t, be, "opts", num, v);
    free(v);
    put(t, be, "state", num, "1");
    if (n->vfio_user)
        put(t, be, "vfio-user", num, n->vfio_user);
    v = xl_xasprintf("%s/num_devs", be);
    xl_xs_writef(t, v, "%u", num + 1);
    free(v);
    if (num_s && !starting) {
        v = xl_xasprintf("%s/state", be);
        xl_xs_write(t, v, "7");         /* XenbusStateReconfiguring */
        free(v);
    }
    free(num_s);
    free(be);
}

/* The index of BDF among the NUM entries, or -1. */
static int find_entry(const char *be, unsigned num, const char *bdf)
{
    for (unsigned i = 0; i < num; i++) {
        char *d = xl_xs_readf(XBT_NULL, "%s/dev-%u", be, i);
        bool same = d && !strcmp(d, bdf);

        free(d);
        if (same)
            return (int)i;
    }
    return -1;
}

int xl_pci_xs_remove(unsigned domid, const char *bdf)
{
    struct xs_handle *xs = xl_xs();
    char *be = be_path(domid), *num_s = xl_xs_readf(XBT_NULL, "%s/num_devs", be), *path;
    unsigned num = num_s ? (unsigned)strtoul(num_s, NULL, 10) : 0;
    int i = find_entry(be, num, bdf);
    xs_transaction_t t;

    free(num_s);
    if (!xs || i < 0) {
        free(be);
        return -1;
    }
    /* The entry Closing, the backend Reconfiguring (a pcifront would
     * answer; an HVM guest has none, as with libxl). */
    do {
        t = xs_transaction_start(xs);
        put(t, be, "state", (unsigned)i, "5");
        path = xl_xasprintf("%s/state", be);
        xl_xs_write(t, path, "7");
        free(path);
    } while (!xs_transaction_end(xs, t, false) && errno == EAGAIN);
    do {
        t = xs_transaction_start(xs);
        for (unsigned k = 0; k < PCI_KEYS; k++) {
            path = xl_xasprintf("%s/%s-%d", be, entry_keys[k], i);
            xs_rm(xs, t, path);
            free(path);
        }
        path = xl_xasprintf("%s/num_devs", be);
        xl_xs_writef(t, path, "%u", num - 1);
        free(path);
        for (unsigned j = (unsigned)i + 1; j < num; j++)
            for (unsigned k = 0; k < PCI_KEYS; k++) {
                char *v = xl_xs_readf(t, "%s/%s-%u", be, entry_keys[k], j);

                if (!v)
                    continue;
                put(t, be, entry_keys[k], j - 1, v);
                free(v);
                path = xl_xasprintf("%s/%s-%u", be, entry_keys[k], j);
                xs_rm(xs, t, path);
                free(path);
            }
        if (num == 1) {
            /* libxl__device_destroy: the whole device goes. */
            path = xl_xasprintf("/local/domain/%u/device/pci/0", domid);
            xs_rm(xs, t, path);
            free(path);
            xs_rm(xs, t, be);
        }
    } while (!xs_transaction_end(xs, t, false) && errno == EAGAIN);
    free(be);
    return 0;
}

unsigned xl_pci_xs_list(unsigned domid, struct xl_pci_node **out)
{
    char *be = be_path(domid), *num_s = xl_xs_readf(XBT_NULL, "%s/num_devs", be);
    unsigned num = num_s ? (unsigned)strtoul(num_s, NULL, 10) : 0, n = 0;
    struct xl_pci_node *l = num ? calloc(num, sizeof(*l)) : NULL;

    free(num_s);
    for (unsigned i = 0; l && i < num; i++) {
        char *d = xl_xs_readf(XBT_NULL, "%s/dev-%u", be, i);
        char *fn = xl_xs_readf(XBT_NULL, "%s/vdevfn-%u", be, i);

        if (d && strlen(d) < sizeof(l[n].bdf)) {
            snprintf(l[n].bdf, sizeof(l[n].bdf), "%s", d);
            l[n].vdevfn = fn ? (unsigned)strtoul(fn, NULL, 16) : 0;
            l[n].vfio_user = xl_xs_readf(XBT_NULL, "%s/vfio-user-%u", be, i);
            l[n].opts = xl_xs_readf(XBT_NULL, "%s/opts-%u", be, i);
            n++;
        }
        free(d);
        free(fn);
    }
    free(be);
    *out = l;
    return n;
}

void xl_pci_list_free(struct xl_pci_node *l, unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        free(l[i].vfio_user);
        free(l[i].opts);
    }
    free(l);
}

/* KEY's 0/1 in an opts-N string, or -1. */
static int opt_flag(const char *opts, const char *key)
{
    size_t k = strlen(key);

    for (const char *p = opts; p && *p; p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL)
        if (!strncmp(p, key, k) && p[k] == '=')
            return p[k + 1] == '1';
    return -1;
}

/* A function's xl-pci-configuration spec from its nodes. */
static char *node_spec(const struct xl_pci_node *n)
{
    int perm = opt_flag(n->opts, "permissive"), pm = opt_flag(n->opts, "power_mgmt");
    bool host_bdf = strncmp(n->bdf, "ffff:", 5) != 0;
    char flags[64] = "";

    if (perm >= 0 || pm >= 0)
        snprintf(flags, sizeof(flags), "%s%s%s%s", perm >= 0 ? ",permissive=" : "",
                 perm > 0 ? "1" : perm == 0 ? "0" : "", pm >= 0 ? ",power_mgmt=" : "",
                 pm > 0 ? "1" : pm == 0 ? "0" : "");
    if (n->vfio_user)
        return xl_xasprintf("vfio-user=%s,vslot=0x%x%s%s%s", n->vfio_user, n->vdevfn >> 3,
                            host_bdf ? ",bdf=" : "", host_bdf ? n->bdf : "", flags);
    return xl_xasprintf("%s,vslot=0x%x%s", n->bdf, n->vdevfn >> 3, flags);
}

void xl_pci_domain_pcis(unsigned domid, struct domcfg *dc)
{
    struct xl_pci_node *l;
    unsigned n = xl_pci_xs_list(domid, &l), hot = 0;
    char *first = NULL;

    for (unsigned i = 0; i < dc->nr_pcis; i++)
        free(dc->pcis[i]);
    for (unsigned i = 0; i < dc->nr_pci_hot; i++)
        free(dc->pci_hot[i]);
    free(dc->pci_hot);
    dc->pci_hot = xl_xmalloc((n + 1) * sizeof(*dc->pci_hot));
    for (unsigned i = 0; i < n; i++) {
        char *spec = node_spec(&l[i]);

        if ((l[i].vdevfn >> 3) == 2 && !first)
            first = spec;
        else
            dc->pci_hot[hot++] = spec;
    }
    dc->nr_pci_hot = hot;
    free(dc->pcis);
    dc->pcis = xl_xmalloc(sizeof(*dc->pcis));
    dc->pcis[0] = first;
    dc->nr_pcis = first ? 1 : 0;
    free(dc->pci_vmm_arg);
    dc->pci_vmm_arg = NULL;
    if (first && xl_pci_prepare(dc, "<running domain>") < 0) {
        free(first);
        dc->nr_pcis = 0;
    }
    xl_pci_list_free(l, n);
}
