/* The guest's ACPI tables (acpi.h).  The layout follows libxl, hvmloader
 * and tools/libacpi (an ACPI 5.0 FADT); the bytes are our own. */
#include "acpi.h"
#include "acpi_dsdt_pci.h"
#include "acpi_hw.h"

#include <string.h>
#include <xen/sched.h>

#include "aml.h"
#include "ioport.h"
#include "log.h"
#include "savestate.h"
#include "vcpu.h"
#include "vm.h"

#define HDR_LEN     36
#define FADT_LEN    268         /* ACPI 5.0: up to SLEEP_STATUS_REG */
#define RSDP_LEN    36
#define FACS_LEN    64

/* FADT fields (ACPI 6.5, table 5.9). */
#define FADT_FIRMWARE_CTRL   36
#define FADT_DSDT            40
#define FADT_SCI_INT         46
#define FADT_PM1A_EVT_BLK    56
#define FADT_PM1A_CNT_BLK    64
#define FADT_GPE0_BLK        80
#define FADT_PM1_EVT_LEN     88
#define FADT_PM1_CNT_LEN     89
#define FADT_GPE0_BLK_LEN    92
#define FADT_IAPC_BOOT_ARCH  109
#define FADT_FLAGS           112
#define FADT_X_FIRMWARE_CTRL 132
#define FADT_X_DSDT          140
#define FADT_X_PM1A_EVT_BLK  148
#define FADT_X_PM1A_CNT_BLK  172
#define FADT_X_GPE0_BLK      220
#define FADT_SLEEP_CONTROL   244
#define FADT_SLEEP_STATUS    256

#define BOOT_ARCH_NO_VGA     (1u << 2)
#define BOOT_ARCH_NO_CMOS    (1u << 5)     /* no RTC here, as Xen says for PVH */
#define FLAG_PWR_BUTTON      (1u << 4)     /* set: no fixed power button */
#define FLAG_SLP_BUTTON      (1u << 5)
#define FLAG_HW_REDUCED      (1u << 20)
#define FLAG_WBINVD          (1u << 0)
#define FLAG_PROC_C1         (1u << 2)

#define MADT_PCAT_COMPAT     1u
#define MADT_LAPIC_ENABLED   1u

/* A little-endian field of N bytes at P (lib's one field writer). */
static void put(uint8_t *p, uint64_t v, unsigned n)
{
    struct ss_wr w = ss_wr_fixed(p, n);

    ss_put_uint(&w, v, n);
}

uint8_t acpi_checksum(const void *p, size_t len)
{
    const uint8_t *b = p;
    uint8_t sum = 0;

    while (len--)
        sum += *b++;
    return sum;
}

static void set_checksum(uint8_t *t, size_t off, size_t len)
{
    t[off] = 0;
    t[off] = (uint8_t)-acpi_checksum(t, len);
}

/* The common header; the length and checksum are set by finish(). */
static void header(uint8_t *t, const char *sig, uint8_t rev)
{
    memcpy(t, sig, 4);
    t[8] = rev;
    memcpy(t + 10, "Xen\0\0\0", 6);         /* OEM ID, as libacpi */
    memcpy(t + 16, "HVM\0\0\0\0\0", 8);     /* OEM table ID */
    put(t + 24, 0, 4);                      /* OEM revision */
    memcpy(t + 28, "XKVM", 4);              /* creator: xenkvm */
    put(t + 32, 1, 4);
}

static void finish(uint8_t *t, size_t len)
{
    put(t + 4, len, 4);
    set_checksum(t, 9, len);
}

/* A Generic Address Structure for an I/O register block of LEN bytes
 * accessed ACCESS bytes at a time. */
static void gas_io(uint8_t *g, uint16_t port, unsigned len, unsigned access)
{
    g[0] = 1;               /* system I/O */
    g[1] = (uint8_t)(8 * len);  /* bit width */
    g[2] = 0;               /* bit offset */
    g[3] = (uint8_t)(access == 4 ? 3 : access);     /* 1 byte, 2 word, 3 dword */
    put(g + 4, port, 8);
}

static void gas_io8(uint8_t *g, uint16_t port)
{
    gas_io(g, port, 1, 1);
}

