#include "hvm_ctx.h"

#include <errno.h>
#include <string.h>

#include "x86.h"

/* CR4 bits a guest may set (no VMX, SMX, PKS, CET in this model). */
#define CR4_VALID    0x0001e7ffULL

enum seg { SEG_CS, SEG_DS, SEG_SS, SEG_ES, SEG_TR };

/* Xen's packed segment attributes: type 0-3, S 4, DPL 5-6, P 7, AVL 8,
 * L 9, DB 10, G 11; bits 12-15 must be zero. */
static int unpack_seg(uint16_t ar, uint32_t base, uint32_t limit, enum seg s,
                      struct kvm_segment *k)
{
    memset(k, 0, sizeof(*k));
    if (ar & 0xf000)
        return -EINVAL;
    if (ar == 0) {
        if (s != SEG_DS && s != SEG_ES)
            return -EINVAL;
        k->unusable = 1;
        return 0;
    }
    k->type = ar & 0xf;
    k->s = (ar >> 4) & 1;
    k->dpl = (ar >> 5) & 3;
    k->present = (ar >> 7) & 1;
    k->avl = (ar >> 8) & 1;
    k->l = (ar >> 9) & 1;
    k->db = (ar >> 10) & 1;
    k->g = (ar >> 11) & 1;
    k->base = base;
    k->limit = k->g ? (limit << 12) | 0xfff : limit;
    /* Accessed bit for code/data, busy bit for the TSS. */
    if (k->present)
        k->type |= s == SEG_TR ? 2 : 1;
    if (s == SEG_TR) {
        if (k->s || k->type != 11)
            return -EINVAL;
    } else if (!k->s) {
        return -EINVAL;
    }
    if (!k->present)
        return -EINVAL;
    switch (s) {
    case SEG_CS:
        if (!(k->type & 8))
            return -EINVAL;
        break;
    case SEG_SS:
        if ((k->type & 8) || !(k->type & 2))
            return -EINVAL;
        break;
    case SEG_DS:
    case SEG_ES:
        if ((k->type & 8) && !(k->type & 2))
            return -EINVAL;
        break;
    case SEG_TR:
        break;
    }
    return 0;
}

static int efer_valid(uint64_t efer, uint64_t cr0, uint64_t cr4)
{
    if (efer & ~(X86_EFER_SCE | X86_EFER_LME | X86_EFER_LMA | X86_EFER_NX))
        return 0;
    /* Long mode active needs paging and PAE; paging with LME implies LMA. */
    if ((efer & X86_EFER_LMA) && (!(cr0 & X86_CR0_PG) || !(cr4 & X86_CR4_PAE)))
        return 0;
    return 1;
}

int hvm_ctx_to_kvm(const struct vcpu_hvm_context *ctx, struct kvm_regs *regs,
                   struct kvm_sregs *sregs)
{
    struct kvm_segment cs, ds, ss, es, tr;
    uint64_t cr0, cr3, cr4, efer;

    if (ctx->pad != 0)
        return -EINVAL;
    memset(regs, 0, sizeof(*regs));

