/* The PVH ACPI tables (hvm/acpi.c, hvm/aml.c): checksums, contents, the
 * MADT's processors, the DSDT's AML, the sleep/reset registers, and a
 * domain without ACPI (acpi=0). */
#include <string.h>

#include <xen/sched.h>

#include "hvm/acpi.h"
#include "hvm/aml.h"
#include "check.h"
#include "hvm/ioport.h"
#include "exit_codes.h"
#include "vm_fixture.h"

#define BASE 0xfc000000ULL
#define LEN  (16 * 4096)

static uint8_t buf[LEN];

static uint32_t rd32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static uint64_t rd64(const uint8_t *p) { uint64_t v; memcpy(&v, p, 8); return v; }

/* The table at guest-physical GPA, checked: in the buffer, SIG, its
 * length within the buffer and summing to 0.  NULL otherwise. */
static const uint8_t *table(uint64_t gpa, const char *sig)
{
    const uint8_t *t;
    uint32_t len;

    if (gpa < BASE || gpa + 36 > BASE + LEN)
        return NULL;
    t = buf + (gpa - BASE);
    len = rd32(t + 4);
    if (memcmp(t, sig, 4) || len < 36 || gpa + len > BASE + LEN)
        return NULL;
    if (acpi_checksum(t, len) != 0)
        return NULL;
    return t;
}

static void build(unsigned max, unsigned online, struct acpi_layout *l)
{
    memset(buf, 0xaa, sizeof(buf));
    if (acpi_build(buf, sizeof(buf), BASE, max, online, false, l))
        memset(l, 0, sizeof(*l));
}

static void test_rsdp(void)
{
    struct acpi_layout l;
    const uint8_t *r;

    build(2, 2, &l);
    CHECK(l.rsdp > BASE && l.rsdp + 36 <= BASE + LEN);
    CHECK_EQ(l.rsdp % 16, 0);
    r = buf + (l.rsdp - BASE);
    CHECK(!memcmp(r, "RSD PTR ", 8));
    CHECK_EQ(acpi_checksum(r, 20), 0);
    CHECK_EQ(acpi_checksum(r, 36), 0);
    CHECK_EQ(r[15], 2);
    CHECK_EQ(rd32(r + 20), 36);
    CHECK_EQ(rd64(r + 24), l.xsdt);
    CHECK_EQ(rd32(r + 16), l.rsdt);
    CHECK(l.used <= LEN);
}

static void test_tables_checksums(void)
{
    struct acpi_layout l;
    const uint8_t *x, *r;

    build(4, 4, &l);
    x = table(l.xsdt, "XSDT");
    r = table(l.rsdt, "RSDT");
    CHECK(x && r);
    if (!x || !r)
        return;
    /* Both list the FADT and the MADT, each a good table. */
    CHECK_EQ(rd32(x + 4), 36 + 16);
    CHECK_EQ(rd64(x + 36), l.fadt);
    CHECK_EQ(rd64(x + 44), l.madt);
    CHECK_EQ(rd32(r + 36), l.fadt);
    CHECK_EQ(rd32(r + 40), l.madt);
    CHECK(table(l.fadt, "FACP") != NULL);
    CHECK(table(l.madt, "APIC") != NULL);
    CHECK(table(l.dsdt, "DSDT") != NULL);
    /* A changed byte breaks the sum the test checks. */
    buf[l.madt - BASE + 40] ^= 1;
    CHECK(table(l.madt, "APIC") == NULL);
}

static void test_fadt(void)
{
    struct acpi_layout l;
    const uint8_t *f;

    build(1, 1, &l);
    f = table(l.fadt, "FACP");
    CHECK(f != NULL);
    if (!f)
        return;
    CHECK_EQ(f[8], 5);                          /* ACPI 5.0 layout */
    CHECK_EQ(rd32(f + 4), 268);
    CHECK(rd32(f + 112) & (1u << 20));          /* HW_REDUCED_ACPI */
    CHECK_EQ(rd32(f + 40), l.dsdt);
    CHECK_EQ(rd64(f + 140), l.dsdt);
    CHECK_EQ(rd32(f + 36), 0);                  /* no FACS */
    CHECK_EQ(rd32(f + 64), 0);                  /* no PM1 blocks */
    /* Sleep control and status: 8-bit system I/O registers. */
    CHECK_EQ(f[244], 1);
    CHECK_EQ(f[245], 8);
    CHECK_EQ(rd64(f + 248), XK_ACPI_SLEEP_CONTROL_PORT);
    CHECK_EQ(f[256], 1);
    CHECK_EQ(rd64(f + 260), XK_ACPI_SLEEP_STATUS_PORT);
    /* No reset register (port 0xcf9 is PCI's here). */
    CHECK(!(rd32(f + 112) & (1u << 10)));       /* RESET_REG_SUP */
    CHECK_EQ(rd64(f + 120), 0);
}

