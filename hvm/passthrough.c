/* passthrough.c: the KVM side of a passed-through PCI function (see
 * passthrough.h and docs/pciback.md). */
#include "passthrough.h"
#include "passthrough_pirq.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "acpi_hw.h"
#include "irq.h"
#include "log.h"
#include "pciback/pt_dev.h"
#include "pciback/pt_dma.h"
#include "ioport.h"
#include "util.h"
#include "vm.h"
#include "vmm_socket_proto.h"
#include "vcpu.h"

#define MAX_VECTORS 64          /* MSI-X vectors wired per function (the rest stay quiet) */

struct vm_pt {
    struct pt_bus *bus;
    unsigned slot;
    struct pt_dev dev;
    int vec_fd[MAX_VECTORS];
    bool vec_irqfd[MAX_VECTORS];
    bool vec_routed[MAX_VECTORS];
    uint64_t vec_addr[MAX_VECTORS];
    uint32_t vec_data[MAX_VECTORS];
    int intx_trig, intx_res;
    bool intx_irqfd;
    struct pt_dma dma;          /* guest RAM mapped for the device */
    bool balloon_refused;       /* said once in the log */
};

/* The functions on the guest's bus and the ACPI hot-plug controller. */
struct pt_bus {
    struct vm *vm;
    bool pvh;
    pthread_rwlock_t lock;      /* slot[]: vCPUs read, (un)plugging writes */
    pthread_mutex_t route_lock; /* the vectors' routes and irqfds */
    struct vm_pt *slot[XK_PT_SLOT_END];
    pthread_mutex_t hp_lock;    /* the hot-plug registers below */
    uint32_t up, down;          /* PCIU, PCID: slot bits */
    uint16_t gpe_sts, gpe_en;
    int detach_fd[XK_PT_SLOT_END];  /* a DETACH waiting for the eject */
};

/* A function's INTx is its INTA (function 0 only): the routing the
 * DSDT's _PRT gives (acpi_hw.h). */
uint32_t passthrough_intx_gsi(unsigned slot)
{
    return xk_pci_intx_gsi(slot, 0);
}

/* Per slot: GSIs for its vectors, memslots for its BARs, a BAR window. */
static uint32_t vec_gsi(const struct vm_pt *p, unsigned v)
{
    return XK_PT_GSI_MSI + (p->slot - XK_PT_SLOT) * MAX_VECTORS + v;
}

static uint32_t io_window(unsigned slot)
{
    return slot < XK_PT_SLOT + XK_PT_IO_SLOTS ? XK_PT_IO_BASE + (slot - XK_PT_SLOT) * XK_PT_IO_LEN
                                              : 0;
}

static uint64_t bar_window(unsigned slot)
{
    return slot < XK_PT_SLOT + 8 ? XK_PT_BAR_BASE + (uint64_t)(slot - XK_PT_SLOT) * 0x1000000
                                 : 0;
}

static int map_bar(void *opaque, unsigned bar, uint64_t gpa, uint64_t size, void *hva)
{
    struct vm_pt *p = opaque;
    unsigned slot_id = XK_PT_MEMSLOT + (p->slot - XK_PT_SLOT) * 8 + bar;
    struct kvm_userspace_memory_region r = {
        .slot = slot_id, .guest_phys_addr = gpa,
        .memory_size = hva ? size : 0, .userspace_addr = (uintptr_t)hva,
    };

    if (hva && (gpa & 4095 || size & 4095))
        return -EINVAL;
    if (ioctl(p->bus->vm->vm_fd, KVM_SET_USER_MEMORY_REGION, &r) < 0) {
        /* Overlapping RAM or another slot: the BAR stays trapped. */
        log_warn("passthrough BAR%u at %#llx: memslot:", bar, (unsigned long long)gpa);
        return -errno;
    }
    log_info("passthrough BAR%u %s %#llx (memslot %u)", bar, hva ? "mapped at" : "unmapped from",
             (unsigned long long)gpa, slot_id);
    return 0;
}

/* KVM_SET_GSI_ROUTING replaces the whole table: the PIC and IOAPIC pins'
 * routes first (irq_legacy_routes), then one MSI route per live vector of
 * every function.  Called with route_lock held and slot[] stable. */
static int routes_sync(struct pt_bus *b)
{
    struct kvm_irq_routing *t;
    unsigned n = 0;
    int r = 0;

    t = calloc(1, sizeof(*t) + (IRQ_LEGACY_ROUTES + XK_PT_SLOT_END * MAX_VECTORS) *
                                   sizeof(t->entries[0]));
    if (!t)
        return -ENOMEM;
    n = irq_legacy_routes(t->entries, b->vm->hvm_platform);
    for (unsigned s = XK_PT_SLOT; s < XK_PT_SLOT_END; s++) {
        struct vm_pt *p = b->slot[s];

        for (unsigned v = 0; p && v < MAX_VECTORS; v++) {
            if (!p->vec_routed[v])
                continue;
            t->entries[n].gsi = vec_gsi(p, v);
            t->entries[n].type = KVM_IRQ_ROUTING_MSI;
            t->entries[n].u.msi.address_lo = (uint32_t)p->vec_addr[v];
            t->entries[n].u.msi.address_hi = (uint32_t)(p->vec_addr[v] >> 32);
            t->entries[n++].u.msi.data = p->vec_data[v];
        }
    }
    t->nr = n;
    if (ioctl(b->vm->vm_fd, KVM_SET_GSI_ROUTING, t) < 0) {
        r = -errno;
        log_warn("KVM_SET_GSI_ROUTING (%u routes):", n);
    }
    free(t);
    return r;
}

