/* Xen's HVM context <-> KVM vCPU state (mig_hvmctx.h).  Xen's field
 * conventions: segment attributes in its 12-bit packed form (type, s,
 * dpl, p, avl, l, db, g), 0 for an unusable segment; fpu_regs the FXSAVE
 * image; tsc the guest's TSC; the LAPIC page's first KiB as KVM's. */
#include "mig_hvmctx.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>

#include <xen/hvm/save.h>

#include "mig_hvmrec.h"
#include "mig_platform.h"
#include "util.h"
#include "x86.h"
#include "xen_version.h"

#define CTX_MSG(...) snprintf(msg, SS_MSG_LEN, __VA_ARGS__)

/* The MSRs Xen's CPU_MSR record carries (hvm.c's msrs_to_send). */
static const uint32_t cpu_msr_list[] = {
    0x48, 0x140, 0x6e1, 0xd90, 0xda0,               /* SPEC_CTRL MISC_FEATURES PKRS BNDCFGS XSS */
    0xc001011f,                                     /* VIRT_SPEC_CTRL */
    0xc0011027, 0xc0011019, 0xc001101a, 0xc001101b, /* DR0..3 address masks */
};
#define MTRR_FIXED_MSRS { 0x250, 0x258, 0x259, 0x268, 0x269, 0x26a, 0x26b, 0x26c, \
                          0x26d, 0x26e, 0x26f }
#define MSR_TSC         0x10
#define MSR_TSC_ADJUST  0x3b
#define MSR_MTRRCAP     0xfe
#define MSR_PAT         0x277
#define MSR_MTRR_DEF    0x2ff
#define MSR_TSC_DEADLINE 0x6e0
#define XSAVE_MIN       576     /* legacy area + header */
#define XSAVE_MAX       4096    /* KVM_GET_XSAVE's region */

static bool get_msr(int fd, uint32_t idx, uint64_t *val)
{
    struct { struct kvm_msrs h; struct kvm_msr_entry e; } m = { .h.nmsrs = 1, .e.index = idx };

    if (ioctl(fd, KVM_GET_MSRS, &m) != 1) {
        *val = 0;
        return false;
    }
    *val = m.e.data;
    return true;
}

static int set_msr(int fd, uint32_t idx, uint64_t val)
{
    struct { struct kvm_msrs h; struct kvm_msr_entry e; } m = {
        .h.nmsrs = 1, .e.index = idx, .e.data = val };

    return ioctl(fd, KVM_SET_MSRS, &m) == 1 ? 0 : -EINVAL;
}

static uint32_t seg_attr(const struct kvm_segment *s)
{
    if (s->unusable || !s->present)
        return 0;
    return (s->type & 0xf) | (s->s & 1) << 4 | (s->dpl & 3) << 5 | 1u << 7 |
           (s->avl & 1) << 8 | (s->l & 1) << 9 | (s->db & 1) << 10 | (s->g & 1) << 11;
}

static void seg_from(struct kvm_segment *s, uint32_t sel, uint32_t limit, uint64_t base,
                     uint32_t attr)
{
    s->selector = (uint16_t)sel;
    s->limit = limit;
    s->base = base;
    s->type = attr & 0xf;
    s->s = (attr >> 4) & 1;
    s->dpl = (attr >> 5) & 3;
    s->present = (attr >> 7) & 1;
    s->avl = (attr >> 8) & 1;
    s->l = (attr >> 9) & 1;
    s->db = (attr >> 10) & 1;
    s->g = (attr >> 11) & 1;
    s->unusable = !s->present;
}

/* The standard-format XSAVE size for the features in XCR0 (Xen's
 * xstate_ctxt_size), from CPUID leaf 0xd. */
static uint32_t xsave_size(uint64_t xcr0)
{
    uint32_t size = XSAVE_MIN;

    for (unsigned i = 2; i < 63; i++) {
        unsigned a, b, c, d;
        if (!(xcr0 & (1ULL << i)))
            continue;
        x86_host_cpuid(0xd, i, &a, &b, &c, &d);
        if (b + a > size)
            size = b + a;
    }
    return size > XSAVE_MAX ? XSAVE_MAX : size;
}

