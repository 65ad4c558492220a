/* A passed-through function's emulation (pciback/pt_dev.c) over the test
 * device server: config space groups and masks, hidden capabilities,
 * permissive and power_mgmt, BAR sizing, mapping and moves, trapped BAR
 * access, the MSI-X table and its routes, INTx, multi-message MSI with
 * per-vector masks, an I/O BAR, a device that dies. */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "pciback/pt_dev.h"
#include "tests/pciback/testdev_regs.h"

static char server_path[PATH_MAX];
static pid_t server_pid;

/* The VMM side, recorded. */
static struct {
    int maps, unmaps;
    uint64_t map_gpa[6];
    void *map_hva[6];
    int msix_efd[TD_MSIX_VECTORS];
    uint64_t route_addr[TD_MSIX_VECTORS];
    uint32_t route_data[TD_MSIX_VECTORS];
    int routes, msi_routes;
    int intx_trig, intx_res;
} H;

static int h_map_bar(void *o, unsigned bar, uint64_t gpa, uint64_t size, void *hva)
{
    (void)o; (void)size;
    if (hva) {
        H.maps++;
        H.map_gpa[bar] = gpa;
        H.map_hva[bar] = hva;
    } else {
        H.unmaps++;
        H.map_hva[bar] = NULL;
    }
    return 0;
}

static int h_msix_fd(void *o, unsigned vec)
{
    (void)o;
    return vec < TD_MSIX_VECTORS ? H.msix_efd[vec] : -1;
}

static int h_msix_route(void *o, unsigned vec, uint64_t addr, uint32_t data)
{
    (void)o;
    if (vec < TD_MSIX_VECTORS) {
        H.route_addr[vec] = addr;
        H.route_data[vec] = data;
    }
    H.routes++;
    return 0;
}

static int h_msi_route(void *o, unsigned vec, uint64_t addr, uint32_t data)
{
    H.msi_routes++;
    return h_msix_route(o, vec, addr, data);
}

static void h_intx_fds(void *o, int *t, int *r)
{
    (void)o;
    *t = H.intx_trig;
    *r = H.intx_res;
}

static const struct pt_host_ops hops = { h_map_bar, h_msix_fd, h_msix_route, h_intx_fds,
                                         h_msi_route };

#define BAR_BASE 0xe0000000ull

/* The test device with FLAG1 and FLAG2 (NULL: none) on its command line. */
static bool start_with(struct pt_dev *d, const struct pt_options *opt, const char *flag1,
                       const char *flag2)
{
    struct pt_devsrc *s = NULL;
    int sv[2];

    memset(&H, 0, sizeof(H));
    for (unsigned i = 0; i < TD_MSIX_VECTORS; i++)
        H.msix_efd[i] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    H.intx_trig = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    H.intx_res = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
        return false;
    server_pid = fork();
    if (server_pid == 0) {
        char *argv[6] = { "vfu_testdev" };
        unsigned a = 1;

        dup2(sv[1], 3);
        if (flag1)
            argv[a++] = (char *)flag1;
        if (flag2)
            argv[a++] = (char *)flag2;
        argv[a++] = "--fd";
        argv[a++] = "3";
        execv(server_path, argv);
        _exit(127);
    }
    close(sv[1]);
    if (vfu_client_from_fd(sv[0], &s) < 0)
        return false;
    int r = pt_dev_init(d, s, opt, &hops, NULL, BAR_BASE);
    if (r < 0)
        printf("pt_dev_init: %s\n", strerror(-r));
    return r == 0;
}

static bool start_as(struct pt_dev *d, const struct pt_options *opt, bool msi)
{
    return start_with(d, opt, msi ? "--msi" : NULL, NULL);
}

static bool start(struct pt_dev *d, const struct pt_options *opt)
{
    return start_with(d, opt, NULL, NULL);
}

static void stop(struct pt_dev *d)
{
    int st;

    pt_dev_destroy(d);
    waitpid(server_pid, &st, 0);
    for (unsigned i = 0; i < TD_MSIX_VECTORS; i++)
        close(H.msix_efd[i]);
    close(H.intx_trig);
    close(H.intx_res);
}

