/* The vfio-user device source (pciback/vfio_user.c) against the test
 * device server (tests/pciback/vfu_testdev) in a child process, and
 * against hostile servers that break the protocol. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "pciback/devsrc.h"
#include "pciback/vfu_msg.h"
#include "tests/pciback/testdev_regs.h"

static char server_path[PATH_MAX];
static pid_t server_pid;

static struct pt_devsrc *start_server(void)
{
    struct pt_devsrc *s = NULL;
    int sv[2];

    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
        return NULL;
    server_pid = fork();
    if (server_pid == 0) {
        dup2(sv[1], 3);
        execl(server_path, "vfu_testdev", "--fd", "3", (char *)NULL);
        _exit(127);
    }
    close(sv[1]);
    if (vfu_client_from_fd(sv[0], &s) < 0)
        return NULL;
    return s;
}

static void stop_server(struct pt_devsrc *s)
{
    int st;

    pt_devsrc_close(s);     /* the server exits when its client hangs up */
    waitpid(server_pid, &st, 0);
}

static uint32_t reg_read(struct pt_devsrc *s, uint32_t off)
{
    uint32_t v = 0xdeadbeef;

    if (s->ops->region_read(s, VFIO_PCI_BAR0_REGION_INDEX, off, &v, 4) != 4)
        return 0xdeadbeef;
    return v;
}

static int reg_write(struct pt_devsrc *s, uint32_t off, uint64_t v, uint32_t len)
{
    return s->ops->region_write(s, VFIO_PCI_BAR0_REGION_INDEX, off, &v, len);
}

/* Wait for an eventfd to be signalled (poll without a deadline that could
 * fail under load: a minute means the signal was lost). */
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

static void info_and_regions(void)
{
    struct pt_devsrc *s = start_server();
    struct pt_dev_info di;
    struct pt_region_info ri;
    struct pt_irq_info ii;

    CHECK(s);
    if (!s)
        return;
    CHECK_EQ(s->ops->get_info(s, &di), 0);
    CHECK(di.flags & VFIO_DEVICE_FLAGS_PCI);
    CHECK(di.flags & VFIO_DEVICE_FLAGS_RESET);
    CHECK_EQ(di.num_regions, VFIO_PCI_NUM_REGIONS);
    CHECK_EQ(s->ops->region_info(s, VFIO_PCI_BAR0_REGION_INDEX, &ri), 0);
    CHECK_EQ(ri.size, TD_BAR0_SIZE);
    CHECK(!(ri.flags & VFIO_REGION_INFO_FLAG_MMAP));
    CHECK_EQ(s->ops->region_info(s, VFIO_PCI_BAR2_REGION_INDEX, &ri), 0);
    CHECK_EQ(ri.size, TD_BAR2_SIZE);
    CHECK(ri.flags & VFIO_REGION_INFO_FLAG_MMAP);
    CHECK_EQ(s->ops->region_info(s, VFIO_PCI_BAR1_REGION_INDEX, &ri), 0);
    CHECK_EQ(ri.size, 0);
    CHECK_EQ(s->ops->region_info(s, VFIO_PCI_CONFIG_REGION_INDEX, &ri), 0);
    CHECK_EQ(ri.size, 256);
    CHECK_EQ(s->ops->region_info(s, 99, &ri), -EINVAL);
    CHECK_EQ(s->ops->irq_info(s, VFIO_PCI_MSIX_IRQ_INDEX, &ii), 0);
    CHECK_EQ(ii.count, TD_MSIX_VECTORS);
    CHECK_EQ(s->ops->irq_info(s, VFIO_PCI_INTX_IRQ_INDEX, &ii), 0);
    CHECK(ii.flags & VFIO_IRQ_INFO_AUTOMASKED);
    stop_server(s);
}