static void put_desc(struct ss_wr *w, uint16_t code, uint16_t inst, uint32_t len)
{
    ss_put_u16(w, code);
    ss_put_u16(w, inst);
    ss_put_u32(w, len);
}

#define SEGS(X) X(cs) X(ds) X(es) X(fs) X(gs) X(ss) X(tr) X(ldt)

static int save_cpu(int fd, unsigned id, struct ss_wr *w, const struct kvm_xsave *xs)
{
    struct hvm_hw_cpu c;
    struct kvm_regs r;
    struct kvm_sregs s;
    struct kvm_debugregs dr;
    struct kvm_vcpu_events ev;

    if (ioctl(fd, KVM_GET_REGS, &r) < 0 || ioctl(fd, KVM_GET_SREGS, &s) < 0)
        return -errno;
    memset(&c, 0, sizeof(c));
    memcpy(c.fpu_regs, xs->region, sizeof(c.fpu_regs));
    c.rax = r.rax; c.rbx = r.rbx; c.rcx = r.rcx; c.rdx = r.rdx;
    c.rbp = r.rbp; c.rsi = r.rsi; c.rdi = r.rdi; c.rsp = r.rsp;
    c.r8 = r.r8; c.r9 = r.r9; c.r10 = r.r10; c.r11 = r.r11;
    c.r12 = r.r12; c.r13 = r.r13; c.r14 = r.r14; c.r15 = r.r15;
    c.rip = r.rip; c.rflags = r.rflags;
    c.cr0 = s.cr0; c.cr2 = s.cr2; c.cr3 = s.cr3; c.cr4 = s.cr4;
    if (ioctl(fd, KVM_GET_DEBUGREGS, &dr) == 0) {
        c.dr0 = dr.db[0]; c.dr1 = dr.db[1]; c.dr2 = dr.db[2]; c.dr3 = dr.db[3];
        c.dr6 = dr.dr6; c.dr7 = dr.dr7;
    }
#define SEG(n) c.n##_sel = s.n.selector; c.n##_limit = s.n.limit; c.n##_base = s.n.base; \
               c.n##_arbytes = seg_attr(&s.n);
#define ldt_sel ldtr_sel
#define ldt_limit ldtr_limit
#define ldt_base ldtr_base
#define ldt_arbytes ldtr_arbytes
    SEGS(SEG)
#undef SEG
    c.idtr_limit = s.idt.limit; c.idtr_base = s.idt.base;
    c.gdtr_limit = s.gdt.limit; c.gdtr_base = s.gdt.base;
    get_msr(fd, 0x174, &c.sysenter_cs);
    get_msr(fd, 0x175, &c.sysenter_esp);
    get_msr(fd, 0x176, &c.sysenter_eip);
    get_msr(fd, 0xc0000102, &c.shadow_gs);
    get_msr(fd, 0xc0000082, &c.msr_lstar);
    get_msr(fd, 0xc0000081, &c.msr_star);
    get_msr(fd, 0xc0000083, &c.msr_cstar);
    get_msr(fd, 0xc0000084, &c.msr_syscall_mask);
    c.msr_efer = s.efer;
    get_msr(fd, 0xc0000103, &c.msr_tsc_aux);
    get_msr(fd, MSR_TSC, &c.tsc);
    if (ioctl(fd, KVM_GET_VCPU_EVENTS, &ev) == 0) {
        if (ev.exception.injected) {
            c.pending_vector = ev.exception.nr;
            c.pending_type = 3;             /* X86_EVENTTYPE_HW_EXCEPTION */
            c.pending_error_valid = ev.exception.has_error_code;
            c.pending_valid = 1;
            c.error_code = ev.exception.error_code;
        } else if (ev.interrupt.injected) {
            c.pending_vector = ev.interrupt.nr;
            /* X86_EVENTTYPE_SW_INTERRUPT (INT n) / EXT_INTR */
            c.pending_type = ev.interrupt.soft ? 4 : 0;
            c.pending_valid = 1;
        } else if (ev.nmi.injected) {
            c.pending_vector = 2;
            c.pending_type = 2;             /* X86_EVENTTYPE_NMI */
            c.pending_valid = 1;
        }
    }
    c.flags = XEN_X86_FPU_INITIALISED;
    put_desc(w, HVM_SAVE_CODE(CPU), (uint16_t)id, sizeof(c));
    ss_put_bytes(w, &c, sizeof(c));
    return 0;
}