/* The device's own config register, behind the emulation. */
static uint32_t dev_cfg(struct pt_dev *d, unsigned off, unsigned len)
{
    uint32_t v = 0;

    d->src->ops->region_read(d->src, VFIO_PCI_CONFIG_REGION_INDEX, off, &v, len);
    return v;
}

static int wait_fd(int fd)
{
    struct pollfd p = { fd, POLLIN, 0 };
    uint64_t v;

    if (poll(&p, 1, 60000) != 1)
        return -1;
    return read(fd, &v, sizeof(v)) == sizeof(v) ? (int)v : -1;
}

static bool fd_quiet(int fd)
{
    uint64_t v;

    return read(fd, &v, sizeof(v)) < 0 && errno == EAGAIN;
}

static uint32_t mmio_read(struct pt_dev *d, uint64_t gpa)
{
    uint32_t v = 0;

    if (!pt_dev_mmio(d, gpa, 4, false, (uint8_t *)&v))
        return 0xbadbad;
    return v;
}

static bool mmio_write(struct pt_dev *d, uint64_t gpa, uint32_t v)
{
    return pt_dev_mmio(d, gpa, 4, true, (uint8_t *)&v);
}

static void config_groups(void)
{
    struct pt_dev d;

    CHECK(start(&d, NULL));
    CHECK_EQ(pt_dev_cfg_read(&d, 0, 4), TD_VENDOR | TD_DEVICE << 16);
    /* Read-only header fields. */
    pt_dev_cfg_write(&d, 0, 4, 0);
    pt_dev_cfg_write(&d, 0x08, 4, 0x12345678);
    CHECK_EQ(pt_dev_cfg_read(&d, 0, 2), TD_VENDOR);
    CHECK_EQ(pt_dev_cfg_read(&d, 0x0b, 1), 0xff);
    /* Capabilities: PM -> MSI-X -> PCIe, the vendor one unlinked. */
    CHECK(pt_dev_cfg_read(&d, 0x06, 2) & 0x10);
    CHECK_EQ(pt_dev_cfg_read(&d, 0x34, 1), TD_CAP_PM);
    CHECK_EQ(pt_dev_cfg_read(&d, TD_CAP_PM + 1, 1), TD_CAP_MSIX);
    CHECK_EQ(pt_dev_cfg_read(&d, TD_CAP_MSIX + 1, 1), TD_CAP_EXP);
    CHECK_EQ(pt_dev_cfg_read(&d, TD_CAP_EXP + 1, 1), 0);
    CHECK_EQ(pt_dev_cfg_read(&d, TD_CAP_VNDR, 2), 0);
    CHECK_EQ(pt_dev_cfg_read(&d, 0x100, 4), 0);                 /* no extended caps */
    /* The capability pointer and the chain are not the guest's to change. */
    pt_dev_cfg_write(&d, 0x34, 1, 0x80);
    pt_dev_cfg_write(&d, TD_CAP_EXP + 1, 1, 0x80);
    CHECK_EQ(pt_dev_cfg_read(&d, 0x34, 1), TD_CAP_PM);
    CHECK_EQ(pt_dev_cfg_read(&d, TD_CAP_EXP + 1, 1), 0);
    /* Emulated and writable: interrupt line, latency timer. */
    pt_dev_cfg_write(&d, 0x3c, 1, 11);
    CHECK_EQ(pt_dev_cfg_read(&d, 0x3c, 1), 11);
    /* Passed through and writable: PCIe device control. */
    pt_dev_cfg_write(&d, TD_CAP_EXP + 8, 2, 0x2810);
    CHECK_EQ(dev_cfg(&d, TD_CAP_EXP + 8, 2), 0x2810);
    /* PMCSR without power_mgmt: the guest's D3 never reaches the device. */
    pt_dev_cfg_write(&d, TD_CAP_PM + 4, 2, 3);
    CHECK_EQ(dev_cfg(&d, TD_CAP_PM + 4, 2) & 3, 0);
    CHECK_EQ(pt_dev_cfg_read(&d, TD_CAP_PM + 4, 2) & 3, 0);
    /* Not permissive: a register no group describes is not written. */
    pt_dev_cfg_write(&d, TD_CAP_VNDR + 4, 4, 0x11111111);
    CHECK_EQ(dev_cfg(&d, TD_CAP_VNDR + 4, 4), 0x5ec12e7);
    /* Hostile shapes: misaligned, odd sizes, past 4 KiB: ignored. */
    pt_dev_cfg_write(&d, 0x3d, 2, 0xffff);
    pt_dev_cfg_write(&d, 0x3c, 3, 0xffffff);
    pt_dev_cfg_write(&d, 5000, 4, 0);
    CHECK_EQ(pt_dev_cfg_read(&d, 0x3c, 1), 11);
    CHECK_EQ(pt_dev_cfg_read(&d, 0x3d, 2), 0xffffffffu);
    stop(&d);

    struct pt_options opt = { .permissive = true, .power_mgmt = true };
    CHECK(start(&d, &opt));
    pt_dev_cfg_write(&d, TD_CAP_VNDR + 4, 4, 0x11111111);
    CHECK_EQ(dev_cfg(&d, TD_CAP_VNDR + 4, 4), 0x11111111);
    pt_dev_cfg_write(&d, TD_CAP_PM + 4, 2, 3);
    CHECK_EQ(dev_cfg(&d, TD_CAP_PM + 4, 2) & 3, 3);
    stop(&d);
}

