/* The vCPU part: per vCPU the Xen side (up or down, VCPUOP_initialise
 * done, a context still to load) and the KVM side, read and set with
 * KVM's own ioctls: registers, special registers, XCRs, the FPU/SSE state
 * (XSAVE, or the legacy FPU layout where KVM has no XSAVE), a fixed list
 * of MSRs, the local APIC, pending events and the MP state, and the TSC
 * offset (which keeps the guest TSC, and so the Xen clock, continuous).
 * Every field goes through the saved-state encoding, none as a struct. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "irq.h"
#include "save.h"
#include "util.h"

#define VERSION 1

/* The MSRs saved (QEMU's list, less those in the special registers, the
 * TSC, which travels as its offset, and MSRs a Xen guest cannot use
 * here).  Restore refuses any other index. */
static const uint32_t saved_msrs[] = {
    0x174, 0x175, 0x176,                        /* SYSENTER_CS/ESP/EIP */
    0xc0000081, 0xc0000082, 0xc0000083, 0xc0000084, /* STAR LSTAR CSTAR FMASK */
    0xc0000102, 0xc0000103,                     /* KERNEL_GS_BASE, TSC_AUX */
    0x277,                                      /* PAT */
    0x1a0,                                      /* MISC_ENABLE */
    0x6e0,                                      /* TSC_DEADLINE */
    0x2ff,                                      /* MTRRdefType */
    0x250, 0x258, 0x259,                        /* MTRRfix64K/16K */
    0x268, 0x269, 0x26a, 0x26b, 0x26c, 0x26d, 0x26e, 0x26f, /* MTRRfix4K */
    0x200, 0x201, 0x202, 0x203, 0x204, 0x205, 0x206, 0x207, /* MTRR var */
    0x208, 0x209, 0x20a, 0x20b, 0x20c, 0x20d, 0x20e, 0x20f,
};
#define NR_SAVED_MSRS ARRAY_SIZE(saved_msrs)

enum { FPU_XSAVE = 1, FPU_LEGACY = 2 };

/* ---- writing ---- */

static void put_seg(struct ss_wr *w, const struct kvm_segment *s)
{
    ss_put_u64(w, s->base);
    ss_put_u32(w, s->limit);
    ss_put_u16(w, s->selector);
    ss_put_u8(w, s->type);
    ss_put_u8(w, s->present);
    ss_put_u8(w, s->dpl);
    ss_put_u8(w, s->db);
    ss_put_u8(w, s->s);
    ss_put_u8(w, s->l);
    ss_put_u8(w, s->g);
    ss_put_u8(w, s->avl);
    ss_put_u8(w, s->unusable);
}

static void put_dt(struct ss_wr *w, const struct kvm_dtable *d)
{
    ss_put_u64(w, d->base);
    ss_put_u16(w, d->limit);
}

static void put_regs(struct ss_wr *w, const struct kvm_regs *r)
{
    const uint64_t v[] = { r->rax, r->rbx, r->rcx, r->rdx, r->rsi, r->rdi, r->rsp, r->rbp,
                           r->r8, r->r9, r->r10, r->r11, r->r12, r->r13, r->r14, r->r15,
                           r->rip, r->rflags };
    for (unsigned i = 0; i < ARRAY_SIZE(v); i++)
        ss_put_u64(w, v[i]);
}

static void put_sregs(struct ss_wr *w, const struct kvm_sregs *s)
{
    const struct kvm_segment *seg[] = { &s->cs, &s->ds, &s->es, &s->fs, &s->gs, &s->ss,
                                        &s->tr, &s->ldt };
    for (unsigned i = 0; i < ARRAY_SIZE(seg); i++)
        put_seg(w, seg[i]);
    put_dt(w, &s->gdt);
    put_dt(w, &s->idt);
    ss_put_u64(w, s->cr0);
    ss_put_u64(w, s->cr2);
    ss_put_u64(w, s->cr3);
    ss_put_u64(w, s->cr4);
    ss_put_u64(w, s->cr8);
    ss_put_u64(w, s->efer);
    ss_put_u64(w, s->apic_base);
    for (unsigned i = 0; i < ARRAY_SIZE(s->interrupt_bitmap); i++)
        ss_put_u64(w, s->interrupt_bitmap[i]);
}

