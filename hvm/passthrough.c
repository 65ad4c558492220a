/* passthrough.c: the KVM side of a passed-through PCI function (see
 * passthrough.h and docs/pciback.md). */
#include "passthrough.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "log.h"
#include "pciback/pt_dev.h"
#include "vm.h"

#define MAX_VECTORS 64          /* MSI-X vectors wired (the rest stay quiet) */

struct vm_pt {
    struct vm *vm;
    struct pt_dev dev;
    pthread_mutex_t lock;       /* routes and irqfds */
    int vec_fd[MAX_VECTORS];
    bool vec_irqfd[MAX_VECTORS];
    bool vec_routed[MAX_VECTORS];
    uint64_t vec_addr[MAX_VECTORS];
    uint32_t vec_data[MAX_VECTORS];
    int intx_trig, intx_res;
    bool intx_irqfd;
};

/* Xen's hvm_pci_intx_gsi swizzle, folded onto the 8 PCI pins (16-23) of
 * KVM's 24-pin IOAPIC (Xen's has 48): slot 1 INTA stays GSI 20. */
uint32_t passthrough_intx_gsi(unsigned slot)
{
    return 16 + ((slot << 2) & 7);
}

static int map_bar(void *opaque, unsigned bar, uint64_t gpa, uint64_t size, void *hva)
{
    struct vm_pt *p = opaque;
    struct kvm_userspace_memory_region r = {
        .slot = XK_PT_MEMSLOT + bar, .guest_phys_addr = gpa,
        .memory_size = hva ? size : 0, .userspace_addr = (uintptr_t)hva,
    };

    if (hva && (gpa & 4095 || size & 4095))
        return -EINVAL;
    if (ioctl(p->vm->vm_fd, KVM_SET_USER_MEMORY_REGION, &r) < 0) {
        /* Overlapping RAM or another slot: the BAR stays trapped. */
        log_warn("passthrough BAR%u at %#llx: memslot:", bar, (unsigned long long)gpa);
        return -errno;
    }
    log_info("passthrough BAR%u %s %#llx (memslot %u)", bar, hva ? "mapped at" : "unmapped from",
             (unsigned long long)gpa, XK_PT_MEMSLOT + bar);
    return 0;
}

/* KVM_SET_GSI_ROUTING replaces the whole table: KVM's default routes for
 * the PIC and IOAPIC pins first, then one MSI route per live vector. */
static int routes_sync(struct vm_pt *p)
{
    struct kvm_irq_routing *t;
    unsigned n = 0;
    int r = 0;

    t = calloc(1, sizeof(*t) + (16 * 2 + 8 + MAX_VECTORS) * sizeof(t->entries[0]));
    if (!t)
        return -ENOMEM;
    for (unsigned gsi = 0; gsi < 24; gsi++) {
        if (gsi < 16) {
            t->entries[n].gsi = gsi;
            t->entries[n].type = KVM_IRQ_ROUTING_IRQCHIP;
            t->entries[n].u.irqchip.irqchip = gsi < 8 ? KVM_IRQCHIP_PIC_MASTER
                                                      : KVM_IRQCHIP_PIC_SLAVE;
            t->entries[n++].u.irqchip.pin = gsi % 8;
        }
        t->entries[n].gsi = gsi;
        t->entries[n].type = KVM_IRQ_ROUTING_IRQCHIP;
        t->entries[n].u.irqchip.irqchip = KVM_IRQCHIP_IOAPIC;
        t->entries[n++].u.irqchip.pin = gsi;
    }
    for (unsigned v = 0; v < MAX_VECTORS; v++) {
        if (!p->vec_routed[v])
            continue;
        t->entries[n].gsi = XK_PT_GSI_MSI + v;
        t->entries[n].type = KVM_IRQ_ROUTING_MSI;
        t->entries[n].u.msi.address_lo = (uint32_t)p->vec_addr[v];
        t->entries[n].u.msi.address_hi = (uint32_t)(p->vec_addr[v] >> 32);
        t->entries[n++].u.msi.data = p->vec_data[v];
    }
    t->nr = n;
    if (ioctl(p->vm->vm_fd, KVM_SET_GSI_ROUTING, t) < 0) {
        r = -errno;
        log_warn("KVM_SET_GSI_ROUTING (%u routes):", n);
    }
    free(t);
    return r;
}

