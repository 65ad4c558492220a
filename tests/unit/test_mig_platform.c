/* The PIC, IOAPIC and PIT of a type=hvm guest in Xen's HVM context
 * (hvm/mig_platform.c) and the rules for records of devices this VMM does
 * not model (hvm/mig_hvmrec.c): field mapping both ways, crafted contexts
 * accepted or refused with the record named, and round trips through
 * KVM's in-kernel irqchip and PIT and through a vCPU's pending event
 * (skipped without /dev/kvm). */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>

#include <xen/hvm/save.h>

#include "check.h"
#include "kvm_box.h"
#include "hvm/mig_hvmctx.h"
#include "hvm/mig_platform.h"
#include "vm_fixture.h"

static char msg[SS_MSG_LEN];

/* ---- crafted contexts ---- */

static void ctx_rec(struct ss_wr *w, uint16_t code, uint16_t inst, const void *d, uint32_t len)
{
    ss_put_u16(w, code);
    ss_put_u16(w, inst);
    ss_put_u32(w, len);
    ss_put_bytes(w, d, len);
}

static void ctx_begin(struct ss_wr *w)
{
    struct hvm_save_header h = { .magic = HVM_FILE_MAGIC, .version = HVM_FILE_VERSION };
    *w = (struct ss_wr){ 0 };
    ctx_rec(w, HVM_SAVE_CODE(HEADER), 0, &h, sizeof(h));
}

/* A context of HEADER, one record and END, checked against VM. */
static int one_record(struct vm *vm, uint16_t code, uint16_t inst, const void *d, uint32_t len)
{
    struct ss_wr w;
    int rc;

    ctx_begin(&w);
    ctx_rec(&w, code, inst, d, len);
    ctx_rec(&w, 0, 0, NULL, 0);
    msg[0] = '\0';
    rc = hvmctx_load(vm, w.p, w.len, HVMCTX_CHECK, msg);
    ss_wr_free(&w);
    return rc;
}

static void fresh_ioapic(struct hvm_hw_vioapic *x)
{
    memset(x, 0, sizeof(*x));
    x->base_address = KVM_IOAPIC_BASE;
    for (unsigned i = 0; i < VIOAPIC_NUM_PINS; i++)
        x->redirtbl[i].bits = 1ULL << 16;
}