static uint32_t lapic_reg(const struct kvm_lapic_state *l, unsigned off)
{
    uint32_t v;
    memcpy(&v, l->regs + off, 4);
    return v;
}

struct vcpu_kvm {
    struct kvm_xsave xs;
    struct kvm_xcrs xcrs;
    struct kvm_lapic_state lapic;
    struct kvm_sregs sregs;
    bool has_xsave, has_lapic;
};

static int read_kvm(int fd, struct vcpu_kvm *k)
{
    memset(k, 0, sizeof(*k));
    if (ioctl(fd, KVM_GET_SREGS, &k->sregs) < 0)
        return -errno;
    k->has_xsave = ioctl(fd, KVM_GET_XSAVE, &k->xs) == 0;
    if (!k->has_xsave) {
        struct kvm_fpu f;
        if (ioctl(fd, KVM_GET_FPU, &f) == 0) {
            /* The FXSAVE image from the legacy FPU state. */
            memcpy(k->xs.region, &f.fcw, 2);
            memcpy((uint8_t *)k->xs.region + 2, &f.fsw, 2);
            memcpy((uint8_t *)k->xs.region + 4, &f.ftwx, 1);
            memcpy((uint8_t *)k->xs.region + 6, &f.last_opcode, 2);
            memcpy((uint8_t *)k->xs.region + 8, &f.last_ip, 8);
            memcpy((uint8_t *)k->xs.region + 16, &f.last_dp, 8);
            memcpy((uint8_t *)k->xs.region + 24, &f.mxcsr, 4);
            memcpy((uint8_t *)k->xs.region + 32, f.fpr, sizeof(f.fpr));
            memcpy((uint8_t *)k->xs.region + 160, f.xmm, sizeof(f.xmm));
        }
    }
    if (ioctl(fd, KVM_GET_XCRS, &k->xcrs) < 0)
        k->xcrs.nr_xcrs = 0;
    k->has_lapic = ioctl(fd, KVM_GET_LAPIC, &k->lapic) == 0;
    return 0;
}

static uint64_t xcr0_of(const struct vcpu_kvm *k)
{
    for (unsigned i = 0; i < k->xcrs.nr_xcrs && i < KVM_MAX_XCRS; i++)
        if (k->xcrs.xcrs[i].xcr == 0)
            return k->xcrs.xcrs[i].value;
    return 0;
}