static void put_fpu_legacy(struct ss_wr *w, const struct kvm_fpu *f)
{
    ss_put_bytes(w, f->fpr, sizeof(f->fpr));
    ss_put_u16(w, f->fcw);
    ss_put_u16(w, f->fsw);
    ss_put_u8(w, f->ftwx);
    ss_put_u16(w, f->last_opcode);
    ss_put_u64(w, f->last_ip);
    ss_put_u64(w, f->last_dp);
    ss_put_bytes(w, f->xmm, sizeof(f->xmm));
    ss_put_u32(w, f->mxcsr);
}

static void put_events(struct ss_wr *w, const struct kvm_vcpu_events *e)
{
    ss_put_u8(w, e->exception.injected);
    ss_put_u8(w, e->exception.nr);
    ss_put_u8(w, e->exception.has_error_code);
    ss_put_u8(w, e->exception.pending);
    ss_put_u32(w, e->exception.error_code);
    ss_put_u8(w, e->interrupt.injected);
    ss_put_u8(w, e->interrupt.nr);
    ss_put_u8(w, e->interrupt.soft);
    ss_put_u8(w, e->interrupt.shadow);
    ss_put_u8(w, e->nmi.injected);
    ss_put_u8(w, e->nmi.pending);
    ss_put_u8(w, e->nmi.masked);
    ss_put_u32(w, e->sipi_vector);
    ss_put_u32(w, e->flags);
    ss_put_u8(w, e->smi.smm);
    ss_put_u8(w, e->smi.pending);
    ss_put_u8(w, e->smi.smm_inside_nmi);
    ss_put_u8(w, e->smi.latched_init);
}

int vcpu_kvm_save(int fd, struct ss_wr *w)
{
    struct kvm_regs regs;
    struct kvm_sregs sregs;
    struct kvm_xsave *xs;
    struct kvm_xcrs xcrs;
    struct kvm_lapic_state lapic;
    struct kvm_vcpu_events ev;
    struct kvm_mp_state mp;
    struct {
        struct kvm_msrs h;
        struct kvm_msr_entry e[1];
    } one;
    uint64_t tsc_off = 0;
    struct kvm_device_attr attr = { .group = KVM_VCPU_TSC_CTRL, .attr = KVM_VCPU_TSC_OFFSET,
                                    .addr = (uint64_t)(uintptr_t)&tsc_off };
    size_t count_at;
    uint32_t n = 0;
    bool has;

    if (ioctl(fd, KVM_GET_REGS, &regs) || ioctl(fd, KVM_GET_SREGS, &sregs) ||
        ioctl(fd, KVM_GET_MP_STATE, &mp) || ioctl(fd, KVM_GET_VCPU_EVENTS, &ev))
        return -errno;
    put_regs(w, &regs);
    put_sregs(w, &sregs);

    has = ioctl(fd, KVM_GET_XCRS, &xcrs) == 0 && xcrs.nr_xcrs <= KVM_MAX_XCRS;
    ss_put_u8(w, has);
    if (has) {
        ss_put_u32(w, xcrs.nr_xcrs);
        ss_put_u32(w, xcrs.flags);
        for (unsigned i = 0; i < xcrs.nr_xcrs; i++) {
            ss_put_u32(w, xcrs.xcrs[i].xcr);
            ss_put_u64(w, xcrs.xcrs[i].value);
        }
    }

    /* The XSAVE area is the architecture's own little-endian layout. */
    xs = calloc(1, sizeof(*xs));
    if (!xs)
        return -ENOMEM;
    if (ioctl(fd, KVM_GET_XSAVE, xs) == 0) {
        ss_put_u8(w, FPU_XSAVE);
        ss_put_blob(w, xs->region, sizeof(xs->region));
    } else {
        struct kvm_fpu fpu;
        if (ioctl(fd, KVM_GET_FPU, &fpu)) {
            int e = errno;
            free(xs);
            return -e;
        }
        ss_put_u8(w, FPU_LEGACY);
        put_fpu_legacy(w, &fpu);
    }
    free(xs);

    /* One at a time: KVM stops a batch at the first MSR it lacks. */
    count_at = w->len;
    ss_put_u32(w, 0);
    for (unsigned i = 0; i < NR_SAVED_MSRS; i++) {
        memset(&one, 0, sizeof(one));
        one.h.nmsrs = 1;
        one.e[0].index = saved_msrs[i];
        if (ioctl(fd, KVM_GET_MSRS, &one) != 1)
            continue;
        ss_put_u32(w, saved_msrs[i]);
        ss_put_u64(w, one.e[0].data);
        n++;
    }
    ss_patch_u32(w, count_at, n);

    has = ioctl(fd, KVM_GET_LAPIC, &lapic) == 0;    /* with an in-kernel irqchip */
    ss_put_u8(w, has);
    if (has)
        ss_put_bytes(w, lapic.regs, sizeof(lapic.regs));
    put_events(w, &ev);
    ss_put_u32(w, mp.mp_state);
    has = ioctl(fd, KVM_GET_DEVICE_ATTR, &attr) == 0;
    ss_put_u8(w, has);
    ss_put_u64(w, has ? tsc_off : 0);
    return 0;
}

