/*
 * pirq64.elf: Xen's PIRQ route for an HVM guest (XENFEAT_hvm_pirqs,
 * xl.cfg hvm_pirq; tests/cli/pirq.sh), driving the passed-through test
 * device (tests/pciback/testdev_regs.h) at 00:02.0 the way Linux's
 * arch/x86/pci/xen.c does with the feature: PHYSDEVOP_get_free_pirq,
 * MSI-X messages in the pirq encoding (vector 0, the pirq in the
 * destination ID bits), EVTCHNOP_bind_pirq, and its INTx GSI mapped with
 * PHYSDEVOP_map_pirq and EOIed with PHYSDEVOP_eoi.  Every bad input gets
 * Xen 4.19's answer.
 *
 * Command line "pirq": the VMM runs with --hvm-pirq and the device.
 * "nopirq": without the feature (and without the device): the bit is
 * absent and the commands are -ENOSYS, as Xen answers such a guest.
 */
#include "apic.h"
#include "bench.h"
#include "evtchn.h"
#include "lib.h"
#include "paging.h"
#include "shinfo.h"
#include "test.h"
#include "trap.h"
#include "x86.h"
#include "xen_guest.h"
#include "../pciback/testdev_regs.h"

#include <xen/physdev.h>
#include <xen/version.h>
#include <xen/features.h>

#define DEV 2
#define BAR0_PA 0xf4000000ul            /* where the VMM placed it */
#define INTX_GSI 16
#define VEC_APIC 0x60                   /* an ordinary MSI, for contrast */
#define VEC_IOAPIC 0x61
#define NR_PIRQS 56                     /* 24 GSIs + 32 extra, as the VMM */
#define BAD_PTR ((void *)0x80000000ul)
#define NO_SUCH_DOMID 0x7fe0
#define WAIT_NS 5000000000ull

static volatile uint32_t apic_count, ioapic_count;
static uint8_t dma_buf[8192] __attribute__((aligned(4096)));

static bool on(void) { return !cmdline_has("nopirq"); }
/* "msi": the device has plain MSI (vfu_testdev --msi), no MSI-X. */
static bool plain_msi(void) { return cmdline_has("msi"); }

static uint32_t cfg32(unsigned int off) { return pci_cfg_read32(0, DEV, 0, off); }
static void cfg_w32(unsigned int off, uint32_t v) { pci_cfg_write32(0, DEV, 0, off, v); }

static void cfg_w16(unsigned int off, uint16_t v) { pci_cfg_write16(0, DEV, 0, off, v); }

static volatile uint32_t *bar0(void)
{
    vmap_set(VMAP_BASE, BAR0_PA);
    return (volatile uint32_t *)VMAP_BASE;
}

static void reg_w(unsigned int off, uint32_t v) { bar0()[off / 4] = v; }

/* The test device at 00:02.0 from the start ("sci": it comes later). */
static bool has_device(void)
{
    return cfg32(0) == (TD_VENDOR | (TD_DEVICE << 16));
}
static uint32_t reg(unsigned int off) { return bar0()[off / 4]; }

/* Linux's xen_msi_compose_msg: vector 0, the pirq in the destination ID
 * (bits 12-19 of the address, the rest from bit 40 up). */
static void msix_entry_pirq(unsigned int v, uint32_t pirq)
{
    volatile uint32_t *t = bar0() + TD_MSIX_TABLE / 4 + 4 * v;

    t[0] = 0xfee00000u | ((pirq & 0xff) << 12);
    t[1] = pirq & ~0xffu;
    t[2] = (1u << 14) | (3u << 8);      /* XEN_PIRQ_MSI_DATA */
    t[3] = 0;
}

static void msix_entry_apic(unsigned int v, uint8_t vector)
{
    volatile uint32_t *t = bar0() + TD_MSIX_TABLE / 4 + 4 * v;

    t[0] = 0xfee00000u | (lapic_id() << 12);
    t[1] = 0;
    t[2] = vector;
    t[3] = 0;
}

static void h_apic(struct trap_frame *f)
{
    (void)f;
    apic_count++;
    lapic_eoi();
}

static void h_ioapic(struct trap_frame *f)
{
    (void)f;
    ioapic_count++;
    reg_w(TD_INTX_STATUS, 1);
    lapic_eoi();
}

/* Interrupts on until *C passes BEFORE (or WAIT_NS: a lost one). */
static bool wait_count(volatile uint32_t *c, uint32_t before)
{
    return irq_wait_change(c, before, WAIT_NS);
}