int hvmctx_save(struct vm *vm, struct ss_wr *w, char *msg)
{
    static struct vcpu_kvm k;   /* 5 KiB: the vCPUs are saved one at a time */
    struct hvm_save_header h = {
        .magic = HVM_FILE_MAGIC, .version = HVM_FILE_VERSION,
        .changeset = 0, .gtsc_khz = vm->clock.tsc_khz,
    };
    unsigned a, b, c, d, n = vm->nr_vcpus;
    bool kvm = n && vm->vcpus[0].fd >= 0;
    int rc;

    x86_host_cpuid(1, 0, &a, &b, &c, &d);
    h.cpuid = a;
    put_desc(w, HVM_SAVE_CODE(HEADER), 0, sizeof(h));
    ss_put_bytes(w, &h, sizeof(h));
    if (!kvm)
        goto end;
    /* Type code order, as Xen's hvm_save walks its handlers. */
    for (unsigned i = 0; i < n; i++) {
        bool up;
        pthread_mutex_lock(&vm->lock);
        up = vm->vcpus[i].state == VCPU_UP;
        pthread_mutex_unlock(&vm->lock);
        if (!up)
            continue;           /* a down vCPU has no CPU record, as on Xen */
        if ((rc = read_kvm(vm->vcpus[i].fd, &k)) ||
            (rc = save_cpu(vm->vcpus[i].fd, i, w, &k.xs))) {
            CTX_MSG("vCPU %u: reading its registers: %s", i, strerror(-rc));
            return rc;
        }
    }
    if ((rc = platform_save(vm, HVM_SAVE_CODE(PIC), w, msg)) ||
        (rc = platform_save(vm, HVM_SAVE_CODE(IOAPIC), w, msg)))
        return rc;
    for (unsigned i = 0; i < n; i++) {
        struct hvm_hw_lapic l = { 0 };
        int fd = vm->vcpus[i].fd;
        uint32_t tdcr, svr;

        if ((rc = read_kvm(fd, &k))) {
            CTX_MSG("vCPU %u: reading its state: %s", i, strerror(-rc));
            return rc;
        }
        l.apic_base_msr = k.sregs.apic_base;
        tdcr = lapic_reg(&k.lapic, 0x3e0);
        svr = lapic_reg(&k.lapic, 0xf0);
        l.disabled = (!(l.apic_base_msr & (1u << 11)) ? 1 : 0) | (!(svr & 0x100) ? 2 : 0);
        l.timer_divisor = 1u << ((((tdcr & 3) | ((tdcr & 8) >> 1)) + 1) & 7);
        get_msr(fd, MSR_TSC_DEADLINE, &l.tdt_msr);
        put_desc(w, HVM_SAVE_CODE(LAPIC), (uint16_t)i, sizeof(l));
        ss_put_bytes(w, &l, sizeof(l));
    }
    for (unsigned i = 0; i < n; i++) {
        if ((rc = read_kvm(vm->vcpus[i].fd, &k)))
            return rc;
        put_desc(w, HVM_SAVE_CODE(LAPIC_REGS), (uint16_t)i, sizeof(struct hvm_hw_lapic_regs));
        ss_put_bytes(w, k.lapic.regs, sizeof(struct hvm_hw_lapic_regs));
    }
    if ((rc = platform_save(vm, HVM_SAVE_CODE(PIT), w, msg)))
        return rc;
    for (unsigned i = 0; i < n; i++) {
        static const uint32_t fixed[NUM_FIXED_MSR] = MTRR_FIXED_MSRS;
        struct hvm_hw_mtrr m = { 0 };
        int fd = vm->vcpus[i].fd;

        get_msr(fd, MSR_PAT, &m.msr_pat_cr);
        for (unsigned j = 0; j < MTRR_VCNT * 2; j++)
            get_msr(fd, 0x200 + j, &m.msr_mtrr_var[j]);
        for (unsigned j = 0; j < NUM_FIXED_MSR; j++)
            get_msr(fd, fixed[j], &m.msr_mtrr_fixed[j]);
        get_msr(fd, MSR_MTRRCAP, &m.msr_mtrr_cap);
        get_msr(fd, MSR_MTRR_DEF, &m.msr_mtrr_def_type);
        put_desc(w, HVM_SAVE_CODE(MTRR), (uint16_t)i, sizeof(m));
        ss_put_bytes(w, &m, sizeof(m));
    }
    for (unsigned i = 0; i < n; i++) {
        uint64_t xcr0;
        uint32_t size;

        if ((rc = read_kvm(vm->vcpus[i].fd, &k)))
            return rc;
        xcr0 = xcr0_of(&k);
        if (!xcr0 || !k.has_xsave)
            continue;           /* Xen: no record without XSAVE */
        size = xsave_size(xcr0);
        put_desc(w, CPU_XSAVE_CODE, (uint16_t)i,
                 (uint32_t)offsetof(struct hvm_hw_cpu_xsave, save_area) + size);
        ss_put_u64(w, 0);       /* xfeature_mask: ignored */
        ss_put_u64(w, xcr0);
        ss_put_u64(w, xcr0);    /* xcr0_accum */
        ss_put_bytes(w, k.xs.region, size);
    }
    for (unsigned i = 0; i < n; i++) {
        uint64_t adj;
        get_msr(vm->vcpus[i].fd, MSR_TSC_ADJUST, &adj);
        put_desc(w, HVM_SAVE_CODE(TSC_ADJUST), (uint16_t)i, sizeof(struct hvm_tsc_adjust));
        ss_put_u64(w, adj);
    }
    for (unsigned i = 0; i < n; i++) {
        uint64_t val[ARRAY_SIZE(cpu_msr_list)];
        uint32_t count = 0;

        for (unsigned j = 0; j < ARRAY_SIZE(cpu_msr_list); j++)
            if (get_msr(vm->vcpus[i].fd, cpu_msr_list[j], &val[j]) && val[j])
                count++;
        if (!count)
            continue;           /* Xen drops an empty CPU_MSR record */
        put_desc(w, CPU_MSR_CODE, (uint16_t)i, 8 + 16 * count);
        ss_put_u32(w, count);
        ss_put_u32(w, 0);
        for (unsigned j = 0; j < ARRAY_SIZE(cpu_msr_list); j++) {
            if (!val[j])
                continue;
            ss_put_u32(w, cpu_msr_list[j]);
            ss_put_u32(w, 0);
            ss_put_u64(w, val[j]);
        }
    }
end:
    put_desc(w, HVM_SAVE_CODE(END), 0, 0);
    return w->failed ? -ENOMEM : 0;
}

