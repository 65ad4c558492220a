/* pci_spec.h: one pci= entry of a domain config, in the syntax of
 * xl-pci-configuration(5): [DDDD:]BB:DD.F[@VSLOT][,KEY=VALUE...] with the
 * keys permissive, msitranslate, seize, power_mgmt, rdm_policy (and bdf=,
 * vslot=).  xenkvm's own key vfio-user=SOCKET names a vfio-user device
 * server instead of a host function (the BDF may then be left out). */
#ifndef XL_PCI_SPEC_H
#define XL_PCI_SPEC_H

#include <stdbool.h>
#include <stddef.h>

struct pci_spec {
    bool has_bdf;
    unsigned domain, bus, dev, func;
    int vslot;                  /* -1: not given */
    int permissive, msitranslate, seize, power_mgmt;   /* -1: the pci_* default */
    int rdm_policy;             /* -1 not given, 0 relaxed, 1 strict (no RDM on KVM) */
    char *vfio_user;            /* socket path, or NULL */
};

/* Parse S; 0, or -1 with a reason in ERR.  At create the function goes
 * to slot 2 (another @VSLOT is refused); hot plug takes any slot. */
int pci_spec_parse(const char *s, struct pci_spec *out, char *err, size_t errlen);
int pci_spec_parse_any_slot(const char *s, struct pci_spec *out, char *err, size_t errlen);
void pci_spec_free(struct pci_spec *p);

/* The VMM's --pci argument (lib/vmm_options.h): "vfio-user:SOCKET,..." or
 * "vfio:DDDD:BB:DD.F,group=N,..." with the IOMMU group read from SYSFS
 * (/sys normally).  GLOBAL_PERMISSIVE / GLOBAL_POWER_MGMT are the config's
 * pci_permissive / pci_power_mgmt.  NULL with a reason in ERR. */
char *pci_spec_vmm_arg(const struct pci_spec *p, const char *sysfs, bool global_permissive,
                       bool global_power_mgmt, char *err, size_t errlen);

#endif