static void deassign_irqfd(struct vm *vm, int fd, uint32_t gsi);

static int msix_fd(void *opaque, unsigned vec)
{
    struct vm_pt *p = opaque;
    int fd;

    if (vec >= MAX_VECTORS)
        return -1;
    pthread_mutex_lock(&p->bus->route_lock);
    if (p->vec_fd[vec] < 0)
        p->vec_fd[vec] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    fd = p->vec_fd[vec];
    pthread_mutex_unlock(&p->bus->route_lock);
    return fd;
}

/* A message in Xen's pirq encoding (hvm_pirq): the vector leaves KVM for
 * the pirq's event channel (passthrough_pirq.c).  SUB: vector SUB of a
 * multi-message MSI, whose DATA carries SUB in its low bits: the message
 * names the first of the consecutive pirqs (MAP_PIRQ_TYPE_MULTI_MSI)
 * and SUB takes the pirq SUB after it.  route_lock held. */
static bool msix_route_pirq(struct vm_pt *p, unsigned vec, uint64_t addr, uint32_t data,
                            unsigned sub)
{
    struct vm *vm = p->bus->vm;
    int64_t pirq = passthrough_pirq_msi_decode(vm, addr, data - sub);

    if (pirq < 0) {
        passthrough_pirq_msix_unwatch(vm, p->slot, vec);
        return false;
    }
    pirq += sub;
    if (p->vec_irqfd[vec])
        deassign_irqfd(vm, p->vec_fd[vec], vec_gsi(p, vec));
    p->vec_irqfd[vec] = false;
    /* Kept for a live update, which watches the vector again from it. */
    p->vec_addr[vec] = addr;
    p->vec_data[vec] = data;
    if (p->vec_routed[vec]) {
        p->vec_routed[vec] = false;
        routes_sync(p->bus);
    }
    passthrough_pirq_msix_watch(vm, p->slot, vec, p->vec_fd[vec],
                                pirq > UINT32_MAX ? UINT32_MAX : (uint32_t)pirq);
    return true;
}

static int vec_route(struct vm_pt *p, unsigned vec, uint64_t addr, uint32_t data, unsigned sub)
{
    int r;

    if (vec >= MAX_VECTORS)
        return -EINVAL;
    pthread_mutex_lock(&p->bus->route_lock);
    if (msix_route_pirq(p, vec, addr, data, sub)) {
        pthread_mutex_unlock(&p->bus->route_lock);
        return 0;
    }
    p->vec_addr[vec] = addr;
    p->vec_data[vec] = data;
    p->vec_routed[vec] = true;
    r = routes_sync(p->bus);
    if (r == 0 && !p->vec_irqfd[vec] && p->vec_fd[vec] >= 0) {
        struct kvm_irqfd f = { .fd = (uint32_t)p->vec_fd[vec], .gsi = vec_gsi(p, vec) };

        if (ioctl(p->bus->vm->vm_fd, KVM_IRQFD, &f) < 0) {
            r = -errno;
            log_warn("KVM_IRQFD MSI-X vector %u:", vec);
        } else {
            p->vec_irqfd[vec] = true;
        }
    }
    pthread_mutex_unlock(&p->bus->route_lock);
    return r;
}

static int msix_route(void *opaque, unsigned vec, uint64_t addr, uint32_t data)
{
    return vec_route(opaque, vec, addr, data, 0);
}

/* Multi-message MSI: vector VEC's data has VEC in its low bits. */
static int msi_route(void *opaque, unsigned vec, uint64_t addr, uint32_t data)
{
    return vec_route(opaque, vec, addr, data, vec);
}

static void intx_fds(void *opaque, int *trig, int *res)
{
    struct vm_pt *p = opaque;

    *trig = p->intx_irqfd ? p->intx_trig : -1;
    *res = p->intx_irqfd ? p->intx_res : -1;
}

static const struct pt_host_ops host_ops = { map_bar, msix_fd, msix_route, intx_fds, msi_route };

static int intx_setup(struct vm_pt *p)
{
    struct kvm_irqfd f = { .gsi = passthrough_intx_gsi(p->slot),
                           .flags = KVM_IRQFD_FLAG_RESAMPLE };

    p->intx_trig = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    p->intx_res = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (p->intx_trig < 0 || p->intx_res < 0)
        return -errno;
    f.fd = (uint32_t)p->intx_trig;
    f.resamplefd = (uint32_t)p->intx_res;
    if (ioctl(p->bus->vm->vm_fd, KVM_IRQFD, &f) < 0) {
        log_warn("KVM_IRQFD INTx GSI %u (resample):", f.gsi);
        return -errno;
    }
    p->intx_irqfd = true;
    return 0;
}

static int parse_spec(const char *spec, struct pt_devsrc **src, struct pt_options *opt,
                      char *msg, size_t len)
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
        snprintf(msg, len, "%s: give vfio-user:SOCKET or vfio:BDF,group=N, then permissive, "
                 "power_mgmt", spec);
    else if (r < 0)
        snprintf(msg, len, "%s: %s", spec, strerror(-r));
    free(s);
    return r;
}

/* DMA: the device sees the guest's populated RAM frames at their
 * guest-physical addresses (no vIOMMU), each run contiguous in both the
 * frames and the memfd one mapping; ballooned-out frames are left out, as
 * Xen's IOMMU has no entry for them.  The map's read lock held. */