static int msix_fd(void *opaque, unsigned vec)
{
    struct vm_pt *p = opaque;
    int fd;

    if (vec >= MAX_VECTORS)
        return -1;
    pthread_mutex_lock(&p->lock);
    if (p->vec_fd[vec] < 0)
        p->vec_fd[vec] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    fd = p->vec_fd[vec];
    pthread_mutex_unlock(&p->lock);
    return fd;
}

static int msix_route(void *opaque, unsigned vec, uint64_t addr, uint32_t data)
{
    struct vm_pt *p = opaque;
    int r;

    if (vec >= MAX_VECTORS)
        return -EINVAL;
    pthread_mutex_lock(&p->lock);
    p->vec_addr[vec] = addr;
    p->vec_data[vec] = data;
    p->vec_routed[vec] = true;
    r = routes_sync(p);
    if (r == 0 && !p->vec_irqfd[vec] && p->vec_fd[vec] >= 0) {
        struct kvm_irqfd f = { .fd = (uint32_t)p->vec_fd[vec], .gsi = XK_PT_GSI_MSI + vec };

        if (ioctl(p->vm->vm_fd, KVM_IRQFD, &f) < 0) {
            r = -errno;
            log_warn("KVM_IRQFD MSI-X vector %u:", vec);
        } else {
            p->vec_irqfd[vec] = true;
        }
    }
    pthread_mutex_unlock(&p->lock);
    return r;
}

static void intx_fds(void *opaque, int *trig, int *res)
{
    struct vm_pt *p = opaque;

    *trig = p->intx_irqfd ? p->intx_trig : -1;
    *res = p->intx_irqfd ? p->intx_res : -1;
}

static const struct pt_host_ops host_ops = { map_bar, msix_fd, msix_route, intx_fds };

static int intx_setup(struct vm_pt *p)
{
    struct kvm_irqfd f = { .gsi = passthrough_intx_gsi(XK_PT_SLOT),
                           .flags = KVM_IRQFD_FLAG_RESAMPLE };

    p->intx_trig = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    p->intx_res = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (p->intx_trig < 0 || p->intx_res < 0)
        return -errno;
    f.fd = (uint32_t)p->intx_trig;
    f.resamplefd = (uint32_t)p->intx_res;
    if (ioctl(p->vm->vm_fd, KVM_IRQFD, &f) < 0) {
        log_warn("KVM_IRQFD INTx GSI %u (resample):", f.gsi);
        return -errno;
    }
    p->intx_irqfd = true;
    return 0;
}

static int parse_spec(const char *spec, struct pt_devsrc **src, struct pt_options *opt)
{
    char *s = strdup(spec), *save = NULL, *tok, *first;
    char *bdf = NULL, *path = NULL;
    int group = -1, r = 0;

    if (!s)
        return -ENOMEM;
    first = strtok_r(s, ",", &save);
    if (first && !strncmp(first, "vfio-user:", 10))
        path = first + 10;
    else if (first && !strncmp(first, "vfio:", 5))
        bdf = first + 5;
    else
        r = -EINVAL;
    while (r == 0 && (tok = strtok_r(NULL, ",", &save))) {
        if (!strcmp(tok, "permissive") || !strcmp(tok, "permissive=1"))
            opt->permissive = true;
        else if (!strcmp(tok, "power_mgmt") || !strcmp(tok, "power_mgmt=1"))
            opt->power_mgmt = true;
        else if (!strcmp(tok, "permissive=0") || !strcmp(tok, "power_mgmt=0"))
            ;
        else if (!strncmp(tok, "group=", 6))
            group = atoi(tok + 6);
        else
            r = -EINVAL;
    }
    if (r == 0 && path)
        r = vfu_client_open(path, src);
    else if (r == 0 && bdf)
        r = group < 0 ? -EINVAL : vfio_kernel_open(bdf, group, src);
    if (r == -EINVAL)
        log_err("--pci %s: give vfio-user:SOCKET or vfio:BDF,group=N, then permissive, "
                "power_mgmt", spec);
    else if (r < 0)
        log_err("--pci %s: %s", spec, strerror(-r));
    free(s);
    return r;
}