static size_t build_dsdt(uint8_t *t, size_t room, unsigned max_vcpus, bool hvm)
{
    struct aml a;
    size_t scope, proc, pkg;

    if (room < HDR_LEN)
        return 0;
    aml_init(&a, t + HDR_LEN, room - HDR_LEN);
    /* Scope (\_SB) { Processor (PRxx, xx, 0, 0) {} ... }: processor IDs
     * match the MADT's ACPI processor IDs. */
    aml_byte(&a, AML_SCOPE_OP);
    scope = aml_pkg_begin(&a);
    aml_name(&a, "\\_SB_");
    for (unsigned i = 0; i < max_vcpus; i++) {
        static const char hex[] = "0123456789ABCDEF";
        char name[5] = { 'P', 'R', hex[(i >> 4) & 0xf], hex[i & 0xf], 0 };

        aml_byte(&a, AML_EXT_PREFIX);
        aml_byte(&a, AML_PROCESSOR_OP);
        proc = aml_pkg_begin(&a);
        aml_name(&a, name);
        aml_byte(&a, (uint8_t)i);           /* ProcID */
        aml_bytes(&a, "\0\0\0\0", 4);       /* PblkAddr: none */
        aml_byte(&a, 0);                    /* PblkLen */
        aml_pkg_end(&a, proc);
    }
    aml_pkg_end(&a, scope);
    /* Name (\_S5, Package (4) { S5, S5, 0, 0 }): the sleep type that the
     * OS writes to the sleep control register to power off. */
    aml_byte(&a, AML_NAME_OP);
    aml_name(&a, "\\_S5_");
    aml_byte(&a, AML_PACKAGE_OP);
    pkg = aml_pkg_begin(&a);
    aml_byte(&a, 4);
    aml_integer(&a, XK_ACPI_S5_TYPE);
    aml_integer(&a, XK_ACPI_S5_TYPE);
    aml_integer(&a, 0);
    aml_integer(&a, 0);
    aml_pkg_end(&a, pkg);
    if (hvm)
        dsdt_pci(&a);
    if (a.overflow)
        return 0;
    header(t, "DSDT", 2);                   /* 2: 64-bit integers */
    finish(t, HDR_LEN + a.len);
    return HDR_LEN + a.len;
}

static void build_fadt(uint8_t *t, uint64_t dsdt)
{
    memset(t, 0, FADT_LEN);
    header(t, "FACP", 5);
    /* No FACS: optional on hardware-reduced platforms. */
    put(t + FADT_DSDT, dsdt, 4);
    put(t + FADT_X_DSDT, dsdt, 8);
    put(t + FADT_IAPC_BOOT_ARCH, BOOT_ARCH_NO_VGA | BOOT_ARCH_NO_CMOS, 2);
    /* No reset register: Xen's FADT names port 0xcf9, which is the PCI
     * configuration port range here (pci.c). */
    put(t + FADT_FLAGS, FLAG_HW_REDUCED | FLAG_PWR_BUTTON | FLAG_SLP_BUTTON, 4);
    gas_io8(t + FADT_SLEEP_CONTROL, XK_ACPI_SLEEP_CONTROL_PORT);
    gas_io8(t + FADT_SLEEP_STATUS, XK_ACPI_SLEEP_STATUS_PORT);
    finish(t, FADT_LEN);
}

/* HVM: hvmloader's FADT for qemu-xen, without what is not emulated here:
 * the PM1a event and control blocks, GPE0 (the PCI hot-plug event) and
 * the SCI, no SMI command port (always in ACPI mode), no PM timer, no
 * reset register (see build_fadt). */
static void build_fadt_hvm(uint8_t *t, uint64_t dsdt, uint64_t facs)
{
    memset(t, 0, FADT_LEN);
    header(t, "FACP", 5);
    put(t + FADT_FIRMWARE_CTRL, facs, 4);
    put(t + FADT_X_FIRMWARE_CTRL, facs, 8);
    put(t + FADT_DSDT, dsdt, 4);
    put(t + FADT_X_DSDT, dsdt, 8);
    put(t + FADT_SCI_INT, XK_SCI_GSI, 2);
    put(t + FADT_PM1A_EVT_BLK, XK_PM1A_EVT_PORT, 4);
    put(t + FADT_PM1A_CNT_BLK, XK_PM1A_CNT_PORT, 4);
    put(t + FADT_GPE0_BLK, XK_GPE0_PORT, 4);
    t[FADT_PM1_EVT_LEN] = XK_PM1A_EVT_LEN;
    t[FADT_PM1_CNT_LEN] = XK_PM1A_CNT_LEN;
    t[FADT_GPE0_BLK_LEN] = XK_GPE0_LEN;
    gas_io(t + FADT_X_PM1A_EVT_BLK, XK_PM1A_EVT_PORT, XK_PM1A_EVT_LEN, 2);
    gas_io(t + FADT_X_PM1A_CNT_BLK, XK_PM1A_CNT_PORT, XK_PM1A_CNT_LEN, 2);
    gas_io(t + FADT_X_GPE0_BLK, XK_GPE0_PORT, XK_GPE0_LEN, 1);
    put(t + FADT_IAPC_BOOT_ARCH, BOOT_ARCH_NO_VGA | BOOT_ARCH_NO_CMOS, 2);
    put(t + FADT_FLAGS, FLAG_WBINVD | FLAG_PROC_C1 | FLAG_PWR_BUTTON | FLAG_SLP_BUTTON, 4);
    finish(t, FADT_LEN);
}