/* Interrupts on for MS milliseconds: what arrives, arrives. */
static void window(unsigned int ms)
{
    uint64_t end = xen_system_time() + ms * 1000000ull;

    sti();
    while (xen_system_time() < end)
        cpu_relax();
    cli();
}

static long get_free(int type, uint32_t *pirq)
{
    struct physdev_get_free_pirq f = { .type = type, .pirq = 0xdead };
    long rc = HYPERVISOR_physdev_op(PHYSDEVOP_get_free_pirq, &f);

    if (pirq)
        *pirq = f.pirq;
    return rc;
}

static long map_gsi(domid_t dom, int gsi, int *pirq)
{
    struct physdev_map_pirq m = { .domid = dom, .type = MAP_PIRQ_TYPE_GSI, .index = gsi,
                                  .pirq = *pirq };
    long rc = HYPERVISOR_physdev_op(PHYSDEVOP_map_pirq, &m);

    *pirq = m.pirq;
    return rc;
}

static long unmap(domid_t dom, int pirq)
{
    struct physdev_unmap_pirq u = { .domid = dom, .pirq = pirq };

    return HYPERVISOR_physdev_op(PHYSDEVOP_unmap_pirq, &u);
}

static long eoi(uint32_t pirq)
{
    struct physdev_eoi e = { .irq = pirq };

    return HYPERVISOR_physdev_op(PHYSDEVOP_eoi, &e);
}

static long status_query(uint32_t pirq, uint32_t *flags)
{
    struct physdev_irq_status_query q = { .irq = pirq, .flags = 0xdead };
    long rc = HYPERVISOR_physdev_op(PHYSDEVOP_irq_status_query, &q);

    if (flags)
        *flags = q.flags;
    return rc;
}

static uint32_t features(void)
{
    xen_feature_info_t fi = { .submap_idx = 0 };

    if (HYPERVISOR_xen_version(XENVER_get_features, &fi))
        return 0;
    return fi.submap;
}

/* --- without hvm_pirq ------------------------------------------------- */

TEST(pirq_off_feature_absent)
{
    if (on()) {
        test_skip("hvm_pirq is on");
        return;
    }
    EXPECT_TRUE(!(features() & (1u << XENFEAT_hvm_pirqs)));
    EXPECT_TRUE(features() & (1u << XENFEAT_hvm_callback_vector));
}

TEST(pirq_off_commands_enosys)
{
    struct physdev_pirq_eoi_gmfn g = { .gmfn = 0x100 };
    uint32_t pirq;
    int p = -1;

    if (on()) {
        test_skip("hvm_pirq is on");
        return;
    }
    REQUIRE(EXPECT_EQ(ev_via_vector(), 0));
    /* hvm_physdev_op: !has_pirq(currd) -> -ENOSYS, before any copy. */
    EXPECT_EQ(get_free(MAP_PIRQ_TYPE_MSI, &pirq), XERR(ENOSYS));
    EXPECT_EQ(map_gsi(DOMID_SELF, INTX_GSI, &p), XERR(ENOSYS));
    EXPECT_EQ(unmap(DOMID_SELF, 20), XERR(ENOSYS));
    EXPECT_EQ(eoi(20), XERR(ENOSYS));
    EXPECT_EQ(status_query(20, NULL), XERR(ENOSYS));
    EXPECT_EQ(HYPERVISOR_physdev_op(PHYSDEVOP_map_pirq, BAD_PTR), XERR(ENOSYS));
    EXPECT_EQ(HYPERVISOR_physdev_op(PHYSDEVOP_pirq_eoi_gmfn_v2, &g), XERR(ENOSYS));
    EXPECT_EQ(HYPERVISOR_physdev_op(PHYSDEVOP_pirq_eoi_gmfn_v1, &g), XERR(ENOSYS));
    /* EVTCHNOP_bind_pirq itself does not ask for the feature (Xen binds
     * any pirq below nr_pirqs for an HVM guest), but nothing raises it. */
    {
        evtchn_port_t port;
        REQUIRE(EXPECT_EQ(ev_bind_pirq(40, 0, &port), 0));
        EXPECT_EQ(ev_close(port), 0);
    }
}

/* --- with hvm_pirq: the commands and their bad input ------------------ */

