/* The HVM ACPI tables (hvm/acpi.c, hvm/acpi_dsdt_pci.c): the FADT's PM1,
 * GPE0 and SCI, the FACS, the PM1 registers behind them, and the DSDT's
 * PCI objects as Debian's iasl (acpica-tools) disassembles them: the root
 * bridge, every _PRT entry against Xen's routing folded onto KVM's
 * IOAPIC, the slots S1-S31 and \_GPE._E01.  The PVH set has none of it. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <xen/sched.h>

#include "hvm/acpi.h"
#include "hvm/acpi_hw.h"
#include "check.h"
#include "hvm/ioport.h"
#include "exit_codes.h"
#include "vm_fixture.h"

#define BASE 0xfc000000ULL
#define LEN  (16 * 4096)

static uint8_t buf[LEN];
static struct acpi_layout lay;

static uint32_t rd32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static uint64_t rd64(const uint8_t *p) { uint64_t v; memcpy(&v, p, 8); return v; }
static const uint8_t *at(uint64_t gpa) { return buf + (gpa - BASE); }

static int build(bool hvm)
{
    memset(buf, 0xaa, sizeof(buf));
    return acpi_build(buf, sizeof(buf), BASE, 2, 2, hvm, &lay);
}

static void test_fadt_hvm(void)
{
    const uint8_t *f, *facs;

    CHECK_EQ(build(true), 0);
    f = at(lay.fadt);
    CHECK(!memcmp(f, "FACP", 4));
    CHECK_EQ(acpi_checksum(f, rd32(f + 4)), 0);
    CHECK_EQ(rd32(f + 112) & (1u << 20), 0);            /* not hardware-reduced */
    CHECK_EQ(f[46] | f[47] << 8, XK_SCI_GSI);           /* SCI_INT */
    CHECK_EQ(rd32(f + 48), 0);                          /* no SMI_CMD: ACPI mode */
    CHECK_EQ(rd32(f + 56), XK_PM1A_EVT_PORT);
    CHECK_EQ(rd32(f + 64), XK_PM1A_CNT_PORT);
    CHECK_EQ(rd32(f + 80), XK_GPE0_PORT);
    CHECK_EQ(f[88], 4);
    CHECK_EQ(f[89], 2);
    CHECK_EQ(f[92], 4);
    CHECK_EQ(rd64(f + 148 + 4), XK_PM1A_EVT_PORT);     /* X_PM1a_EVT_BLK */
    CHECK_EQ(f[148 + 1], 32);
    CHECK_EQ(rd64(f + 172 + 4), XK_PM1A_CNT_PORT);
    CHECK_EQ(f[172 + 1], 16);
    CHECK_EQ(rd64(f + 220 + 4), XK_GPE0_PORT);
    CHECK_EQ(f[220 + 1], 32);
    CHECK_EQ(rd32(f + 40), lay.dsdt);
    /* The FACS: 64-byte aligned, named by both fields. */
    CHECK(lay.facs != 0);
    CHECK_EQ(lay.facs % 64, 0);
    CHECK_EQ(rd32(f + 36), lay.facs);
    CHECK_EQ(rd64(f + 132), lay.facs);
    facs = at(lay.facs);
    CHECK(!memcmp(facs, "FACS", 4));
    CHECK_EQ(rd32(facs + 4), 64);
    /* The DSDT's checksum and the RSDP's. */
    CHECK_EQ(acpi_checksum(at(lay.dsdt), rd32(at(lay.dsdt) + 4)), 0);
    CHECK_EQ(acpi_checksum(at(lay.rsdp), 36), 0);

    /* PVH keeps libxl's set: hardware-reduced, no FACS, no PM1 blocks. */
    CHECK_EQ(build(false), 0);
    f = at(lay.fadt);
    CHECK(rd32(f + 112) & (1u << 20));
    CHECK_EQ(lay.facs, 0);
    CHECK_EQ(rd32(f + 56), 0);
    CHECK_EQ(rd32(f + 80), 0);
}