static int dma_map_ram(struct vm_pt *p)
{
    struct vm *vm = p->bus->vm;
    const struct physmap *pm = &vm->pm;
    uint64_t run_gfn = 0, run_page = 0, run_n = 0;
    int r = 0;

    pt_dma_init(&p->dma, p->dev.src, vm->mem_fd, vm->mem);
    for (unsigned i = 0; i < pm->n && !r; i++) {
        const struct pm_range *x = &pm->r[i];

        for (uint64_t j = 0; x->kind == PM_RAM && j < x->nr && !r; j++) {
            uint64_t gfn = x->gfn + j, mp = x->mpage + j;
            bool in = mp < vm->ram_pages && (vm->ram_state[mp] & RAM_POPULATED);

            if (in && run_n && gfn == run_gfn + run_n && mp == run_page + run_n) {
                run_n++;
                continue;
            }
            if (run_n)
                r = pt_dma_add(&p->dma, run_gfn << XK_PAGE_SHIFT, run_n << XK_PAGE_SHIFT,
                               run_page << XK_PAGE_SHIFT);
            run_gfn = gfn;
            run_page = mp;
            run_n = in;
        }
    }
    if (!r && run_n)
        r = pt_dma_add(&p->dma, run_gfn << XK_PAGE_SHIFT, run_n << XK_PAGE_SHIFT,
                       run_page << XK_PAGE_SHIFT);
    return r;
}

static void deassign_irqfd(struct vm *vm, int fd, uint32_t gsi)
{
    struct kvm_irqfd f = { .fd = (uint32_t)fd, .gsi = gsi, .flags = KVM_IRQFD_FLAG_DEASSIGN };

    if (ioctl(vm->vm_fd, KVM_IRQFD, &f) < 0)
        log_warn("KVM_IRQFD deassign GSI %u:", gsi);
}

/* Take the function off the bus and free it: its DMA mappings go, the
 * device source is closed (a vfio-user server sees its client hang up),
 * its BARs leave the guest, its routes and irqfds go.  Write lock held. */
static void unplug_locked(struct pt_bus *b, unsigned slot)
{
    struct vm_pt *p = b->slot[slot];
    bool intx_diverted;

    if (!p)
        return;
    b->slot[slot] = NULL;
    pt_dma_clear(&p->dma, !p->dev.dead && p->dev.src);
    pt_dev_destroy(&p->dev);
    intx_diverted = passthrough_pirq_slot_gone(b->vm, slot);
    pthread_mutex_lock(&b->route_lock);
    routes_sync(b);
    for (unsigned v = 0; v < MAX_VECTORS; v++) {
        if (p->vec_irqfd[v])
            deassign_irqfd(b->vm, p->vec_fd[v], vec_gsi(p, v));
        if (p->vec_fd[v] >= 0)
            close(p->vec_fd[v]);
    }
    pthread_mutex_unlock(&b->route_lock);
    if (p->intx_irqfd && !intx_diverted)
        deassign_irqfd(b->vm, p->intx_trig, passthrough_intx_gsi(slot));
    if (p->intx_trig >= 0)
        close(p->intx_trig);
    if (p->intx_res >= 0)
        close(p->intx_res);
    free(p);
    log_info("passthrough: 00:%02x.0 removed", slot);
}

/* Build the function SPEC names at SLOT.  Write lock held. */
static int plug_locked(struct pt_bus *b, const char *spec, unsigned slot, char *msg,
                       size_t len)
{
    struct pt_options opt = { 0 };
    struct pt_devsrc *src = NULL;
    struct vm_pt *p;
    int r;

    if ((r = parse_spec(spec, &src, &opt, msg, len)) < 0)
        return r;
    p = calloc(1, sizeof(*p));
    if (!p) {
        pt_devsrc_close(src);
        return -ENOMEM;
    }
    p->bus = b;
    p->slot = slot;
    for (unsigned v = 0; v < MAX_VECTORS; v++)
        p->vec_fd[v] = -1;
    p->intx_trig = p->intx_res = -1;
    r = intx_setup(p);
    if (r < 0)
        pt_devsrc_close(src);
    else    /* pt_dev_init closes src on failure */
        r = pt_dev_init(&p->dev, src, &opt, &host_ops, p, bar_window(slot));
    if (r < 0) {
        snprintf(msg, len, "%s: cannot set the device up: %s", spec, strerror(-r));
        if (p->intx_irqfd)
            deassign_irqfd(b->vm, p->intx_trig, passthrough_intx_gsi(slot));
        if (p->intx_trig >= 0)
            close(p->intx_trig);
        if (p->intx_res >= 0)
            close(p->intx_res);
        free(p);
        return r;
    }
    b->slot[slot] = p;
    /* DMA: the device sees guest RAM at its guest-physical addresses (no
     * vIOMMU): low RAM at 0, the rest at 4 GiB, both from the memfd. */
    if ((r = dma_map_ram(p)) < 0) {
        snprintf(msg, len, "%s: cannot map guest RAM for DMA: %s", spec, strerror(-r));
        unplug_locked(b, slot);
        return r;
    }
    /* I/O BARs get ports as hvmloader gives them (decoding off until the
     * guest sets the command register's I/O enable). */
    if (io_window(slot))
        pt_dev_place_io(&p->dev, io_window(slot), XK_PT_IO_LEN);
    /* The interrupt line says the GSI, as a firmware would set it. */
    p->dev.emu[0x3c] = (uint8_t)passthrough_intx_gsi(slot);
    passthrough_pirq_intx_add(b->vm, slot, passthrough_intx_gsi(slot), p->intx_trig,
                              p->intx_res);
    log_info("passthrough: %s at 00:%02x.0", spec, slot);
    return 0;
}