TEST(pirq_feature_present)
{
    if (!on()) {
        test_skip("hvm_pirq is off");
        return;
    }
    EXPECT_TRUE(features() & (1u << XENFEAT_hvm_pirqs));
}

TEST(pirq_map_needs_vector_callback)
{
    int p = -1;

    if (!on()) {
        test_skip("hvm_pirq is off");
        return;
    }
    /* No callback via yet: is_hvm_pv_evtchn_domain fails, -EINVAL, and
     * nothing is mapped. */
    EXPECT_EQ(map_gsi(DOMID_SELF, INTX_GSI, &p), XERR(EINVAL));
    EXPECT_EQ(status_query(INTX_GSI, NULL), XERR(EINVAL));
    cli();
    lapic_enable();
    REQUIRE(EXPECT_EQ(ev_via_vector(), 0));
}

TEST(pirq_get_free)
{
    uint32_t a, b, c;

    if (!on()) {
        test_skip("hvm_pirq is off");
        return;
    }
    /* MSI-type pirqs come from the top of the dynamic range down. */
    REQUIRE(EXPECT_EQ(get_free(MAP_PIRQ_TYPE_MSI, &a), 0));
    EXPECT_EQ(a, NR_PIRQS - 1);
    REQUIRE(EXPECT_EQ(get_free(MAP_PIRQ_TYPE_MSI, &b), 0));
    EXPECT_EQ(b, NR_PIRQS - 2);
    /* GSI-type: the GSI pirqs above the ISA ones first. */
    REQUIRE(EXPECT_EQ(get_free(MAP_PIRQ_TYPE_GSI, &c), 0));
    EXPECT_EQ(c, 16);
    /* Allocated, not mapped: the status query still says no. */
    EXPECT_EQ(status_query(a, NULL), XERR(EINVAL));
    EXPECT_EQ(HYPERVISOR_physdev_op(PHYSDEVOP_get_free_pirq, BAD_PTR), XERR(EFAULT));
}

TEST(pirq_map_gsi_bad_input)
{
    struct physdev_map_pirq m;
    int p;

    if (!on()) {
        test_skip("hvm_pirq is off");
        return;
    }
    p = -1;
    EXPECT_EQ(map_gsi(DOMID_SELF, -1, &p), XERR(EINVAL));
    p = -1;
    EXPECT_EQ(map_gsi(DOMID_SELF, 48, &p), XERR(EINVAL));    /* NR_HVM_DOMU_IRQS */
    p = NR_PIRQS;
    EXPECT_EQ(map_gsi(DOMID_SELF, 22, &p), XERR(EINVAL));     /* pirq out of range */
    EXPECT_EQ(p, NR_PIRQS);
    p = -1;
    EXPECT_EQ(map_gsi(0, 22, &p), XERR(EPERM));               /* not our device model */
    p = -1;
    EXPECT_EQ(map_gsi(NO_SUCH_DOMID, 22, &p), XERR(ESRCH));
    EXPECT_EQ(HYPERVISOR_physdev_op(PHYSDEVOP_map_pirq, BAD_PTR), XERR(EFAULT));
    /* MSI types: the guest does not map its own MSIs on Xen. */
    m = (struct physdev_map_pirq){ .domid = DOMID_SELF, .type = MAP_PIRQ_TYPE_MSI,
                                   .index = -1, .pirq = -1, .devfn = DEV << 3 };
    EXPECT_EQ(HYPERVISOR_physdev_op(PHYSDEVOP_map_pirq, &m), XERR(EINVAL));
    m.type = MAP_PIRQ_TYPE_MSI_SEG;
    EXPECT_EQ(HYPERVISOR_physdev_op(PHYSDEVOP_map_pirq, &m), XERR(EINVAL));
    EXPECT_EQ(m.type, MAP_PIRQ_TYPE_MSI);                      /* written back as MSI */
    m.type = MAP_PIRQ_TYPE_MULTI_MSI;
    m.entry_nr = 4;
    m.table_base = 0x1000;
    EXPECT_EQ(HYPERVISOR_physdev_op(PHYSDEVOP_map_pirq, &m), XERR(EINVAL));
    m.table_base = 0;
    EXPECT_EQ(HYPERVISOR_physdev_op(PHYSDEVOP_map_pirq, &m), XERR(EINVAL));
    m.type = 0x77;
    EXPECT_EQ(HYPERVISOR_physdev_op(PHYSDEVOP_map_pirq, &m), XERR(EINVAL));
}

