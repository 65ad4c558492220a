/* The HVM DSDT's PCI part, as hvmloader's (tools/libacpi mk_dsdt.c, for
 * qemu-xen) gives it: the root bridge \_SB.PCI0 with its interrupt
 * routing _PRT, the hot-plug slots S1-S31 (_ADR, _SUN, _EJ0) and the GPE
 * handler \_GPE._E01 that notifies them.  docs/acpi.md. */
#ifndef XK_ACPI_DSDT_PCI_H
#define XK_ACPI_DSDT_PCI_H

struct aml;

/* Append those objects (at the DSDT's top level) to A. */
void dsdt_pci(struct aml *a);

#endif
