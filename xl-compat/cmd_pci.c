/* xl pci-attach, pci-detach, pci-list (xl_pci.c in Xen 4.17): hot plug
 * into a running HVM domain.  The VMM puts the function on the guest's bus
 * and tells the guest through the ACPI hot-plug registers (control
 * messages PCI_ATTACH / PCI_DETACH, docs/pciback.md); xl keeps libxl's
 * pci backend nodes in xenstore (device_pci.c), which pci-list reads. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "device_pci.h"
#include "dominfo.h"
#include "paths.h"
#include "pci_spec.h"
#include "vmm_ctl.h"
#include "xl.h"
#include "xs_util.h"

/* libxl waits this long for the device model to remove a function
 * (LIBXL_QMP_CMD_TIMEOUT): here, for the guest's eject. */
#define DETACH_TIMEOUT_MS 10000

/* A function of any domain named BDF: its domid, or -1. */
static int attached_anywhere(const char *bdf)
{
    unsigned n = 0;
    char **doms = xs_directory(xl_xs(), XBT_NULL, "/local/domain/0/backend/pci", &n);
    int found = -1;

    for (unsigned i = 0; doms && i < n && found < 0; i++) {
        struct xl_pci_node *l;
        unsigned domid = (unsigned)strtoul(doms[i], NULL, 10), m = xl_pci_xs_list(domid, &l);

        for (unsigned j = 0; j < m; j++)
            if (!strcmp(l[j].bdf, bdf))
                found = (int)domid;
        xl_pci_list_free(l, m);
    }
    free(doms);
    return found;
}

int xl_pci_attach(unsigned domid, const char *spec)
{
    struct xk_link_pci req = { .type = XK_LINK_PCI_ATTACH };
    struct xl_pci_node node = { .vdevfn = 0 };
    struct pci_spec p;
    char err[512], *arg;
    int rc;

    if (pci_spec_parse_any_slot(spec, &p, err, sizeof(err)) < 0) {
        fprintf(stderr, "pci-attach: malformed PCI_SPEC_STRING \"%s\"\n", spec);
        return -2;
    }
    if (p.has_bdf) {
        xl_pci_name(&p, 0, node.bdf);
        if (attached_anywhere(node.bdf) >= 0) {
            fprintf(stderr, "libxl: error: Domain %u:PCI device already attached to a domain\n",
                    domid);
            pci_spec_free(&p);
            return -1;
        }
    }
    arg = pci_spec_vmm_arg(&p, xl_sysfs_root(), false, false, err, sizeof(err));
    if (!arg || strlen(arg) >= sizeof(req.spec)) {
        fprintf(stderr, "libxl: error: Domain %u:%s\n", domid, arg ? "spec too long" : err);
        free(arg);
        pci_spec_free(&p);
        return -1;
    }
    snprintf(req.spec, sizeof(req.spec), "%s", arg);
    free(arg);
    req.vslot = p.vslot;
    rc = vmm_ctl_pci(xl_rundir(), domid, &req, VMM_CTL_TIMEOUT_MS);
    if (rc) {
        fprintf(stderr, "libxl: error: Domain %u:%s\n", domid,
                req.msg[0] ? req.msg : strerror(-rc));
        pci_spec_free(&p);
        return -1;
    }
    xl_pci_name(&p, (unsigned)req.vslot, node.bdf);
    node.vdevfn = (unsigned)req.vslot << 3;
    node.vfio_user = p.vfio_user;
    for (;;) {
        xs_transaction_t t = xs_transaction_start(xl_xs());

        xl_pci_xs_add(t, domid, &p, &node, false);
        if (xs_transaction_end(xl_xs(), t, false) || errno != EAGAIN)
            break;
    }
    pci_spec_free(&p);
    return 0;
}

int cmd_pci_attach(int argc, char **argv)
{
    unsigned domid;
    int opt, rc;

    while ((opt = xl_getopt(argc, argv, "", NULL, "pci-attach", 2)) != -1)
        ;
    domid = xl_find_domain(argv[optind]);
    rc = xl_pci_attach(domid, argv[optind + 1]);
    if (rc == -2)
        exit(2);
    return rc ? EXIT_FAILURE : EXIT_SUCCESS;
}

