/* The HVM DSDT's PCI objects (acpi_dsdt_pci.h).  Every address, GSI and
 * bit comes from acpi_hw.h, what the VMM emulates. */
#include "acpi_dsdt_pci.h"

#include <stdio.h>

#include "acpi_hw.h"
#include "aml.h"

static void name_int(struct aml *a, const char *name, uint64_t v)
{
    aml_byte(a, AML_NAME_OP);
    aml_name(a, name);
    aml_integer(a, v);
}

/* OperationRegion (NAME, SystemIO, PORT, LEN) */
static void io_region(struct aml *a, const char *name, uint16_t port, uint8_t len)
{
    aml_byte(a, AML_EXT_PREFIX);
    aml_byte(a, AML_OPREGION_OP);
    aml_name(a, name);
    aml_byte(a, AML_SYSTEM_IO);
    aml_integer(a, port);
    aml_integer(a, len);
}

/* Field (REGION, DWordAcc, NoLock, WriteAsZeros) { NAMES[i], 32, ... } */
static void dword_fields(struct aml *a, const char *region, const char *const *names,
                         unsigned n)
{
    size_t f = aml_block(a, true, AML_FIELD_OP);

    aml_name(a, region);
    aml_byte(a, 0x43);              /* DWordAcc (3), NoLock, WriteAsZeros (2 << 5) */
    for (unsigned i = 0; i < n; i++) {
        aml_name(a, names[i]);
        aml_byte(a, 32);            /* the bit length, in PkgLength form */
    }
    aml_pkg_end(a, f);
}

/* The slot's device name, as Xen's mk_dsdt writes it: S1 .. S31. */
static void slot_name(char *buf, size_t len, const char *prefix, unsigned slot)
{
    snprintf(buf, len, "%sS%u", prefix, slot);
}

/* Name (_PRT, Package () { Package () { slot << 16 | 0xffff, pin, 0, GSI }
 * ... }) for INTA-D of slots 1-31: the GSIs of KVM's IOAPIC (APIC mode).
 * Xen's _PRT is a method choosing this table (PRTA) or one through the
 * PIIX3 link devices LNKA-D for PIC mode; this platform has no PIIX3
 * PIRQ router for such links to program, so only the APIC table is
 * given. */
static void prt(struct aml *a)
{
    size_t pkg, e;

    aml_byte(a, AML_NAME_OP);
    aml_name(a, "_PRT");
    aml_byte(a, AML_PACKAGE_OP);
    pkg = aml_pkg_begin(a);
    aml_byte(a, (XK_PCI_SLOTS - 1) * 4);
    for (unsigned slot = 1; slot < XK_PCI_SLOTS; slot++) {
        for (unsigned pin = 0; pin < 4; pin++) {
            aml_byte(a, AML_PACKAGE_OP);
            e = aml_pkg_begin(a);
            aml_byte(a, 4);
            aml_integer(a, (uint64_t)slot << 16 | 0xffff);
            aml_integer(a, pin);
            aml_integer(a, 0);      /* no link device: the GSI is fixed */
            aml_integer(a, xk_pci_intx_gsi(slot, pin));
            aml_pkg_end(a, e);
        }
    }
    aml_pkg_end(a, pkg);
}

/* Device (HP0): the hot-plug controller's ports reserved (PNP0C02), so
 * that a guest does not give them to a hot-plugged function's I/O BAR. */
static void hp_reserve(struct aml *a)
{
    static const uint8_t crs[] = {
        0x47, 0x01,                                 /* IO (Decode16, ... */
        XK_HP_PORT & 0xff, XK_HP_PORT >> 8,         /* min */
        XK_HP_PORT & 0xff, XK_HP_PORT >> 8,         /* max */
        0x00, XK_HP_LEN,                            /* alignment, length) */
        0x79, 0x00,                                 /* end tag */
    };
    size_t dev = aml_block(a, true, AML_DEVICE_OP), buf;

    aml_name(a, "HP0");
    aml_byte(a, AML_NAME_OP);
    aml_name(a, "_HID");
    aml_eisaid(a, "PNP0C02");
    aml_byte(a, AML_NAME_OP);
    aml_name(a, "_CRS");
    buf = aml_block(a, false, AML_BUFFER_OP);
    aml_integer(a, sizeof(crs));
    aml_bytes(a, crs, sizeof(crs));
    aml_pkg_end(a, buf);
    aml_pkg_end(a, dev);
}