static void bars(void)
{
    struct pt_dev d;
    uint64_t bar2;

    CHECK(start(&d, NULL));
    /* Placed at start, each aligned to its size; sized by all ones. */
    CHECK_EQ(pt_dev_cfg_read(&d, 0x10, 4), BAR_BASE);
    bar2 = pt_dev_cfg_read(&d, 0x18, 4) & ~0xfull;
    CHECK_EQ(bar2 % TD_BAR2_SIZE, 0);
    CHECK_EQ(pt_dev_cfg_read(&d, 0x18, 4) & 0xf, 0x8);
    pt_dev_cfg_write(&d, 0x10, 4, 0xffffffff);
    CHECK_EQ(pt_dev_cfg_read(&d, 0x10, 4), (uint32_t)~(TD_BAR0_SIZE - 1));
    pt_dev_cfg_write(&d, 0x10, 4, (uint32_t)BAR_BASE);
    CHECK_EQ(pt_dev_cfg_read(&d, 0x14, 4), 0);                  /* BAR1: none */
    pt_dev_cfg_write(&d, 0x14, 4, 0xffffffff);
    CHECK_EQ(pt_dev_cfg_read(&d, 0x14, 4), 0);
    /* Decoding off: nothing mapped, MMIO not ours. */
    CHECK_EQ(H.maps, 0);
    CHECK(!mmio_write(&d, BAR_BASE + TD_SCRATCH, 1));
    /* Memory decoding on: BAR2 (mmap-able) mapped; BAR0 (holds the MSI-X
     * table) stays trapped. */
    pt_dev_cfg_write(&d, 0x04, 2, 0x6);
    CHECK_EQ(dev_cfg(&d, 0x04, 2), 0x6);
    CHECK_EQ(H.maps, 1);
    CHECK_EQ(H.map_gpa[2], bar2);
    CHECK(H.map_hva[2] != NULL);
    CHECK(H.map_hva[0] == NULL);
    /* Trapped BAR0 access reaches the device's registers. */
    CHECK(mmio_write(&d, BAR_BASE + TD_SCRATCH, 0xcafe));
    CHECK_EQ(mmio_read(&d, BAR_BASE + TD_SCRATCH), 0xcafe);
    CHECK_EQ(mmio_read(&d, BAR_BASE + TD_ID), TD_ID_VALUE);
    /* The guest moves BAR2: unmapped there, mapped here. */
    pt_dev_cfg_write(&d, 0x18, 4, 0xd0000000u);
    CHECK_EQ(H.unmaps, 1);
    CHECK_EQ(H.maps, 2);
    CHECK_EQ(H.map_gpa[2], 0xd0000000u);
    /* BAR0 moved: the old address is no longer the device's. */
    pt_dev_cfg_write(&d, 0x10, 4, 0xd1000000u);
    CHECK(!mmio_write(&d, BAR_BASE + TD_SCRATCH, 1));
    CHECK_EQ(mmio_read(&d, 0xd1000000u + TD_SCRATCH), 0xcafe);
    /* Decoding off again: unmapped. */
    pt_dev_cfg_write(&d, 0x04, 2, 0);
    CHECK_EQ(H.unmaps, 2);
    stop(&d);
}