/* ---- reading ---- */

static bool get_seg(struct ss_rd *r, struct kvm_segment *s)
{
    s->base = ss_get_u64(r);
    s->limit = ss_get_u32(r);
    s->selector = ss_get_u16(r);
    s->type = ss_get_u8(r);
    s->present = ss_get_u8(r);
    s->dpl = ss_get_u8(r);
    s->db = ss_get_u8(r);
    s->s = ss_get_u8(r);
    s->l = ss_get_u8(r);
    s->g = ss_get_u8(r);
    s->avl = ss_get_u8(r);
    s->unusable = ss_get_u8(r);
    return ss_check(r, s->type < 16 && s->present <= 1 && s->dpl < 4 && s->db <= 1 &&
                       s->s <= 1 && s->l <= 1 && s->g <= 1 && s->avl <= 1 && s->unusable <= 1);
}

static void get_dt(struct ss_rd *r, struct kvm_dtable *d)
{
    d->base = ss_get_u64(r);
    d->limit = ss_get_u16(r);
}

static void get_regs(struct ss_rd *r, struct kvm_regs *g)
{
    __u64 *v[] = { &g->rax, &g->rbx, &g->rcx, &g->rdx, &g->rsi, &g->rdi, &g->rsp, &g->rbp,
                      &g->r8, &g->r9, &g->r10, &g->r11, &g->r12, &g->r13, &g->r14, &g->r15,
                      &g->rip, &g->rflags };
    for (unsigned i = 0; i < ARRAY_SIZE(v); i++)
        *v[i] = ss_get_u64(r);
}

static bool get_sregs(struct ss_rd *r, struct kvm_sregs *s)
{
    struct kvm_segment *seg[] = { &s->cs, &s->ds, &s->es, &s->fs, &s->gs, &s->ss,
                                  &s->tr, &s->ldt };
    bool ok = true;

    for (unsigned i = 0; i < ARRAY_SIZE(seg); i++)
        ok &= get_seg(r, seg[i]);
    get_dt(r, &s->gdt);
    get_dt(r, &s->idt);
    s->cr0 = ss_get_u64(r);
    s->cr2 = ss_get_u64(r);
    s->cr3 = ss_get_u64(r);
    s->cr4 = ss_get_u64(r);
    s->cr8 = ss_get_u64(r);
    s->efer = ss_get_u64(r);
    s->apic_base = ss_get_u64(r);
    for (unsigned i = 0; i < ARRAY_SIZE(s->interrupt_bitmap); i++)
        s->interrupt_bitmap[i] = ss_get_u64(r);
    return ok && ss_check(r, s->cr8 < 16);
}