int cmd_pci_detach(int argc, char **argv)
{
    static const struct option opts[] = {
        { "help", 0, 0, 'h' },
        { 0, 0, 0, 0 },
    };
    struct xk_link_pci req = { .type = XK_LINK_PCI_DETACH };
    struct xl_pci_node *l;
    struct pci_spec p;
    bool force = false;
    char err[512], name[16];
    unsigned domid, n;
    int opt, rc, at = -1;

    while ((opt = xl_getopt(argc, argv, "f", opts, "pci-detach", 2)) != -1)
        if (opt == 'f')
            force = true;
    domid = xl_find_domain(argv[optind]);
    if (pci_spec_parse_any_slot(argv[optind + 1], &p, err, sizeof(err)) < 0) {
        fprintf(stderr, "pci-detach: malformed PCI_SPEC_STRING \"%s\"\n", argv[optind + 1]);
        exit(2);
    }
    /* By its BDF (xenkvm: or a vfio-user server by its socket). */
    xl_pci_name(&p, 0, name);
    n = xl_pci_xs_list(domid, &l);
    for (unsigned i = 0; i < n && at < 0; i++)
        if (p.has_bdf ? !strcmp(l[i].bdf, name)
                      : l[i].vfio_user && !strcmp(l[i].vfio_user, p.vfio_user))
            at = (int)i;
    pci_spec_free(&p);
    if (at < 0) {
        xl_pci_list_free(l, n);
        fprintf(stderr, "libxl: error: Domain %u:PCI device not attached to this domain\n",
                domid);
        return EXIT_FAILURE;
    }
    snprintf(name, sizeof(name), "%s", l[at].bdf);
    req.vslot = (int32_t)(l[at].vdevfn >> 3);
    xl_pci_list_free(l, n);
    req.flags = force ? XK_PCI_FORCE : 0;
    rc = vmm_ctl_pci(xl_rundir(), domid, &req, force ? VMM_CTL_TIMEOUT_MS : DETACH_TIMEOUT_MS);
    if (rc == -ETIMEDOUT) {
        unsigned b = 0, d = 0, f = 0;

        sscanf(name, "%*x:%x:%x.%x", &b, &d, &f);
        fprintf(stderr, "libxl: warning: Domain %u:timed out waiting for DM to remove "
                "pci-pt-%02x_%02x.%01x\n", domid, b, d, f);
        return EXIT_FAILURE;
    }
    /* -ENODEV: the VMM has no function there any more (the guest ejected
     * it after an earlier timeout): only the nodes are left to go. */
    if (rc && rc != -ENODEV) {
        fprintf(stderr, "libxl: error: Domain %u:%s\n", domid,
                req.msg[0] ? req.msg : strerror(-rc));
        return EXIT_FAILURE;
    }
    xl_pci_xs_remove(domid, name);
    return EXIT_SUCCESS;
}

int cmd_pci_list(int argc, char **argv)
{
    struct xl_pci_node *l;
    unsigned domid, n;
    int opt;

    while ((opt = xl_getopt(argc, argv, "", NULL, "pci-list", 1)) != -1)
        ;
    domid = xl_find_domain(argv[optind]);
    n = xl_pci_xs_list(domid, &l);
    /* libxl_device_pci_list gives nothing at all without num_devs: then
     * xl prints no header either. */
    if (n) {
        unsigned dom = 0, bus = 0, dev = 0, fn = 0;

        printf("Vdev Device\n");
        for (unsigned i = 0; i < n; i++) {
            sscanf(l[i].bdf, "%x:%x:%x.%x", &dom, &bus, &dev, &fn);
            printf("%02x.%01x %04x:%02x:%02x.%01x\n", (l[i].vdevfn >> 3) & 0x1f,
                   l[i].vdevfn & 7, dom, bus, dev, fn);
        }
    }
    xl_pci_list_free(l, n);
    return EXIT_SUCCESS;
}