/* --- ACPI PCI hot plug (the registers of QEMU's PIIX4 that Xen's
 * hvmloader DSDT drives for qemu-xen) -------------------------------- */

#define HP_PORT   XK_HP_PORT    /* PCIU, PCID, B0EJ, RMV: 32 bits each */
#define GPE0_PORT XK_GPE0_PORT  /* GPE0 status (16 bits), enable (16 bits) */
#define GPE_PCI_HOTPLUG (1u << XK_GPE_PCI_HOTPLUG)
#define SCI_GSI   XK_SCI_GSI

/* The SCI is a level: GPE status bits that are enabled.  hp_lock held. */
static void sci_update(struct pt_bus *b)
{
    struct kvm_irq_level l = { .irq = SCI_GSI, .level = (b->gpe_sts & b->gpe_en) != 0 };

    /* A guest that mapped the SCI's GSI as a pirq hears it there. */
    if (passthrough_pirq_gsi_level(b->vm, SCI_GSI, l.level))
        l.level = 0;
    if (ioctl(b->vm->vm_fd, KVM_IRQ_LINE, &l) < 0)
        log_warn("KVM_IRQ_LINE SCI:");
}

static void hp_notify(struct pt_bus *b, uint32_t up, uint32_t down)
{
    pthread_mutex_lock(&b->hp_lock);
    b->up |= up;
    b->down = (b->down & ~up) | down;   /* a new function: no stale removal */
    b->gpe_sts |= GPE_PCI_HOTPLUG;
    sci_update(b);
    pthread_mutex_unlock(&b->hp_lock);
}

static void reply_detach(int fd, unsigned slot, int status)
{
    struct xk_link_pci r = { .magic = XK_LINK_MAGIC, .type = XK_LINK_PCI_DETACH,
                             .vslot = (int32_t)slot, .status = status };

    send(fd, &r, sizeof(r), MSG_NOSIGNAL);
    close(fd);
}

/* The guest's _EJ0 wrote the slots to eject. */
static void hp_eject(struct pt_bus *b, uint32_t bits)
{
    int fds[XK_PT_SLOT_END];

    pthread_mutex_lock(&b->hp_lock);
    for (unsigned s = 0; s < XK_PT_SLOT_END; s++) {
        fds[s] = -1;
        if (!(bits & (1u << s)))
            continue;
        b->down &= ~(1u << s);
        fds[s] = b->detach_fd[s];
        b->detach_fd[s] = -1;
    }
    pthread_mutex_unlock(&b->hp_lock);
    pthread_rwlock_wrlock(&b->lock);
    for (unsigned s = XK_PT_SLOT; s < XK_PT_SLOT_END; s++)
        if (bits & (1u << s))
            unplug_locked(b, s);
    pthread_rwlock_unlock(&b->lock);
    for (unsigned s = 0; s < XK_PT_SLOT_END; s++)
        if (fds[s] >= 0)
            reply_detach(fds[s], s, 0);
}

static bool hp_io(struct vcpu *v, uint16_t port, bool out, unsigned size, uint8_t *data)
{
    struct pt_bus *b = v->vm->pt;
    unsigned reg = (port - HP_PORT) & ~3u, sh = ((port - HP_PORT) & 3) * 8;
    uint32_t val = 0, rmv = 0;

    memcpy(&val, data, size > 4 ? 4 : size);
    if (out) {
        if (reg == XK_HP_B0EJ)
            hp_eject(b, val << sh);
        return true;            /* PCIU, PCID and RMV are read-only */
    }
    for (unsigned s = XK_PT_SLOT; s < XK_PT_SLOT_END; s++)
        rmv |= 1u << s;
    pthread_mutex_lock(&b->hp_lock);
    val = reg == XK_HP_PCIU ? b->up : reg == XK_HP_PCID ? b->down : reg == XK_HP_RMV ? rmv : 0;
    if (reg == XK_HP_PCIU && sh == 0)
        b->up = 0;              /* read by the GPE handler: taken */
    pthread_mutex_unlock(&b->hp_lock);
    val >>= sh;
    memcpy(data, &val, size > 4 ? 4 : size);
    return true;
}

static bool gpe_io(struct vcpu *v, uint16_t port, bool out, unsigned size, uint8_t *data)
{
    struct pt_bus *b = v->vm->pt;
    unsigned off = port - GPE0_PORT;
    uint32_t regs, val = 0;

    memcpy(&val, data, size > 4 ? 4 : size);
    pthread_mutex_lock(&b->hp_lock);
    if (out) {
        uint32_t w = val << (off * 8), bytes = size >= 4 ? ~0u : ((1u << (size * 8)) - 1) << (off * 8);

        b->gpe_sts &= (uint16_t)~(w & bytes & 0xffff);                  /* write 1 to clear */
        if (bytes >> 16)
            b->gpe_en = (uint16_t)((b->gpe_en & ~(bytes >> 16)) | ((w & bytes) >> 16));
        sci_update(b);
    } else {
        regs = b->gpe_sts | (uint32_t)b->gpe_en << 16;
        val = regs >> (off * 8);
        memcpy(data, &val, size > 4 ? 4 : size);
    }
    pthread_mutex_unlock(&b->hp_lock);
    return true;
}

/* --- the interface (passthrough.h) ---------------------------------- */