static void config_and_bar0(void)
{
    struct pt_devsrc *s = start_server();
    uint32_t id = 0;
    uint8_t bad[8];

    CHECK(s);
    if (!s)
        return;
    CHECK_EQ(s->ops->region_read(s, VFIO_PCI_CONFIG_REGION_INDEX, 0, &id, 4), 4);
    CHECK_EQ(id, TD_VENDOR | TD_DEVICE << 16);
    CHECK_EQ(reg_read(s, TD_ID), TD_ID_VALUE);
    CHECK_EQ(reg_write(s, TD_ID, 0, 4), 4);
    CHECK_EQ(reg_read(s, TD_ID), TD_ID_VALUE);      /* read-only */
    CHECK_EQ(reg_write(s, TD_SCRATCH, 0x12345678, 4), 4);
    CHECK_EQ(reg_read(s, TD_SCRATCH), 0x12345678);
    /* Out of the region: the server's EINVAL, the connection lives on. */
    CHECK_EQ(s->ops->region_read(s, VFIO_PCI_BAR0_REGION_INDEX, TD_BAR0_SIZE - 4, bad, 8),
             -EINVAL);
    CHECK_EQ(s->ops->region_read(s, VFIO_PCI_BAR1_REGION_INDEX, 0, bad, 4), -EINVAL);
    CHECK_EQ(reg_read(s, TD_SCRATCH), 0x12345678);
    CHECK_EQ(s->ops->reset(s), 0);
    CHECK_EQ(reg_read(s, TD_SCRATCH), 0);
    stop_server(s);
}

static void bar2_mmap(void)
{
    struct pt_devsrc *s = start_server();
    uint8_t *m = NULL;
    uint32_t v = 0;

    CHECK(s);
    if (!s)
        return;
    CHECK_EQ(s->ops->region_mmap(s, VFIO_PCI_BAR2_REGION_INDEX, (void **)&m), 0);
    CHECK_EQ(s->ops->region_mmap(s, VFIO_PCI_BAR0_REGION_INDEX, (void **)&m), -ENOTSUP);
    CHECK_EQ(s->ops->region_mmap(s, VFIO_PCI_BAR2_REGION_INDEX, (void **)&m), 0);
    if (m) {
        memcpy(m + 0x100, "\x11\x22\x33\x44", 4);
        CHECK_EQ(s->ops->region_read(s, VFIO_PCI_BAR2_REGION_INDEX, 0x100, &v, 4), 4);
        CHECK_EQ(v, 0x44332211);
        v = 0xa5a5a5a5;
        CHECK_EQ(s->ops->region_write(s, VFIO_PCI_BAR2_REGION_INDEX, 0xfffc, &v, 4), 4);
        CHECK_EQ(m[0xffff], 0xa5);
    }
    stop_server(s);
}

/* Guest memory as the VMM has it: a memfd mapped here, handed over by fd. */
struct mem { int fd; uint8_t *p; size_t size; };

static bool mem_new(struct mem *m, size_t size)
{
    m->size = size;
    m->fd = memfd_create("guest", MFD_CLOEXEC);
    if (m->fd < 0 || ftruncate(m->fd, (off_t)size) < 0)
        return false;
    m->p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, m->fd, 0);
    return m->p != MAP_FAILED;
}

static void mem_free(struct mem *m)
{
    munmap(m->p, m->size);
    close(m->fd);
}

#define IOVA 0x100000ull

static int dma(struct pt_devsrc *s, uint64_t src, uint64_t dst, uint32_t len, uint32_t cmd)
{
    reg_write(s, TD_STATUS, TD_ST_DONE | TD_ST_ERROR, 4);
    reg_write(s, TD_DMA_SRC, src, 8);
    reg_write(s, TD_DMA_DST, dst, 8);
    reg_write(s, TD_DMA_LEN, len, 4);
    return reg_write(s, TD_DMA_CMD, TD_CMD_START | cmd, 4);
}

