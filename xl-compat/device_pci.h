/* device_pci.h: xl's side of PCI passthrough (docs/pciback.md). */
#ifndef XL_DEVICE_PCI_H
#define XL_DEVICE_PCI_H

#include <stdbool.h>
#include <xenstore.h>

#include "domcfg.h"
#include "pci_spec.h"

/* One function in libxl's pci backend directory
 * (/local/domain/0/backend/pci/<domid>/0: dev-N, key-N, vdevfn-N, opts-N,
 * state-N, num_devs), plus xenkvm's vfio-user-N for a device server. */
struct xl_pci_node {
    char bdf[16];               /* DDDD:BB:DD.F */
    unsigned vdevfn;            /* the guest's slot << 3 | function */
    char *vfio_user;            /* socket, or NULL */
    char *opts;                 /* opts-N: "msitranslate=0,power_mgmt=0,..." */
};

/* The name a function goes by: its host BDF, or for a vfio-user server
 * without one, ffff:00:SLOT.0 (PCI segment ffff: no host function). */
void xl_pci_name(const struct pci_spec *p, unsigned slot, char out[16]);

/* libxl__device_pci_add_xenstore in transaction T: the backend (and the
 * frontend) when it is the first function, else one more entry and, when
 * not STARTING (hot plug), backend state 7 (Reconfiguring). */
void xl_pci_xs_add(xs_transaction_t t, unsigned domid, const struct pci_spec *p,
                   const struct xl_pci_node *n, bool starting);
/* libxl__device_pci_remove_xenstore: entry BDF off, the later ones moved
 * down, num_devs less one; the last one takes the whole device.  0, or -1
 * when BDF is not there. */
int xl_pci_xs_remove(unsigned domid, const char *bdf);
/* The domain's functions (libxl_device_pci_list); free with
 * xl_pci_list_free. */
unsigned xl_pci_xs_list(unsigned domid, struct xl_pci_node **out);
void xl_pci_list_free(struct xl_pci_node *l, unsigned n);

/* xl pci-attach's work (cmd_pci.c): SPEC (xl-pci-configuration(5), any
 * slot) onto DOMID's bus and libxl's nodes.  0, -2 for a malformed SPEC,
 * -1 otherwise; the message is printed. */
int xl_pci_attach(unsigned domid, const char *spec);

/* Before a restart (on_reboot = restart): DC's functions become those the
 * domain has now, as libxl keeps them in its config: the one at slot 2
 * its pci= entry (none when it was detached), every other one
 * pci-attach put there in dc->pci_hot, attached again after start. */
void xl_pci_domain_pcis(unsigned domid, struct domcfg *dc);

/* The sysfs root: $XENKVM_SYSFS_ROOT (tests' fake trees), else /sys. */
const char *xl_sysfs_root(void);

/* Check a config's pci= for xl create and set dc->pci_vmm_arg: PVH gets
 * libxl's refusal.  0, or -1 after a message naming FILE. */
int xl_pci_prepare(struct domcfg *dc, const char *file);

#endif