TEST(pirq_map_unmap_gsi)
{
    uint32_t flags;
    int p = -1, q = 30;

    if (!on()) {
        test_skip("hvm_pirq is off");
        return;
    }
    /* pirq -1: Xen picks a free GSI pirq (16 is allocated already). */
    REQUIRE(EXPECT_EQ(map_gsi(DOMID_SELF, 22, &p), 0));
    EXPECT_EQ(p, 17);
    EXPECT_EQ(status_query(p, &flags), 0);
    EXPECT_EQ(flags, XENIRQSTAT_needs_eoi);
    EXPECT_EQ(eoi(p), 0);
    /* The GSI already has a pirq: Xen leaves it and still answers 0. */
    EXPECT_EQ(map_gsi(DOMID_SELF, 22, &q), 0);
    EXPECT_EQ(q, 30);
    EXPECT_EQ(status_query(30, NULL), XERR(EINVAL));
    /* The same pirq again: fine. */
    q = p;
    EXPECT_EQ(map_gsi(DOMID_SELF, 22, &q), 0);
    /* unmap: another domain, no domain; then ours, and a pirq never
     * mapped or out of range, which Xen answers with 0. */
    EXPECT_EQ(unmap(0, p), XERR(EPERM));
    EXPECT_EQ(unmap(NO_SUCH_DOMID, p), XERR(ESRCH));
    EXPECT_EQ(HYPERVISOR_physdev_op(PHYSDEVOP_unmap_pirq, BAD_PTR), XERR(EFAULT));
    EXPECT_EQ(unmap(DOMID_SELF, p), 0);
    EXPECT_EQ(status_query(p, NULL), XERR(EINVAL));
    EXPECT_EQ(unmap(DOMID_SELF, p), 0);
    EXPECT_EQ(unmap(DOMID_SELF, 5000), 0);
    EXPECT_EQ(unmap(DOMID_SELF, -3), 0);
}

TEST(pirq_eoi_status_bad_input)
{
    struct physdev_pirq_eoi_gmfn g = { .gmfn = 0x100 };

    if (!on()) {
        test_skip("hvm_pirq is off");
        return;
    }
    EXPECT_EQ(eoi(NR_PIRQS), XERR(EINVAL));
    EXPECT_EQ(eoi(0xffffffffu), XERR(EINVAL));
    EXPECT_EQ(eoi(33), XERR(EINVAL));                  /* nothing behind it */
    EXPECT_EQ(status_query(NR_PIRQS, NULL), XERR(EINVAL));
    EXPECT_EQ(status_query(0x80000000u, NULL), XERR(EINVAL));
    EXPECT_EQ(status_query(33, NULL), XERR(EINVAL));
    EXPECT_EQ(HYPERVISOR_physdev_op(PHYSDEVOP_eoi, BAD_PTR), XERR(EFAULT));
    EXPECT_EQ(HYPERVISOR_physdev_op(PHYSDEVOP_irq_status_query, BAD_PTR), XERR(EFAULT));
    /* Not served to HVM guests at all, nor the PV-only commands. */
    EXPECT_EQ(HYPERVISOR_physdev_op(PHYSDEVOP_pirq_eoi_gmfn_v2, &g), XERR(ENOSYS));
    EXPECT_EQ(HYPERVISOR_physdev_op(PHYSDEVOP_pirq_eoi_gmfn_v1, &g), XERR(ENOSYS));
    EXPECT_EQ(HYPERVISOR_physdev_op(PHYSDEVOP_set_iopl, &g), XERR(ENOSYS));
    EXPECT_EQ(HYPERVISOR_physdev_op(PHYSDEVOP_setup_gsi, &g), XERR(ENOSYS));
}

TEST(pirq_bind_bad_input)
{
    evtchn_port_t port, again;
    struct evtchn_status st;

    if (!on()) {
        test_skip("hvm_pirq is off");
        return;
    }
    EXPECT_EQ(ev_bind_pirq(NR_PIRQS, 0, &port), XERR(EINVAL));
    REQUIRE(EXPECT_EQ(ev_bind_pirq(NR_PIRQS - 1, 0, &port), 0));
    EXPECT_EQ(ev_bind_pirq(NR_PIRQS - 1, 0, &again), XERR(EEXIST));
    REQUIRE(EXPECT_EQ(ev_status(DOMID_SELF, port, &st), 0));
    EXPECT_EQ(st.status, EVTCHNSTAT_pirq);
    EXPECT_EQ(st.u.pirq, NR_PIRQS - 1);
    EXPECT_EQ(ev_close(port), 0);
    EXPECT_EQ(ev_close(port), XERR(EINVAL));
}