static void dma_and_msix(void)
{
    struct pt_devsrc *s = start_server();
    struct mem m;
    int efd[TD_MSIX_VECTORS];

    CHECK(s);
    CHECK(mem_new(&m, 1 << 20));
    if (!s)
        return;
    for (unsigned i = 0; i < TD_MSIX_VECTORS; i++)
        efd[i] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    /* The second half of guest memory at IOVA, writable. */
    CHECK_EQ(s->ops->dma_map(s, IOVA, 512 << 10, m.fd, 512 << 10, m.p + (512 << 10), true), 0);
    CHECK_EQ(s->ops->dma_map(s, IOVA, 4096, m.fd, 0, m.p, true), -EEXIST);
    CHECK_EQ(s->ops->irq_set_eventfds(s, VFIO_PCI_MSIX_IRQ_INDEX, 0, TD_MSIX_VECTORS, efd), 0);
    for (unsigned i = 0; i < 8192; i++)
        m.p[(512 << 10) + i] = (uint8_t)(i * 7 + 1);
    CHECK_EQ(dma(s, IOVA, IOVA + 65536, 8192, TD_CMD_IRQ), 4);
    CHECK_EQ(wait_fd(efd[0]), 1);
    CHECK_EQ(reg_read(s, TD_STATUS), TD_ST_DONE);
    CHECK(!memcmp(m.p + (512 << 10), m.p + (512 << 10) + 65536, 8192));
    /* Vector 3 by hand; the others stay quiet. */
    CHECK_EQ(reg_write(s, TD_IRQ_RAISE, 3, 4), 4);
    CHECK_EQ(wait_fd(efd[3]), 1);
    CHECK(fd_quiet(efd[1]) && fd_quiet(efd[2]));
    /* Outside the DMA region: an error, nothing written below it. */
    m.p[0] = 0x5a;
    CHECK_EQ(dma(s, IOVA, 0, 16, 0), 4);
    CHECK_EQ(reg_read(s, TD_STATUS), TD_ST_DONE | TD_ST_ERROR);
    CHECK_EQ(m.p[0], 0x5a);
    CHECK_EQ(dma(s, IOVA + (512 << 10) - 8, IOVA, 16, 0), 4);      /* runs off the end */
    CHECK_EQ(reg_read(s, TD_STATUS), TD_ST_DONE | TD_ST_ERROR);
    /* Unmapped: the next DMA fails; a second unmap is the server's ENOENT. */
    CHECK_EQ(s->ops->dma_unmap(s, IOVA, 512 << 10), 0);
    CHECK_EQ(s->ops->dma_unmap(s, IOVA, 512 << 10), -ENOENT);
    CHECK_EQ(dma(s, IOVA, IOVA + 65536, 16, 0), 4);
    CHECK_EQ(reg_read(s, TD_STATUS), TD_ST_DONE | TD_ST_ERROR);
    /* A read-only mapping is not a DMA destination. */
    CHECK_EQ(s->ops->dma_map(s, IOVA, 8192, m.fd, 0, m.p, false), 0);
    CHECK_EQ(dma(s, IOVA, IOVA + 4096, 16, 0), 4);
    CHECK_EQ(reg_read(s, TD_STATUS), TD_ST_DONE | TD_ST_ERROR);
    stop_server(s);
    for (unsigned i = 0; i < TD_MSIX_VECTORS; i++)
        close(efd[i]);
    mem_free(&m);
}

static void intx_automask(void)
{
    struct pt_devsrc *s = start_server();
    int fire = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    int resample = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);

    CHECK(s);
    if (!s)
        return;
    CHECK_EQ(s->ops->irq_set_eventfds(s, VFIO_PCI_INTX_IRQ_INDEX, 0, 1, &fire), 0);
    CHECK_EQ(s->ops->irq_set_unmask_fd(s, VFIO_PCI_INTX_IRQ_INDEX, 0, resample), 0);
    CHECK_EQ(reg_write(s, TD_IRQ_RAISE, 0, 4), 4);
    CHECK_EQ(wait_fd(fire), 1);
    CHECK_EQ(reg_read(s, TD_INTX_STATUS), 1);
    /* Masked now: a second raise is not signalled. */
    CHECK_EQ(reg_write(s, TD_IRQ_RAISE, 0, 4), 4);
    CHECK(fd_quiet(fire));
    /* The resample eventfd (what KVM signals at EOI) unmasks; still
     * pending, the level interrupt fires again. */
    uint64_t one = 1;
    CHECK_EQ(write(resample, &one, 8), 8);
    CHECK_EQ(wait_fd(fire), 1);
    /* Cleared, then unmasked by message: quiet. */
    CHECK_EQ(reg_write(s, TD_INTX_STATUS, 1, 4), 4);
    CHECK_EQ(s->ops->irq_unmask(s, VFIO_PCI_INTX_IRQ_INDEX, 0), 0);
    CHECK_EQ(reg_read(s, TD_INTX_STATUS), 0);
    CHECK(fd_quiet(fire));
    /* Everything off: nothing fires. */
    CHECK_EQ(s->ops->irq_set_eventfds(s, VFIO_PCI_INTX_IRQ_INDEX, 0, 0, NULL), 0);
    CHECK_EQ(reg_write(s, TD_IRQ_RAISE, 0, 4), 4);
    CHECK(fd_quiet(fire));
    stop_server(s);
    close(fire);
    close(resample);
}