int passthrough_init(struct vm *vm, bool pvh)
{
    struct pt_bus *b = calloc(1, sizeof(*b));
    int r = 0;

    if (!b)
        return -ENOMEM;
    b->vm = vm;
    b->pvh = pvh;
    pthread_rwlock_init(&b->lock, NULL);
    pthread_mutex_init(&b->route_lock, NULL);
    pthread_mutex_init(&b->hp_lock, NULL);
    for (unsigned s = 0; s < XK_PT_SLOT_END; s++)
        b->detach_fd[s] = -1;
    vm->pt = b;
    if ((r = passthrough_pirq_init(vm)))
        return r;
    /* An HVM guest's firmware describes the hot-plug slots in its DSDT, as
     * hvmloader does; PVH guests take no passthrough at all. */
    if (!pvh && ((r = ioport_register(vm, HP_PORT, XK_HP_LEN, hp_io)) ||
                 (r = ioport_register(vm, GPE0_PORT, XK_GPE0_LEN, gpe_io))))
        return r;
    return 0;
}

int passthrough_plug(struct vm *vm, const char *spec, int vslot, bool hot, char *msg,
                     size_t len)
{
    struct pt_bus *b = vm->pt;
    int r, slot = vslot;

    msg[0] = 0;
    if (!b)
        return -ENODEV;
    if (b->pvh) {
        /* libxl__arch_passthrough_mode_setdefault's words. */
        snprintf(msg, len, "passthrough not yet supported for x86 PVH guests");
        return -EINVAL;
    }
    /* The map's lock first, as ballooning takes them (dma_map_ram reads
     * which frames are populated). */
    pthread_rwlock_rdlock(&vm->pm.lock);
    pthread_rwlock_wrlock(&b->lock);
    if (slot < 0)
        for (slot = XK_PT_SLOT; slot < XK_PT_SLOT_END && b->slot[slot]; slot++)
            ;
    if (slot < XK_PT_SLOT || slot >= XK_PT_SLOT_END) {
        if (vslot < 0)
            snprintf(msg, len, "no free PCI slot (xenkvm has slots %u-%u)", XK_PT_SLOT,
                     XK_PT_SLOT_END - 1);
        else
            snprintf(msg, len, "slot %d is not a passthrough slot (xenkvm has %u-%u)", vslot,
                     XK_PT_SLOT, XK_PT_SLOT_END - 1);
        r = vslot < 0 ? -ENOSPC : -EINVAL;
    } else if (b->slot[slot]) {
        snprintf(msg, len, "PCI slot 00:%02x.0 is in use", slot);
        r = -EBUSY;
    } else {
        r = plug_locked(b, spec, (unsigned)slot, msg, len);
    }
    pthread_rwlock_unlock(&b->lock);
    pthread_rwlock_unlock(&vm->pm.lock);
    if (r < 0)
        return r;
    if (hot)
        hp_notify(b, 1u << slot, 0);
    return slot;
}

int passthrough_unplug(struct vm *vm, unsigned slot, bool force, int reply_fd, char *msg,
                       size_t len)
{
    struct pt_bus *b = vm->pt;
    bool present;

    msg[0] = 0;
    if (!b || slot < XK_PT_SLOT || slot >= XK_PT_SLOT_END) {
        snprintf(msg, len, "no PCI function at slot %u", slot);
        return -ENODEV;
    }
    pthread_rwlock_rdlock(&b->lock);
    present = b->slot[slot] != NULL;
    pthread_rwlock_unlock(&b->lock);
    if (!present) {
        snprintf(msg, len, "no PCI function at 00:%02x.0", slot);
        return -ENODEV;
    }
    if (force) {
        int waiting;

        /* A removal still waiting for the guest ends here too. */
        pthread_mutex_lock(&b->hp_lock);
        waiting = b->detach_fd[slot];
        b->detach_fd[slot] = -1;
        b->down &= ~(1u << slot);
        pthread_mutex_unlock(&b->hp_lock);
        pthread_rwlock_wrlock(&b->lock);
        unplug_locked(b, slot);
        pthread_rwlock_unlock(&b->lock);
        if (waiting >= 0)
            reply_detach(waiting, slot, 0);
        return 0;
    }
    pthread_mutex_lock(&b->hp_lock);
    if (b->detach_fd[slot] >= 0) {
        pthread_mutex_unlock(&b->hp_lock);
        snprintf(msg, len, "a removal of 00:%02x.0 is already waiting for the guest", slot);
        return -EBUSY;
    }
    b->detach_fd[slot] = reply_fd;
    pthread_mutex_unlock(&b->hp_lock);
    hp_notify(b, 0, 1u << slot);
    log_info("passthrough: 00:%02x.0: removal asked, waiting for the guest's eject", slot);
    return 1;
}

int passthrough_attach(struct vm *vm, const char *spec, bool pvh)
{
    char msg[512];
    int r;

    (void)pvh;
    r = passthrough_plug(vm, spec, XK_PT_SLOT, false, msg, sizeof(msg));
    if (r < 0)
        log_err("%s%s", r == -EINVAL && vm->pt && vm->pt->pvh ? "" : "--pci ", msg);
    return r < 0 ? r : 0;
}

void passthrough_detach(struct vm *vm)
{
    struct pt_bus *b = vm->pt;

    if (!b)
        return;
    pthread_rwlock_wrlock(&b->lock);
    for (unsigned s = XK_PT_SLOT; s < XK_PT_SLOT_END; s++)
        unplug_locked(b, s);
    pthread_rwlock_unlock(&b->lock);
    for (unsigned s = 0; s < XK_PT_SLOT_END; s++)
        if (b->detach_fd[s] >= 0)
            close(b->detach_fd[s]);
    vm->pt = NULL;
    pthread_rwlock_destroy(&b->lock);
    pthread_mutex_destroy(&b->route_lock);
    pthread_mutex_destroy(&b->hp_lock);
    free(b);
}