/* --- delivery ----------------------------------------------------------- */

TEST(pirq_msix_events)
{
    if (plain_msi() || !has_device()) {
        test_skip("no MSI-X device at 00:02.0");
        return;
    }
    evtchn_port_t pa, pb;
    uint32_t a, b, ca, cb;

    if (!on()) {
        test_skip("hvm_pirq is off");
        return;
    }
    trap_set_handler(VEC_APIC, h_apic, 0);
    cfg_w16(0x04, 0x6);
    REQUIRE(EXPECT_EQ(reg(TD_ID), TD_ID_VALUE));
    /* As xen_hvm_setup_msi_irqs: a pirq per vector, the message, bind. */
    REQUIRE(EXPECT_EQ(get_free(MAP_PIRQ_TYPE_MSI, &a), 0));
    REQUIRE(EXPECT_EQ(get_free(MAP_PIRQ_TYPE_MSI, &b), 0));
    EXPECT_NE(a, b);
    msix_entry_pirq(0, a);
    msix_entry_pirq(1, b);
    msix_entry_apic(2, VEC_APIC);
    msix_entry_apic(3, VEC_APIC);
    cfg_w16(TD_CAP_MSIX + 2, 0x8000);
    REQUIRE(EXPECT_EQ(ev_bind_pirq(a, 0, &pa), 0));
    REQUIRE(EXPECT_EQ(ev_bind_pirq(b, 0, &pb), 0));
    /* A device MSI stands behind the pirq now. */
    EXPECT_EQ(status_query(a, NULL), 0);
    ev_counts_clear();
    ca = evtchn_count[pa];
    cb = evtchn_count[pb];
    reg_w(TD_IRQ_RAISE, 0);
    EXPECT_TRUE(wait_count(&evtchn_count[pa], ca));
    reg_w(TD_IRQ_RAISE, 1);
    EXPECT_TRUE(wait_count(&evtchn_count[pb], cb));
    EXPECT_EQ(evtchn_count[pa], ca + 1);
    /* Each vector reaches only its own port, and never the APIC. */
    for (unsigned int i = 0; i < 3; i++) {
        ca = evtchn_count[pa];
        reg_w(TD_IRQ_RAISE, 0);
        EXPECT_TRUE(wait_count(&evtchn_count[pa], ca));
    }
    EXPECT_EQ(evtchn_count[pb], cb + 1);
    EXPECT_EQ(apic_count, 0);
    /* The other vectors are ordinary APIC messages still. */
    reg_w(TD_IRQ_RAISE, 2);
    EXPECT_TRUE(wait_count(&apic_count, 0));
    /* A DMA completion on vector 0 is an event too. */
    ca = evtchn_count[pa];
    reg_w(TD_STATUS, TD_ST_DONE | TD_ST_ERROR);
    reg_w(TD_DMA_SRC, (uint32_t)(uintptr_t)dma_buf);
    reg_w(TD_DMA_SRC + 4, 0);
    reg_w(TD_DMA_DST, (uint32_t)(uintptr_t)(dma_buf + 4096));
    reg_w(TD_DMA_DST + 4, 0);
    reg_w(TD_DMA_LEN, 64);
    reg_w(TD_DMA_CMD, TD_CMD_START | TD_CMD_IRQ);
    EXPECT_TRUE(wait_count(&evtchn_count[pa], ca));
    /* A vector reprogrammed to an APIC message leaves its pirq. */
    ca = evtchn_count[pa];
    cb = apic_count;
    msix_entry_apic(0, VEC_APIC);
    reg_w(TD_IRQ_RAISE, 0);
    EXPECT_TRUE(wait_count(&apic_count, cb));
    window(50);
    EXPECT_EQ(evtchn_count[pa], ca);
    EXPECT_EQ(ev_close(pa), 0);
    EXPECT_EQ(ev_close(pb), 0);
}