static void server_killed_mid_dma(void)
{
    struct pt_devsrc *s = start_server();
    struct mem m;
    uint32_t v;
    int st;

    CHECK(s);
    CHECK(mem_new(&m, 1 << 16));
    if (!s)
        return;
    CHECK_EQ(s->ops->dma_map(s, IOVA, 1 << 16, m.fd, 0, m.p, true), 0);
    CHECK_EQ(dma(s, IOVA, IOVA + 4096, 4096, TD_CMD_STALL), 4);
    CHECK_EQ(reg_read(s, TD_STATUS), TD_ST_BUSY);
    kill(server_pid, SIGKILL);
    waitpid(server_pid, &st, 0);
    CHECK_EQ(s->ops->region_read(s, VFIO_PCI_BAR0_REGION_INDEX, TD_STATUS, &v, 4), -EPIPE);
    CHECK_EQ(s->ops->region_write(s, VFIO_PCI_BAR0_REGION_INDEX, TD_SCRATCH, &v, 4), -EPIPE);
    CHECK_EQ(s->ops->dma_unmap(s, IOVA, 1 << 16), -EPIPE);
    CHECK_EQ(s->ops->reset(s), -EPIPE);
    pt_devsrc_close(s);
    mem_free(&m);
}

/* A hostile server: answers VERSION by MODE, then the next request. */
enum hostile { H_MAJOR, H_NO_NUL, H_WRONG_ID, H_HUGE, H_ERR0, H_SHORT_READ, H_DMA_READ,
               H_HANGUP };

static void hostile_server(int sock, enum hostile mode)
{
    uint8_t buf[VFU_MAX_MSG];
    int fds[8], nfds;
    struct vfu_hdr h;
    struct { struct vfu_hdr h; struct vfu_version v; char json[64]; } ver;
    size_t vlen = sizeof(ver.h) + sizeof(ver.v);

    if (vfu_recv(sock, buf, sizeof(buf), fds, 8, &nfds) < 0)
        _exit(1);
    memcpy(&h, buf, sizeof(h));
    ver.h = h;
    ver.h.flags = VFU_FLAG_REPLY;
    ver.v.major = mode == H_MAJOR ? 1 : 0;
    ver.v.minor = 1;
    if (mode == H_NO_NUL) {
        memcpy(ver.json, "{\"capabilities\":{}}", 19);
        vlen += 19;
    }
    ver.h.msg_size = (uint32_t)vlen;
    vfu_send(sock, &ver, vlen, NULL, 0);
    if (vfu_recv(sock, buf, sizeof(buf), fds, 8, &nfds) < 0)
        _exit(0);
    memcpy(&h, buf, sizeof(h));
    switch (mode) {
    case H_WRONG_ID:
        h.msg_id++;
        h.flags = VFU_FLAG_REPLY;
        h.msg_size = sizeof(h);
        vfu_send(sock, &h, sizeof(h), NULL, 0);
        break;
    case H_HUGE:
        h.flags = VFU_FLAG_REPLY;
        h.msg_size = 0xffffffffu;
        vfu_send(sock, &h, sizeof(h), NULL, 0);
        break;
    case H_ERR0:
        h.flags = VFU_FLAG_REPLY | VFU_FLAG_ERROR;
        h.msg_size = sizeof(h);
        h.error = 0;
        vfu_send(sock, &h, sizeof(h), NULL, 0);
        break;
    case H_SHORT_READ: {
        struct { struct vfu_hdr h; struct vfu_region_access a; uint8_t d[2]; } r;

        r.h = h;
        r.h.flags = VFU_FLAG_REPLY;
        memcpy(&r.a, buf + sizeof(h), sizeof(r.a));
        r.a.count = 2;      /* asked for 4 */
        r.h.msg_size = offsetof(__typeof__(r), d) + sizeof(r.d);
        vfu_send(sock, &r, sizeof(r), NULL, 0);
        break;
    }
    case H_DMA_READ: {
        /* A DMA_READ before the reply: answered ENOTSUP, then the reply. */
        struct { struct vfu_hdr h; uint64_t addr, count; } dr = {
            { 77, VFU_DMA_READ, sizeof(dr), VFU_FLAG_COMMAND, 0 }, 0x1000, 8 };
        struct { struct vfu_hdr h; struct vfu_region_access a; uint32_t d; } r;

        vfu_send(sock, &dr, sizeof(dr), NULL, 0);
        if (vfu_recv(sock, buf + 4096, 4096, fds, 8, &nfds) < 0)
            _exit(1);
        memcpy(&dr.h, buf + 4096, sizeof(dr.h));
        if (!(dr.h.flags & VFU_FLAG_ERROR) || dr.h.error != ENOTSUP || dr.h.msg_id != 77)
            _exit(1);
        r.h = h;
        r.h.flags = VFU_FLAG_REPLY;
        memcpy(&r.a, buf + sizeof(h), sizeof(r.a));
        r.d = 0xfeedf00d;
        r.h.msg_size = offsetof(__typeof__(r), d) + sizeof(r.d);    /* no tail padding */
        vfu_send(sock, &r, sizeof(r), NULL, 0);
        break;
    }
    case H_HANGUP:
        _exit(0);
    default:
        break;
    }
    if (vfu_recv(sock, buf, sizeof(buf), fds, 8, &nfds) >= 0)
        _exit(0);
    _exit(0);
}