/* ---- loading ---- */

/* The event the vCPU was in the middle of injecting, injected again as
 * Xen's svm_vmcb_restore does (hvm_event_needs_reinjection): an external
 * interrupt (its vector already moved from IRR to ISR), an NMI, a
 * hardware exception other than #BP and #OF.  Software interrupts and
 * those two are re-executed by the instruction instead.  Dropped, an
 * interrupt's ISR bit would block its priority class for good.  Invalid
 * types were refused when hvmctx_load read the record. */
static int load_pending_event(int fd, const struct hvm_hw_cpu *c)
{
    struct kvm_vcpu_events ev;

    if (!c->pending_valid)
        return 0;
    if (ioctl(fd, KVM_GET_VCPU_EVENTS, &ev) < 0)
        return -errno;
    ev.flags = 0;
    switch (c->pending_type) {
    case 0:                                 /* X86_EVENTTYPE_EXT_INTR */
        ev.interrupt.injected = 1;
        ev.interrupt.nr = c->pending_vector;
        ev.interrupt.soft = 0;
        break;
    case 2:                                 /* X86_EVENTTYPE_NMI */
        ev.nmi.injected = 1;
        break;
    case 3:                                 /* X86_EVENTTYPE_HW_EXCEPTION */
        if (c->pending_vector == 3 || c->pending_vector == 4 || c->pending_vector > 31)
            return 0;
        ev.exception.injected = 1;
        ev.exception.nr = c->pending_vector;
        ev.exception.has_error_code = c->pending_error_valid;
        ev.exception.error_code = c->error_code;
        break;
    default:
        return 0;
    }
    return ioctl(fd, KVM_SET_VCPU_EVENTS, &ev) < 0 ? -errno : 0;
}