static bool get_fpu_legacy(struct ss_rd *r, struct kvm_fpu *f)
{
    ss_get_into(r, f->fpr, sizeof(f->fpr));
    f->fcw = ss_get_u16(r);
    f->fsw = ss_get_u16(r);
    f->ftwx = ss_get_u8(r);
    f->last_opcode = ss_get_u16(r);
    f->last_ip = ss_get_u64(r);
    f->last_dp = ss_get_u64(r);
    ss_get_into(r, f->xmm, sizeof(f->xmm));
    f->mxcsr = ss_get_u32(r);
    return !r->bad;
}

static bool get_events(struct ss_rd *r, struct kvm_vcpu_events *e)
{
    e->exception.injected = ss_get_u8(r);
    e->exception.nr = ss_get_u8(r);
    e->exception.has_error_code = ss_get_u8(r);
    e->exception.pending = ss_get_u8(r);
    e->exception.error_code = ss_get_u32(r);
    e->interrupt.injected = ss_get_u8(r);
    e->interrupt.nr = ss_get_u8(r);
    e->interrupt.soft = ss_get_u8(r);
    e->interrupt.shadow = ss_get_u8(r);
    e->nmi.injected = ss_get_u8(r);
    e->nmi.pending = ss_get_u8(r);
    e->nmi.masked = ss_get_u8(r);
    e->sipi_vector = ss_get_u32(r);
    e->flags = ss_get_u32(r);
    e->smi.smm = ss_get_u8(r);
    e->smi.pending = ss_get_u8(r);
    e->smi.smm_inside_nmi = ss_get_u8(r);
    e->smi.latched_init = ss_get_u8(r);
    /* Set what was valid when read, without the payload and triple-fault
     * extensions, which need capabilities this VMM does not enable. */
    e->flags &= KVM_VCPUEVENT_VALID_NMI_PENDING | KVM_VCPUEVENT_VALID_SIPI_VECTOR |
                KVM_VCPUEVENT_VALID_SHADOW | KVM_VCPUEVENT_VALID_SMM;
    return ss_check(r, e->exception.injected <= 1 && e->exception.nr < 32 &&
                       e->exception.has_error_code <= 1 && e->exception.pending <= 1 &&
                       e->interrupt.injected <= 1 && e->interrupt.soft <= 1 &&
                       e->interrupt.shadow <= 3 && e->nmi.injected <= 1 &&
                       e->nmi.pending <= 1 && e->nmi.masked <= 1 && e->sipi_vector < 256 &&
                       e->smi.smm <= 1 && e->smi.pending <= 1 &&
                       e->smi.smm_inside_nmi <= 1 && e->smi.latched_init <= 1);
}

static bool msr_known(uint32_t index)
{
    for (unsigned i = 0; i < NR_SAVED_MSRS; i++)
        if (saved_msrs[i] == index)
            return true;
    return false;
}

/* Everything of one vCPU's KVM state, read and checked before any of it
 * is set. */
struct kvm_saved {
    struct kvm_regs regs;
    struct kvm_sregs sregs;
    bool has_xcrs, has_lapic, has_tsc;
    struct kvm_xcrs xcrs;
    uint8_t fpu_kind;
    struct kvm_fpu fpu;
    const void *xsave;
    uint32_t nmsrs;
    struct kvm_msr_entry msrs[NR_SAVED_MSRS];
    struct kvm_lapic_state lapic;
    struct kvm_vcpu_events ev;
    struct kvm_mp_state mp;
    uint64_t tsc_off;
};

