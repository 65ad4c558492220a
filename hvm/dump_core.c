/* Xen's dump-core file of an auto-translated (HVM/PVH) domain, as libxc's
 * xc_domain_dumpcore writes it: an ELF64 ET_CORE file with no program
 * headers and the sections
 *   .shstrtab, .note.Xen (notes NONE, HEADER, XEN_VERSION,
 *   FORMAT_VERSION), .xen_prstatus (a vcpu_guest_context per vCPU),
 *   .xen_pfn (the guest frame of each page) and .xen_pages (the pages, at
 *   a page-aligned offset).
 * The pages are the guest's RAM and special pages that are populated
 * (ballooned-out frames are left out, as libxc skips frames it cannot
 * map); shared info and grant frames are Xen's own pages, not dumped. */
#include <elf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <linux/kvm.h>
#include <xen/xen.h>
#include <xen/elfnote.h>
#include <xen/version.h>

#include "dump_core.h"
#include "hcall.h"
#include "physmap.h"
#include "util.h"
#include "xen_version.h"

#define XC_CORE_MAGIC_HVM 0xF00FEBEEULL                 /* xc_core.h */
#define DUMPCORE_FORMAT_VERSION ((0ULL << 32) | 1)      /* (major 0, minor 1) */

struct core_header_desc {   /* xen_dumpcore_elfnote_header_desc */
    uint64_t xch_magic, xch_nr_vcpus, xch_nr_pages, xch_page_size;
};

struct core_version_desc {  /* xen_dumpcore_elfnote_xen_version_desc */
    uint64_t major_version, minor_version;
    xen_extraversion_t extra_version;
    xen_compile_info_t compile_info;
    xen_capabilities_info_t capabilities;
    xen_changeset_info_t changeset;
    struct xen_platform_parameters platform_parameters;
    uint64_t pagesize;
};

static const char shstrtab[] = "\0.shstrtab\0.note.Xen\0.xen_prstatus\0.xen_pfn\0.xen_pages";
enum { SEC_NULL, SEC_SHSTRTAB, SEC_NOTE, SEC_PRSTATUS, SEC_PFN, SEC_PAGES, NR_SECS };
static const unsigned sec_name[NR_SECS] = { 0, 1, 11, 21, 35, 44 };

#define NOTE_NAME_SZ 4      /* "Xen\0" */

static uint64_t align_up(uint64_t v, uint64_t a)
{
    return (v + a - 1) & ~(a - 1);
}

static size_t note_size(size_t desc)
{
    return sizeof(Elf64_Nhdr) + NOTE_NAME_SZ + align_up(desc, 4);
}

static uint8_t *put_note(uint8_t *p, uint32_t type, const void *desc, size_t len)
{
    Elf64_Nhdr h = { .n_namesz = NOTE_NAME_SZ, .n_descsz = (Elf64_Word)len, .n_type = type };

    memcpy(p, &h, sizeof(h));
    memcpy(p + sizeof(h), "Xen", NOTE_NAME_SZ);
    if (len)
        memcpy(p + sizeof(h) + NOTE_NAME_SZ, desc, len);
    return p + note_size(len);
}

/* XEN_DOMCTL_getvcpucontext for an HVM vCPU (arch_get_info_guest): the
 * general registers, selectors, control and debug registers, the FXSAVE
 * image, VGCF_online while up. */