static void msix_and_intx(void)
{
    struct pt_dev d;
    uint64_t t = BAR_BASE + TD_MSIX_TABLE;

    CHECK(start(&d, NULL));
    pt_dev_cfg_write(&d, 0x04, 2, 0x6);
    /* MSI-X off: INTx is bound to the VMM's trigger eventfd. */
    CHECK(mmio_write(&d, BAR_BASE + TD_IRQ_RAISE, 0));
    CHECK_EQ(wait_fd(H.intx_trig), 1);
    CHECK(mmio_write(&d, BAR_BASE + TD_INTX_STATUS, 1));
    /* The guest programs vector 0 and 2 and enables MSI-X. */
    CHECK(mmio_write(&d, t + 0, 0xfee00000));
    CHECK(mmio_write(&d, t + 8, 0x41));
    CHECK(mmio_write(&d, t + 12, 0));
    CHECK(mmio_write(&d, t + 32, 0xfee01000));
    CHECK(mmio_write(&d, t + 40, 0x42));
    CHECK(mmio_write(&d, t + 44, 0));
    CHECK_EQ(mmio_read(&d, t + 8), 0x41);            /* the table is ours */
    CHECK_EQ(mmio_read(&d, t + 12 + 16), 1);         /* vector 1: masked */
    pt_dev_cfg_write(&d, TD_CAP_MSIX + 2, 2, 0x8000);
    CHECK(pt_dev_cfg_read(&d, TD_CAP_MSIX + 2, 2) & 0x8000);
    CHECK_EQ(H.route_addr[0], 0xfee00000);
    CHECK_EQ(H.route_data[0], 0x41);
    CHECK_EQ(H.route_data[2], 0x42);
    CHECK(mmio_write(&d, BAR_BASE + TD_IRQ_RAISE, 2));
    CHECK_EQ(wait_fd(H.msix_efd[2]), 1);
    /* Masked vector 1: nothing reaches the VMM. */
    CHECK(mmio_write(&d, BAR_BASE + TD_IRQ_RAISE, 1));
    CHECK(fd_quiet(H.msix_efd[1]));
    /* A DMA completion interrupt on vector 0. */
    CHECK(mmio_write(&d, BAR_BASE + TD_IRQ_RAISE, 0));
    CHECK_EQ(wait_fd(H.msix_efd[0]), 1);
    /* New data for a live vector: routed again. */
    int before = H.routes;
    CHECK(mmio_write(&d, t + 8, 0x51));
    CHECK(H.routes > before);
    CHECK_EQ(H.route_data[0], 0x51);
    /* Function mask: all quiet; INTx stays off while MSI-X is enabled. */
    pt_dev_cfg_write(&d, TD_CAP_MSIX + 2, 2, 0xc000);
    CHECK(mmio_write(&d, BAR_BASE + TD_IRQ_RAISE, 0));
    CHECK(fd_quiet(H.msix_efd[0]));
    CHECK(fd_quiet(H.intx_trig));
    /* Hostile table accesses: odd sizes, past the table. */
    uint8_t b[16];
    memset(b, 0, sizeof(b));
    CHECK(pt_dev_mmio(&d, t + 1, 2, true, b));
    CHECK(pt_dev_mmio(&d, t + 16 * TD_MSIX_VECTORS - 4, 16, false, b));
    CHECK_EQ(b[0], 0xff);
    CHECK_EQ(mmio_read(&d, t + 0), 0xfee00000);
    stop(&d);
}