/* The FACS (no checksum; 64-byte aligned): version 2, no waking vector. */
static void build_facs(uint8_t *t)
{
    memset(t, 0, FACS_LEN);
    memcpy(t, "FACS", 4);
    put(t + 4, FACS_LEN, 4);
    t[32] = 2;
}

static size_t madt_len(unsigned max_vcpus)
{
    return HDR_LEN + 8 + 10 + 12 + 8 * (size_t)max_vcpus;
}

static void build_madt(uint8_t *t, unsigned max_vcpus, unsigned online)
{
    uint8_t *e;

    memset(t, 0, madt_len(max_vcpus));
    header(t, "APIC", 2);
    put(t + HDR_LEN, XK_LAPIC_BASE, 4);
    put(t + HDR_LEN + 4, MADT_PCAT_COMPAT, 4);
    e = t + HDR_LEN + 8;
    /* ISA IRQ 0 is GSI 2 (libacpi's one override). */
    e[0] = 2;
    e[1] = 10;
    e[3] = 0;
    put(e + 4, 2, 4);
    e += 10;
    /* The IOAPIC: KVM's in-kernel one, id 0 (its reset value), GSI 0 up. */
    e[0] = 1;
    e[1] = 12;
    e[2] = 0;
    put(e + 4, XK_IOAPIC_BASE, 4);
    put(e + 8, 0, 4);
    e += 12;
    /* One local APIC per vCPU.  KVM gives vCPU n APIC ID n (Xen's are
     * 2n): the MADT says what the guest's CPUID says. */
    for (unsigned i = 0; i < max_vcpus; i++, e += 8) {
        e[0] = 0;
        e[1] = 8;
        e[2] = (uint8_t)i;                  /* ACPI processor ID */
        e[3] = (uint8_t)i;                  /* APIC ID */
        put(e + 4, i < online ? MADT_LAPIC_ENABLED : 0, 4);
    }
    finish(t, madt_len(max_vcpus));
}

int acpi_build(uint8_t *buf, size_t len, uint64_t gpa, unsigned max_vcpus,
               unsigned online, bool hvm, struct acpi_layout *l)
{
    size_t off = 0, n;
    uint8_t *t;

    /* MADT IDs are one byte: xAPIC entries only (at most 255 vCPUs). */
    if (max_vcpus == 0 || max_vcpus > 255 || online == 0 || online > max_vcpus)
        return -1;
    memset(buf, 0, len);
#define ALLOC_ALIGNED(field, size, align) do {                   \
        off = (off + (align) - 1) & ~(size_t)((align) - 1);      \
        if ((size) > len || off > len - (size))                  \
            return -1;                                           \
        l->field = gpa + off;                                    \
        t = buf + off;                                           \
        off += (size);                                           \
    } while (0)