/* Count the MADT's entries: local APICs (and how many enabled), IOAPICs. */
static void madt_count(const uint8_t *m, unsigned *lapics, unsigned *enabled,
                       unsigned *ioapics, int *bad_id)
{
    uint32_t len = rd32(m + 4);
    unsigned n = 0;

    *lapics = *enabled = *ioapics = 0;
    *bad_id = -1;
    for (uint32_t off = 44; off + 2 <= len && m[off + 1] >= 2; off += m[off + 1]) {
        if (m[off] == 0) {
            if (m[off + 2] != n || m[off + 3] != n)
                *bad_id = (int)n;
            n++;
            (*lapics)++;
            *enabled += rd32(m + off + 4) & 1;
        } else if (m[off] == 1) {
            (*ioapics)++;
            if (rd32(m + off + 4) != XK_IOAPIC_BASE)
                *bad_id = 1000;
        }
    }
}

static void test_madt_counts(void)
{
    static const unsigned cases[][2] = { { 1, 1 }, { 2, 2 }, { 4, 2 }, { 128, 3 } };

    for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct acpi_layout l;
        const uint8_t *m;
        unsigned lapics, enabled, ioapics;
        int bad;

        build(cases[i][0], cases[i][1], &l);
        m = table(l.madt, "APIC");
        CHECK(m != NULL);
        if (!m)
            continue;
        CHECK_EQ(rd32(m + 36), XK_LAPIC_BASE);
        madt_count(m, &lapics, &enabled, &ioapics, &bad);
        CHECK_EQ(lapics, cases[i][0]);
        CHECK_EQ(enabled, cases[i][1]);
        CHECK_EQ(ioapics, 1);
        CHECK_EQ(bad, -1);
    }
}

static void test_bad_counts(void)
{
    struct acpi_layout l;

    CHECK_EQ(acpi_build(buf, sizeof(buf), BASE, 0, 0, false, &l), -1);
    CHECK_EQ(acpi_build(buf, sizeof(buf), BASE, 2, 3, false, &l), -1);
    CHECK_EQ(acpi_build(buf, sizeof(buf), BASE, 2, 0, false, &l), -1);
    CHECK_EQ(acpi_build(buf, sizeof(buf), BASE, 256, 1, false, &l), -1);
    /* Too little room is refused, not overrun. */
    CHECK_EQ(acpi_build(buf, 200, BASE, 4, 4, false, &l), -1);
}

/* Walk the DSDT's AML: Scope (\_SB) with Processor objects 0..N-1, then
 * Name (\_S5, Package) whose first element is the S5 sleep type. */