static int load_cpu(int fd, const struct hvm_hw_cpu *c)
{
    struct kvm_regs r = {
        .rax = c->rax, .rbx = c->rbx, .rcx = c->rcx, .rdx = c->rdx,
        .rsi = c->rsi, .rdi = c->rdi, .rsp = c->rsp, .rbp = c->rbp,
        .r8 = c->r8, .r9 = c->r9, .r10 = c->r10, .r11 = c->r11,
        .r12 = c->r12, .r13 = c->r13, .r14 = c->r14, .r15 = c->r15,
        .rip = c->rip, .rflags = c->rflags,
    };
    struct kvm_debugregs dr = { .db = { c->dr0, c->dr1, c->dr2, c->dr3 },
                                .dr6 = c->dr6, .dr7 = c->dr7 };
    struct kvm_sregs s;
    struct kvm_xsave xs;
    static const struct { uint32_t idx; size_t off; } msrs[] = {
        { 0x174, offsetof(struct hvm_hw_cpu, sysenter_cs) },
        { 0x175, offsetof(struct hvm_hw_cpu, sysenter_esp) },
        { 0x176, offsetof(struct hvm_hw_cpu, sysenter_eip) },
        { 0xc0000102, offsetof(struct hvm_hw_cpu, shadow_gs) },
        { 0xc0000082, offsetof(struct hvm_hw_cpu, msr_lstar) },
        { 0xc0000081, offsetof(struct hvm_hw_cpu, msr_star) },
        { 0xc0000083, offsetof(struct hvm_hw_cpu, msr_cstar) },
        { 0xc0000084, offsetof(struct hvm_hw_cpu, msr_syscall_mask) },
        { 0xc0000103, offsetof(struct hvm_hw_cpu, msr_tsc_aux) },
        { MSR_TSC, offsetof(struct hvm_hw_cpu, tsc) },
    };

    if (ioctl(fd, KVM_GET_SREGS, &s) < 0)
        return -errno;
    s.cr0 = c->cr0; s.cr2 = c->cr2; s.cr3 = c->cr3; s.cr4 = c->cr4;
    s.efer = c->msr_efer;
#define SEG(n) seg_from(&s.n, c->n##_sel, c->n##_limit, c->n##_base, c->n##_arbytes);
    SEGS(SEG)
#undef SEG
    s.idt.limit = (uint16_t)c->idtr_limit; s.idt.base = c->idtr_base;
    s.gdt.limit = (uint16_t)c->gdtr_limit; s.gdt.base = c->gdtr_base;
    if (ioctl(fd, KVM_SET_SREGS, &s) < 0 || ioctl(fd, KVM_SET_REGS, &r) < 0)
        return -errno;
    ioctl(fd, KVM_SET_DEBUGREGS, &dr);
    for (unsigned i = 0; i < ARRAY_SIZE(msrs); i++) {
        uint64_t v;
        memcpy(&v, (const uint8_t *)c + msrs[i].off, 8);
        set_msr(fd, msrs[i].idx, v);
    }
    /* The FXSAVE image; a CPU_XSAVE record, when there is one, follows
     * and replaces the whole area. */
    if (ioctl(fd, KVM_GET_XSAVE, &xs) == 0) {
        memcpy(xs.region, c->fpu_regs, sizeof(c->fpu_regs));
        ioctl(fd, KVM_SET_XSAVE, &xs);
    }
    /* A CPU record is a vCPU that runs (Xen writes none for a down one);
     * KVM keeps a new AP waiting for INIT/SIPI whatever its registers.
     * Measured: Debian's kernel as L2 stalled on CPU 1 after a restore. */
    {
        struct kvm_mp_state mp = { .mp_state = KVM_MP_STATE_RUNNABLE };
        if (ioctl(fd, KVM_SET_MP_STATE, &mp) < 0)
            return -errno;
    }
    return load_pending_event(fd, c);
}

static int load_xsave(int fd, const uint8_t *p, uint32_t len)
{
    struct kvm_xsave xs;
    struct kvm_xcrs x = { .nr_xcrs = 1 };
    size_t area = len - offsetof(struct hvm_hw_cpu_xsave, save_area);

    memset(&xs, 0, sizeof(xs));
    memcpy(xs.region, p + offsetof(struct hvm_hw_cpu_xsave, save_area), area);
    memcpy(&x.xcrs[0].value, p + offsetof(struct hvm_hw_cpu_xsave, xcr0), 8);
    if (ioctl(fd, KVM_SET_XCRS, &x) < 0 || ioctl(fd, KVM_SET_XSAVE, &xs) < 0)
        return -errno;
    return 0;
}

static int load_mtrr(int fd, const struct hvm_hw_mtrr *m)
{
    static const uint32_t fixed[NUM_FIXED_MSR] = MTRR_FIXED_MSRS;

    set_msr(fd, MSR_PAT, m->msr_pat_cr);
    for (unsigned j = 0; j < MTRR_VCNT * 2; j++)
        set_msr(fd, 0x200 + j, m->msr_mtrr_var[j]);
    for (unsigned j = 0; j < NUM_FIXED_MSR; j++)
        set_msr(fd, fixed[j], m->msr_mtrr_fixed[j]);
    set_msr(fd, MSR_MTRR_DEF, m->msr_mtrr_def_type);
    return 0;
}

static int load_lapic(int fd, const struct hvm_hw_lapic *l)
{
    struct kvm_sregs s;

    if (ioctl(fd, KVM_GET_SREGS, &s) < 0)
        return -errno;
    s.apic_base = l->apic_base_msr;
    if (ioctl(fd, KVM_SET_SREGS, &s) < 0)
        return -errno;
    set_msr(fd, MSR_TSC_DEADLINE, l->tdt_msr);
    return 0;
}

static int load_lapic_regs(int fd, const uint8_t *data)
{
    struct kvm_lapic_state ls;

    memcpy(ls.regs, data, sizeof(ls.regs));
    return ioctl(fd, KVM_SET_LAPIC, &ls) < 0 ? -errno : 0;
}