TEST(pirq_msix_waits_for_bind)
{
    if (plain_msi() || !has_device()) {
        test_skip("no MSI-X device at 00:02.0");
        return;
    }
    evtchn_port_t pc, pg;
    uint32_t c, before = apic_count;
    int g = 20;

    if (!on()) {
        test_skip("hvm_pirq is off");
        return;
    }
    REQUIRE(EXPECT_EQ(get_free(MAP_PIRQ_TYPE_MSI, &c), 0));
    msix_entry_pirq(3, c);
    /* No port yet: Xen keeps the MSI masked until the bind. */
    reg_w(TD_IRQ_RAISE, 3);
    window(100);
    EXPECT_EQ(apic_count, before);
    ev_counts_clear();
    REQUIRE(EXPECT_EQ(ev_bind_pirq(c, 0, &pc), 0));
    EXPECT_TRUE(wait_count(&evtchn_count[pc], 0));
    EXPECT_EQ(evtchn_count[pc], 1);
    EXPECT_EQ(ev_close(pc), 0);
    /* Unmasked by that bind: with the port closed an interrupt is lost
     * (Xen hands the vector-0 message to its vMSI code), not kept. */
    reg_w(TD_IRQ_RAISE, 3);
    window(100);
    ev_counts_clear();
    REQUIRE(EXPECT_EQ(ev_bind_pirq(c, 0, &pc), 0));
    window(100);
    EXPECT_EQ(evtchn_count[pc], 0);
    reg_w(TD_IRQ_RAISE, 3);
    EXPECT_TRUE(wait_count(&evtchn_count[pc], 0));
    EXPECT_EQ(ev_close(pc), 0);
    /* A pirq that a GSI holds cannot take an MSI (hvm_inject_msi's
     * -EINVAL): the vector is lost, nothing reaches its port. */
    REQUIRE(EXPECT_EQ(map_gsi(DOMID_SELF, 21, &g), 0));
    REQUIRE(EXPECT_EQ(ev_bind_pirq((uint32_t)g, 0, &pg), 0));
    ev_counts_clear();                  /* pg may be pc's number again */
    msix_entry_pirq(3, (uint32_t)g);
    reg_w(TD_IRQ_RAISE, 3);
    window(100);
    EXPECT_EQ(evtchn_count[pg], 0);
    EXPECT_EQ(apic_count, before);
    EXPECT_EQ(ev_close(pg), 0);
    EXPECT_EQ(unmap(DOMID_SELF, g), 0);
    cfg_w16(TD_CAP_MSIX + 2, 0);
}

TEST(pirq_gsi_intx_events)
{
    evtchn_port_t pg;
    uint32_t cg, before;
    int g = -1;

    if (!on() || !has_device()) {
        test_skip("needs hvm_pirq and the device");
        return;
    }
    /* MSI-X is off: the device uses INTx, GSI 16.  The IOAPIC pin is
     * live with a handler, to show it hears nothing while mapped. */
    cfg_w16(TD_CAP_MSIX + 2, 0);
    cfg_w16(0x04, 0x6);
    trap_set_handler(VEC_IOAPIC, h_ioapic, 0);
    ioapic_set_rte(INTX_GSI, VEC_IOAPIC | IOAPIC_RTE_LEVEL, (uint8_t)lapic_id());
    /* As acpi_register_gsi_xen_hvm: map with pirq -1, then bind. */
    REQUIRE(EXPECT_EQ(map_gsi(DOMID_SELF, INTX_GSI, &g), 0));
    EXPECT_GE(g, 16);
    REQUIRE(EXPECT_EQ(ev_bind_pirq((uint32_t)g, 0, &pg), 0));
    ev_counts_clear();
    cg = evtchn_count[pg];
    reg_w(TD_IRQ_RAISE, 0);
    EXPECT_TRUE(wait_count(&evtchn_count[pg], cg));
    /* The line is still up: PHYSDEVOP_eoi notifies again. */
    cg = evtchn_count[pg];
    EXPECT_EQ(eoi((uint32_t)g), 0);
    EXPECT_TRUE(wait_count(&evtchn_count[pg], cg));
    /* Dropped by the driver, then EOIed: quiet until the next one. */
    reg_w(TD_INTX_STATUS, 1);
    cg = evtchn_count[pg];
    EXPECT_EQ(eoi((uint32_t)g), 0);
    window(50);
    EXPECT_EQ(evtchn_count[pg], cg);
    for (unsigned int i = 0; i < 3; i++) {
        cg = evtchn_count[pg];
        reg_w(TD_IRQ_RAISE, 0);
        EXPECT_TRUE(wait_count(&evtchn_count[pg], cg));
        reg_w(TD_INTX_STATUS, 1);
        EXPECT_EQ(eoi((uint32_t)g), 0);
    }
    EXPECT_EQ(ioapic_count, 0);
    /* Unmapped: the INTx is the IOAPIC's again. */
    EXPECT_EQ(ev_close(pg), 0);
    EXPECT_EQ(unmap(DOMID_SELF, g), 0);
    before = ioapic_count;
    reg_w(TD_IRQ_RAISE, 0);
    EXPECT_TRUE(wait_count(&ioapic_count, before));
    ioapic_mask(INTX_GSI);
}