#define ALLOC(field, size) ALLOC_ALIGNED(field, size, 16)

    n = build_dsdt(buf, len, max_vcpus, hvm);
    if (!n)
        return -1;
    l->dsdt = gpa;
    l->facs = 0;
    off = n;
    if (hvm) {
        ALLOC_ALIGNED(facs, FACS_LEN, 64);
        build_facs(t);
        ALLOC(fadt, FADT_LEN);
        build_fadt_hvm(t, l->dsdt, l->facs);
    } else {
        ALLOC(fadt, FADT_LEN);
        build_fadt(t, l->dsdt);
    }
    ALLOC(madt, madt_len(max_vcpus));
    build_madt(t, max_vcpus, online);
    ALLOC(xsdt, HDR_LEN + 16);
    header(t, "XSDT", 1);
    put(t + HDR_LEN, l->fadt, 8);
    put(t + HDR_LEN + 8, l->madt, 8);
    finish(t, HDR_LEN + 16);
    ALLOC(rsdt, HDR_LEN + 8);
    header(t, "RSDT", 1);
    put(t + HDR_LEN, l->fadt, 4);
    put(t + HDR_LEN + 4, l->madt, 4);
    finish(t, HDR_LEN + 8);
    ALLOC(rsdp, RSDP_LEN);
    memcpy(t, "RSD PTR ", 8);
    memcpy(t + 9, "Xen\0\0\0", 6);
    t[15] = 2;                                  /* ACPI 2.0+: has XSDT */
    put(t + 16, l->rsdt, 4);
    put(t + 20, RSDP_LEN, 4);
    put(t + 24, l->xsdt, 8);
    set_checksum(t, 8, 20);                     /* the ACPI 1.0 part */
    set_checksum(t, 32, RSDP_LEN);              /* the whole */
#undef ALLOC
#undef ALLOC_ALIGNED
    l->used = off;
    return 0;
}

static void sleep_request(struct vm *vm, unsigned type)
{
    if (type == XK_ACPI_S5_TYPE) {
        log_info("domain %u: ACPI S5: powering off", vm->domid);
        vm_shutdown_reason(vm, SHUTDOWN_poweroff);
    } else {
        /* S1-S4 are not offered (\_S5 only): nothing happens. */
        log_debug("domain %u: ACPI sleep type %u ignored", vm->domid, type);
    }
}

/* HVM: PM1 status (reads 0: no fixed event is ever raised), PM1 enable
 * (kept) and PM1 control (SCI_EN always set; SLP_EN with SLP_TYP sleeps),
 * 16 bits each from XK_PM1A_EVT_PORT, any access width. */
static bool pm1_io(struct vm *vm, uint16_t port, bool out, unsigned size, uint8_t *data)
{
    unsigned off = port - XK_PM1A_EVT_PORT;
    uint8_t regs[8] = { 0 };
    uint16_t cnt;

    if (off >= 6 || size > 6 - off)
        return false;
    memcpy(regs + 2, &vm->acpi_pm1_en, 2);
    cnt = XK_PM1_CNT_SCI_EN;
    memcpy(regs + 4, &cnt, 2);
    if (!out) {
        memcpy(data, regs + off, size);
        return true;
    }
    memcpy(regs + off, data, size);        /* status: write 1 to clear, stays 0 */
    if (off < 4 && off + size > 2)
        memcpy(&vm->acpi_pm1_en, regs + 2, 2);
    if (off + size > 4) {
        memcpy(&cnt, regs + 4, 2);
        if (cnt & XK_PM1_CNT_SLP_EN)
            sleep_request(vm, (cnt & XK_PM1_CNT_SLP_TYP_MASK) >> XK_PM1_CNT_SLP_TYP_SHIFT);
    }
    return true;
}

bool acpi_io(struct vcpu *v, uint16_t port, bool out, unsigned size,
             uint8_t *data)
{
    struct vm *vm = v->vm;

    if (vm->acpi && vm->hvm_platform)
        return pm1_io(vm, port, out, size, data);
    if (!vm->acpi || size != 1)
        return false;
    switch (port) {
    case XK_ACPI_SLEEP_STATUS_PORT:
        if (!out)
            data[0] = 0;        /* never woken: no WAK_STS */
        return true;
    case XK_ACPI_SLEEP_CONTROL_PORT:
        if (!out) {
            data[0] = 0;
        } else if (data[0] & XK_ACPI_SLP_EN) {
            sleep_request(vm, (data[0] & XK_ACPI_SLP_TYP_MASK) >> XK_ACPI_SLP_TYP_SHIFT);
        }
        return true;
    }
    return false;
}

int acpi_io_init(struct vm *vm)
{
    int rc;

    if (!vm->acpi)
        return 0;
    if (vm->hvm_platform)
        return ioport_register(vm, XK_PM1A_EVT_PORT, XK_PM1A_EVT_LEN + XK_PM1A_CNT_LEN,
                               acpi_io);
    rc = ioport_register(vm, XK_ACPI_SLEEP_STATUS_PORT, 1, acpi_io);
    return rc ? rc : ioport_register(vm, XK_ACPI_SLEEP_CONTROL_PORT, 1, acpi_io);
}
