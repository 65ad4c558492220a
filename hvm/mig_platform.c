/* PIC, IOAPIC and PIT records of Xen's HVM context <-> KVM's in-kernel
 * devices (mig_platform.h).  Xen's and KVM's models both come from the
 * same 8259/82093/8254 emulation, so most fields are the same; what
 * differs is said where it is mapped. */
#include "mig_platform.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>

#define PMSG(...) snprintf(msg, SS_MSG_LEN, __VA_ARGS__)

#define KVM_IOAPIC_PINS 24
#define REDIR_MASK          (1ULL << 16)
#define REDIR_REMOTE_IRR    (1ULL << 14)
#define REDIR_DELIVS        (1ULL << 12)
#define PIC_INIT_IC4        4   /* Xen's init_state bit 2: ICW4 expected */
#define PIC_INIT_SNGL       8   /* bit 3: single PIC, no ICW3 */

/* The 8259's priority of the highest request in MASK: 0 (highest) to 7,
 * 8 for none, lines rotated by PRIORITY_ADD (Xen's vpic_get_priority). */
static unsigned pic_priority(uint8_t mask, unsigned priority_add)
{
    for (unsigned p = 0; p < 8; p++)
        if (mask & (1u << ((p + priority_add) & 7)))
            return p;
    return 8;
}

/* Whether the chip's INT output is up: an unmasked request of higher
 * priority than everything in service (Xen keeps this as int_output;
 * KVM computes it when needed). */
static bool pic_int_output(const struct kvm_pic_state *k, bool master)
{
    unsigned prio = pic_priority(k->irr & ~k->imr, k->priority_add & 7), irq;
    uint8_t isr = k->isr;

    if (prio == 8)
        return false;
    irq = (prio + k->priority_add) & 7;
    if (k->special_fully_nested_mode && master && irq == 2)
        isr &= ~(1u << 2);
    if (k->special_mask)
        isr &= ~k->imr;
    return prio < pic_priority(isr, k->priority_add & 7);
}

void pic_kvm_to_xen(const struct kvm_pic_state *k, bool master, struct hvm_hw_vpic *x)
{
    memset(x, 0, sizeof(*x));
    x->irr = k->irr;
    x->imr = k->imr;
    x->isr = k->isr;
    x->irq_base = k->irq_base;
    /* KVM: 1..3 = the ICW the next odd-port write sets, ICW4 expected in
     * init4 (kept after the sequence, meaningless then); KVM always waits
     * for ICW3 (no single mode). */
    x->init_state = k->init_state ? ((k->init_state & 3) | (k->init4 ? PIC_INIT_IC4 : 0)) : 0;
    x->priority_add = k->priority_add & 7;
    x->readsel_isr = k->read_reg_select & 1;
    x->poll = k->poll & 1;
    x->auto_eoi = k->auto_eoi & 1;
    x->rotate_on_auto_eoi = k->rotate_on_auto_eoi & 1;
    x->special_fully_nested_mode = k->special_fully_nested_mode & 1;
    x->special_mask_mode = k->special_mask & 1;
    x->is_master = master;
    x->elcr = k->elcr;
    x->int_output = pic_int_output(k, master);
}

int pic_xen_to_kvm(const struct hvm_hw_vpic *x, unsigned inst, struct kvm_pic_state *k,
                   char *msg)
{
    unsigned init = x->init_state;

    if ((init & 3) && (init & PIC_INIT_SNGL)) {
        PMSG("HVM restore: PIC %u is being initialised in single mode, which KVM's PIC "
             "does not model", inst);
        return -EINVAL;
    }
    k->irr = x->irr;
    k->imr = x->imr;
    k->isr = x->isr;
    k->irq_base = x->irq_base & 0xf8;
    k->init_state = init & 3;
    k->init4 = (init & 3) ? !!(init & PIC_INIT_IC4) : k->init4;
    k->priority_add = x->priority_add & 7;
    k->read_reg_select = x->readsel_isr;
    k->poll = x->poll;
    k->auto_eoi = x->auto_eoi;
    k->rotate_on_auto_eoi = x->rotate_on_auto_eoi;
    k->special_fully_nested_mode = x->special_fully_nested_mode;
    k->special_mask = x->special_mask_mode;
    /* Xen masks ELCR writes as KVM does (0xf8 master, 0xde slave). */
    k->elcr = x->elcr & k->elcr_mask;
    /* Xen keeps no line levels in the PIC (they are its ISA_IRQ record's):
     * every edge line starts low. */
    k->last_irr = 0;
    return 0;
}

void ioapic_kvm_to_xen(const struct kvm_ioapic_state *k, struct hvm_hw_vioapic *x)
{
    memset(x, 0, sizeof(*x));
    x->base_address = k->base_address;
    x->ioregsel = k->ioregsel;
    x->id = k->id;
    for (unsigned i = 0; i < VIOAPIC_NUM_PINS; i++)
        x->redirtbl[i].bits = i < KVM_IOAPIC_PINS ? k->redirtbl[i].bits : REDIR_MASK;
}

