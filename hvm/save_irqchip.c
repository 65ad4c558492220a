/* The in-kernel interrupt controllers' state (KVM_GET_IRQCHIP): the two
 * PICs and the IOAPIC (its redirection table: the guest's routing of
 * every pin, the masks, remote IRR).  A live-update part: a new KVM VM
 * starts with them reset, and a guest that routed a level interrupt (a
 * passed-through function's INTx, the hot-plug SCI) must keep it.  A
 * type=hvm domain's PIT (KVM_GET_PIT2) too: its channels would restart
 * from reset otherwise.  The PIT is KVM's UAPI structure as is: a live
 * update stays on one host and kernel. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>

#include "save.h"

/* 2: the in-kernel PIT of a type=hvm domain follows the IOAPIC. */
#define VERSION 2

static void put_pic(struct ss_wr *w, const struct kvm_pic_state *p)
{
    const uint8_t f[] = {
        p->last_irr, p->irr, p->imr, p->isr, p->priority_add, p->irq_base, p->read_reg_select,
        p->poll, p->special_mask, p->init_state, p->auto_eoi, p->rotate_on_auto_eoi,
        p->special_fully_nested_mode, p->init4, p->elcr, p->elcr_mask,
    };

    ss_put_bytes(w, f, sizeof(f));
}

static void get_pic(struct ss_rd *r, struct kvm_pic_state *p)
{
    uint8_t f[16];

    ss_get_into(r, f, sizeof(f));
    p->last_irr = f[0]; p->irr = f[1]; p->imr = f[2]; p->isr = f[3];
    p->priority_add = f[4]; p->irq_base = f[5]; p->read_reg_select = f[6];
    p->poll = f[7]; p->special_mask = f[8]; p->init_state = f[9]; p->auto_eoi = f[10];
    p->rotate_on_auto_eoi = f[11]; p->special_fully_nested_mode = f[12];
    p->init4 = f[13]; p->elcr = f[14]; p->elcr_mask = f[15];
}

static int save(void *obj, struct ss_wr *w)
{
    struct vm *vm = obj;
    struct kvm_irqchip c[3];

    for (unsigned i = 0; i < 3; i++) {
        memset(&c[i], 0, sizeof(c[i]));
        c[i].chip_id = i;
        if (ioctl(vm->vm_fd, KVM_GET_IRQCHIP, &c[i]) < 0)
            return -errno;
    }
    put_pic(w, &c[KVM_IRQCHIP_PIC_MASTER].chip.pic);
    put_pic(w, &c[KVM_IRQCHIP_PIC_SLAVE].chip.pic);
    {
        const struct kvm_ioapic_state *io = &c[KVM_IRQCHIP_IOAPIC].chip.ioapic;

        ss_put_u64(w, io->base_address);
        ss_put_u32(w, io->ioregsel);
        ss_put_u32(w, io->id);
        ss_put_u32(w, io->irr);
        ss_put_u32(w, KVM_IOAPIC_NUM_PINS);
        for (unsigned i = 0; i < KVM_IOAPIC_NUM_PINS; i++)
            ss_put_u64(w, io->redirtbl[i].bits);
    }
    ss_put_u8(w, vm->hvm_platform);
    if (vm->hvm_platform) {
        struct kvm_pit_state2 pit;

        memset(&pit, 0, sizeof(pit));
        if (ioctl(vm->vm_fd, KVM_GET_PIT2, &pit) < 0)
            return -errno;
        ss_put_bytes(w, &pit, sizeof(pit));
    }
    return 0;
}

static int restore(void *obj, struct ss_rd *r, uint32_t version, char *msg)
{
    struct vm *vm = obj;
    struct kvm_irqchip c[3];
    struct kvm_ioapic_state *io = &c[KVM_IRQCHIP_IOAPIC].chip.ioapic;

    struct kvm_pit_state2 pit;
    bool has_pit = false;

    memset(c, 0, sizeof(c));
    for (unsigned i = 0; i < 3; i++)
        c[i].chip_id = i;
    get_pic(r, &c[KVM_IRQCHIP_PIC_MASTER].chip.pic);
    get_pic(r, &c[KVM_IRQCHIP_PIC_SLAVE].chip.pic);
    io->base_address = ss_get_u64(r);
    io->ioregsel = ss_get_u32(r);
    io->id = ss_get_u32(r);
    io->irr = ss_get_u32(r);
    if (!ss_check(r, ss_get_u32(r) == KVM_IOAPIC_NUM_PINS))
        return -EINVAL;
    for (unsigned i = 0; i < KVM_IOAPIC_NUM_PINS; i++)
        io->redirtbl[i].bits = ss_get_u64(r);
    if (version >= 2 && (has_pit = ss_get_u8(r) != 0))
        ss_get_into(r, &pit, sizeof(pit));
    if (r->bad || !ss_check(r, io->base_address == 0xfec00000ull && io->ioregsel < 256))
        return -EINVAL;
    /* Version 1 carried no PIT: a type=hvm domain's restarts from reset. */
    if (has_pit != vm->hvm_platform && (has_pit || version >= 2)) {
        snprintf(msg, SS_MSG_LEN, "the saved domain %s a PIT, this one %s",
                 has_pit ? "had" : "had no", vm->hvm_platform ? "has" : "has none");
        return -EINVAL;
    }
    for (unsigned i = 0; i < 3; i++)
        if (ioctl(vm->vm_fd, KVM_SET_IRQCHIP, &c[i]) < 0) {
            snprintf(msg, SS_MSG_LEN, "KVM_SET_IRQCHIP %u: %s", i, strerror(errno));
            return -errno;
        }
    if (has_pit && ioctl(vm->vm_fd, KVM_SET_PIT2, &pit) < 0) {
        snprintf(msg, SS_MSG_LEN, "KVM_SET_PIT2: %s", strerror(errno));
        return -errno;
    }
    return 0;
}

const struct ss_part vm_part_irqchip = { "irqchip", VM_PART_IRQCHIP, VERSION, save, restore };