/* Plain MSI (vfu_testdev --msi): the guest's address and data become
 * the route of vector 0, the device's MSI is bound to its eventfd, INTx is
 * off while MSI is on and back after. */
static void msi(void)
{
    struct pt_dev d;
    unsigned c = TD_CAP_MSIX;

    CHECK(start_as(&d, NULL, true));
    CHECK_EQ(d.msi_cap, c);
    CHECK_EQ(d.msix_cap, 0);
    CHECK_EQ(pt_dev_cfg_read(&d, c, 1), 0x05);
    CHECK_EQ(pt_dev_cfg_read(&d, c + 2, 2), 0x0080);  /* 64-bit, one message */
    pt_dev_cfg_write(&d, 0x04, 2, 0x6);
    CHECK(mmio_write(&d, BAR_BASE + TD_IRQ_RAISE, 0));  /* off: INTx */
    CHECK_EQ(wait_fd(H.intx_trig), 1);
    CHECK(mmio_write(&d, BAR_BASE + TD_INTX_STATUS, 1));
    CHECK_EQ(write(H.intx_res, &(uint64_t){ 1 }, 8), 8);  /* the EOI's resample */
    pt_dev_cfg_write(&d, c + 4, 4, 0xfee02000);
    pt_dev_cfg_write(&d, c + 8, 4, 0);
    pt_dev_cfg_write(&d, c + 12, 2, 0x45);
    CHECK_EQ(H.routes, 0);                              /* not enabled yet */
    pt_dev_cfg_write(&d, c + 2, 2, 0x71);               /* MME bits: read-only */
    CHECK_EQ(pt_dev_cfg_read(&d, c + 2, 2), 0x0081);
    CHECK(d.msi_bound);
    CHECK_EQ(H.route_addr[0], 0xfee02000);
    CHECK_EQ(H.route_data[0], 0x45);
    CHECK(mmio_write(&d, BAR_BASE + TD_IRQ_RAISE, 0));
    CHECK_EQ(wait_fd(H.msix_efd[0]), 1);
    CHECK(fd_quiet(H.intx_trig));
    /* New data while enabled: routed again. */
    pt_dev_cfg_write(&d, c + 12, 2, 0x46);
    CHECK_EQ(H.route_data[0], 0x46);
    /* Off: unbound, INTx again. */
    pt_dev_cfg_write(&d, c + 2, 2, 0);
    CHECK(!d.msi_bound);
    CHECK(mmio_write(&d, BAR_BASE + TD_IRQ_RAISE, 0));
    CHECK(fd_quiet(H.msix_efd[0]));
    CHECK_EQ(wait_fd(H.intx_trig), 1);
    stop(&d);
}

/* Multi-message MSI (vfu_testdev --msi4: MMC 4, 64-bit, per-vector
 * masks): MME picks 1, 2 or 4 vectors, vector i is routed with the data's
 * low bits replaced by i and fires its own eventfd; an MME above MMC is
 * taken as MMC (QEMU); a masked vector stays quiet, its pending bit (the
 * device's) shows, and it fires when unmasked. */