static void vcpu_context(struct vcpu *v, struct vcpu_guest_context *c)
{
    static struct kvm_xsave xs;     /* 4 KiB; the event thread's alone */
    struct kvm_regs r;
    struct kvm_sregs s;
    struct kvm_debugregs dr;

    memset(c, 0, sizeof(*c));
    if (v->state == VCPU_UP)
        c->flags = VGCF_online;
    if (v->fd < 0)
        return;
    /* Registers the VMM changed at the last exit are still in the sync
     * area until the next KVM_RUN. */
    if (v->run && (v->run->kvm_dirty_regs & KVM_SYNC_X86_REGS))
        r = v->run->s.regs.regs;
    else if (ioctl(v->fd, KVM_GET_REGS, &r) < 0)
        return;
    c->user_regs.r15 = r.r15; c->user_regs.r14 = r.r14; c->user_regs.r13 = r.r13;
    c->user_regs.r12 = r.r12; c->user_regs.rbp = r.rbp; c->user_regs.rbx = r.rbx;
    c->user_regs.r11 = r.r11; c->user_regs.r10 = r.r10; c->user_regs.r9 = r.r9;
    c->user_regs.r8 = r.r8; c->user_regs.rax = r.rax; c->user_regs.rcx = r.rcx;
    c->user_regs.rdx = r.rdx; c->user_regs.rsi = r.rsi; c->user_regs.rdi = r.rdi;
    c->user_regs.rip = r.rip; c->user_regs.rflags = r.rflags; c->user_regs.rsp = r.rsp;
    if (ioctl(v->fd, KVM_GET_SREGS, &s) == 0) {
        c->user_regs.cs = s.cs.selector; c->user_regs.ss = s.ss.selector;
        c->user_regs.ds = s.ds.selector; c->user_regs.es = s.es.selector;
        c->user_regs.fs = s.fs.selector; c->user_regs.gs = s.gs.selector;
        c->ctrlreg[0] = s.cr0; c->ctrlreg[2] = s.cr2; c->ctrlreg[3] = s.cr3;
        c->ctrlreg[4] = s.cr4;
        c->fs_base = s.fs.base;
        c->gs_base_kernel = s.gs.base;
    }
    if (ioctl(v->fd, KVM_GET_DEBUGREGS, &dr) == 0) {
        for (unsigned i = 0; i < 4; i++)
            c->debugreg[i] = dr.db[i];
        c->debugreg[6] = dr.dr6;
        c->debugreg[7] = dr.dr7;
    }
    if (ioctl(v->fd, KVM_GET_XSAVE, &xs) == 0) {
        memcpy(c->fpu_ctxt.x, xs.region, sizeof(c->fpu_ctxt.x));  /* the FXSAVE area */
        c->flags |= VGCF_i387_valid;
    }
}

static bool dumped(const struct vm *vm, const struct pm_range *r, uint64_t k)
{
    if (r->kind == PM_SPECIAL)
        return true;
    return r->kind == PM_RAM && (vm->ram_state[r->mpage + k] & RAM_POPULATED);
}