static int kvm_read(struct ss_rd *r, struct kvm_saved *k, char *msg)
{
    uint8_t has;

    memset(k, 0, sizeof(*k));
    get_regs(r, &k->regs);
    if (!get_sregs(r, &k->sregs))
        return -EINVAL;
    has = ss_get_u8(r);
    if (!ss_check(r, has <= 1))
        return -EINVAL;
    k->has_xcrs = has;
    if (has) {
        k->xcrs.nr_xcrs = ss_get_u32(r);
        k->xcrs.flags = ss_get_u32(r);
        if (!ss_check(r, k->xcrs.nr_xcrs <= KVM_MAX_XCRS && k->xcrs.flags == 0))
            return -EINVAL;
        for (unsigned i = 0; i < k->xcrs.nr_xcrs; i++) {
            k->xcrs.xcrs[i].xcr = ss_get_u32(r);
            k->xcrs.xcrs[i].value = ss_get_u64(r);
        }
    }
    k->fpu_kind = ss_get_u8(r);
    if (k->fpu_kind == FPU_XSAVE) {
        uint32_t n;
        k->xsave = ss_get_blob(r, &n);
        if (!ss_check(r, k->xsave && n == sizeof(((struct kvm_xsave *)0)->region)))
            return -EINVAL;
    } else if (!ss_check(r, k->fpu_kind == FPU_LEGACY) || !get_fpu_legacy(r, &k->fpu)) {
        return -EINVAL;
    }
    k->nmsrs = ss_get_u32(r);
    if (!ss_check(r, k->nmsrs <= NR_SAVED_MSRS))
        return -EINVAL;
    for (unsigned i = 0; i < k->nmsrs; i++) {
        k->msrs[i].index = ss_get_u32(r);
        k->msrs[i].data = ss_get_u64(r);
        if (!r->bad && !msr_known(k->msrs[i].index)) {
            snprintf(msg, SS_MSG_LEN, "MSR %#x is not one this build restores",
                     k->msrs[i].index);
            r->bad = true;
            return -EINVAL;
        }
    }
    has = ss_get_u8(r);
    if (!ss_check(r, has <= 1))
        return -EINVAL;
    k->has_lapic = has;
    if (has)
        ss_get_into(r, k->lapic.regs, sizeof(k->lapic.regs));
    if (!get_events(r, &k->ev))
        return -EINVAL;
    k->mp.mp_state = ss_get_u32(r);
    has = ss_get_u8(r);
    k->tsc_off = ss_get_u64(r);
    k->has_tsc = has;
    if (!ss_check(r, k->mp.mp_state <= KVM_MP_STATE_SUSPENDED && has <= 1))
        return -EINVAL;
    return r->bad ? -EINVAL : 0;
}

static int kvm_set(int fd, const struct kvm_saved *k, char *msg)
{
    struct {
        struct kvm_msrs h;
        struct kvm_msr_entry e[NR_SAVED_MSRS];
    } msrs;
    struct kvm_device_attr attr = { .group = KVM_VCPU_TSC_CTRL, .attr = KVM_VCPU_TSC_OFFSET,
                                    .addr = (uint64_t)(uintptr_t)&k->tsc_off };
    const char *what;
    int rc;

#define SET(req, arg) do {                                                  \
        what = #req;                                                        \
        if (ioctl(fd, req, arg) < 0)                                        \
            goto fail;                                                      \
    } while (0)
    SET(KVM_SET_SREGS, &k->sregs);
    SET(KVM_SET_REGS, &k->regs);
    /* A host without XSAVE reads no XCRs and refuses every KVM_SET_XCRS
     * (EINVAL, even for none): there is nothing to set then. */
    if (k->has_xcrs && k->xcrs.nr_xcrs)
        SET(KVM_SET_XCRS, &k->xcrs);
    if (k->fpu_kind == FPU_XSAVE) {
        struct kvm_xsave *xs = calloc(1, sizeof(*xs));
        if (!xs)
            return -ENOMEM;
        memcpy(xs->region, k->xsave, sizeof(xs->region));
        rc = ioctl(fd, KVM_SET_XSAVE, xs);
        free(xs);
        what = "KVM_SET_XSAVE";
        if (rc < 0)
            goto fail;
    } else {
        SET(KVM_SET_FPU, &k->fpu);
    }
    /* The TSC offset before anything that holds a TSC value, the LAPIC
     * before the TSC deadline MSR (KVM ignores a deadline while the LAPIC
     * timer is not in deadline mode). */
    if (k->has_tsc)
        SET(KVM_SET_DEVICE_ATTR, &attr);
    if (k->has_lapic)
        SET(KVM_SET_LAPIC, &k->lapic);
    memset(&msrs, 0, sizeof(msrs));
    msrs.h.nmsrs = k->nmsrs;
    memcpy(msrs.e, k->msrs, k->nmsrs * sizeof(msrs.e[0]));
    rc = ioctl(fd, KVM_SET_MSRS, &msrs);
    if (rc < 0 || (uint32_t)rc != k->nmsrs) {
        snprintf(msg, SS_MSG_LEN, "KVM_SET_MSRS: MSR %#x (value %#llx) refused",
                 rc < 0 ? 0 : k->msrs[rc].index,
                 rc < 0 ? 0ULL : (unsigned long long)k->msrs[rc].data);
        return -EINVAL;
    }
    SET(KVM_SET_MP_STATE, &k->mp);
    SET(KVM_SET_VCPU_EVENTS, &k->ev);