/* The disassembly with blanks and comments taken out, or NULL. */
static char *disassemble(const uint8_t *dsdt)
{
    char dir[] = "/tmp/xk-dsdt-XXXXXX", path[128], cmd[512];
    char *text = NULL, *o;
    FILE *f;
    long n;
    int c, prev = 0;

    if (!mkdtemp(dir))
        return NULL;
    snprintf(path, sizeof(path), "%s/dsdt.aml", dir);
    f = fopen(path, "wb");
    if (!f)
        return NULL;
    fwrite(dsdt, 1, rd32(dsdt + 4), f);
    fclose(f);
    snprintf(cmd, sizeof(cmd), "cd %s && iasl -d dsdt.aml >iasl.log 2>&1", dir);
    if (system(cmd) != 0)
        printf("iasl -d failed: see %s/iasl.log\n", dir);
    snprintf(path, sizeof(path), "%s/dsdt.dsl", dir);
    f = fopen(path, "r");
    if (f) {
        fseek(f, 0, SEEK_END);
        n = ftell(f);
        rewind(f);
        text = o = calloc(1, (size_t)n + 1);
        while (text && (c = fgetc(f)) != EOF) {
            if (c == '/' && prev == '/') {          /* a // comment */
                o--;
                while ((c = fgetc(f)) != EOF && c != '\n')
                    ;
                prev = 0;
                continue;
            }
            if (c == '*' && prev == '/') {          /* a block comment */
                o--;
                while ((c = fgetc(f)) != EOF && !(prev == '*' && c == '/'))
                    prev = c;
                prev = 0;
                continue;
            }
            if (c != ' ' && c != '\n' && c != '\t' && c != '\r')
                *o++ = (char)c;
            prev = c;
        }
        fclose(f);
    }
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    if (text && system(cmd) != 0)
        printf("cannot remove %s\n", dir);
    return text;
}

static void expect(const char *text, const char *what)
{
    if (!strstr(text, what)) {
        printf("  missing from the disassembly: %s\n", what);
        CHECK(strstr(text, what));
    }
}

/* An integer as iasl writes it: by the width of its AML encoding. */
static const char *hex(char *b, uint32_t v)
{
    if (v <= 1)
        return v ? "One" : "Zero";
    sprintf(b, v <= 0xff ? "0x%02X" : v <= 0xffff ? "0x%04X" : "0x%08X", v);
    return b;
}

static void test_dsdt_iasl(void)
{
    char h1[16], h2[16];
    char *text, want[256], *prt;

    CHECK_EQ(build(true), 0);
    text = disassemble(at(lay.dsdt));
    CHECK(text != NULL);
    if (!text)
        return;
    expect(text, "Scope(\\_SB){Processor(PR00,0x00,0x00000000,0x00){}"
                 "Processor(PR01,0x01,0x00000000,0x00){}}");
    expect(text, "Name(\\_S5,Package(0x04){0x05,0x05,Zero,Zero})");
    expect(text, "Scope(\\_SB){Device(PCI0){Name(_HID,EisaId(\"PNP0A03\"))"
                 "Name(_UID,Zero)Name(_ADR,Zero)Name(_BBN,Zero)");
    expect(text, "Device(HP0){Name(_HID,EisaId(\"PNP0C02\"))Name(_CRS,ResourceTemplate()"
                 "{IO(Decode16,0xAE00,0xAE00,0x00,0x10,)})}");
    expect(text, "OperationRegion(SEJ,SystemIO,0xAE08,0x04)"
                 "Field(SEJ,DWordAcc,NoLock,WriteAsZeros){B0EJ,32}");
    /* _PRT: INTA-D of slots 1-31, in order, the GSI Xen's swizzle gives
     * ((slot*4 + slot/8 + pin) & 31) + 16, folded onto GSIs 16-23. */
    expect(text, "Name(_PRT,Package(0x7C){");
    prt = strstr(text, "Name(_PRT,");
    for (unsigned slot = 1; prt && slot < 32; slot++)
        for (unsigned pin = 0; pin < 4; pin++) {
            unsigned gsi = 16 + (((slot * 4 + slot / 8 + pin) & 31) & 7);

            snprintf(want, sizeof(want), "Package(0x04){0x%04XFFFF,%s,Zero,0x%02X}",
                     slot, hex(h1, pin), gsi);
            prt = strstr(prt, want);
            if (!prt) {
                printf("  _PRT entry missing or out of order: %s\n", want);
                CHECK(prt != NULL);
                break;
            }
        }
    /* The slots, as hvmloader's for qemu-xen. */
    for (unsigned slot = 1; slot < 32; slot++) {
        snprintf(want, sizeof(want), "Device(S%u){Name(_ADR,0x%08X)Method(_EJ0,1,NotSerialized)"
                 "{B0EJ=%s}Name(_SUN,%s)}", slot, slot << 16, hex(h1, 1u << slot),
                 hex(h2, slot));
        expect(text, want);
    }
    expect(text, "Scope(\\_GPE){OperationRegion(PCST,SystemIO,0xAE00,0x08)"
                 "Field(PCST,DWordAcc,NoLock,WriteAsZeros){PCIU,32,PCID,32}"
                 "Method(_E01,0,NotSerialized){Local0=PCIU"
                 "Local1=PCID");
    for (unsigned slot = 1; slot < 32; slot++) {
        snprintf(want, sizeof(want), "If((Local0&%s)){Notify(\\_SB.PCI0.S%u,One)}"
                 "If((Local1&%s)){Notify(\\_SB.PCI0.S%u,0x03)}",
                 hex(h1, 1u << slot), slot, hex(h2, 1u << slot), slot);
        expect(text, want);
    }
    if (check_case_failed)
        printf("  disassembly: %s\n", text);
    free(text);
}

