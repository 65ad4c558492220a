/* VM creation: guest memory in a memfd, the guest-physical map, KVM. */
#include "vm.h"
#include "postcopy.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <xen/sched.h>

#include "acpi.h"
#include "exit_codes.h"
#include "grant.h"
#include "irq.h"
#include "log.h"
#include "util.h"
#include "watchdog.h"

static int set_kvm_slot(void *opaque, int slot, uint64_t gpa, uint64_t size,
                        uint64_t memfd_off)
{
    struct vm *vm = opaque;
    struct kvm_userspace_memory_region r = {
        .slot = (uint32_t)slot,
        .guest_phys_addr = gpa,
        .memory_size = size,
        .userspace_addr = (uint64_t)(uintptr_t)(vm->mem + memfd_off),
    };

    if (vm->vm_fd < 0)
        return 0;
    if (ioctl(vm->vm_fd, KVM_SET_USER_MEMORY_REGION, &r) < 0) {
        int e = errno;
        log_err("KVM_SET_USER_MEMORY_REGION slot %d gpa %#llx size %#llx:",
                slot, (unsigned long long)gpa, (unsigned long long)size);
        return -e;
    }
    return 0;
}

int vm_mem_init(struct vm *vm, uint64_t mem_mib, unsigned nr_vcpus)
{
    int rc;

    memset(vm, 0, sizeof(*vm));
    vm->kvm_fd = vm->vm_fd = vm->mem_fd = -1;
    vm->shared_info_gfn = XK_INVALID_GFN;
    vm->shutdown_code = -1;
    vm->resume_fd = -1;
    vm->domid = 1;
    pthread_mutex_init(&vm->lock, NULL);
    pthread_mutex_init(&vm->backends.lock, NULL);
    pthread_mutex_init(&vm->pc_backends.lock, NULL);
    pthread_cond_init(&vm->cond, NULL);
    pthread_mutex_init(&vm->exit_lock, NULL);
    pthread_cond_init(&vm->exit_cond, NULL);
    pthread_mutex_init(&vm->kick_lock, NULL);

    if (nr_vcpus == 0 || nr_vcpus > XK_MAX_VCPUS)
        return -EINVAL;
    /* At least 2 MiB so the low megabyte and a kernel fit; at most 1 TiB. */
    if (mem_mib < 2 || mem_mib > (1ULL << 20))
        return -EINVAL;
    vm->nr_vcpus = nr_vcpus;
    vm->online_vcpus = nr_vcpus;
    vm->ram_pages = mem_mib << (20 - XK_PAGE_SHIFT);
    vm->lowmem_pages = XK_MIN(vm->ram_pages, XK_MMIO_HOLE_START >> XK_PAGE_SHIFT);
    vm->xenpage0 = vm->ram_pages;
    vm->mem_size = (vm->ram_pages + XK_XENPAGES) << XK_PAGE_SHIFT;

    vm->mem_fd = memfd_create("xenkvm-guest", MFD_CLOEXEC);
    if (vm->mem_fd < 0)
        return -errno;
    if (ftruncate(vm->mem_fd, (off_t)vm->mem_size) < 0)
        return -errno;
    /* NORESERVE: guest RAM is allocated as the guest touches it. */
    vm->mem = mmap(NULL, vm->mem_size, PROT_READ | PROT_WRITE,
                   MAP_SHARED | MAP_NORESERVE, vm->mem_fd, 0);
    if (vm->mem == MAP_FAILED) {
        vm->mem = NULL;
        return -errno;
    }
    vm->ram_state = calloc(vm->ram_pages, 1);
    if (!vm->ram_state)
        return -ENOMEM;
    memset(vm->ram_state, RAM_POPULATED | RAM_MAPPED, vm->ram_pages);
    vm->tot_pages = vm->ram_pages;

    rc = physmap_init(&vm->pm, 4096, set_kvm_slot, vm);
    if (rc)
        return rc;
    return vm_gnttab_init(vm);
}

/* Install the initial map: low RAM, high RAM above 4 GiB, special pages. */
static int vm_map_initial(struct vm *vm)
{
    uint64_t high = vm->ram_pages - vm->lowmem_pages;
    int rc;

    /* The memory map: RAM below the hole, the special pages reserved,
     * RAM above 4 GiB (libxl's PVH layout). */
    vm->nr_memmap = 0;
    vm->memmap[vm->nr_memmap].addr = 0;
    vm->memmap[vm->nr_memmap].size = vm->lowmem_pages << XK_PAGE_SHIFT;
    vm->memmap[vm->nr_memmap++].type = 1;   /* E820_RAM */
    if (vm->acpi) {
        vm->memmap[vm->nr_memmap].addr = XK_ACPI_BASE;
        vm->memmap[vm->nr_memmap].size = XK_ACPI_PAGES << XK_PAGE_SHIFT;
        vm->memmap[vm->nr_memmap++].type = 3;   /* E820_ACPI */
    }
    vm->memmap[vm->nr_memmap].addr = (XK_SPECIAL_END_PFN - XK_NR_SPECIAL) << XK_PAGE_SHIFT;
    vm->memmap[vm->nr_memmap].size = XK_NR_SPECIAL << XK_PAGE_SHIFT;
    vm->memmap[vm->nr_memmap++].type = 2;   /* E820_RESERVED */
    if (high) {
        vm->memmap[vm->nr_memmap].addr = XK_4G;
        vm->memmap[vm->nr_memmap].size = high << XK_PAGE_SHIFT;
        vm->memmap[vm->nr_memmap++].type = 1;
    }

    rc = physmap_set(&vm->pm, 0, vm->lowmem_pages, 0, PM_RAM);
    if (!rc && high)
        rc = physmap_set(&vm->pm, XK_4G >> XK_PAGE_SHIFT, high,
                         vm->lowmem_pages, PM_RAM);
    if (!rc && vm->acpi)
        rc = physmap_set(&vm->pm, XK_ACPI_BASE >> XK_PAGE_SHIFT, XK_ACPI_PAGES,
                         vm->xenpage0 + XENPAGE_ACPI, PM_SPECIAL);
    if (!rc)
        rc = physmap_set(&vm->pm, XK_SPECIAL_END_PFN - XK_NR_SPECIAL,
                         XK_NR_SPECIAL, vm->xenpage0 + XENPAGE_SPECIAL0,
                         PM_SPECIAL);
    if (!rc)
        vm->special_pages = XK_NR_SPECIAL;  /* alloc_magic_pages_hvm */
    return rc;
}