/* Device (Sn) { Name (_ADR, n << 16) Method (_EJ0, 1) { Store (1 << n,
 * B0EJ) } Name (_SUN, n) } */
static void slot_device(struct aml *a, unsigned slot)
{
    char name[8];
    size_t dev, m;

    slot_name(name, sizeof(name), "", slot);
    dev = aml_block(a, true, AML_DEVICE_OP);
    aml_name(a, name);
    name_int(a, "_ADR", (uint64_t)slot << 16);
    m = aml_block(a, false, AML_METHOD_OP);
    aml_name(a, "_EJ0");
    aml_byte(a, 1);                 /* one argument, not serialized */
    aml_byte(a, AML_STORE_OP);
    aml_integer(a, 1u << slot);
    aml_name(a, "B0EJ");
    aml_pkg_end(a, m);
    name_int(a, "_SUN", slot);
    aml_pkg_end(a, dev);
}

/* If (And (LOCAL, 1 << slot)) { Notify (\_SB.PCI0.Sn, EVENT) } */
static void notify_if(struct aml *a, uint8_t local, unsigned slot, unsigned event)
{
    char name[24];
    size_t blk = aml_block(a, false, AML_IF_OP);

    aml_byte(a, AML_AND_OP);
    aml_byte(a, local);
    aml_integer(a, 1u << slot);
    aml_byte(a, AML_ZERO_OP);       /* no target */
    aml_byte(a, AML_NOTIFY_OP);
    slot_name(name, sizeof(name), "\\_SB.PCI0.", slot);
    aml_name(a, name);
    aml_integer(a, event);
    aml_pkg_end(a, blk);
}

void dsdt_pci(struct aml *a)
{
    static const char *const sej[] = { "B0EJ" };
    static const char *const pcst[] = { "PCIU", "PCID" };
    char gpe_method[8];
    size_t scope, dev, m;

    /* Scope (\_SB) { Device (PCI0) { ... } } */
    scope = aml_block(a, false, AML_SCOPE_OP);
    aml_name(a, "\\_SB");
    dev = aml_block(a, true, AML_DEVICE_OP);
    aml_name(a, "PCI0");
    aml_byte(a, AML_NAME_OP);
    aml_name(a, "_HID");
    aml_eisaid(a, "PNP0A03");
    name_int(a, "_UID", 0);
    name_int(a, "_ADR", 0);
    name_int(a, "_BBN", 0);
    hp_reserve(a);
    prt(a);
    io_region(a, "SEJ", XK_HP_PORT + XK_HP_B0EJ, 4);
    dword_fields(a, "SEJ", sej, 1);
    for (unsigned slot = 1; slot < XK_PCI_SLOTS; slot++)
        slot_device(a, slot);
    aml_pkg_end(a, dev);
    aml_pkg_end(a, scope);

    /* Scope (\_GPE) { the PCIU/PCID region; Method (_E01) }.  _E01 reads
     * each register once into a local (Xen's reads them for every slot):
     * the VMM's PCIU clears on read as QEMU's does. */
    scope = aml_block(a, false, AML_SCOPE_OP);
    aml_name(a, "\\_GPE");
    io_region(a, "PCST", XK_HP_PORT + XK_HP_PCIU, 8);
    dword_fields(a, "PCST", pcst, 2);
    m = aml_block(a, false, AML_METHOD_OP);
    snprintf(gpe_method, sizeof(gpe_method), "_E%02X", XK_GPE_PCI_HOTPLUG);
    aml_name(a, gpe_method);
    aml_byte(a, 0);                 /* no arguments, not serialized */
    aml_byte(a, AML_STORE_OP);
    aml_name(a, "PCIU");
    aml_byte(a, AML_LOCAL0);
    aml_byte(a, AML_STORE_OP);
    aml_name(a, "PCID");
    aml_byte(a, AML_LOCAL1);
    for (unsigned slot = 1; slot < XK_PCI_SLOTS; slot++) {
        notify_if(a, AML_LOCAL0, slot, 1);  /* Device Check */
        notify_if(a, AML_LOCAL1, slot, 3);  /* Eject Request */
    }
    aml_pkg_end(a, m);
    aml_pkg_end(a, scope);
}