/* A record's length as Xen's handler for CODE takes it: 0 when valid. */
static int check_length(uint16_t code, const uint8_t *p, uint32_t len, char *msg)
{
    static const uint32_t fixed[HVM_SAVE_CODE_MAX + 1] = {
        [1] = sizeof(struct hvm_save_header),
        [3] = sizeof(struct hvm_hw_vpic), [4] = sizeof(struct hvm_hw_vioapic),
        [5] = sizeof(struct hvm_hw_lapic), [6] = sizeof(struct hvm_hw_lapic_regs),
        [7] = sizeof(struct hvm_hw_pci_irqs), [8] = sizeof(struct hvm_hw_isa_irqs),
        [9] = sizeof(struct hvm_hw_pci_link), [10] = sizeof(struct hvm_hw_pit),
        [11] = sizeof(struct hvm_hw_rtc), [12] = sizeof(struct hvm_hw_hpet),
        [13] = sizeof(struct hvm_hw_pmtimer), [14] = sizeof(struct hvm_hw_mtrr),
        [15] = sizeof(struct hvm_viridian_domain_context),
        [17] = sizeof(struct hvm_viridian_vcpu_context),
        [18] = sizeof(struct hvm_vmce_vcpu), [19] = sizeof(struct hvm_tsc_adjust),
    };
    size_t xsave_hdr = offsetof(struct hvm_hw_cpu_xsave, save_area);

    switch (code) {
    case 2:
        /* Zero-extended from the pre-4.7 layout (no flags) up. */
        if (len < offsetof(struct hvm_hw_cpu, flags) || len > sizeof(struct hvm_hw_cpu))
            break;
        return 0;
    case CPU_XSAVE_CODE:
        if (len < xsave_hdr + XSAVE_MIN || len > xsave_hdr + XSAVE_MAX)
            break;
        return 0;
    case CPU_MSR_CODE: {
        uint32_t count;
        if (len < 8)
            break;
        memcpy(&count, p, 4);
        if (count > (len - 8) / 16 || len != 8 + 16 * count) {
            CTX_MSG("HVM restore: CPU_MSR record of %u bytes for %u MSRs", len, count);
            return -EINVAL;
        }
        return 0;
    }
    default:
        if (code <= HVM_SAVE_CODE_MAX && fixed[code] && len == fixed[code])
            return 0;
        if (code <= HVM_SAVE_CODE_MAX && fixed[code])
            break;
        CTX_MSG("HVM restore: unknown entry typecode %u", code);
        return -EPROTO;
    }
    CTX_MSG("HVM restore: %s record has the wrong length %u", hvmrec_name(code), len);
    return -EINVAL;
}

/* The records this file loads into a vCPU. */
static bool loaded(uint16_t code)
{
    return code == 2 || code == 5 || code == 6 || code == 14 || code == CPU_XSAVE_CODE ||
           code == 19 || code == CPU_MSR_CODE;
}

static bool per_vcpu(uint16_t code)
{
    return code == 2 || code == 5 || code == 6 || code == 14 || code == CPU_XSAVE_CODE ||
           code == 17 || code == 18 || code == 19 || code == CPU_MSR_CODE;
}