static void msi_multi(void)
{
    struct pt_dev d;
    unsigned c = TD_CAP_MSI4;

    CHECK(start_with(&d, NULL, "--msi4", NULL));
    CHECK_EQ(d.msi_cap, c);
    CHECK_EQ(d.msi_mmc, 2);
    CHECK(d.msi_pvm);
    CHECK_EQ(pt_dev_cfg_read(&d, TD_CAP_PM + 1, 1), c);
    CHECK_EQ(pt_dev_cfg_read(&d, c + 1, 1), TD_CAP_EXP);
    CHECK_EQ(pt_dev_cfg_read(&d, c + 2, 2), 0x0184);    /* PVM, 64-bit, MMC 4 */
    pt_dev_cfg_write(&d, 0x04, 2, 0x6);
    pt_dev_cfg_write(&d, c + 4, 4, 0xfee01000);
    pt_dev_cfg_write(&d, c + 8, 4, 0);
    pt_dev_cfg_write(&d, c + 12, 2, 0x43);              /* low bits: replaced */
    for (unsigned mme = 0; mme <= 2; mme++) {
        unsigned n = 1u << mme;

        H.msi_routes = 0;
        pt_dev_cfg_write(&d, c + 2, 2, 0x1 | mme << 4);
        CHECK_EQ(pt_dev_cfg_read(&d, c + 2, 2), 0x0185 | mme << 4);
        CHECK_EQ(d.msi_bound, n);
        CHECK_EQ(H.msi_routes, n);
        for (unsigned i = 0; i < n; i++) {
            CHECK_EQ(H.route_addr[i], 0xfee01000);
            CHECK_EQ(H.route_data[i], (0x43u & ~(n - 1)) | i);
        }
        for (unsigned i = 0; i < n; i++) {
            CHECK(mmio_write(&d, BAR_BASE + TD_IRQ_RAISE, i));
            CHECK_EQ(wait_fd(H.msix_efd[i]), 1);
            for (unsigned j = 0; j < TD_MSI_VECTORS; j++)
                CHECK(fd_quiet(H.msix_efd[j]));
        }
        CHECK(fd_quiet(H.intx_trig));
        pt_dev_cfg_write(&d, c + 2, 2, 0);
        CHECK_EQ(d.msi_bound, 0);
    }
    /* Hostile: MME 7 (128 vectors) on a device capable of 4. */
    pt_dev_cfg_write(&d, c + 2, 2, 0x71);
    CHECK_EQ(pt_dev_cfg_read(&d, c + 2, 2), 0x01a5);
    CHECK_EQ(d.msi_bound, 4);
    /* Mask bits: only those of the 4 vectors are writable. */
    pt_dev_cfg_write(&d, c + 16, 4, 0xffffffff);
    CHECK_EQ(pt_dev_cfg_read(&d, c + 16, 4), 0xf);
    pt_dev_cfg_write(&d, c + 16, 4, 0x2);
    CHECK_EQ(d.msi_bound_mask, 0xd);
    CHECK(mmio_write(&d, BAR_BASE + TD_IRQ_RAISE, 1));
    CHECK(mmio_write(&d, BAR_BASE + TD_IRQ_RAISE, 2));
    CHECK_EQ(wait_fd(H.msix_efd[2]), 1);
    CHECK(fd_quiet(H.msix_efd[1]));
    CHECK_EQ(pt_dev_cfg_read(&d, c + 20, 4), 0x2);      /* the device's pending bit */
    pt_dev_cfg_write(&d, c + 20, 4, 0);                 /* read-only */
    CHECK_EQ(pt_dev_cfg_read(&d, c + 20, 4), 0x2);
    pt_dev_cfg_write(&d, c + 16, 4, 0);
    CHECK_EQ(wait_fd(H.msix_efd[1]), 1);                /* delivered at unmask */
    CHECK_EQ(pt_dev_cfg_read(&d, c + 20, 4), 0);
    pt_dev_cfg_write(&d, c + 2, 2, 0);
    CHECK(mmio_write(&d, BAR_BASE + TD_IRQ_RAISE, 0));  /* off: INTx again */
    CHECK_EQ(wait_fd(H.intx_trig), 1);
    stop(&d);
}

/* Live update with multi-message MSI on: the new VMM's function over the
 * same source takes the emulated state back (4 vectors bound, vector 1
 * masked) without touching the device, whose bindings still deliver; a
 * record claiming 3 bound vectors (not a power of two) is refused. */