#undef SET
    return 0;
fail:
    rc = -errno;
    snprintf(msg, SS_MSG_LEN, "%s: %s", what, strerror(-rc));
    return rc;
}

int vcpu_kvm_restore(int fd, struct ss_rd *r, char *msg)
{
    struct kvm_saved *k = malloc(sizeof(*k));
    int rc;

    if (!k)
        return -ENOMEM;
    rc = kvm_read(r, k, msg);
    if (!rc)
        rc = kvm_set(fd, k, msg);
    free(k);
    return rc;
}

/* ---- the part ---- */

static void put_ctx(struct ss_wr *w, const struct vcpu_hvm_context *c)
{
    ss_put_u32(w, c->mode);
    if (c->mode == VCPU_HVM_MODE_32B) {
        const struct vcpu_hvm_x86_32 *x = &c->cpu_regs.x86_32;
        const uint32_t v[] = { x->eax, x->ecx, x->edx, x->ebx, x->esp, x->ebp, x->esi,
                               x->edi, x->eip, x->eflags, x->cr0, x->cr3, x->cr4,
                               x->cs_base, x->ds_base, x->ss_base, x->es_base, x->tr_base,
                               x->cs_limit, x->ds_limit, x->ss_limit, x->es_limit,
                               x->tr_limit };
        const uint16_t ar[] = { x->cs_ar, x->ds_ar, x->ss_ar, x->es_ar, x->tr_ar };
        for (unsigned i = 0; i < ARRAY_SIZE(v); i++)
            ss_put_u32(w, v[i]);
        ss_put_u64(w, x->efer);
        for (unsigned i = 0; i < ARRAY_SIZE(ar); i++)
            ss_put_u16(w, ar[i]);
    } else {
        const struct vcpu_hvm_x86_64 *x = &c->cpu_regs.x86_64;
        const uint64_t v[] = { x->rax, x->rcx, x->rdx, x->rbx, x->rsp, x->rbp, x->rsi,
                               x->rdi, x->rip, x->rflags, x->cr0, x->cr3, x->cr4, x->efer };
        for (unsigned i = 0; i < ARRAY_SIZE(v); i++)
            ss_put_u64(w, v[i]);
    }
}

static bool get_ctx(struct ss_rd *r, struct vcpu_hvm_context *c)
{
    memset(c, 0, sizeof(*c));
    c->mode = ss_get_u32(r);
    if (c->mode == VCPU_HVM_MODE_32B) {
        struct vcpu_hvm_x86_32 *x = &c->cpu_regs.x86_32;
        uint32_t *v[] = { &x->eax, &x->ecx, &x->edx, &x->ebx, &x->esp, &x->ebp, &x->esi,
                          &x->edi, &x->eip, &x->eflags, &x->cr0, &x->cr3, &x->cr4,
                          &x->cs_base, &x->ds_base, &x->ss_base, &x->es_base, &x->tr_base,
                          &x->cs_limit, &x->ds_limit, &x->ss_limit, &x->es_limit,
                          &x->tr_limit };
        uint16_t *ar[] = { &x->cs_ar, &x->ds_ar, &x->ss_ar, &x->es_ar, &x->tr_ar };
        for (unsigned i = 0; i < ARRAY_SIZE(v); i++)
            *v[i] = ss_get_u32(r);
        x->efer = ss_get_u64(r);
        for (unsigned i = 0; i < ARRAY_SIZE(ar); i++)
            *ar[i] = ss_get_u16(r);
        return !r->bad;
    }
    if (c->mode == VCPU_HVM_MODE_64B) {
        struct vcpu_hvm_x86_64 *x = &c->cpu_regs.x86_64;
        uint64_t *v[] = { &x->rax, &x->rcx, &x->rdx, &x->rbx, &x->rsp, &x->rbp, &x->rsi,
                          &x->rdi, &x->rip, &x->rflags, &x->cr0, &x->cr3, &x->cr4, &x->efer };
        for (unsigned i = 0; i < ARRAY_SIZE(v); i++)
            *v[i] = ss_get_u64(r);
        return !r->bad;
    }
    return ss_check(r, false);
}