bool passthrough_active(struct vm *vm)
{
    struct pt_bus *b = vm->pt;
    bool any = false;

    if (!b)
        return false;
    pthread_rwlock_rdlock(&b->lock);
    for (unsigned s = XK_PT_SLOT; s < XK_PT_SLOT_END; s++)
        any |= b->slot[s] != NULL;
    pthread_rwlock_unlock(&b->lock);
    return any;
}

bool passthrough_cfg(struct vm *vm, unsigned dev, unsigned reg, unsigned size, bool out,
                     uint8_t *data)
{
    struct pt_bus *b = vm->pt;
    struct vm_pt *p;
    uint32_t v = 0;

    if (!b || dev < XK_PT_SLOT || dev >= XK_PT_SLOT_END)
        return false;
    pthread_rwlock_rdlock(&b->lock);
    p = b->slot[dev];
    if (p && out) {
        memcpy(&v, data, size);
        pt_dev_cfg_write(&p->dev, reg, size, v);
    } else if (p) {
        v = pt_dev_cfg_read(&p->dev, reg, size);
        memcpy(data, &v, size);
    }
    pthread_rwlock_unlock(&b->lock);
    return p != NULL;
}

/* An MMIO (PIO false) or port access offered to each function in turn. */
static bool bus_access(struct vm *vm, bool pio, uint64_t addr, unsigned len, bool write,
                       uint8_t *data)
{
    struct pt_bus *b = vm->pt;
    bool done = false;

    if (!b)
        return false;
    pthread_rwlock_rdlock(&b->lock);
    for (unsigned s = XK_PT_SLOT; s < XK_PT_SLOT_END && !done; s++)
        done = b->slot[s] &&
               (pio ? pt_dev_pio(&b->slot[s]->dev, (uint16_t)addr, len, write, data)
                    : pt_dev_mmio(&b->slot[s]->dev, addr, len, write, data));
    pthread_rwlock_unlock(&b->lock);
    return done;
}

bool passthrough_mmio(struct vm *vm, uint64_t gpa, unsigned len, bool write, uint8_t *data)
{
    return bus_access(vm, false, gpa, len, write, data);
}

bool passthrough_pio(struct vm *vm, uint16_t port, unsigned len, bool write, uint8_t *data)
{
    return bus_access(vm, true, port, len, write, data);
}

/* --- live update: the functions cross the exec (docs/pciback.md) ----- */

int passthrough_lu_check(struct vm *vm, char *msg, size_t len)
{
    struct pt_bus *b = vm->pt;
    int r = 0;

    if (!b)
        return 0;
    pthread_rwlock_rdlock(&b->lock);
    for (unsigned s = XK_PT_SLOT; s < XK_PT_SLOT_END && !r; s++) {
        struct vm_pt *p = b->slot[s];

        if (p && p->dev.src && !p->dev.src->ops->handover) {
            snprintf(msg, len, "00:%02x.0: a %s device cannot be handed over", s,
                     p->dev.src->ops->kind);
            r = -EBUSY;
        } else if (p && p->dev.dead) {
            /* Its emulation is rebuilt from the device's config space. */
            snprintf(msg, len, "00:%02x.0: its device is gone: detach it first", s);
            r = -EBUSY;
        } else if (p && b->detach_fd[s] >= 0) {
            snprintf(msg, len, "a removal of 00:%02x.0 is waiting for the guest", s);
            r = -EBUSY;
        }
    }
    pthread_rwlock_unlock(&b->lock);
    return r;
}

static void put_fd(struct ss_wr *w, int fd, pt_keep_fd_fn keep, void *arg)
{
    ss_put_u32(w, (uint32_t)fd);
    if (fd >= 0)
        keep(arg, fd);
}

int passthrough_save(struct vm *vm, struct ss_wr *w, pt_keep_fd_fn keep, void *arg)
{
    struct pt_bus *b = vm->pt;
    uint32_t n = 0;
    size_t at;
    int r = 0;

    ss_put_u8(w, b != NULL);
    if (!b)
        return 0;
    pthread_mutex_lock(&b->hp_lock);
    ss_put_u32(w, b->up);
    ss_put_u32(w, b->down);
    ss_put_u16(w, b->gpe_sts);
    ss_put_u16(w, b->gpe_en);
    pthread_mutex_unlock(&b->hp_lock);
    pthread_rwlock_rdlock(&b->lock);
    at = w->len;
    ss_put_u32(w, 0);
    for (unsigned s = XK_PT_SLOT; s < XK_PT_SLOT_END && !r; s++) {
        struct vm_pt *p = b->slot[s];

        if (!p || !p->dev.src || !p->dev.src->ops->handover) {
            r = p ? -EBUSY : 0;
            continue;
        }
        ss_put_u32(w, s);
        pthread_mutex_lock(&b->route_lock);
        for (unsigned v = 0; v < MAX_VECTORS; v++) {
            put_fd(w, p->vec_fd[v], keep, arg);
            ss_put_u8(w, p->vec_irqfd[v]);
            ss_put_u8(w, p->vec_routed[v]);
            ss_put_u64(w, p->vec_addr[v]);
            ss_put_u32(w, p->vec_data[v]);
        }
        pthread_mutex_unlock(&b->route_lock);
        put_fd(w, p->intx_trig, keep, arg);
        put_fd(w, p->intx_res, keep, arg);
        ss_put_u8(w, p->intx_irqfd);
        pt_dma_save(&p->dma, w);
        r = p->dev.src->ops->handover(p->dev.src, w, keep, arg);
        pt_dev_save(&p->dev, w);
        n++;
    }
    pthread_rwlock_unlock(&b->lock);
    ss_patch_u32(w, at, n);
    return r;
}