/* The routing every user of it sees: the platform device (slot 1) and
 * the first passthrough slot (2) as the guests know them. */
static void test_intx_routing(void)
{
    CHECK_EQ(xk_pci_intx_gsi(1, 0), 20);
    CHECK_EQ(xk_pci_intx_gsi(2, 0), 16);
    CHECK_EQ(xk_pci_intx_gsi(2, 1), 17);
    CHECK_EQ(xk_pci_intx_gsi(8, 0), 17);            /* slot/8 enters */
    CHECK_EQ(xk_pci_intx_gsi(31, 3), 16 + ((124 + 3 + 3) & 7));
    for (unsigned s = 0; s < 32; s++)
        for (unsigned p = 0; p < 4; p++)
            CHECK(xk_pci_intx_gsi(s, p) >= 16 && xk_pci_intx_gsi(s, p) < 24);
}

static void pm1_out(struct vm *vm, uint16_t port, unsigned size, uint32_t v)
{
    ioport_access(&vm->vcpus[0], port, true, size, (uint8_t *)&v);
}

static uint32_t pm1_in(struct vm *vm, uint16_t port, unsigned size)
{
    uint32_t v = 0;

    ioport_access(&vm->vcpus[0], port, false, size, (uint8_t *)&v);
    return v;
}

static void test_pm1_registers(void)
{
    static struct vm vm;

    vm_fixture_setup_acpi(&vm, 16, 1, true);
    vm.hvm_platform = true;
    CHECK_EQ(acpi_io_init(&vm), 0);
    /* Status reads 0 and stays 0; enable is kept; SCI_EN always set. */
    CHECK_EQ(pm1_in(&vm, XK_PM1A_EVT_PORT, 2), 0);
    pm1_out(&vm, XK_PM1A_EVT_PORT, 4, 0x01210000u | 0xffff);
    CHECK_EQ(pm1_in(&vm, XK_PM1A_EVT_PORT, 4), 0x01210000u);
    CHECK_EQ(pm1_in(&vm, XK_PM1A_EVT_PORT + 2, 2), 0x0121);
    CHECK_EQ(pm1_in(&vm, XK_PM1A_CNT_PORT, 2), XK_PM1_CNT_SCI_EN);
    /* S3's type with SLP_EN, S5's without: nothing happens. */
    pm1_out(&vm, XK_PM1A_CNT_PORT, 2, 3u << 10 | XK_PM1_CNT_SLP_EN);
    pm1_out(&vm, XK_PM1A_CNT_PORT, 2, (uint32_t)XK_ACPI_S5_TYPE << 10);
    CHECK(!atomic_load(&vm.stopping));
    /* S5 with SLP_EN, as Linux writes it (16 bits): powered off. */
    pm1_out(&vm, XK_PM1A_CNT_PORT, 2, (uint32_t)XK_ACPI_S5_TYPE << 10 | XK_PM1_CNT_SLP_EN |
            XK_PM1_CNT_SCI_EN);
    CHECK(atomic_load(&vm.stopping));
    CHECK_EQ(vm.shutdown_code, SHUTDOWN_poweroff);
    CHECK_EQ(vm.exit_status, XK_EXIT_POWEROFF);
    vm_fixture_teardown(&vm);

    /* The high byte alone (8-bit accesses) does it too. */
    vm_fixture_setup_acpi(&vm, 16, 1, true);
    vm.hvm_platform = true;
    CHECK_EQ(acpi_io_init(&vm), 0);
    pm1_out(&vm, XK_PM1A_CNT_PORT + 1, 1, (XK_ACPI_S5_TYPE << 2) | 0x20);
    CHECK_EQ(vm.exit_status, XK_EXIT_POWEROFF);
    vm_fixture_teardown(&vm);
}

int main(void)
{
    RUN(test_fadt_hvm);
    RUN(test_intx_routing);
    RUN(test_pm1_registers);
    if (access("/usr/bin/iasl", X_OK) == 0 || system("command -v iasl >/dev/null 2>&1") == 0)
        RUN(test_dsdt_iasl);
    else
        printf("SKIP: test_dsdt_iasl: iasl (Debian's acpica-tools) is not installed\n");
    return CHECK_DONE();
}