static int save(void *obj, struct ss_wr *w)
{
    struct vm *vm = obj;
    int rc;

    ss_put_u32(w, vm->nr_vcpus);
    for (unsigned i = 0; i < vm->nr_vcpus; i++) {
        struct vcpu *v = &vm->vcpus[i];
        pthread_mutex_lock(&vm->lock);
        ss_put_u8(w, v->state == VCPU_UP);
        ss_put_u8(w, v->initialised);
        ss_put_u8(w, v->ctx_pending);
        put_ctx(w, &v->init_ctx);
        pthread_mutex_unlock(&vm->lock);
        /* Registers the VMM changed in the sync area (a hypercall's
         * result) reach KVM on the next entry: hand them over now, so
         * KVM_GET_REGS reads them. */
        if (v->fd >= 0 && v->run && (v->run->kvm_dirty_regs & KVM_SYNC_X86_REGS)) {
            if (ioctl(v->fd, KVM_SET_REGS, &v->run->s.regs.regs) < 0)
                return -errno;
            v->run->kvm_dirty_regs &= ~(uint64_t)KVM_SYNC_X86_REGS;
        }
        /* A VM built without KVM (unit tests) has only the Xen side. */
        ss_put_u8(w, v->fd >= 0);
        if (v->fd >= 0 && (rc = vcpu_kvm_save(v->fd, w)))
            return rc;
    }
    return 0;
}

static int restore(void *obj, struct ss_rd *r, uint32_t version, char *msg)
{
    struct vm *vm = obj;

    (void)version;
    if (!save_vcpus_match(vm, r, msg))
        return -EINVAL;
    for (unsigned i = 0; i < vm->nr_vcpus; i++) {
        struct vcpu *v = &vm->vcpus[i];
        struct vcpu_hvm_context ctx;
        uint8_t up = ss_get_u8(r), init = ss_get_u8(r), pending = ss_get_u8(r), has_kvm;
        int rc;

        if (!get_ctx(r, &ctx) || !ss_check(r, up <= 1 && init <= 1 && pending <= 1))
            return -EINVAL;
        has_kvm = ss_get_u8(r);
        if (!ss_check(r, has_kvm <= 1))
            return -EINVAL;
        if (has_kvm && v->fd < 0) {
            snprintf(msg, SS_MSG_LEN, "vCPU %u: KVM state saved, but no KVM vCPU here", i);
            r->bad = true;
            return -EINVAL;
        }
        if (has_kvm && (rc = vcpu_kvm_restore(v->fd, r, msg))) {
            char why[SS_MSG_LEN];
            snprintf(why, sizeof(why), "%s", msg);
            snprintf(msg, SS_MSG_LEN, "vCPU %u: %.140s", i, why);
            return rc;
        }
        if (has_kvm && v->run)
            v->run->kvm_dirty_regs = 0;     /* nothing stale over it */
        pthread_mutex_lock(&vm->lock);
        v->state = up ? VCPU_UP : VCPU_DOWN;
        v->initialised = init;
        v->ctx_pending = pending;
        v->init_ctx = ctx;
        pthread_mutex_unlock(&vm->lock);
    }
    irq_restored(vm);
    return 0;
}

const struct ss_part vm_part_vcpus = { "vcpus", VM_PART_VCPUS, VERSION, save, restore };