int ioapic_xen_to_kvm(const struct hvm_hw_vioapic *x, struct kvm_ioapic_state *k, char *msg)
{
    if (x->base_address != KVM_IOAPIC_BASE) {
        PMSG("HVM restore: IOAPIC at %#llx: KVM's IOAPIC is at %#llx",
             (unsigned long long)x->base_address, KVM_IOAPIC_BASE);
        return -EINVAL;
    }
    /* Xen's domU IOAPIC has 48 pins, KVM's 24: the guest cannot have used
     * the others unless it unmasked them. */
    for (unsigned i = KVM_IOAPIC_PINS; i < VIOAPIC_NUM_PINS; i++) {
        uint64_t e = x->redirtbl[i].bits;
        if (!(e & REDIR_MASK) || (e & (REDIR_REMOTE_IRR | REDIR_DELIVS))) {
            PMSG("HVM restore: IOAPIC pin %u is %s (entry %#llx): KVM's IOAPIC has %u pins",
                 i, e & REDIR_MASK ? "waiting for an EOI" : "unmasked", (unsigned long long)e,
                 KVM_IOAPIC_PINS);
            return -EINVAL;
        }
    }
    k->base_address = x->base_address;
    k->ioregsel = x->ioregsel;
    k->id = x->id;
    k->irr = 0;     /* line levels are not in Xen's IOAPIC record */
    for (unsigned i = 0; i < KVM_IOAPIC_PINS; i++)
        k->redirtbl[i].bits = x->redirtbl[i].bits;
    return 0;
}

void pit_kvm_to_xen(const struct kvm_pit_state2 *k, struct hvm_hw_pit *x)
{
    memset(x, 0, sizeof(*x));
    for (unsigned i = 0; i < 3; i++) {
        const struct kvm_pit_channel_state *c = &k->channels[i];
        struct hvm_hw_pit_channel *h = &x->channels[i];

        h->count = c->count;
        h->latched_count = c->latched_count;
        h->count_latched = c->count_latched;
        h->status_latched = c->status_latched;
        h->status = c->status;
        h->read_state = c->read_state;
        h->write_state = c->write_state;
        h->write_latch = c->write_latch;
        h->rw_mode = c->rw_mode;
        h->mode = c->mode;
        h->bcd = c->bcd;
        h->gate = c->gate;
        /* count_load_time is KVM's host clock: Xen keeps none either and
         * starts the count again on loading, as KVM_SET_PIT2 does. */
    }
    x->speaker_data_on = !!(k->flags & KVM_PIT_FLAGS_SPEAKER_DATA_ON);
}

int pit_xen_to_kvm(const struct hvm_hw_pit *x, struct kvm_pit_state2 *k, char *msg)
{
    for (unsigned i = 0; i < 3; i++) {
        const struct hvm_hw_pit_channel *h = &x->channels[i];
        /* rw_mode and the read/write states are 0-3 (states up to 4:
         * RW_STATE_WORD1); mode 0-5, or 0xff for one never programmed. */
        if (h->count > 0x10000 || h->rw_mode > 3 || h->read_state > 4 || h->write_state > 4 ||
            (h->mode > 5 && h->mode != 0xff) || h->bcd > 1 || h->gate > 1 ||
            h->count_latched > 3 || h->status_latched > 1) {
            PMSG("HVM restore: PIT channel %u: count %#x, mode %u, access %u: not a state "
                 "of the 8254", i, h->count, h->mode, h->rw_mode);
            return -EINVAL;
        }
    }
    if (x->speaker_data_on > 1 || x->pad0) {
        PMSG("HVM restore: PIT: speaker_data_on %u, pad %u", x->speaker_data_on, x->pad0);
        return -EINVAL;
    }
    for (unsigned i = 0; i < 3; i++) {
        const struct hvm_hw_pit_channel *h = &x->channels[i];
        struct kvm_pit_channel_state *c = &k->channels[i];

        c->count = h->count;
        c->latched_count = h->latched_count;
        c->count_latched = h->count_latched;
        c->status_latched = h->status_latched;
        c->status = h->status;
        c->read_state = h->read_state;
        c->write_state = h->write_state;
        c->write_latch = h->write_latch;
        c->rw_mode = h->rw_mode;
        c->mode = h->mode;
        c->bcd = h->bcd;
        c->gate = h->gate;
        c->count_load_time = 0;
    }
    k->flags = x->speaker_data_on ? KVM_PIT_FLAGS_SPEAKER_DATA_ON : 0;
    return 0;
}

static void put_desc(struct ss_wr *w, uint16_t code, uint16_t inst, uint32_t len)
{
    ss_put_u16(w, code);
    ss_put_u16(w, inst);
    ss_put_u32(w, len);
}

static bool has_kvm(const struct vm *vm)
{
    return vm->vm_fd >= 0;
}