static void msi_multi_handover(void)
{
    struct pt_dev d, n;
    struct ss_wr w = { 0 };
    struct ss_rd r;
    unsigned c = TD_CAP_MSI4;
    size_t at;
    int st;

    CHECK(start_with(&d, NULL, "--msi4", NULL));
    pt_dev_cfg_write(&d, 0x04, 2, 0x6);
    pt_dev_cfg_write(&d, c + 4, 4, 0xfee00000);
    pt_dev_cfg_write(&d, c + 12, 2, 0x60);
    pt_dev_cfg_write(&d, c + 16, 4, 0x2);
    pt_dev_cfg_write(&d, c + 2, 2, 0x21);
    CHECK_EQ(d.msi_bound_mask, 0xd);
    pt_dev_save(&d, &w);
    r = ss_rd_init(w.p, w.len);
    H.routes = 0;
    CHECK_EQ(pt_dev_adopt(&n, d.src, &hops, NULL, &r), 0);
    CHECK(!r.bad);
    CHECK(n.msi_enabled);
    CHECK_EQ(n.msi_bound, 4);
    CHECK_EQ(n.msi_bound_mask, 0xd);
    CHECK_EQ(pt_dev_cfg_read(&n, c + 2, 2), 0x01a5);
    CHECK_EQ(pt_dev_cfg_read(&n, c + 16, 4), 0x2);
    CHECK_EQ(H.routes, 0);                              /* nothing rebound */
    CHECK(mmio_write(&n, BAR_BASE + TD_IRQ_RAISE, 3));
    CHECK_EQ(wait_fd(H.msix_efd[3]), 1);
    stop(&n);                           /* d's source was n's */
    pthread_mutex_destroy(&d.lock);
    /* The same record with 3 vectors bound (not a power of two), over a
     * fresh device: refused, and the source closed. */
    at = w.len - 2;                     /* msi_bound, then intx_bound */
    CHECK_EQ(w.p[at], 4);
    w.p[at] = 3;
    CHECK(start_with(&d, NULL, "--msi4", NULL));
    r = ss_rd_init(w.p, w.len);
    CHECK_EQ(pt_dev_adopt(&n, d.src, &hops, NULL, &r), -EINVAL);
    waitpid(server_pid, &st, 0);        /* it saw its client go */
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    pthread_mutex_destroy(&d.lock);
    for (unsigned i = 0; i < TD_MSIX_VECTORS; i++)
        close(H.msix_efd[i]);
    close(H.intx_trig);
    close(H.intx_res);
    ss_wr_free(&w);
}

static uint32_t pio_read(struct pt_dev *d, uint16_t port, unsigned len)
{
    uint32_t v = 0;

    if (!pt_dev_pio(d, port, len, false, (uint8_t *)&v))
        return 0xbadbad;
    return v;
}

static bool pio_write(struct pt_dev *d, uint16_t port, unsigned len, uint32_t v)
{
    return pt_dev_pio(d, port, len, true, (uint8_t *)&v);
}

/* An I/O BAR (vfu_testdev --iobar: BAR4, 32 bytes): placed, sized, moved,
 * decoded only with the command register's I/O enable, accesses of 1, 2
 * and 4 bytes forwarded to the region. */