int hvmctx_load(struct vm *vm, const void *buf, size_t len, enum hvmctx_mode mode, char *msg)
{
    const uint8_t *p = buf;
    size_t off = 0;
    bool ended = false;
    bool kvm = vm->nr_vcpus && vm->vcpus[0].fd >= 0;
    int rc;

    for (unsigned rec = 0; !ended; rec++) {
        uint16_t code, inst;
        uint32_t n;
        const uint8_t *d;
        int fd;

        if (len - off < 8) {
            CTX_MSG("HVM restore: context truncated before its END record");
            return -EINVAL;
        }
        memcpy(&code, p + off, 2);
        memcpy(&inst, p + off + 2, 2);
        memcpy(&n, p + off + 4, 4);
        off += 8;
        if (n > len - off) {
            CTX_MSG("HVM restore: record of type %u truncated", code);
            return -EINVAL;
        }
        d = p + off;
        off += n;
        if (rec == 0) {
            struct hvm_save_header h;
            if (code != HVM_SAVE_CODE(HEADER) || n != sizeof(h)) {
                CTX_MSG("HVM restore: the context does not start with its header");
                return -EINVAL;
            }
            memcpy(&h, d, sizeof(h));
            if (h.magic != HVM_FILE_MAGIC || h.version != HVM_FILE_VERSION) {
                CTX_MSG("HVM restore: bad magic %#x or version %u", h.magic, h.version);
                return -EPROTO;
            }
            continue;
        }
        if (code == HVM_SAVE_CODE(END)) {
            if (n != 0) {
                CTX_MSG("HVM restore: END record with a length");
                return -EINVAL;
            }
            ended = true;
            break;
        }
        if (code == HVM_SAVE_CODE(HEADER)) {
            CTX_MSG("HVM restore: a second header");
            return -EINVAL;
        }
        if ((rc = check_length(code, d, n, msg)))
            return rc;
        if (platform_code(code)) {
            if ((rc = platform_load(vm, code, inst, d, mode != HVMCTX_CHECK && kvm, msg)))
                return rc;
            continue;
        }
        if (per_vcpu(code) ? inst >= vm->nr_vcpus : inst != 0) {
            CTX_MSG("HVM restore: %s record for vcpu%u, the domain has %u", hvmrec_name(code),
                    inst, vm->nr_vcpus);
            return -EINVAL;
        }
        if (!loaded(code)) {
            /* A device this VMM has no model of: fine while unused. */
            if ((rc = hvmrec_unmodelled(code, inst, d, n, msg)))
                return rc;
            continue;
        }
        if (code == HVM_SAVE_CODE(CPU)) {
            struct hvm_hw_cpu c = { 0 };
            memcpy(&c, d, n);       /* a shorter (older) record is zero-extended */
            /* Xen's svm_vmcb_restore: type 1 is reserved, 7 undefined. */
            if (c.pending_valid &&
                (c.pending_type == 1 || c.pending_type > 6 || c.pending_reserved)) {
                CTX_MSG("HVM restore: vcpu%u: CPU record: invalid pending event %#x", inst,
                        c.pending_event);
                return -EINVAL;
            }
        }
        if (mode != HVMCTX_APPLY || !kvm)
            continue;
        fd = vm->vcpus[inst].fd;
        switch (code) {
        case 2: {
            struct hvm_hw_cpu c = { 0 };
            memcpy(&c, d, n);
            rc = load_cpu(fd, &c);
            if (!rc) {
                pthread_mutex_lock(&vm->lock);
                vm->vcpus[inst].state = VCPU_UP;
                vm->vcpus[inst].initialised = true;
                vm->vcpus[inst].ctx_pending = false;
                pthread_mutex_unlock(&vm->lock);
            }
            break;
        }
        case 5: {
            struct hvm_hw_lapic l;
            memcpy(&l, d, sizeof(l));
            rc = load_lapic(fd, &l);
            break;
        }
        case 6: rc = load_lapic_regs(fd, d); break;
        case 14: {
            struct hvm_hw_mtrr m;
            memcpy(&m, d, sizeof(m));
            rc = load_mtrr(fd, &m);
            break;
        }
        case CPU_XSAVE_CODE: rc = load_xsave(fd, d, n); break;
        case 19: {
            uint64_t v;
            memcpy(&v, d, 8);
            set_msr(fd, MSR_TSC_ADJUST, v);
            break;
        }
        case CPU_MSR_CODE: {
            uint32_t count;
            memcpy(&count, d, 4);
            for (uint32_t j = 0; j < count; j++) {
                uint32_t idx;
                uint64_t v;
                memcpy(&idx, d + 8 + 16 * j, 4);
                memcpy(&v, d + 16 + 16 * j, 8);
                if (set_msr(fd, idx, v)) {
                    CTX_MSG("HVM restore: vcpu%u: MSR %#x (value %#llx) refused", inst, idx,
                            (unsigned long long)v);
                    return -EINVAL;
                }
            }
            break;
        }
        }
        if (rc) {
            CTX_MSG("HVM restore: vcpu%u: %s record: %s", inst, hvmrec_name(code), strerror(-rc));
            return rc;
        }
    }
    if (off != len) {
        CTX_MSG("HVM restore: %zu bytes after the END record", len - off);
        return -EINVAL;
    }
    return 0;
}