static void check_dsdt(unsigned max)
{
    struct acpi_layout l;
    const uint8_t *d, *p, *end, *send;
    unsigned n, procs = 0;
    uint32_t plen;

    build(max, 1, &l);
    d = table(l.dsdt, "DSDT");
    CHECK(d != NULL);
    if (!d)
        return;
    p = d + 36;
    end = d + rd32(d + 4);
    CHECK_EQ(p[0], AML_SCOPE_OP);
    plen = aml_pkg_decode(p + 1, (size_t)(end - p - 1), &n);
    CHECK(plen != 0 && p + 1 + plen <= end);
    if (!plen || p + 1 + plen > end)
        return;
    send = p + 1 + plen;
    CHECK(!memcmp(p + 1 + n, "\\_SB_", 5));
    p += 1 + n + 5;
    while (p < send) {
        char name[5];

        if (p[0] != AML_EXT_PREFIX || p[1] != AML_PROCESSOR_OP)
            break;
        plen = aml_pkg_decode(p + 2, (size_t)(send - p - 2), &n);
        if (!plen || plen != n + 4 + 1 + 4 + 1)
            break;
        snprintf(name, sizeof(name), "PR%02X", procs);
        CHECK(!memcmp(p + 2 + n, name, 4));
        CHECK_EQ(p[2 + n + 4], procs);          /* ProcID = MADT's */
        procs++;
        p += 2 + plen;
    }
    CHECK(p == send);
    CHECK_EQ(procs, max);
    /* Name (\_S5, Package (4) { 5, 5, 0, 0 }) */
    CHECK(send + 6 < end && send[0] == AML_NAME_OP && !memcmp(send + 1, "\\_S5_", 5));
    p = send + 6;
    CHECK_EQ(p[0], AML_PACKAGE_OP);
    plen = aml_pkg_decode(p + 1, (size_t)(end - p - 1), &n);
    CHECK(p + 1 + plen == end);
    CHECK_EQ(p[1 + n], 4);
    CHECK_EQ(p[2 + n], 0x0a);                   /* BytePrefix */
    CHECK_EQ(p[3 + n], XK_ACPI_S5_TYPE);
}

static void test_dsdt(void)
{
    check_dsdt(1);
    check_dsdt(5);          /* short package length */
    check_dsdt(128);        /* a 2-byte package length */
}

static void test_aml_pkg_length(void)
{
    static const size_t lens[] = { 0, 1, 62, 63, 64, 4000, 4093, 4094, 5000, 70000 };
    static uint8_t b[80000];

    for (unsigned i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
        struct aml a;
        size_t body;
        unsigned n;
        uint32_t got;

        aml_init(&a, b, sizeof(b));
        body = aml_pkg_begin(&a);
        for (size_t k = 0; k < lens[i]; k++)
            aml_byte(&a, (uint8_t)k);
        aml_pkg_end(&a, body);
        CHECK(!a.overflow);
        got = aml_pkg_decode(b, a.len, &n);
        CHECK_EQ(got, lens[i] + n);             /* counts itself */
        CHECK_EQ(a.len, lens[i] + n);
        CHECK_EQ(n, lens[i] + 1 <= 63 ? 1 : lens[i] + 2 < 4096 ? 2 : 3);
        if (lens[i])
            CHECK_EQ(b[n + lens[i] - 1], (uint8_t)(lens[i] - 1));
    }
}

static void test_aml_integer(void)
{
    uint8_t b[16];
    struct aml a;

    aml_init(&a, b, 12);
    aml_integer(&a, 0);
    aml_integer(&a, 1);
    aml_integer(&a, 5);
    aml_integer(&a, 0x1234);
    CHECK_EQ(a.len, 1 + 1 + 2 + 3);
    CHECK(!memcmp(b, "\x00\x01\x0a\x05\x0b\x34\x12", 7));
    aml_integer(&a, 0x123456789ULL);            /* 9 more bytes: 16 > 12 */
    CHECK(a.overflow);
}

/* The memory map and guest-physical map with and without ACPI. */
static void test_memmap(void)
{
    static struct vm vm;
    uint64_t mpage;
    enum pm_kind kind;
    unsigned acpi_entries = 0;

    vm_fixture_setup_acpi(&vm, 16, 1, true);
    for (unsigned i = 0; i < vm.nr_memmap; i++)
        if (vm.memmap[i].type == 3) {
            acpi_entries++;
            CHECK_EQ(vm.memmap[i].addr, XK_ACPI_BASE);
            CHECK_EQ(vm.memmap[i].size, XK_ACPI_PAGES * 4096);
        }
    for (unsigned i = 1; i < vm.nr_memmap; i++)
        CHECK(vm.memmap[i].addr >= vm.memmap[i - 1].addr + vm.memmap[i - 1].size);
    CHECK_EQ(acpi_entries, 1);
    CHECK(physmap_lookup(&vm.pm, XK_ACPI_BASE >> 12, &mpage, &kind, NULL));
    CHECK_EQ(mpage, vm.xenpage0 + XENPAGE_ACPI);
    CHECK(physmap_lookup(&vm.pm, (XK_ACPI_BASE >> 12) + XK_ACPI_PAGES - 1, &mpage,
                         &kind, NULL));
    vm_fixture_teardown(&vm);

    /* acpi=0: nothing in either map. */
    vm_fixture_setup_acpi(&vm, 16, 1, false);
    for (unsigned i = 0; i < vm.nr_memmap; i++)
        CHECK(vm.memmap[i].type != 3);
    CHECK(!physmap_lookup(&vm.pm, XK_ACPI_BASE >> 12, &mpage, &kind, NULL));
    vm_fixture_teardown(&vm);
}