/* Plain MSI (one message) in the pirq encoding, as Linux writes it for
 * PCI_CAP_ID_MSI with one vector (more: Linux asks for one, Xen refuses
 * MULTI_MSI for HVM). */
TEST(pirq_plain_msi_events)
{
    evtchn_port_t pm;
    uint32_t m, cm;

    if (!on() || !plain_msi() || !has_device()) {
        test_skip("needs hvm_pirq and the --msi device");
        return;
    }
    cfg_w16(0x04, 0x6);
    REQUIRE(EXPECT_EQ(cfg32(TD_CAP_MSIX) & 0xff, 0x05));
    REQUIRE(EXPECT_EQ(get_free(MAP_PIRQ_TYPE_MSI, &m), 0));
    cfg_w32(TD_CAP_MSIX + 4, 0xfee00000u | ((m & 0xff) << 12));
    cfg_w32(TD_CAP_MSIX + 8, m & ~0xffu);
    cfg_w16(TD_CAP_MSIX + 12, (1u << 14) | (3u << 8));
    cfg_w16(TD_CAP_MSIX + 2, 1);
    REQUIRE(EXPECT_EQ(ev_bind_pirq(m, 0, &pm), 0));
    ev_counts_clear();
    for (unsigned int i = 0; i < 3; i++) {
        cm = evtchn_count[pm];
        reg_w(TD_IRQ_RAISE, 0);
        EXPECT_TRUE(wait_count(&evtchn_count[pm], cm));
    }
    EXPECT_EQ(apic_count, 0);
    EXPECT_EQ(ev_close(pm), 0);
    cfg_w16(TD_CAP_MSIX + 2, 0);
}

/* Figures, not assertions (only with "bench" on the command line): the
 * device's raise register to the guest's handler, a vector as a pirq event
 * (eventfd, the VMM's event thread, the upcall) against the same device as
 * an ordinary MSI (KVM's irqfd and MSI route), TSC cycles, medians of 15. */
#define BENCH_ROUNDS 15

static uint64_t bench_round(volatile uint32_t *count, unsigned int vec)
{
    uint32_t before = *count;
    uint64_t t0 = rdtsc();

    reg_w(TD_IRQ_RAISE, vec);
    sti();
    while (*count == before)
        cpu_relax();
    cli();
    return rdtsc() - t0;
}

TEST(pirq_bench_delivery)
{
    uint64_t ev[BENCH_ROUNDS], ap[BENCH_ROUNDS], mev, map;
    evtchn_port_t pb;
    uint32_t b;

    if (!on() || plain_msi() || !has_device() || !cmdline_has("bench")) {
        test_skip("needs bench, hvm_pirq and the MSI-X device");
        return;
    }
    trap_set_handler(VEC_APIC, h_apic, 0);
    cfg_w16(0x04, 0x6);
    REQUIRE(EXPECT_EQ(get_free(MAP_PIRQ_TYPE_MSI, &b), 0));
    msix_entry_pirq(0, b);
    msix_entry_apic(1, VEC_APIC);
    cfg_w16(TD_CAP_MSIX + 2, 0x8000);
    REQUIRE(EXPECT_EQ(ev_bind_pirq(b, 0, &pb), 0));
    for (unsigned int i = 0; i < BENCH_ROUNDS; i++) {
        ev[i] = bench_round(&evtchn_count[pb], 0);
        ap[i] = bench_round(&apic_count, 1);
    }
    mev = bench_median(ev, BENCH_ROUNDS);
    map = bench_median(ap, BENCH_ROUNDS);
    printf("PIRQ-BENCH pirq event %llu cycles, APIC MSI %llu cycles\n",
           (unsigned long long)mev, (unsigned long long)map);
    bench_print_ratio("pirq_event_vs_apic_msi", mev, map);
    EXPECT_EQ(ev_close(pb), 0);
    cfg_w16(TD_CAP_MSIX + 2, 0);
}