static int hostile(enum hostile mode, struct pt_devsrc **s, pid_t *pid)
{
    int sv[2];

    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
        return -errno;
    *pid = fork();
    if (*pid == 0) {
        close(sv[0]);
        hostile_server(sv[1], mode);
    }
    close(sv[1]);
    return vfu_client_from_fd(sv[0], s);
}

static void hostile_servers(void)
{
    struct pt_devsrc *s;
    uint32_t v;
    pid_t pid;
    int st;

    CHECK_EQ(hostile(H_MAJOR, &s, &pid), -EPROTONOSUPPORT);
    waitpid(pid, &st, 0);
    CHECK_EQ(hostile(H_NO_NUL, &s, &pid), -EPROTO);
    waitpid(pid, &st, 0);
    static const struct { enum hostile mode; int want; } cases[] = {
        { H_WRONG_ID, -EPROTO }, { H_HUGE, -EPROTO }, { H_ERR0, -EIO },
        { H_SHORT_READ, -EPROTO }, { H_HANGUP, -EPIPE }, { H_DMA_READ, 4 },
    };
    for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        s = NULL;
        CHECK_EQ(hostile(cases[i].mode, &s, &pid), 0);
        if (!s)
            continue;
        v = 0;
        CHECK_EQ(s->ops->region_read(s, VFIO_PCI_BAR0_REGION_INDEX, 0, &v, 4), cases[i].want);
        if (cases[i].mode == H_DMA_READ)
            CHECK_EQ(v, 0xfeedf00d);
        pt_devsrc_close(s);
        waitpid(pid, &st, 0);
        if (cases[i].mode == H_DMA_READ)
            CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    }
}

int main(void)
{
    char self[PATH_MAX - 64];
    ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
    char *slash;

    signal(SIGPIPE, SIG_IGN);
    if (n <= 0)
        return 1;
    self[n] = '\0';
    slash = strrchr(self, '/');
    *slash = '\0';
    snprintf(server_path, sizeof(server_path), "%s/../pciback/vfu_testdev", self);
    RUN(info_and_regions);
    RUN(config_and_bar0);
    RUN(bar2_mmap);
    RUN(dma_and_msix);
    RUN(intx_automask);
    RUN(server_killed_mid_dma);
    RUN(hostile_servers);
    return CHECK_DONE();
}