static void field_mapping(void)
{
    struct kvm_pic_state k = { .irr = 0x42, .imr = 0xbd, .isr = 0x00, .irq_base = 0x20,
                               .priority_add = 3, .read_reg_select = 1, .auto_eoi = 1,
                               .special_fully_nested_mode = 1, .elcr = 0x20, .elcr_mask = 0xf8,
                               .init_state = 2, .init4 = 1 };
    struct kvm_pic_state back = { .elcr_mask = 0xf8 };
    struct hvm_hw_vpic x;
    struct kvm_ioapic_state io = { .base_address = KVM_IOAPIC_BASE, .ioregsel = 0x24, .id = 3 };
    struct kvm_ioapic_state io_back;
    struct hvm_hw_vioapic xo;
    struct kvm_pit_state2 pit, pit_back;
    struct hvm_hw_pit xp;

    CHECK_EQ(sizeof(struct hvm_hw_vpic), 8);
    /* Xen 4.17's domU IOAPIC record: 48 pins, 400 bytes. */
    CHECK_EQ(sizeof(struct hvm_hw_vioapic), 16 + 48 * 8);
    CHECK_EQ(sizeof(struct hvm_hw_pit), 56);

    pic_kvm_to_xen(&k, true, &x);
    CHECK_EQ(x.irr, 0x42);
    CHECK_EQ(x.imr, 0xbd);
    CHECK_EQ(x.irq_base, 0x20);
    CHECK_EQ(x.init_state, 2 | 4);          /* ICW3 next, ICW4 expected */
    CHECK_EQ(x.priority_add, 3);
    CHECK_EQ(x.readsel_isr, 1);
    CHECK_EQ(x.auto_eoi, 1);
    CHECK_EQ(x.special_fully_nested_mode, 1);
    CHECK_EQ(x.is_master, 1);
    CHECK_EQ(x.elcr, 0x20);
    /* IRR 0x42 with IMR 0xbd: lines 1 and 6 requested and unmasked,
     * nothing in service: the INT output is up. */
    CHECK_EQ(x.int_output, 1);
    CHECK_EQ(pic_xen_to_kvm(&x, 0, &back, msg), 0);
    CHECK_EQ(back.irr, 0x42);
    CHECK_EQ(back.imr, 0xbd);
    CHECK_EQ(back.init_state, 2);
    CHECK_EQ(back.init4, 1);
    CHECK_EQ(back.priority_add, 3);
    CHECK_EQ(back.elcr, 0x20);
    CHECK_EQ(back.elcr_mask, 0xf8);         /* KVM's own, kept */
    /* Line 3 ranks highest (priority_add 3), so line 4 in service ranks
     * above line 6: no INT output. */
    k.isr = 0x10;
    pic_kvm_to_xen(&k, true, &x);
    CHECK_EQ(x.int_output, 0);
    /* Not initialising: KVM's stale init4 is not Xen's state. */
    k.init_state = 0;
    pic_kvm_to_xen(&k, false, &x);
    CHECK_EQ(x.init_state, 0);
    CHECK_EQ(x.is_master, 0);
    /* ELCR bits KVM's slave cannot hold are dropped, as Xen's mask does. */
    x.elcr = 0xff;
    back.elcr_mask = 0xde;
    CHECK_EQ(pic_xen_to_kvm(&x, 1, &back, msg), 0);
    CHECK_EQ(back.elcr, 0xde);
    /* Single mode in the middle of an initialisation: KVM has none. */
    x.init_state = 1 | 8;
    CHECK_EQ(pic_xen_to_kvm(&x, 1, &back, msg), -EINVAL);
    CHECK(strstr(msg, "PIC 1 is being initialised in single mode") != NULL);

    for (unsigned i = 0; i < 24; i++)
        io.redirtbl[i].bits = 0x10000 | (0x30 + i);
    io.redirtbl[10].bits = 0x0300000000008039ULL;   /* level, unmasked, dest 3 */
    ioapic_kvm_to_xen(&io, &xo);
    CHECK_EQ(xo.base_address, KVM_IOAPIC_BASE);
    CHECK_EQ(xo.ioregsel, 0x24);
    CHECK_EQ(xo.id, 3);
    CHECK_EQ(xo.redirtbl[10].bits, 0x0300000000008039ULL);
    CHECK_EQ(xo.redirtbl[10].fields.vector, 0x39);
    CHECK_EQ(xo.redirtbl[10].fields.trig_mode, 1);
    CHECK_EQ(xo.redirtbl[10].fields.dest_id, 3);
    for (unsigned i = 24; i < 48; i++)
        CHECK_EQ(xo.redirtbl[i].bits, 1ULL << 16);  /* masked, as Xen resets them */
    memset(&io_back, 0, sizeof(io_back));
    io_back.irr = 5;
    CHECK_EQ(ioapic_xen_to_kvm(&xo, &io_back, msg), 0);
    CHECK_EQ(io_back.irr, 0);
    CHECK(!memcmp(io_back.redirtbl, io.redirtbl, sizeof(io.redirtbl)));
    CHECK_EQ(io_back.id, 3);
    xo.redirtbl[30].fields.mask = 0;
    CHECK_EQ(ioapic_xen_to_kvm(&xo, &io_back, msg), -EINVAL);
    CHECK(strstr(msg, "IOAPIC pin 30 is unmasked") != NULL);
    CHECK(strstr(msg, "KVM's IOAPIC has 24 pins") != NULL);
    xo.redirtbl[30].fields.mask = 1;
    xo.redirtbl[47].fields.remote_irr = 1;
    CHECK_EQ(ioapic_xen_to_kvm(&xo, &io_back, msg), -EINVAL);
    CHECK(strstr(msg, "IOAPIC pin 47 is waiting for an EOI") != NULL);
    xo.redirtbl[47].fields.remote_irr = 0;
    xo.base_address = 0xfed00000;
    CHECK_EQ(ioapic_xen_to_kvm(&xo, &io_back, msg), -EINVAL);

    memset(&pit, 0, sizeof(pit));
    for (unsigned i = 0; i < 3; i++) {
        pit.channels[i].count = 0x10000;
        pit.channels[i].mode = 0xff;
        pit.channels[i].gate = i != 2;
    }
    pit.channels[2] = (struct kvm_pit_channel_state){
        .count = 0x4321, .latched_count = 0xabcd, .count_latched = 3, .status_latched = 1,
        .status = 0x34, .read_state = 3, .write_state = 3, .write_latch = 0x21,
        .rw_mode = 3, .mode = 2, .bcd = 0, .gate = 1, .count_load_time = 123456789 };
    pit.flags = KVM_PIT_FLAGS_SPEAKER_DATA_ON;
    pit_kvm_to_xen(&pit, &xp);
    CHECK_EQ(xp.channels[2].count, 0x4321);
    CHECK_EQ(xp.channels[2].latched_count, 0xabcd);
    CHECK_EQ(xp.channels[2].count_latched, 3);
    CHECK_EQ(xp.channels[2].status, 0x34);
    CHECK_EQ(xp.channels[2].mode, 2);
    CHECK_EQ(xp.channels[2].rw_mode, 3);
    CHECK_EQ(xp.channels[0].mode, 0xff);
    CHECK_EQ(xp.channels[0].count, 0x10000);
    CHECK_EQ(xp.speaker_data_on, 1);
    CHECK_EQ(xp.pad0, 0);
    memset(&pit_back, 0, sizeof(pit_back));
    CHECK_EQ(pit_xen_to_kvm(&xp, &pit_back, msg), 0);
    pit.channels[2].count_load_time = 0;
    CHECK(!memcmp(pit_back.channels, pit.channels, sizeof(pit.channels)));
    CHECK_EQ(pit_back.flags, KVM_PIT_FLAGS_SPEAKER_DATA_ON);
    xp.channels[1].mode = 7;
    CHECK_EQ(pit_xen_to_kvm(&xp, &pit_back, msg), -EINVAL);
    CHECK(strstr(msg, "PIT channel 1") != NULL);
    xp.channels[1].mode = 0xff;
    xp.channels[0].count = 0x10001;
    CHECK_EQ(pit_xen_to_kvm(&xp, &pit_back, msg), -EINVAL);
}