int platform_save(struct vm *vm, uint16_t code, struct ss_wr *w, char *msg)
{
    if (!vm->hvm_platform || !has_kvm(vm))
        return 0;
    if (code == HVM_SAVE_CODE(PIC)) {
        for (unsigned i = 0; i < 2; i++) {
            struct kvm_irqchip chip = { .chip_id = i ? KVM_IRQCHIP_PIC_SLAVE
                                                     : KVM_IRQCHIP_PIC_MASTER };
            struct hvm_hw_vpic x;
            if (ioctl(vm->vm_fd, KVM_GET_IRQCHIP, &chip) < 0) {
                int e = errno;
                PMSG("PIC %u: KVM_GET_IRQCHIP: %s", i, strerror(e));
                return -e;
            }
            pic_kvm_to_xen(&chip.chip.pic, i == 0, &x);
            put_desc(w, code, (uint16_t)i, sizeof(x));
            ss_put_bytes(w, &x, sizeof(x));
        }
    } else if (code == HVM_SAVE_CODE(IOAPIC)) {
        struct kvm_irqchip chip = { .chip_id = KVM_IRQCHIP_IOAPIC };
        struct hvm_hw_vioapic x;
        if (ioctl(vm->vm_fd, KVM_GET_IRQCHIP, &chip) < 0) {
            int e = errno;
            PMSG("IOAPIC: KVM_GET_IRQCHIP: %s", strerror(e));
            return -e;
        }
        ioapic_kvm_to_xen(&chip.chip.ioapic, &x);
        put_desc(w, code, 0, sizeof(x));
        ss_put_bytes(w, &x, sizeof(x));
    } else if (code == HVM_SAVE_CODE(PIT)) {
        struct kvm_pit_state2 k;
        struct hvm_hw_pit x;
        if (ioctl(vm->vm_fd, KVM_GET_PIT2, &k) < 0) {
            int e = errno;
            PMSG("PIT: KVM_GET_PIT2: %s", strerror(e));
            return -e;
        }
        pit_kvm_to_xen(&k, &x);
        put_desc(w, code, 0, sizeof(x));
        ss_put_bytes(w, &x, sizeof(x));
    }
    return 0;
}

bool platform_code(uint16_t code)
{
    return code == HVM_SAVE_CODE(PIC) || code == HVM_SAVE_CODE(IOAPIC) ||
           code == HVM_SAVE_CODE(PIT);
}

int platform_load(struct vm *vm, uint16_t code, uint16_t inst, const void *data, bool apply,
                  char *msg)
{
    static const char *const names[] = { [3] = "PIC", [4] = "IOAPIC", [10] = "PIT" };
    struct kvm_irqchip chip;
    struct kvm_pit_state2 pit;
    int rc;

    if (!vm->hvm_platform) {
        /* Xen's PVH domains have no PIC, IOAPIC or PIT (vpic_load's
         * -ENODEV). */
        PMSG("HVM restore: %s record for a PVH domain, which has no %s (a type=\"hvm\" "
             "guest's image?)", names[code], names[code]);
        return -EOPNOTSUPP;
    }
    if (inst > (code == HVM_SAVE_CODE(PIC) ? 1 : 0)) {
        PMSG("HVM restore: %s record of instance %u", names[code], inst);
        return -EINVAL;
    }
    memset(&chip, 0, sizeof(chip));
    memset(&pit, 0, sizeof(pit));
    if (apply && has_kvm(vm)) {
        int r = 0;
        if (code == HVM_SAVE_CODE(PIT)) {
            r = ioctl(vm->vm_fd, KVM_GET_PIT2, &pit);
        } else {
            chip.chip_id = code == HVM_SAVE_CODE(IOAPIC) ? KVM_IRQCHIP_IOAPIC
                           : inst ? KVM_IRQCHIP_PIC_SLAVE : KVM_IRQCHIP_PIC_MASTER;
            r = ioctl(vm->vm_fd, KVM_GET_IRQCHIP, &chip);
        }
        if (r < 0) {
            int e = errno;
            PMSG("HVM restore: %s: reading KVM's: %s", names[code], strerror(e));
            return -e;
        }
    } else {
        /* Checking only: KVM's ELCR masks, as a new VM has them. */
        chip.chip.pic.elcr_mask = inst ? 0xde : 0xf8;
        apply = false;
    }
    if (code == HVM_SAVE_CODE(PIC)) {
        struct hvm_hw_vpic x;
        memcpy(&x, data, sizeof(x));
        rc = pic_xen_to_kvm(&x, inst, &chip.chip.pic, msg);
    } else if (code == HVM_SAVE_CODE(IOAPIC)) {
        struct hvm_hw_vioapic x;
        memcpy(&x, data, sizeof(x));
        rc = ioapic_xen_to_kvm(&x, &chip.chip.ioapic, msg);
    } else {
        struct hvm_hw_pit x;
        memcpy(&x, data, sizeof(x));
        rc = pit_xen_to_kvm(&x, &pit, msg);
    }
    if (rc || !apply)
        return rc;
    if (code == HVM_SAVE_CODE(PIT) ? ioctl(vm->vm_fd, KVM_SET_PIT2, &pit) < 0
                                   : ioctl(vm->vm_fd, KVM_SET_IRQCHIP, &chip) < 0) {
        int e = errno;
        PMSG("HVM restore: %s: KVM refused it: %s", names[code], strerror(e));
        return -e;
    }
    return 0;
}