static void out8(struct vcpu *v, uint16_t port, uint8_t val, bool *handled)
{
    *handled = acpi_io(v, port, true, 1, &val);
}

static void test_sleep_register(void)
{
    static struct vm vm;
    bool h;
    uint8_t val = 0xff;

    /* S3's type or no SLP_EN: nothing happens. */
    vm_fixture_setup_acpi(&vm, 16, 1, true);
    out8(&vm.vcpus[0], XK_ACPI_SLEEP_CONTROL_PORT, (3 << 2) | 0x20, &h);
    CHECK(h);
    out8(&vm.vcpus[0], XK_ACPI_SLEEP_CONTROL_PORT, XK_ACPI_S5_TYPE << 2, &h);
    CHECK(!atomic_load(&vm.stopping));
    CHECK(acpi_io(&vm.vcpus[0], XK_ACPI_SLEEP_STATUS_PORT, false, 1, &val));
    CHECK_EQ(val, 0);
    /* A 2-byte access is not the register. */
    CHECK(!acpi_io(&vm.vcpus[0], XK_ACPI_SLEEP_CONTROL_PORT, true, 2, &val));
    /* S5 with SLP_EN: powered off, as SCHEDOP_shutdown(poweroff). */
    out8(&vm.vcpus[0], XK_ACPI_SLEEP_CONTROL_PORT, (XK_ACPI_S5_TYPE << 2) | 0x20, &h);
    CHECK(atomic_load(&vm.stopping));
    CHECK_EQ(vm.shutdown_code, SHUTDOWN_poweroff);
    CHECK_EQ(vm.exit_status, XK_EXIT_POWEROFF);
    vm_fixture_teardown(&vm);

    /* Through the VMM's port table, as a vCPU's port exit goes. */
    vm_fixture_setup_acpi(&vm, 16, 1, true);
    CHECK_EQ(acpi_io_init(&vm), 0);
    val = 0xff;
    ioport_access(&vm.vcpus[0], XK_ACPI_SLEEP_STATUS_PORT, false, 1, &val);
    CHECK_EQ(val, 0);
    val = (XK_ACPI_S5_TYPE << 2) | 0x20;
    ioport_access(&vm.vcpus[0], XK_ACPI_SLEEP_CONTROL_PORT, true, 1, &val);
    CHECK_EQ(vm.exit_status, XK_EXIT_POWEROFF);
    vm_fixture_teardown(&vm);

    /* acpi=0: the ports are not registered; a read floats. */
    vm_fixture_setup_acpi(&vm, 16, 1, false);
    CHECK_EQ(acpi_io_init(&vm), 0);
    val = 0;
    ioport_access(&vm.vcpus[0], XK_ACPI_SLEEP_STATUS_PORT, false, 1, &val);
    CHECK_EQ(val, 0xff);
    val = (XK_ACPI_S5_TYPE << 2) | 0x20;
    ioport_access(&vm.vcpus[0], XK_ACPI_SLEEP_CONTROL_PORT, true, 1, &val);
    CHECK(!atomic_load(&vm.stopping));
    vm_fixture_teardown(&vm);

    /* Without ACPI the ports are not ours. */
    vm_fixture_setup_acpi(&vm, 16, 1, false);
    out8(&vm.vcpus[0], XK_ACPI_SLEEP_CONTROL_PORT, (XK_ACPI_S5_TYPE << 2) | 0x20, &h);
    CHECK(!h);
    CHECK(!atomic_load(&vm.stopping));
    vm_fixture_teardown(&vm);
}

int main(void)
{
    RUN(test_rsdp);
    RUN(test_tables_checksums);
    RUN(test_fadt);
    RUN(test_madt_counts);
    RUN(test_bad_counts);
    RUN(test_dsdt);
    RUN(test_aml_pkg_length);
    RUN(test_aml_integer);
    RUN(test_memmap);
    RUN(test_sleep_register);
    return CHECK_DONE();
}