static void record_rules(void)
{
    struct vm pvh, hvm;
    struct hvm_hw_vpic pic = { .is_master = 1 };
    struct hvm_hw_vioapic io;
    struct hvm_hw_pit pit;
    struct hvm_hw_hpet hpet;
    struct hvm_vmce_vcpu vmce = { .caps = 0x1000802 };
    struct hvm_hw_pci_irqs pci_irqs;
    struct hvm_hw_isa_irqs isa = { .pad = { 1 << 5 } };
    struct hvm_hw_pci_link link = { .route = { 5, 10, 11, 0 } };
    struct hvm_hw_rtc rtc;
    struct hvm_viridian_domain_context vd;
    uint8_t junk[64] = { 1 };

    vm_fixture_setup(&pvh, 16, 2);
    vm_fixture_setup(&hvm, 16, 2);
    hvm.hvm_platform = true;
    fresh_ioapic(&io);
    memset(&pit, 0, sizeof(pit));
    for (unsigned i = 0; i < 3; i++)
        pit.channels[i].mode = 0xff;

    /* Xen's PVH domains have no PIC, IOAPIC or PIT. */
    CHECK_EQ(one_record(&pvh, HVM_SAVE_CODE(PIC), 0, &pic, sizeof(pic)), -EOPNOTSUPP);
    CHECK(strstr(msg, "PIC record for a PVH domain") != NULL);
    CHECK_EQ(one_record(&pvh, HVM_SAVE_CODE(IOAPIC), 0, &io, sizeof(io)), -EOPNOTSUPP);
    CHECK_EQ(one_record(&pvh, HVM_SAVE_CODE(PIT), 0, &pit, sizeof(pit)), -EOPNOTSUPP);
    CHECK(strstr(msg, "PIT record for a PVH domain") != NULL);
    /* type=hvm: two PIC instances, one IOAPIC and PIT, Xen's lengths. */
    CHECK_EQ(one_record(&hvm, HVM_SAVE_CODE(PIC), 1, &pic, sizeof(pic)), 0);
    CHECK_EQ(one_record(&hvm, HVM_SAVE_CODE(PIC), 2, &pic, sizeof(pic)), -EINVAL);
    CHECK_EQ(one_record(&hvm, HVM_SAVE_CODE(PIC), 0, &pic, sizeof(pic) - 1), -EINVAL);
    CHECK(strstr(msg, "PIC record has the wrong length 7") != NULL);
    CHECK_EQ(one_record(&hvm, HVM_SAVE_CODE(IOAPIC), 0, &io, sizeof(io)), 0);
    /* An IOAPIC record of KVM's 24 pins is not Xen's. */
    CHECK_EQ(one_record(&hvm, HVM_SAVE_CODE(IOAPIC), 0, &io, 16 + 24 * 8), -EINVAL);
    CHECK_EQ(one_record(&hvm, HVM_SAVE_CODE(IOAPIC), 1, &io, sizeof(io)), -EINVAL);
    io.redirtbl[33].fields.mask = 0;
    CHECK_EQ(one_record(&hvm, HVM_SAVE_CODE(IOAPIC), 0, &io, sizeof(io)), -EINVAL);
    CHECK(strstr(msg, "IOAPIC pin 33 is unmasked") != NULL);
    CHECK_EQ(one_record(&hvm, HVM_SAVE_CODE(PIT), 0, &pit, sizeof(pit)), 0);
    pit.speaker_data_on = 2;
    CHECK_EQ(one_record(&hvm, HVM_SAVE_CODE(PIT), 0, &pit, sizeof(pit)), -EINVAL);

    /* Devices not modelled: accepted unused, refused with the record's
     * name once the guest used them. */
    memset(&hpet, 0, sizeof(hpet));
    hpet.capability = 0x8086a201ULL | (10000000ULL << 32);
    hpet.timers[0].config = 0x30;
    CHECK_EQ(one_record(&hvm, HVM_SAVE_CODE(HPET), 0, &hpet, sizeof(hpet)), 0);
    hpet.timers[1].config |= 1 << 2;
    CHECK_EQ(one_record(&hvm, HVM_SAVE_CODE(HPET), 0, &hpet, sizeof(hpet)), -EOPNOTSUPP);
    CHECK(strstr(msg, "the HPET record (instance 0) cannot be loaded: the guest enabled its "
                      "HPET") != NULL);
    hpet.timers[1].config = 0;
    hpet.config = 1;
    CHECK_EQ(one_record(&pvh, HVM_SAVE_CODE(HPET), 0, &hpet, sizeof(hpet)), -EOPNOTSUPP);
    memset(&vd, 0, sizeof(vd));
    CHECK_EQ(one_record(&hvm, HVM_SAVE_CODE(VIRIDIAN_DOMAIN), 0, &vd, sizeof(vd)), 0);
    vd.hypercall_gpa = 0x1001;
    CHECK_EQ(one_record(&hvm, HVM_SAVE_CODE(VIRIDIAN_DOMAIN), 0, &vd, sizeof(vd)),
             -EOPNOTSUPP);
    CHECK(strstr(msg, "the VIRIDIAN_DOMAIN record") != NULL);
    CHECK(strstr(msg, "viridian") != NULL);
    /* Xen writes VMCE_VCPU for every vCPU of a PVH domain too. */
    CHECK_EQ(one_record(&pvh, HVM_SAVE_CODE(VMCE_VCPU), 1, &vmce, sizeof(vmce)), 0);
    CHECK_EQ(one_record(&pvh, HVM_SAVE_CODE(VMCE_VCPU), 2, &vmce, sizeof(vmce)), -EINVAL);
    vmce.mci_ctl2_bank1 = 1ULL << 30;
    CHECK_EQ(one_record(&pvh, HVM_SAVE_CODE(VMCE_VCPU), 1, &vmce, sizeof(vmce)), -EOPNOTSUPP);
    CHECK(strstr(msg, "the VMCE_VCPU record (instance 1)") != NULL);
    memset(&pci_irqs, 0, sizeof(pci_irqs));
    pci_irqs.pad[0] = 1;
    CHECK_EQ(one_record(&pvh, HVM_SAVE_CODE(PCI_IRQ), 0, &pci_irqs, sizeof(pci_irqs)), 0);
    CHECK_EQ(one_record(&pvh, HVM_SAVE_CODE(ISA_IRQ), 0, &isa, sizeof(isa)), 0);
    CHECK_EQ(one_record(&hvm, HVM_SAVE_CODE(PCI_LINK), 0, &link, sizeof(link)), -EOPNOTSUPP);
    CHECK(strstr(msg, "the PCI_LINK record") != NULL);
    memset(&link, 0, sizeof(link));
    CHECK_EQ(one_record(&pvh, HVM_SAVE_CODE(PCI_LINK), 0, &link, sizeof(link)), 0);
    memset(&rtc, 0, sizeof(rtc));
    rtc.cmos_data[0] = 0x30;
    CHECK_EQ(one_record(&hvm, HVM_SAVE_CODE(RTC), 0, &rtc, sizeof(rtc)), -EOPNOTSUPP);
    CHECK(strstr(msg, "the RTC record") != NULL);
    /* A type this build does not know: Xen's own words. */
    CHECK_EQ(one_record(&hvm, 42, 0, junk, sizeof(junk)), -EPROTO);
    CHECK(strstr(msg, "unknown entry typecode 42") != NULL);
    vm_fixture_teardown(&hvm);
    vm_fixture_teardown(&pvh);
}

