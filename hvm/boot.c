#include "boot.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <xen/arch-x86/hvm/start_info.h>

#include "acpi.h"
#include "domain_limits.h"
#include "elf_load.h"
#include "hvm_ctx.h"
#include "log.h"
#include "util.h"

#define MAX_IMAGE (1ULL << 30)      /* refuse kernels/ramdisks over 1 GiB */

static void *boot_gpa_ptr(void *opaque, uint64_t gpa, uint64_t len)
{
    struct vm *vm = opaque;
    uint64_t mpage;
    enum pm_kind kind;

    /* Images go only into ordinary RAM, and all of [gpa, gpa+len) must be
     * one contiguous run of it. */
    if (!physmap_lookup(&vm->pm, gpa >> XK_PAGE_SHIFT, &mpage, &kind, NULL) ||
        kind != PM_RAM)
        return NULL;
    return vm_gpa_ptr(vm, gpa, len);
}

static uint64_t align_up(uint64_t x)
{
    return (x + XK_PAGE_SIZE - 1) & XK_PAGE_MASK;
}

/* Reserve LEN bytes of low RAM at *NEXT; NULL if it does not fit. */
static void *place(struct vm *vm, uint64_t *next, uint64_t len, uint64_t *gpa)
{
    void *p = boot_gpa_ptr(vm, *next, len ? len : 1);

    if (!p || *next + len > (1ULL << 32))
        return NULL;
    *gpa = *next;
    *next = align_up(*next + len);
    return p;
}

int boot_load(struct vm *vm, const struct boot_spec *spec,
              struct vcpu_hvm_context *ctx)
{
    const char *path = spec->kernel ? spec->kernel : spec->firmware;
    struct elf_guest_mem mem = { boot_gpa_ptr, vm };
    struct elf_info info;
    struct hvm_start_info *si;
    struct hvm_memmap_table_entry *mm;
    uint64_t next, si_gpa, mm_gpa, cl_gpa = 0, mod_gpa = 0, rd_gpa = 0;
    size_t size, rd_size = 0;
    char err[256];
    void *image, *rd = NULL;
    size_t cl_len = spec->cmdline ? strlen(spec->cmdline) + 1 : 0;

    if (!path) {
        log_err("nothing to boot: give --kernel or --firmware");
        return -1;
    }
    if (cl_len > XK_CMDLINE_MAX) {
        log_err("command line is %zu bytes; at most %d", cl_len, XK_CMDLINE_MAX);
        return -1;
    }
    image = read_file(path, &size, MAX_IMAGE);
    if (!image) {
        log_err("cannot read %s:", path);
        return -1;
    }
    if (elf_load(image, size, spec->kernel ? ELF_KIND_PVH : ELF_KIND_FIRMWARE,
                 &mem, &info, err, sizeof(err))) {
        log_err("%s: %s", path, err);
        free(image);
        return -1;
    }
    free(image);
    log_info("%s: entry %#llx, loaded %#llx-%#llx", path,
             (unsigned long long)info.entry, (unsigned long long)info.load_lo,
             (unsigned long long)info.load_hi);

    next = align_up(info.load_hi);
    if (spec->ramdisk) {
        rd = read_file(spec->ramdisk, &rd_size, MAX_IMAGE);
        if (!rd) {
            log_err("cannot read %s:", spec->ramdisk);
            return -1;
        }
        void *dst = place(vm, &next, rd_size, &rd_gpa);
        if (!dst) {
            log_err("%s (%zu bytes) does not fit in guest RAM below 4 GiB "
                    "after the kernel", spec->ramdisk, rd_size);
            free(rd);
            return -1;
        }
        memcpy(dst, rd, rd_size);
        free(rd);
    }

    /* start_info, its module list, memory map and command line follow. */
    si = place(vm, &next, sizeof(*si), &si_gpa);
    mm = si ? place(vm, &next, vm->nr_memmap * sizeof(*mm), &mm_gpa) : NULL;
    if (!si || !mm) {
        log_err("no guest RAM left below 4 GiB for the start info");
        return -1;
    }
    memset(si, 0, sizeof(*si));
    si->magic = XEN_HVM_START_MAGIC_VALUE;
    si->version = 1;
    if (spec->ramdisk) {
        struct hvm_modlist_entry *mod = place(vm, &next, sizeof(*mod), &mod_gpa);
        if (!mod) {
            log_err("no guest RAM left for the module list");
            return -1;
        }
        memset(mod, 0, sizeof(*mod));
        mod->paddr = rd_gpa;
        mod->size = rd_size;
        si->nr_modules = 1;
        si->modlist_paddr = mod_gpa;
    }
    if (cl_len) {
        char *cl = place(vm, &next, cl_len, &cl_gpa);
        if (!cl) {
            log_err("no guest RAM left for the command line");
            return -1;
        }
        memcpy(cl, spec->cmdline, cl_len);
        si->cmdline_paddr = cl_gpa;
    }
    for (unsigned i = 0; i < vm->nr_memmap; i++) {
        memset(&mm[i], 0, sizeof(mm[i]));
        mm[i].addr = vm->memmap[i].addr;
        mm[i].size = vm->memmap[i].size;
        mm[i].type = vm->memmap[i].type;
    }
    si->memmap_paddr = mm_gpa;
    si->memmap_entries = vm->nr_memmap;
    if (vm->acpi) {
        struct acpi_layout l;
        if (acpi_build(vm_xenpage(vm, XENPAGE_ACPI), XK_ACPI_PAGES * XK_PAGE_SIZE,
                       XK_ACPI_BASE, vm->nr_vcpus, vm->online_vcpus, vm->hvm_platform,
                       &l)) {
            log_err("the ACPI tables for %u vCPUs do not fit", vm->nr_vcpus);
            return -1;
        }
        si->rsdp_paddr = l.rsdp;
    }

    hvm_ctx_pvh_boot(ctx, (uint32_t)info.entry, (uint32_t)si_gpa);
    return 0;
}