static void io_bar(void)
{
    struct pt_dev d;

    CHECK(start_with(&d, NULL, "--iobar", NULL));
    CHECK_EQ(d.bar[4].size, TD_BAR4_SIZE);
    CHECK_EQ(pt_dev_cfg_read(&d, 0x20, 4), 0x1);        /* unassigned */
    pt_dev_place_io(&d, 0xd000, 0x100);
    CHECK_EQ(pt_dev_cfg_read(&d, 0x20, 4), 0xd001);
    pt_dev_cfg_write(&d, 0x20, 4, 0xffffffff);          /* sizing */
    CHECK_EQ(pt_dev_cfg_read(&d, 0x20, 4), ~(TD_BAR4_SIZE - 1u) | 1);
    pt_dev_cfg_write(&d, 0x20, 4, 0xd000);
    CHECK_EQ(pt_dev_cfg_read(&d, 0x20, 4), 0xd001);
    /* Decoding off: not the function's (the bus reads all ones). */
    CHECK(!pt_dev_pio(&d, 0xd000, 4, false, (uint8_t *)&(uint32_t){ 0 }));
    pt_dev_cfg_write(&d, 0x04, 2, 0x1);
    CHECK_EQ(pio_read(&d, 0xd000 + TD_IO_ID, 4), TD_IO_ID_VALUE);
    CHECK_EQ(pio_read(&d, 0xd000 + TD_IO_ID + 2, 2), TD_IO_ID_VALUE >> 16);
    CHECK(pio_write(&d, 0xd000 + TD_IO_SCRATCH, 4, 0x11223344));
    CHECK(pio_write(&d, 0xd000 + TD_IO_SCRATCH + 1, 1, 0xaa));
    CHECK_EQ(pio_read(&d, 0xd000 + TD_IO_SCRATCH, 4), 0x1122aa44);
    CHECK_EQ(pio_read(&d, 0xd000 + TD_IO_COUNT, 4), 2);
    /* Memory BARs stay off with only I/O decoding on. */
    CHECK(!pt_dev_mmio(&d, BAR_BASE + TD_ID, 4, false, (uint8_t *)&(uint32_t){ 0 }));
    /* An access running past the BAR's end: all ones, nothing sent. */
    CHECK_EQ(pio_read(&d, 0xd000 + TD_BAR4_SIZE - 2, 4), 0xffffffffu);
    CHECK(pio_write(&d, 0xd000 + TD_BAR4_SIZE - 2, 4, 0));
    CHECK_EQ(pio_read(&d, 0xd000 + TD_IO_COUNT, 4), 2);
    /* Moved: the new ports decode, the old ones no longer. */
    pt_dev_cfg_write(&d, 0x20, 4, 0xd120);
    CHECK_EQ(pio_read(&d, 0xd120 + TD_IO_SCRATCH, 4), 0x1122aa44);
    CHECK(!pt_dev_pio(&d, 0xd000, 4, false, (uint8_t *)&(uint32_t){ 0 }));
    /* Beyond 64 KiB of port space: decodes nowhere. */
    pt_dev_cfg_write(&d, 0x20, 4, 0x10000);
    CHECK_EQ(pt_dev_cfg_read(&d, 0x20, 4), 0x10001);
    CHECK(!pt_dev_pio(&d, 0x0000, 4, false, (uint8_t *)&(uint32_t){ 0 }));
    pt_dev_cfg_write(&d, 0x20, 4, 0xd000);
    /* A dead device reads all ones through the BAR. */
    kill(server_pid, SIGKILL);
    CHECK_EQ(pio_read(&d, 0xd000 + TD_IO_ID, 4), 0xffffffffu);
    CHECK(d.dead);
    stop(&d);
}

static void device_dies(void)
{
    struct pt_dev d;
    int st;

    CHECK(start(&d, NULL));
    pt_dev_cfg_write(&d, 0x04, 2, 0x6);
    CHECK_EQ(mmio_read(&d, BAR_BASE + TD_ID), TD_ID_VALUE);
    kill(server_pid, SIGKILL);
    waitpid(server_pid, &st, 0);
    /* Reads see all ones, writes vanish, nothing blocks or crashes. */
    CHECK_EQ(mmio_read(&d, BAR_BASE + TD_ID), 0xffffffffu);
    CHECK(mmio_write(&d, BAR_BASE + TD_SCRATCH, 1));
    CHECK_EQ(pt_dev_cfg_read(&d, 0, 4), 0xffffffffu);
    pt_dev_cfg_write(&d, 0x04, 2, 0);
    pt_dev_cfg_write(&d, TD_CAP_MSIX + 2, 2, 0x8000);
    CHECK(d.dead);
    server_pid = 0;
    pt_dev_destroy(&d);
    for (unsigned i = 0; i < TD_MSIX_VECTORS; i++)
        close(H.msix_efd[i]);
    close(H.intx_trig);
    close(H.intx_res);
}

int main(void)
{
    char self[PATH_MAX - 64];
    ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

    signal(SIGPIPE, SIG_IGN);
    if (n <= 0)
        return 1;
    self[n] = '\0';
    *strrchr(self, '/') = '\0';
    snprintf(server_path, sizeof(server_path), "%s/../pciback/vfu_testdev", self);
    RUN(config_groups);
    RUN(bars);
    RUN(msix_and_intx);
    RUN(msi);
    RUN(msi_multi);
    RUN(msi_multi_handover);
    RUN(io_bar);
    RUN(device_dies);
    return CHECK_DONE();
}