int vm_kvm_init(struct vm *vm)
{
    int rc;

    vm->kvm_fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
    if (vm->kvm_fd < 0) {
        rc = -errno;
        log_err("cannot open /dev/kvm:");
        return rc;
    }
    if (ioctl(vm->kvm_fd, KVM_GET_API_VERSION, 0) != KVM_API_VERSION) {
        log_err("unexpected KVM API version");
        return -ENOTSUP;
    }
    vm->vm_fd = ioctl(vm->kvm_fd, KVM_CREATE_VM, 0);
    if (vm->vm_fd < 0) {
        rc = -errno;
        log_err("KVM_CREATE_VM:");
        return rc;
    }
    /* Needed by VMX for real mode; harmless elsewhere. */
    ioctl(vm->vm_fd, KVM_SET_TSS_ADDR, 0xfffbd000UL);
    if (ioctl(vm->vm_fd, KVM_CREATE_IRQCHIP, 0) < 0) {
        rc = -errno;
        log_err("KVM_CREATE_IRQCHIP:");
        return rc;
    }
    /* Xen's HVM guests have a PIT (ports 0x40-0x43, the speaker's gate at
     * 0x61); its PVH guests have none.  KVM serves port 0x61 only with
     * KVM_PIT_SPEAKER_DUMMY (measured: without it the port exits to us);
     * its speaker keeps the data bit and channel 2's gate, as Xen's. */
    if (vm->hvm_platform) {
        struct kvm_pit_config pit = { .flags = KVM_PIT_SPEAKER_DUMMY };
        if (ioctl(vm->vm_fd, KVM_CREATE_PIT2, &pit) < 0) {
            rc = -errno;
            log_err("KVM_CREATE_PIT2:");
            return rc;
        }
        if ((rc = irq_set_legacy_routes(vm))) {
            errno = -rc;
            log_err("KVM_SET_GSI_ROUTING:");
            return rc;
        }
    }
    return vm_map_initial(vm);
}

int vm_mem_map_only(struct vm *vm)
{
    return vm_map_initial(vm);
}

void vm_destroy(struct vm *vm)
{
    watchdog_destroy(vm);
    vm_gnttab_destroy(vm);
    if (vm->mem)
        munmap(vm->mem, vm->mem_size);
    if (vm->mem_fd >= 0)
        close(vm->mem_fd);
    if (vm->vm_fd >= 0)
        close(vm->vm_fd);
    if (vm->kvm_fd >= 0)
        close(vm->kvm_fd);
    free(vm->ram_state);
    free(vm->cpuid0);
    vm->cpuid0 = NULL;
    if (vm->pc_src && !atomic_load(&vm->pc_busy)) {
        pc_src_free(vm->pc_src);
        free(vm->pc_src);
        vm->pc_src = NULL;
    }
    if (!vm->pc_src) {
        free(vm->pc_pending);
        vm->pc_pending = NULL;
    }
    /* An armed postcopy destination whose pages never came. */
    if (vm->pc_dest && !atomic_load(&vm->pc_busy)) {
        pc_dest_disarm(vm->pc_dest);
        free(vm->pc_dest);
        vm->pc_dest = NULL;
    }
    physmap_destroy(&vm->pm);
}

void *vm_ram_page(struct vm *vm, uint64_t gfn)
{
    uint64_t mpage;
    enum pm_kind kind;
    void *p = NULL;

    pthread_rwlock_rdlock(&vm->pm.lock);
    if (physmap_lookup(&vm->pm, gfn, &mpage, &kind, NULL) && kind == PM_RAM &&
        mpage < vm->ram_pages && (vm->ram_state[mpage] & RAM_POPULATED))
        p = vm->mem + (mpage << XK_PAGE_SHIFT);
    pthread_rwlock_unlock(&vm->pm.lock);
    return p;
}

void *vm_gpa_ptr(struct vm *vm, uint64_t gpa, uint64_t len)
{
    uint64_t mpage, run;
    uint64_t off = gpa & (XK_PAGE_SIZE - 1);
    enum pm_kind kind;

    if (len == 0)
        len = 1;
    if (gpa + len < gpa)
        return NULL;
    if (!physmap_lookup(&vm->pm, gpa >> XK_PAGE_SHIFT, &mpage, &kind, &run))
        return NULL;
    if (off + len > run * XK_PAGE_SIZE)
        return NULL;
    if (kind == PM_RAM)
        for (uint64_t p = mpage; p <= mpage + (off + len - 1) / XK_PAGE_SIZE; p++)
            if (!(vm->ram_state[p] & RAM_POPULATED))
                return NULL;
    return vm->mem + (mpage << XK_PAGE_SHIFT) + off;
}