static int dma_map_ram(struct vm *vm, struct pt_dev *d)
{
    uint64_t low = vm->lowmem_pages << 12, high = (vm->ram_pages - vm->lowmem_pages) << 12;
    int r = 0;

    if (low)
        r = d->src->ops->dma_map(d->src, 0, low, vm->mem_fd, 0, vm->mem, true);
    if (r == 0 && high)
        r = d->src->ops->dma_map(d->src, XK_4G, high, vm->mem_fd, low, vm->mem + low, true);
    return r;
}

int passthrough_attach(struct vm *vm, const char *spec, bool pvh)
{
    struct pt_options opt = { 0 };
    struct pt_devsrc *src = NULL;
    struct vm_pt *p;
    int r;

    if (pvh) {
        /* libxl__arch_passthrough_mode_setdefault's words. */
        log_err("passthrough not yet supported for x86 PVH guests");
        return -EINVAL;
    }
    if (vm->pt)
        return -EEXIST;
    if ((r = parse_spec(spec, &src, &opt)) < 0)
        return r;
    p = calloc(1, sizeof(*p));
    if (!p) {
        pt_devsrc_close(src);
        return -ENOMEM;
    }
    p->vm = vm;
    pthread_mutex_init(&p->lock, NULL);
    for (unsigned v = 0; v < MAX_VECTORS; v++)
        p->vec_fd[v] = -1;
    p->intx_trig = p->intx_res = -1;
    r = routes_sync(p);
    if (r == 0)
        r = intx_setup(p);
    if (r < 0)
        pt_devsrc_close(src);
    else
        r = pt_dev_init(&p->dev, src, &opt, &host_ops, p, XK_PT_BAR_BASE);  /* closes src on failure */
    if (r < 0) {
        log_err("--pci %s: cannot set the device up: %s", spec, strerror(-r));
        if (p->intx_trig >= 0)
            close(p->intx_trig);
        if (p->intx_res >= 0)
            close(p->intx_res);
        pthread_mutex_destroy(&p->lock);
        free(p);
        return r;
    }
    /* DMA: the device sees guest RAM at its guest-physical addresses (no
     * vIOMMU): low RAM at 0, the rest at 4 GiB, both from the memfd. */
    r = dma_map_ram(vm, &p->dev);
    if (r < 0) {
        log_err("--pci %s: cannot map guest RAM for DMA: %s", spec, strerror(-r));
        vm->pt = p;
        passthrough_detach(vm);
        return r;
    }
    /* The interrupt line says the GSI, as a firmware would set it. */
    p->dev.emu[0x3c] = (uint8_t)passthrough_intx_gsi(XK_PT_SLOT);
    vm->pt = p;
    log_info("passthrough: %s at 00:%02x.0", spec, XK_PT_SLOT);
    return 0;
}

void passthrough_detach(struct vm *vm)
{
    struct vm_pt *p = vm->pt;

    if (!p)
        return;
    vm->pt = NULL;
    pt_dev_destroy(&p->dev);
    for (unsigned v = 0; v < MAX_VECTORS; v++)
        if (p->vec_fd[v] >= 0)
            close(p->vec_fd[v]);
    close(p->intx_trig);
    close(p->intx_res);
    pthread_mutex_destroy(&p->lock);
    free(p);
}

bool passthrough_cfg(struct vm *vm, unsigned dev, unsigned reg, unsigned size, bool out,
                     uint8_t *data)
{
    uint32_t v = 0;

    if (!vm->pt || dev != XK_PT_SLOT)
        return false;
    if (out) {
        memcpy(&v, data, size);
        pt_dev_cfg_write(&vm->pt->dev, reg, size, v);
    } else {
        v = pt_dev_cfg_read(&vm->pt->dev, reg, size);
        memcpy(data, &v, size);
    }
    return true;
}

bool passthrough_mmio(struct vm *vm, uint64_t gpa, unsigned len, bool write, uint8_t *data)
{
    return vm->pt && pt_dev_mmio(&vm->pt->dev, gpa, len, write, data);
}