/* The hot-plug SCI (GSI 9, which Linux maps like every ACPI GSI when it
 * has the feature) as a pirq: "sci" on the command line, the host
 * attaches a function (xl pci-attach) once the guest says it waits. */
#define HP_PCIU 0xae00
#define GPE0_STS 0xafe0
#define GPE0_EN 0xafe2
#define GPE_PCI_HOTPLUG 2
#define SCI_GSI 9

TEST(pirq_sci_hotplug_event)
{
    evtchn_port_t ps;
    uint64_t end;
    int s = -1;

    if (!on() || !cmdline_has("sci")) {
        test_skip("needs hvm_pirq and sci on the command line");
        return;
    }
    trap_set_handler(VEC_IOAPIC, h_ioapic, 0);
    ioapic_set_rte(SCI_GSI, VEC_IOAPIC | IOAPIC_RTE_LEVEL, (uint8_t)lapic_id());
    REQUIRE(EXPECT_EQ(map_gsi(DOMID_SELF, SCI_GSI, &s), 0));
    REQUIRE(EXPECT_EQ(ev_bind_pirq((uint32_t)s, 0, &ps), 0));
    ev_counts_clear();
    outw(GPE0_EN, GPE_PCI_HOTPLUG);
    printf("PIRQ-SCI-WAIT\n");
    /* 120 s of Xen time: only a lost event (or a script that never
     * attaches) takes it. */
    end = xen_system_time() + 120000000000ull;
    sti();
    while (!evtchn_count[ps] && xen_system_time() < end)
        cpu_relax();
    cli();
    REQUIRE(EXPECT_EQ(evtchn_count[ps], 1));
    EXPECT_TRUE(inw(GPE0_STS) & GPE_PCI_HOTPLUG);
    EXPECT_TRUE(inl(HP_PCIU) & (1u << DEV));
    outw(GPE0_STS, GPE_PCI_HOTPLUG);
    EXPECT_EQ(ioapic_count, 0);
    EXPECT_TRUE(has_device());
    ioapic_mask(SCI_GSI);
    EXPECT_EQ(ev_close(ps), 0);
    EXPECT_EQ(unmap(DOMID_SELF, s), 0);
}

/* "lu": a vector in the pirq encoding keeps its port across a live update
 * of the VMM (hvm/passthrough.c rewire_pirqs): the script updates the VMM
 * after PIRQ-LU-WAIT and then has the device server raise vector 0. */
TEST(pirq_msix_across_live_update)
{
    evtchn_port_t pa;
    uint32_t a, ca;
    uint64_t end;

    if (!on() || plain_msi() || !has_device() || !cmdline_has("lu")) {
        test_skip("needs hvm_pirq, the MSI-X device and lu on the command line");
        return;
    }
    trap_set_handler(VEC_APIC, h_apic, 0);
    cfg_w16(0x04, 0x6);
    REQUIRE(EXPECT_EQ(get_free(MAP_PIRQ_TYPE_MSI, &a), 0));
    msix_entry_pirq(0, a);
    cfg_w16(TD_CAP_MSIX + 2, 0x8000);
    REQUIRE(EXPECT_EQ(ev_bind_pirq(a, 0, &pa), 0));
    ca = evtchn_count[pa];
    reg_w(TD_IRQ_RAISE, 0);
    REQUIRE(EXPECT_TRUE(wait_count(&evtchn_count[pa], ca)));
    apic_count = 0;
    ca = evtchn_count[pa];
    printf("PIRQ-LU-WAIT\n");
    /* 120 s of Xen time: only a lost event (or a script that never
     * raises it) takes it. */
    end = xen_system_time() + 120000000000ull;
    sti();
    while (evtchn_count[pa] == ca && xen_system_time() < end)
        cpu_relax();
    cli();
    EXPECT_NE(evtchn_count[pa], ca);
    /* And the guest's own raise after the update. */
    ca = evtchn_count[pa];
    reg_w(TD_IRQ_RAISE, 0);
    EXPECT_TRUE(wait_count(&evtchn_count[pa], ca));
    EXPECT_EQ(apic_count, 0);
    EXPECT_EQ(ev_close(pa), 0);
}

void guest_main(void)
{
    printf("pirq64: hvm_pirq %s, command line \"%s\"\n", on() ? "on" : "off",
           start_cmdline());
    run_tests();
}