    if (ctx->mode == VCPU_HVM_MODE_32B) {
        const struct vcpu_hvm_x86_32 *r = &ctx->cpu_regs.x86_32;

        if (r->pad1 || r->pad2[0] || r->pad2[1] || r->pad2[2])
            return -EINVAL;
        if (unpack_seg(r->cs_ar, r->cs_base, r->cs_limit, SEG_CS, &cs) ||
            unpack_seg(r->ds_ar, r->ds_base, r->ds_limit, SEG_DS, &ds) ||
            unpack_seg(r->ss_ar, r->ss_base, r->ss_limit, SEG_SS, &ss) ||
            unpack_seg(r->es_ar, r->es_base, r->es_limit, SEG_ES, &es) ||
            unpack_seg(r->tr_ar, r->tr_base, r->tr_limit, SEG_TR, &tr))
            return -EINVAL;
        if (r->eip > cs.limit || ss.dpl != cs.dpl)
            return -EINVAL;
        if ((!ds.unusable && ds.dpl > cs.dpl) ||
            (!es.unusable && es.dpl > cs.dpl))
            return -EINVAL;
        if ((r->efer & X86_EFER_LMA) && !(r->efer & X86_EFER_LME))
            return -EINVAL;
        regs->rax = r->eax; regs->rcx = r->ecx; regs->rdx = r->edx;
        regs->rbx = r->ebx; regs->rsp = r->esp; regs->rbp = r->ebp;
        regs->rsi = r->esi; regs->rdi = r->edi; regs->rip = r->eip;
        regs->rflags = r->eflags;
        cr0 = r->cr0; cr3 = r->cr3; cr4 = r->cr4; efer = r->efer;
    } else if (ctx->mode == VCPU_HVM_MODE_64B) {
        const struct vcpu_hvm_x86_64 *r = &ctx->cpu_regs.x86_64;
        int64_t sx = (int64_t)(r->rip << 16) >> 16;

        if ((uint64_t)sx != r->rip || !(r->cr0 & X86_CR0_PG) ||
            !(r->cr4 & X86_CR4_PAE) || !(r->efer & X86_EFER_LME))
            return -EINVAL;
        regs->rax = r->rax; regs->rcx = r->rcx; regs->rdx = r->rdx;
        regs->rbx = r->rbx; regs->rsp = r->rsp; regs->rbp = r->rbp;
        regs->rsi = r->rsi; regs->rdi = r->rdi; regs->rip = r->rip;
        regs->rflags = r->rflags;
        cr0 = r->cr0; cr3 = r->cr3; cr4 = r->cr4; efer = r->efer;
        unpack_seg(0xa9b, 0, ~0u, SEG_CS, &cs);   /* 64-bit code */
        unpack_seg(0xc93, 0, ~0u, SEG_DS, &ds);
        ss = es = ds;
        unpack_seg(0x8b, 0, 0x67, SEG_TR, &tr);   /* busy TSS */
        cs.limit = ds.limit = ss.limit = es.limit = 0xffffffff;
    } else {
        return -EINVAL;
    }

    if (efer & X86_EFER_LME)
        efer |= X86_EFER_LMA;
    if ((cr4 & ~CR4_VALID) || !efer_valid(efer, cr0, cr4))
        return -EINVAL;
    /* Bit 1 of RFLAGS is always set; VM, IF, TF as given. */
    regs->rflags |= 2;

    cs.selector = ds.selector = ss.selector = es.selector = tr.selector = 0;
    sregs->cs = cs;
    sregs->ds = ds;
    sregs->ss = ss;
    sregs->es = es;
    sregs->fs = ds;
    sregs->gs = ds;
    sregs->tr = tr;
    memset(&sregs->ldt, 0, sizeof(sregs->ldt));
    sregs->ldt.type = 2;
    sregs->ldt.present = 1;
    sregs->ldt.unusable = 1;
    sregs->gdt.base = 0;
    sregs->gdt.limit = 0xffff;
    sregs->idt.base = 0;
    sregs->idt.limit = 0xffff;
    sregs->cr0 = cr0 | X86_CR0_ET;
    sregs->cr3 = cr3;
    sregs->cr4 = cr4;
    sregs->efer = efer;
    sregs->cr2 = 0;
    return 0;
}

void hvm_ctx_pvh_boot(struct vcpu_hvm_context *ctx, uint32_t entry,
                      uint32_t start_info)
{
    struct vcpu_hvm_x86_32 *r = &ctx->cpu_regs.x86_32;

    memset(ctx, 0, sizeof(*ctx));
    ctx->mode = VCPU_HVM_MODE_32B;
    r->eip = entry;
    r->ebx = start_info;
    r->cr0 = X86_CR0_PE;
    r->cs_limit = r->ds_limit = r->ss_limit = r->es_limit = 0xfffff;
    r->cs_ar = 0xc9b;   /* 32-bit code, 4 GiB, present */
    r->ds_ar = r->ss_ar = r->es_ar = 0xc93;
    r->tr_limit = 0x67;
    r->tr_ar = 0x8b;    /* 32-bit busy TSS */
}