/* A kept eventfd: open, and closed at a later exec again. */
static bool kept_fd(struct ss_rd *r, int *out)
{
    int fd = (int)ss_get_u32(r);

    *out = -1;
    if (fd == -1)
        return true;
    if (!ss_check(r, fd >= 0 && fcntl(fd, F_SETFD, FD_CLOEXEC) == 0))
        return false;
    *out = fd;
    return true;
}

static void free_adopted(struct vm_pt *p)
{
    for (unsigned v = 0; v < MAX_VECTORS; v++)
        if (p->vec_fd[v] >= 0)
            close(p->vec_fd[v]);
    if (p->intx_trig >= 0)
        close(p->intx_trig);
    if (p->intx_res >= 0)
        close(p->intx_res);
    pt_dma_clear(&p->dma, false);
    free(p);
}

/* One function from the record: its eventfds, its source, its state. */
static int adopt_one(struct pt_bus *b, struct ss_rd *r, uint32_t version, char *msg)
{
    struct pt_devsrc *src = NULL;
    uint32_t slot = ss_get_u32(r);
    struct vm_pt *p;
    int rc;

    if (!ss_check(r, slot >= XK_PT_SLOT && slot < XK_PT_SLOT_END && !b->slot[slot]))
        return -EINVAL;
    if (!(p = calloc(1, sizeof(*p))))
        return -ENOMEM;
    p->bus = b;
    p->slot = slot;
    for (unsigned v = 0; v < MAX_VECTORS; v++)
        p->vec_fd[v] = -1;
    p->intx_trig = p->intx_res = -1;
    for (unsigned v = 0; v < MAX_VECTORS; v++) {
        kept_fd(r, &p->vec_fd[v]);
        p->vec_irqfd[v] = ss_get_u8(r) != 0;
        p->vec_routed[v] = ss_get_u8(r) != 0;
        p->vec_addr[v] = ss_get_u64(r);
        p->vec_data[v] = ss_get_u32(r);
    }
    kept_fd(r, &p->intx_trig);
    kept_fd(r, &p->intx_res);
    p->intx_irqfd = ss_get_u8(r) != 0;
    pt_dma_init(&p->dma, NULL, b->vm->mem_fd, b->vm->mem);
    if (version < 2) {
        /* An older VMM mapped low RAM at 0 and the rest at 4 GiB. */
        uint64_t low = ss_get_u64(r), high = ss_get_u64(r);

        ss_check(r, pt_dma_restore_v1(&p->dma, low, high) == 0);
    } else {
        pt_dma_restore(&p->dma, r);
    }
    if (r->bad || (rc = pt_devsrc_adopt(r, &src)) < 0 ||
        (rc = pt_dev_adopt(&p->dev, src, &host_ops, p, r)) < 0) {
        snprintf(msg, SS_MSG_LEN, "00:%02x.0: the device cannot be taken over", slot);
        free_adopted(p);
        r->bad = true;
        return -EINVAL;
    }
    p->dma.src = src;
    b->slot[slot] = p;
    log_info("passthrough: 00:%02x.0 taken over from the old VMM%s", slot,
             p->dev.dead ? " (its source had failed)" : "");
    return 0;
}

/* hvm_pirq: the vectors whose message is in Xen's pirq encoding are
 * watched again for their pirq (the evtchn part, restored before this
 * one, still holds the pirq as an MSI's). */
static void rewire_pirqs(struct pt_bus *b)
{
    for (unsigned s = XK_PT_SLOT; s < XK_PT_SLOT_END; s++) {
        struct vm_pt *p = b->slot[s];

        for (unsigned v = 0; p && v < MAX_VECTORS; v++) {
            int64_t pirq;
            unsigned sub;

            /* A vector never given a message (address 0) is left alone. */
            if (p->vec_routed[v] || p->vec_irqfd[v] || p->vec_fd[v] < 0 || !p->vec_addr[v])
                continue;
            /* MSI vector v (multi-message): pirq v after the message's. */
            sub = p->dev.msi_enabled && (p->vec_data[v] & 0xff) >= v ? v : 0;
            pirq = passthrough_pirq_msi_decode(b->vm, p->vec_addr[v], p->vec_data[v] - sub);
            if (pirq >= 0 && (pirq += sub) >= 0)
                passthrough_pirq_msix_watch(b->vm, s, v, p->vec_fd[v],
                                            pirq > UINT32_MAX ? UINT32_MAX : (uint32_t)pirq);
        }
    }
}

/* The new VM's routes and irqfds for the adopted functions: an eventfd the
 * device signalled during the update is pending, and KVM delivers it when
 * the irqfd is assigned. */