static int pwrite_all(int fd, const void *buf, size_t len, uint64_t off)
{
    const uint8_t *p = buf;

    while (len) {
        ssize_t n = pwrite(fd, p, len, (off_t)off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return n < 0 ? -errno : -EIO;
        p += n;
        len -= (size_t)n;
        off += (uint64_t)n;
    }
    return 0;
}

int dump_core(struct vm *vm, int fd, struct dump_core_stats *st, char *msg)
{
    struct core_header_desc hd = { .xch_magic = XC_CORE_MAGIC_HVM, .xch_page_size = XK_PAGE_SIZE };
    static struct core_version_desc vd;
    uint64_t fmt = DUMPCORE_FORMAT_VERSION, nr_pages = 0, n = 0;
    uint64_t off_sh, off_str, off_note, off_pr, off_pfn, off_pages, head_len;
    size_t notes_len, pr_len;
    Elf64_Shdr sh[NR_SECS];
    Elf64_Ehdr *eh;
    uint8_t *head, *p;
    uint64_t *pfns;
    int rc = 0;

    memset(st, 0, sizeof(*st));
    pthread_rwlock_rdlock(&vm->pm.lock);
    for (unsigned i = 0; i < vm->pm.n; i++)
        for (uint64_t k = 0; k < vm->pm.r[i].nr; k++)
            nr_pages += dumped(vm, &vm->pm.r[i], k);
    hd.xch_nr_vcpus = vm->nr_vcpus;
    hd.xch_nr_pages = nr_pages;
    memset(&vd, 0, sizeof(vd));
    vd.major_version = XK_XEN_MAJOR;
    vd.minor_version = XK_XEN_MINOR;
    hc_version_strings(vd.extra_version, &vd.compile_info, vd.capabilities, vd.changeset);
    vd.platform_parameters.virt_start = HYPERVISOR_VIRT_START;
    vd.pagesize = XK_PAGE_SIZE;

    /* The layout: everything but the pages first, then the pages. */
    off_sh = sizeof(Elf64_Ehdr);
    off_str = off_sh + sizeof(sh);
    off_note = align_up(off_str + sizeof(shstrtab), 8);
    notes_len = note_size(0) + note_size(sizeof(hd)) + note_size(sizeof(vd)) +
                note_size(sizeof(fmt));
    off_pr = align_up(off_note + notes_len, 8);
    pr_len = (size_t)vm->nr_vcpus * sizeof(struct vcpu_guest_context);
    off_pfn = align_up(off_pr + pr_len, 8);
    off_pages = align_up(off_pfn + nr_pages * sizeof(uint64_t), XK_PAGE_SIZE);
    head_len = off_pages;
    head = calloc(1, head_len);
    if (!head) {
        pthread_rwlock_unlock(&vm->pm.lock);
        snprintf(msg, 160, "out of memory for the core's headers");
        return -ENOMEM;
    }

    eh = (Elf64_Ehdr *)head;
    memcpy(eh->e_ident, ELFMAG, SELFMAG);
    eh->e_ident[EI_CLASS] = ELFCLASS64;
    eh->e_ident[EI_DATA] = ELFDATA2LSB;
    eh->e_ident[EI_VERSION] = EV_CURRENT;
    eh->e_ident[EI_OSABI] = ELFOSABI_SYSV;
    eh->e_type = ET_CORE;
    eh->e_machine = EM_X86_64;
    eh->e_version = EV_CURRENT;
    eh->e_shoff = off_sh;
    eh->e_ehsize = sizeof(Elf64_Ehdr);
    eh->e_shentsize = sizeof(Elf64_Shdr);
    eh->e_shnum = NR_SECS;
    eh->e_shstrndx = SEC_SHSTRTAB;

    memset(sh, 0, sizeof(sh));
    for (unsigned i = 1; i < NR_SECS; i++) {
        sh[i].sh_name = sec_name[i];
        sh[i].sh_type = SHT_PROGBITS;
        sh[i].sh_addralign = 8;
    }
    sh[SEC_SHSTRTAB].sh_type = SHT_STRTAB;
    sh[SEC_SHSTRTAB].sh_offset = off_str;
    sh[SEC_SHSTRTAB].sh_size = sizeof(shstrtab);
    sh[SEC_SHSTRTAB].sh_addralign = 1;
    sh[SEC_NOTE].sh_type = SHT_NOTE;
    sh[SEC_NOTE].sh_offset = off_note;
    sh[SEC_NOTE].sh_size = notes_len;
    sh[SEC_PRSTATUS].sh_offset = off_pr;
    sh[SEC_PRSTATUS].sh_size = pr_len;
    sh[SEC_PRSTATUS].sh_entsize = sizeof(struct vcpu_guest_context);
    sh[SEC_PFN].sh_offset = off_pfn;
    sh[SEC_PFN].sh_size = nr_pages * sizeof(uint64_t);
    sh[SEC_PFN].sh_entsize = sizeof(uint64_t);
    sh[SEC_PAGES].sh_offset = off_pages;
    sh[SEC_PAGES].sh_size = nr_pages * XK_PAGE_SIZE;
    sh[SEC_PAGES].sh_entsize = XK_PAGE_SIZE;
    sh[SEC_PAGES].sh_addralign = XK_PAGE_SIZE;
    memcpy(head + off_sh, sh, sizeof(sh));
    memcpy(head + off_str, shstrtab, sizeof(shstrtab));

    p = head + off_note;
    p = put_note(p, XEN_ELFNOTE_DUMPCORE_NONE, NULL, 0);
    p = put_note(p, XEN_ELFNOTE_DUMPCORE_HEADER, &hd, sizeof(hd));
    p = put_note(p, XEN_ELFNOTE_DUMPCORE_XEN_VERSION, &vd, sizeof(vd));
    put_note(p, XEN_ELFNOTE_DUMPCORE_FORMAT_VERSION, &fmt, sizeof(fmt));

    for (unsigned i = 0; i < vm->nr_vcpus; i++) {
        struct vcpu_guest_context c;
        vcpu_context(&vm->vcpus[i], &c);
        memcpy(head + off_pr + i * sizeof(c), &c, sizeof(c));
    }

    pfns = (uint64_t *)(head + off_pfn);
    for (unsigned i = 0; i < vm->pm.n; i++)
        for (uint64_t k = 0; k < vm->pm.r[i].nr; k++)
            if (dumped(vm, &vm->pm.r[i], k))
                pfns[n++] = vm->pm.r[i].gfn + k;

    rc = ftruncate(fd, 0) ? -errno : 0;
    if (!rc)
        rc = pwrite_all(fd, head, head_len, 0);
    /* The pages, in .xen_pfn's order, a run of backing pages at a time. */
    n = 0;
    for (unsigned i = 0; !rc && i < vm->pm.n; i++) {
        const struct pm_range *r = &vm->pm.r[i];
        for (uint64_t k = 0; !rc && k < r->nr;) {
            uint64_t run = 0;
            while (k + run < r->nr && dumped(vm, r, k + run))
                run++;
            if (run) {
                rc = pwrite_all(fd, vm->mem + ((r->mpage + k) << XK_PAGE_SHIFT),
                                run << XK_PAGE_SHIFT, off_pages + (n << XK_PAGE_SHIFT));
                n += run;
                k += run;
            } else {
                k++;
            }
        }
    }
    pthread_rwlock_unlock(&vm->pm.lock);
    free(head);
    if (rc) {
        snprintf(msg, 160, "writing the core: %s", strerror(-rc));
        return rc;
    }
    st->bytes = off_pages + (nr_pages << XK_PAGE_SHIFT);
    st->pages = nr_pages;
    return 0;
}