/* ---- through KVM ---- */

static void attach(struct vm *vm, struct kvm_box *k, bool hvm)
{
    vm->vm_fd = k->vm;
    vm->vcpus[0].fd = k->vcpu;
    vm->vcpus[0].state = VCPU_UP;
    vm->hvm_platform = hvm;
}

static void detach(struct vm *vm)
{
    vm->vm_fd = -1;
    vm->vcpus[0].fd = -1;
}

/* The offset of the first record of type CODE, instance INST, or 0. */
static size_t find_rec(const struct ss_wr *c, uint16_t code, uint16_t inst, uint32_t *len)
{
    size_t off = 0;

    while (off + 8 <= c->len) {
        uint16_t t, i;
        memcpy(&t, c->p + off, 2);
        memcpy(&i, c->p + off + 2, 2);
        memcpy(len, c->p + off + 4, 4);
        if (t == code && i == inst)
            return off + 8;
        if (t == 0)
            break;
        off += 8 + *len;
    }
    return 0;
}

static void kvm_round_trip(void)
{
    struct vm a, b, p;
    struct kvm_box ka, kb, kp;
    struct ss_wr c1 = { 0 }, c2 = { 0 }, cp = { 0 };
    struct kvm_irqchip master = { .chip_id = KVM_IRQCHIP_PIC_MASTER };
    struct kvm_irqchip slave = { .chip_id = KVM_IRQCHIP_PIC_SLAVE };
    struct kvm_irqchip ioapic = { .chip_id = KVM_IRQCHIP_IOAPIC };
    struct kvm_irqchip got;
    struct kvm_pit_state2 pit, pit_got;
    struct hvm_hw_vpic xpic;
    struct hvm_hw_vioapic xio;
    struct hvm_hw_pit xpit;
    uint16_t order[32];
    unsigned n = 0;
    size_t off;
    uint32_t len;

    vm_fixture_setup(&a, 16, 1);
    vm_fixture_setup(&b, 16, 1);
    vm_fixture_setup(&p, 16, 1);
    CHECK(kvm_box_open(&ka, true) && kvm_box_open(&kb, true) && kvm_box_open(&kp, false));
    attach(&a, &ka, true);
    attach(&b, &kb, true);
    attach(&p, &kp, false);

    /* The guest's state: the master PIC initialised with ICW4 (auto EOI),
     * masks and ELCR; the slave left between ICW2 and ICW3; IOAPIC pin 10
     * routed; PIT channel 2 in mode 2 with a latched count. */
    CHECK_EQ(ioctl(ka.vm, KVM_GET_IRQCHIP, &master), 0);
    master.chip.pic.imr = 0xbd;
    master.chip.pic.irq_base = 0x20;
    master.chip.pic.auto_eoi = 1;
    master.chip.pic.init4 = 1;
    master.chip.pic.elcr = 0x20;
    CHECK_EQ(ioctl(ka.vm, KVM_SET_IRQCHIP, &master), 0);
    CHECK_EQ(ioctl(ka.vm, KVM_GET_IRQCHIP, &slave), 0);
    slave.chip.pic.irq_base = 0x70;
    slave.chip.pic.init_state = 2;
    slave.chip.pic.init4 = 1;
    slave.chip.pic.elcr = 0x0c;
    CHECK_EQ(ioctl(ka.vm, KVM_SET_IRQCHIP, &slave), 0);
    CHECK_EQ(ioctl(ka.vm, KVM_GET_IRQCHIP, &ioapic), 0);
    ioapic.chip.ioapic.redirtbl[10].bits = 0x0100000000018039ULL;   /* masked, level */
    ioapic.chip.ioapic.redirtbl[23].bits = 0x0000000000010041ULL;
    ioapic.chip.ioapic.id = 2;
    ioapic.chip.ioapic.ioregsel = 0x24;
    CHECK_EQ(ioctl(ka.vm, KVM_SET_IRQCHIP, &ioapic), 0);
    CHECK_EQ(ioctl(ka.vm, KVM_GET_PIT2, &pit), 0);
    pit.channels[2].mode = 2;
    pit.channels[2].rw_mode = 3;
    pit.channels[2].read_state = 3;
    pit.channels[2].write_state = 3;
    pit.channels[2].count = 0x4321;
    pit.channels[2].latched_count = 0x4000;
    pit.channels[2].count_latched = 3;
    pit.flags = KVM_PIT_FLAGS_SPEAKER_DATA_ON;
    CHECK_EQ(ioctl(ka.vm, KVM_SET_PIT2, &pit), 0);

    CHECK_EQ(hvmctx_save(&a, &c1, msg), 0);
    /* Type-code order: HEADER, CPU, PIC (0, 1), IOAPIC, LAPIC, LAPIC_REGS,
     * PIT, MTRR... END. */
    for (off = 0; off + 8 <= c1.len && n < 32;) {
        memcpy(&order[n++], c1.p + off, 2);
        memcpy(&len, c1.p + off + 4, 4);
        off += 8 + len;
    }
    CHECK(n >= 9);
    CHECK(order[0] == 1 && order[1] == 2 && order[2] == 3 && order[3] == 3 && order[4] == 4 &&
          order[5] == 5 && order[6] == 6 && order[7] == 10 && order[n - 1] == 0);
    off = find_rec(&c1, HVM_SAVE_CODE(PIC), 1, &len);
    CHECK(off && len == sizeof(xpic));
    memcpy(&xpic, c1.p + off, sizeof(xpic));
    CHECK_EQ(xpic.irq_base, 0x70);
    CHECK_EQ(xpic.init_state, 2 | 4);
    CHECK_EQ(xpic.is_master, 0);
    CHECK_EQ(xpic.elcr, 0x0c);
    off = find_rec(&c1, HVM_SAVE_CODE(IOAPIC), 0, &len);
    CHECK(off && len == sizeof(xio));
    memcpy(&xio, c1.p + off, sizeof(xio));
    CHECK_EQ(xio.base_address, KVM_IOAPIC_BASE);
    CHECK_EQ(xio.redirtbl[10].bits, 0x0100000000018039ULL);
    CHECK_EQ(xio.redirtbl[40].bits, 1ULL << 16);
    CHECK_EQ(xio.id, 2);
    off = find_rec(&c1, HVM_SAVE_CODE(PIT), 0, &len);
    CHECK(off && len == sizeof(xpit));
    memcpy(&xpit, c1.p + off, sizeof(xpit));
    CHECK_EQ(xpit.channels[2].count, 0x4321);
    CHECK_EQ(xpit.channels[2].mode, 2);
    CHECK_EQ(xpit.channels[2].latched_count, 0x4000);
    CHECK_EQ(xpit.speaker_data_on, 1);

    /* Into a fresh VM: KVM then holds the same state. */
    msg[0] = '\0';
    CHECK_EQ(hvmctx_load(&b, c1.p, c1.len, HVMCTX_APPLY, msg), 0);
    if (msg[0])
        printf("  %s\n", msg);
    got = (struct kvm_irqchip){ .chip_id = KVM_IRQCHIP_PIC_MASTER };
    CHECK_EQ(ioctl(kb.vm, KVM_GET_IRQCHIP, &got), 0);
    CHECK_EQ(got.chip.pic.imr, 0xbd);
    CHECK_EQ(got.chip.pic.irq_base, 0x20);
    CHECK_EQ(got.chip.pic.auto_eoi, 1);
    CHECK_EQ(got.chip.pic.elcr, 0x20);
    got = (struct kvm_irqchip){ .chip_id = KVM_IRQCHIP_PIC_SLAVE };
    CHECK_EQ(ioctl(kb.vm, KVM_GET_IRQCHIP, &got), 0);
    CHECK_EQ(got.chip.pic.init_state, 2);
    CHECK_EQ(got.chip.pic.init4, 1);
    CHECK_EQ(got.chip.pic.irq_base, 0x70);
    got = (struct kvm_irqchip){ .chip_id = KVM_IRQCHIP_IOAPIC };
    CHECK_EQ(ioctl(kb.vm, KVM_GET_IRQCHIP, &got), 0);
    CHECK_EQ(got.chip.ioapic.redirtbl[10].bits, 0x0100000000018039ULL);
    CHECK_EQ(got.chip.ioapic.redirtbl[23].bits, 0x0000000000010041ULL);
    CHECK_EQ(got.chip.ioapic.id, 2);
    CHECK_EQ(got.chip.ioapic.ioregsel, 0x24);
    CHECK_EQ(ioctl(kb.vm, KVM_GET_PIT2, &pit_got), 0);
    CHECK_EQ(pit_got.channels[2].count, 0x4321);
    CHECK_EQ(pit_got.channels[2].mode, 2);
    CHECK_EQ(pit_got.channels[2].rw_mode, 3);
    CHECK_EQ(pit_got.channels[2].latched_count, 0x4000);
    CHECK_EQ(pit_got.channels[2].count_latched, 3);
    CHECK_EQ(pit_got.flags & KVM_PIT_FLAGS_SPEAKER_DATA_ON, KVM_PIT_FLAGS_SPEAKER_DATA_ON);
    /* Saved again: the same platform records, byte for byte. */
    CHECK_EQ(hvmctx_save(&b, &c2, msg), 0);
    for (uint16_t code = 3; code <= 10; code++) {
        for (uint16_t inst = 0; inst < 2; inst++) {
            uint32_t l1, l2;
            size_t o1, o2;
            if (code != 3 && code != 4 && code != 10)
                continue;
            o1 = find_rec(&c1, code, inst, &l1);
            o2 = find_rec(&c2, code, inst, &l2);
            CHECK_EQ(!!o1, !!o2);
            if (o1 && o2)
                CHECK(l1 == l2 && !memcmp(c1.p + o1, c2.p + o2, l1));
        }
    }
    /* A PVH domain writes none of them and cannot take them. */
    CHECK_EQ(hvmctx_save(&p, &cp, msg), 0);
    CHECK_EQ(find_rec(&cp, HVM_SAVE_CODE(PIC), 0, &len), 0);
    CHECK_EQ(find_rec(&cp, HVM_SAVE_CODE(IOAPIC), 0, &len), 0);
    CHECK_EQ(find_rec(&cp, HVM_SAVE_CODE(PIT), 0, &len), 0);
    CHECK_EQ(hvmctx_load(&p, c1.p, c1.len, HVMCTX_CHECK, msg), -EOPNOTSUPP);
    CHECK(strstr(msg, "PIC record for a PVH domain") != NULL);
    /* An image without them (a PVH one, an older xenkvm's) still loads
     * into a type=hvm domain; its devices keep their state. */
    CHECK_EQ(hvmctx_load(&b, cp.p, cp.len, HVMCTX_APPLY, msg), 0);
    got = (struct kvm_irqchip){ .chip_id = KVM_IRQCHIP_PIC_MASTER };
    CHECK_EQ(ioctl(kb.vm, KVM_GET_IRQCHIP, &got), 0);
    CHECK_EQ(got.chip.pic.imr, 0xbd);
    /* HVMCTX_PLATFORM loads the devices alone. */
    CHECK_EQ(hvmctx_load(&p, cp.p, cp.len, HVMCTX_PLATFORM, msg), 0);
    detach(&a);
    detach(&b);
    detach(&p);
    kvm_box_close(&ka);
    kvm_box_close(&kb);
    kvm_box_close(&kp);
    ss_wr_free(&c1);
    ss_wr_free(&c2);
    ss_wr_free(&cp);
    vm_fixture_teardown(&p);
    vm_fixture_teardown(&b);
    vm_fixture_teardown(&a);
}