static void rewire(struct pt_bus *b)
{
    pthread_mutex_lock(&b->route_lock);
    routes_sync(b);
    for (unsigned s = XK_PT_SLOT; s < XK_PT_SLOT_END; s++) {
        struct vm_pt *p = b->slot[s];

        for (unsigned v = 0; p && v < MAX_VECTORS; v++) {
            struct kvm_irqfd f = { .fd = (uint32_t)p->vec_fd[v], .gsi = vec_gsi(p, v) };

            if (!p->vec_irqfd[v])
                continue;
            p->vec_irqfd[v] = p->vec_fd[v] >= 0 && ioctl(b->vm->vm_fd, KVM_IRQFD, &f) == 0;
            if (!p->vec_irqfd[v])
                log_warn("KVM_IRQFD 00:%02x.0 vector %u after live update:", s, v);
        }
    }
    pthread_mutex_unlock(&b->route_lock);
    rewire_pirqs(b);
    for (unsigned s = XK_PT_SLOT; s < XK_PT_SLOT_END; s++) {
        struct vm_pt *p = b->slot[s];
        struct kvm_irqfd f = { .gsi = passthrough_intx_gsi(s),
                               .flags = KVM_IRQFD_FLAG_RESAMPLE };

        if (!p || !p->intx_irqfd)
            continue;
        f.fd = (uint32_t)p->intx_trig;
        f.resamplefd = (uint32_t)p->intx_res;
        p->intx_irqfd = p->intx_trig >= 0 && p->intx_res >= 0 &&
                        ioctl(b->vm->vm_fd, KVM_IRQFD, &f) == 0;
        if (!p->intx_irqfd)
            log_warn("KVM_IRQFD 00:%02x.0 INTx after live update:", s);
    }
}

int passthrough_restore(struct vm *vm, struct ss_rd *r, uint32_t version, char *msg)
{
    struct pt_bus *b = vm->pt;
    uint32_t up, down, n;
    uint16_t sts, en;
    int rc = 0;

    if (!ss_get_u8(r))
        return 0;
    up = ss_get_u32(r);
    down = ss_get_u32(r);
    sts = ss_get_u16(r);
    en = ss_get_u16(r);
    n = ss_get_u32(r);
    if (!ss_check(r, n <= XK_PT_SLOT_END - XK_PT_SLOT))
        return -EINVAL;
    if (!b || b->pvh) {
        if (n)
            snprintf(msg, SS_MSG_LEN, "PCI functions for a domain without a PCI bus");
        return n ? -EINVAL : 0;
    }
    pthread_rwlock_wrlock(&b->lock);
    for (uint32_t i = 0; i < n && !rc; i++)
        rc = adopt_one(b, r, version, msg);
    pthread_rwlock_unlock(&b->lock);
    rewire(b);
    /* Each INTx is known to the pirq route again; one whose GSI the guest
     * mapped as a pirq leaves the IOAPIC for its port (gsi_sync). */
    for (unsigned s = XK_PT_SLOT; s < XK_PT_SLOT_END; s++)
        if (b->slot[s] && b->slot[s]->intx_trig >= 0)
            passthrough_pirq_intx_add(vm, s, passthrough_intx_gsi(s), b->slot[s]->intx_trig,
                                      b->slot[s]->intx_res);
    pthread_mutex_lock(&b->hp_lock);
    b->up = up;
    b->down = down;
    b->gpe_sts = sts;
    b->gpe_en = en;
    sci_update(b);
    pthread_mutex_unlock(&b->hp_lock);
    return rc;
}

/* --- DMA following the balloon (pciback/pt_dma.h) ------------------- */

static bool dma_live(const struct vm_pt *p)
{
    return p && p->dev.src && !p->dev.dead;
}

int passthrough_ram_release(struct vm *vm, uint64_t mpage, bool refuse_split)
{
    struct pt_bus *b = vm->pt;
    uint64_t off = mpage << XK_PAGE_SHIFT;
    int rc = 0, r;

    if (!b)
        return 0;
    pthread_rwlock_rdlock(&b->lock);
    for (unsigned s = XK_PT_SLOT; refuse_split && s < XK_PT_SLOT_END; s++) {
        struct vm_pt *p = b->slot[s];

        if (dma_live(p) && !pt_dma_can_remove(&p->dma, off, XK_PAGE_SIZE)) {
            if (!p->balloon_refused)
                log_warn("passthrough 00:%02x.0 (%s): its DMA mapping cannot follow the "
                         "balloon; decrease_reservation refused", s, p->dev.src->ops->kind);
            p->balloon_refused = true;
            rc = -EBUSY;
        }
    }
    for (unsigned s = XK_PT_SLOT; !rc && s < XK_PT_SLOT_END; s++) {
        struct vm_pt *p = b->slot[s];

        if (dma_live(p) && (r = pt_dma_remove(&p->dma, off, XK_PAGE_SIZE)) < 0 && r != -EPIPE)
            rc = r;
    }
    pthread_rwlock_unlock(&b->lock);
    return rc;
}

int passthrough_ram_map(struct vm *vm, uint64_t gfn, uint64_t mpage)
{
    struct pt_bus *b = vm->pt;
    int rc = 0, r;

    if (!b)
        return 0;
    pthread_rwlock_rdlock(&b->lock);
    for (unsigned s = XK_PT_SLOT; s < XK_PT_SLOT_END; s++) {
        struct vm_pt *p = b->slot[s];

        if (!dma_live(p))
            continue;
        r = pt_dma_add(&p->dma, gfn << XK_PAGE_SHIFT, XK_PAGE_SIZE, mpage << XK_PAGE_SHIFT);
        if (r < 0 && r != -EPIPE) {
            log_warn("passthrough 00:%02x.0: DMA map of gfn %#llx: %s", s,
                     (unsigned long long)gfn, strerror(-r));
            rc = r;
        }
    }
    pthread_rwlock_unlock(&b->lock);
    return rc;
}