/* The event a vCPU was in the middle of injecting (KVM's vcpu events)
 * goes into the CPU record's pending_* fields and is injected again on
 * restore as Xen's svm_vmcb_restore does; #BP is re-executed instead, and
 * an invalid type is refused with the record named. */
static void pending_event_round_trip(void)
{
    static const struct { uint8_t exc, nr, has_ec; uint32_t ec; } cases[] = {
        { 0, 0xf3, 0, 0 },              /* the upcall vector, mid-injection */
        { 1, 14, 1, 0x6 },              /* #PF with its error code */
    };
    struct vm a, b;
    struct kvm_box ka, kb;

    vm_fixture_setup(&a, 16, 1);
    vm_fixture_setup(&b, 16, 1);
    CHECK(kvm_box_open(&ka, false) && kvm_box_open(&kb, false));
    attach(&a, &ka, false);
    attach(&b, &kb, false);
    for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct kvm_vcpu_events ev;
        struct ss_wr c = { 0 };
        struct hvm_hw_cpu cpu;
        uint32_t len;
        size_t off;

        CHECK_EQ(ioctl(ka.vcpu, KVM_GET_VCPU_EVENTS, &ev), 0);
        ev.flags = 0;
        memset(&ev.exception, 0, sizeof(ev.exception));
        memset(&ev.interrupt, 0, sizeof(ev.interrupt));
        if (cases[i].exc) {
            ev.exception.injected = 1;
            ev.exception.nr = cases[i].nr;
            ev.exception.has_error_code = cases[i].has_ec;
            ev.exception.error_code = cases[i].ec;
        } else {
            ev.interrupt.injected = 1;
            ev.interrupt.nr = cases[i].nr;
        }
        CHECK_EQ(ioctl(ka.vcpu, KVM_SET_VCPU_EVENTS, &ev), 0);
        CHECK_EQ(hvmctx_save(&a, &c, msg), 0);
        off = find_rec(&c, HVM_SAVE_CODE(CPU), 0, &len);
        CHECK(off != 0 && len == sizeof(cpu));
        if (!off)
            continue;
        memcpy(&cpu, c.p + off, sizeof(cpu));
        CHECK_EQ(cpu.pending_valid, 1);
        CHECK_EQ(cpu.pending_type, cases[i].exc ? 3 : 0);
        CHECK_EQ(cpu.pending_vector, cases[i].nr);
        CHECK_EQ(cpu.pending_error_valid, cases[i].has_ec);
        CHECK_EQ(cpu.error_code, cases[i].ec);
        CHECK_EQ(hvmctx_load(&b, c.p, c.len, HVMCTX_APPLY, msg), 0);
        CHECK_EQ(ioctl(kb.vcpu, KVM_GET_VCPU_EVENTS, &ev), 0);
        if (cases[i].exc) {
            CHECK_EQ(ev.exception.injected, 1);
            CHECK_EQ(ev.exception.nr, cases[i].nr);
            CHECK_EQ(ev.exception.has_error_code, cases[i].has_ec);
            CHECK_EQ(ev.exception.error_code, cases[i].ec);
            /* #BP is re-executed (the int3 runs again), not injected. */
            memset(&ev, 0, sizeof(ev));
            CHECK_EQ(ioctl(kb.vcpu, KVM_SET_VCPU_EVENTS, &ev), 0);
            cpu.pending_vector = 3;
            cpu.pending_error_valid = 0;
            memcpy(c.p + off, &cpu, sizeof(cpu));
            CHECK_EQ(hvmctx_load(&b, c.p, c.len, HVMCTX_APPLY, msg), 0);
            CHECK_EQ(ioctl(kb.vcpu, KVM_GET_VCPU_EVENTS, &ev), 0);
            CHECK_EQ(ev.exception.injected, 0);
        } else {
            CHECK_EQ(ev.interrupt.injected, 1);
            CHECK_EQ(ev.interrupt.nr, cases[i].nr);
        }
        /* Type 1 is reserved: refused, and said which record. */
        cpu.pending_type = 1;
        memcpy(c.p + off, &cpu, sizeof(cpu));
        CHECK_EQ(hvmctx_load(&b, c.p, c.len, HVMCTX_CHECK, msg), -EINVAL);
        CHECK(strstr(msg, "vcpu0: CPU record: invalid pending event") != NULL);
        CHECK_EQ(hvmctx_load(&b, c.p, c.len, HVMCTX_APPLY, msg), -EINVAL);
        ss_wr_free(&c);
        /* Clean slate on both sides for the next case. */
        memset(&ev, 0, sizeof(ev));
        CHECK_EQ(ioctl(ka.vcpu, KVM_SET_VCPU_EVENTS, &ev), 0);
        CHECK_EQ(ioctl(kb.vcpu, KVM_SET_VCPU_EVENTS, &ev), 0);
    }
    detach(&a);
    detach(&b);
    kvm_box_close(&ka);
    kvm_box_close(&kb);
    vm_fixture_teardown(&b);
    vm_fixture_teardown(&a);
}

int main(void)
{
    int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);

    RUN(field_mapping);
    RUN(record_rules);
    if (kvm >= 0) {
        close(kvm);
        RUN(kvm_round_trip);
        RUN(pending_event_round_trip);
    } else {
        printf("SKIP: kvm_round_trip: no usable /dev/kvm\n");
        printf("SKIP: pending_event_round_trip: no usable /dev/kvm\n");
    }
    return CHECK_DONE();
}
