/* vfio_user.c: a device source that is a vfio-user server in another
 * process.  Requests are synchronous, one at a time under the client's
 * lock (vCPU threads share one connection).  Guest memory is given to the
 * server as the memfd (DMA_MAP with an fd), so the server never needs
 * DMA_READ/DMA_WRITE; one it sends anyway is answered ENOTSUP.  A server
 * that dies or breaks the protocol marks the source dead: every call then
 * fails with -EPIPE and nothing waits. */
#include "devsrc.h"
#include "vfu_msg.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <fcntl.h>
#include <unistd.h>

#include "unix_sock.h"

struct vfu_client {
    struct pt_devsrc base;
    pthread_mutex_t lock;
    int sock;
    bool dead;
    uint16_t next_id;
    uint32_t peer_max_fds, peer_max_xfer;
    /* An mmap-able region: its mapping and the fd it came with (kept for
     * a live update, which maps it again in the new VMM); cached: its
     * info is answered from here (an adopted region). */
    struct {
        uint64_t size, offset;
        uint32_t flags;
        void *map;
        int fd;
        bool cached;
    } region[VFIO_PCI_NUM_REGIONS];
    uint8_t *buf;               /* VFU_MAX_MSG bytes: replies land here */
};

#define to_client(s) ((struct vfu_client *)(s))

static void mark_dead(struct vfu_client *c)
{
    if (!c->dead)
        shutdown(c->sock, SHUT_RDWR);
    c->dead = true;
}

/* Send command CMD with payload REQ (LEN bytes) and fds; wait for its
 * reply, which is left in c->buf.  Returns the reply's payload length, or
 * -errno (the server's errno for an error reply).  *RFDS gets fds that
 * came with the reply (at most MAXR); the caller owns them. */
static long transact(struct vfu_client *c, uint16_t cmd, const void *req, size_t len,
                     const int *fds, int nfds, int *rfds, int maxr, int *nr)
{
    struct vfu_hdr h = { .command = cmd, .flags = VFU_FLAG_COMMAND };
    int got_fds[VFU_MAX_FDS], n = 0;
    uint8_t *msg;
    long r;

    if (nr)
        *nr = 0;
    if (c->dead)
        return -EPIPE;
    if (len > VFU_MAX_MSG - sizeof(h) || (uint32_t)nfds > c->peer_max_fds)
        return -E2BIG;
    h.msg_id = c->next_id++;
    h.msg_size = sizeof(h) + len;
    msg = malloc(h.msg_size);
    if (!msg)
        return -ENOMEM;
    memcpy(msg, &h, sizeof(h));
    if (len)
        memcpy(msg + sizeof(h), req, len);
    r = vfu_send(c->sock, msg, h.msg_size, fds, nfds);
    free(msg);
    if (r < 0) {
        mark_dead(c);
        return r;
    }
    for (;;) {
        struct vfu_hdr rh;

        r = vfu_recv(c->sock, c->buf, VFU_MAX_MSG, got_fds, VFU_MAX_FDS, &n);
        if (r < 0) {
            mark_dead(c);
            return r == -EPROTO ? -EPROTO : -EPIPE;
        }
        memcpy(&rh, c->buf, sizeof(rh));
        if ((rh.flags & VFU_FLAG_TYPE_MASK) == VFU_FLAG_COMMAND) {
            /* A server-to-client request: this client shares memory by fd
             * and serves none of them. */
            struct vfu_hdr er = { .msg_id = rh.msg_id, .command = rh.command,
                                  .msg_size = sizeof(er),
                                  .flags = VFU_FLAG_REPLY | VFU_FLAG_ERROR,
                                  .error = ENOTSUP };

            for (int i = 0; i < n; i++)
                close(got_fds[i]);
            if (!(rh.flags & VFU_FLAG_NO_REPLY) &&
                vfu_send(c->sock, &er, sizeof(er), NULL, 0) < 0) {
                mark_dead(c);
                return -EPIPE;
            }
            continue;
        }
        if ((rh.flags & VFU_FLAG_TYPE_MASK) != VFU_FLAG_REPLY || rh.msg_id != h.msg_id ||
            rh.command != cmd) {
            for (int i = 0; i < n; i++)
                close(got_fds[i]);
            mark_dead(c);       /* out of step: nothing later can be trusted */
            return -EPROTO;
        }
        r = (long)rh.msg_size - (long)sizeof(rh);
        if (rh.flags & VFU_FLAG_ERROR)
            r = rh.error > 0 && rh.error < 4096 ? -(long)rh.error : -EIO;
        break;
    }
    for (int i = 0; i < n; i++) {
        if (r >= 0 && rfds && i < maxr)
            rfds[(*nr)++] = got_fds[i];
        else
            close(got_fds[i]);
    }
    return r;
}

static long call(struct vfu_client *c, uint16_t cmd, const void *req, size_t len,
                 const int *fds, int nfds, int *rfds, int maxr, int *nr)
{
    long r;

    pthread_mutex_lock(&c->lock);
    r = transact(c, cmd, req, len, fds, nfds, rfds, maxr, nr);
    pthread_mutex_unlock(&c->lock);
    return r;
}

static int negotiate(struct vfu_client *c)
{
    char req[sizeof(struct vfu_version) + 128];
    struct vfu_version v = { VFU_VERSION_MAJOR, VFU_VERSION_MINOR };
    int n = snprintf(req + sizeof(v), sizeof(req) - sizeof(v),
                     "{\"capabilities\":{\"max_msg_fds\":%d,\"max_data_xfer_size\":%u}}",
                     VFU_MAX_FDS, VFU_DEFAULT_MAX_XFER);
    struct vfu_version rv;
    const char *json;
    long r;

    memcpy(req, &v, sizeof(v));
    r = transact(c, VFU_VERSION, req, sizeof(v) + n + 1, NULL, 0, NULL, 0, NULL);
    if (r < 0)
        return (int)r;
    if ((size_t)r < sizeof(rv))
        return -EPROTO;
    memcpy(&rv, c->buf + sizeof(struct vfu_hdr), sizeof(rv));
    if (rv.major != VFU_VERSION_MAJOR || rv.minor > VFU_VERSION_MINOR)
        return -EPROTONOSUPPORT;
    c->peer_max_fds = VFU_DEFAULT_MAX_FDS;
    c->peer_max_xfer = VFU_DEFAULT_MAX_XFER;
    if ((size_t)r > sizeof(rv)) {
        json = (const char *)c->buf + sizeof(struct vfu_hdr) + sizeof(rv);
        if (json[r - sizeof(rv) - 1] != '\0')
            return -EPROTO;     /* the JSON must end in its NUL */
        vfu_json_u32(json, "max_msg_fds", &c->peer_max_fds);
        vfu_json_u32(json, "max_data_xfer_size", &c->peer_max_xfer);
        if (c->peer_max_fds > VFU_MAX_FDS)
            c->peer_max_fds = VFU_MAX_FDS;
        if (c->peer_max_xfer > VFU_DEFAULT_MAX_XFER)
            c->peer_max_xfer = VFU_DEFAULT_MAX_XFER;
        if (c->peer_max_xfer < 4)
            return -EPROTO;
    }
    return 0;
}

static int vfu_get_info(struct pt_devsrc *s, struct pt_dev_info *out)
{
    struct vfu_client *c = to_client(s);
    struct vfio_device_info req = { .argsz = sizeof(req) }, rep;
    long r;

    pthread_mutex_lock(&c->lock);
    r = transact(c, VFU_DEVICE_GET_INFO, &req, 16, NULL, 0, NULL, 0, NULL);
    if (r >= 0 && r < 16)
        r = -EPROTO;
    if (r >= 0) {
        memset(&rep, 0, sizeof(rep));
        memcpy(&rep, c->buf + sizeof(struct vfu_hdr), 16);
        out->flags = rep.flags;
        out->num_regions = rep.num_regions;
        out->num_irqs = rep.num_irqs;
        r = 0;
    }
    pthread_mutex_unlock(&c->lock);
    return (int)r;
}

static int vfu_region_info(struct pt_devsrc *s, uint32_t index, struct pt_region_info *out)
{
    struct vfu_client *c = to_client(s);
    struct vfio_region_info req = { .argsz = sizeof(req), .index = index }, rep;
    int fds[1], nfd;
    long r;

    if (index < VFIO_PCI_NUM_REGIONS && c->region[index].cached) {
        out->flags = c->region[index].flags;
        out->size = c->region[index].size;
        return 0;
    }
    pthread_mutex_lock(&c->lock);
    r = transact(c, VFU_DEVICE_GET_REGION_INFO, &req, sizeof(req), NULL, 0, fds, 1, &nfd);
    if (r >= 0 && (size_t)r < sizeof(rep))
        r = -EPROTO;
    if (r >= 0) {
        memcpy(&rep, c->buf + sizeof(struct vfu_hdr), sizeof(rep));
        if (rep.index != index)
            r = -EPROTO;
        out->flags = rep.flags;
        out->size = rep.size;
        /* An mmap-able region comes with its fd: map it now, once. */
        if (r >= 0 && index < VFIO_PCI_NUM_REGIONS && (rep.flags & VFIO_REGION_INFO_FLAG_MMAP) &&
            nfd == 1 && rep.size && !c->region[index].map) {
            void *m = mmap(NULL, rep.size, PROT_READ | PROT_WRITE, MAP_SHARED, fds[0],
                           (off_t)rep.offset);

            if (m != MAP_FAILED) {
                c->region[index].map = m;
                c->region[index].size = rep.size;
                c->region[index].offset = rep.offset;
                c->region[index].flags = rep.flags;
                c->region[index].fd = fds[0];
                fds[0] = -1;    /* kept: a live update maps it again */
            } else {
                out->flags &= ~VFIO_REGION_INFO_FLAG_MMAP;
            }
        } else if (nfd == 0) {
            out->flags &= ~VFIO_REGION_INFO_FLAG_MMAP;
        }
        if (r >= 0)
            r = 0;
    }
    pthread_mutex_unlock(&c->lock);
    for (int i = 0; i < nfd; i++)
        if (fds[i] >= 0)
            close(fds[i]);
    return (int)r;
}

static int vfu_region_mmap(struct pt_devsrc *s, uint32_t index, void **out)
{
    struct vfu_client *c = to_client(s);
    struct pt_region_info ri;
    int r;

    if (index >= VFIO_PCI_NUM_REGIONS)
        return -EINVAL;
    if (!c->region[index].map && (r = vfu_region_info(s, index, &ri)) < 0)
        return r;
    if (!c->region[index].map)
        return -ENOTSUP;
    *out = c->region[index].map;
    return 0;
}

static int vfu_region_read(struct pt_devsrc *s, uint32_t index, uint64_t off, void *buf,
                           uint32_t len)
{
    struct vfu_client *c = to_client(s);
    struct vfu_region_access a = { .offset = off, .region = index, .count = len };
    long r;

    if (len > c->peer_max_xfer)
        return -E2BIG;
    pthread_mutex_lock(&c->lock);
    r = transact(c, VFU_REGION_READ, &a, sizeof(a), NULL, 0, NULL, 0, NULL);
    if (r >= 0) {
        struct vfu_region_access ra = { 0 };

        if ((size_t)r >= sizeof(ra))
            memcpy(&ra, c->buf + sizeof(struct vfu_hdr), sizeof(ra));
        if ((size_t)r != sizeof(ra) + len || ra.count != len || ra.region != index ||
            ra.offset != off) {
            r = -EPROTO;
        } else {
            memcpy(buf, c->buf + sizeof(struct vfu_hdr) + sizeof(ra), len);
            r = len;
        }
    }
    pthread_mutex_unlock(&c->lock);
    return (int)r;
}

static int vfu_region_write(struct pt_devsrc *s, uint32_t index, uint64_t off,
                            const void *buf, uint32_t len)
{
    struct vfu_client *c = to_client(s);
    struct vfu_region_access a = { .offset = off, .region = index, .count = len };
    uint8_t *req;
    long r;

    if (len > c->peer_max_xfer)
        return -E2BIG;
    req = malloc(sizeof(a) + len);
    if (!req)
        return -ENOMEM;
    memcpy(req, &a, sizeof(a));
    memcpy(req + sizeof(a), buf, len);
    r = call(c, VFU_REGION_WRITE, req, sizeof(a) + len, NULL, 0, NULL, 0, NULL);
    free(req);
    if (r >= 0) {
        struct vfu_region_access ra = { 0 };

        if ((size_t)r >= sizeof(ra))
            memcpy(&ra, c->buf + sizeof(struct vfu_hdr), sizeof(ra));
        r = (size_t)r == sizeof(ra) && ra.count == len ? (long)len : -EPROTO;
    }
    return (int)r;
}

static int vfu_dma_map(struct pt_devsrc *s, uint64_t iova, uint64_t size, int fd,
                       uint64_t fd_off, void *vaddr, bool writable)
{
    struct vfu_dma_map m = { .argsz = sizeof(m), .offset = fd_off, .address = iova,
                             .size = size,
                             .flags = VFU_DMA_READABLE | (writable ? VFU_DMA_WRITABLE : 0) };
    long r;

    (void)vaddr;
    if (fd < 0 || !size || iova + size < iova)
        return -EINVAL;
    r = call(to_client(s), VFU_DMA_MAP, &m, sizeof(m), &fd, 1, NULL, 0, NULL);
    return r < 0 ? (int)r : 0;
}

static int vfu_dma_unmap(struct pt_devsrc *s, uint64_t iova, uint64_t size)
{
    struct vfu_dma_unmap m = { .argsz = sizeof(m), .address = iova, .size = size };
    long r = call(to_client(s), VFU_DMA_UNMAP, &m, sizeof(m), NULL, 0, NULL, 0, NULL);

    return r < 0 ? (int)r : 0;
}

static int vfu_irq_info(struct pt_devsrc *s, uint32_t index, struct pt_irq_info *out)
{
    struct vfu_client *c = to_client(s);
    struct vfio_irq_info req = { .argsz = sizeof(req), .index = index }, rep;
    long r;

    pthread_mutex_lock(&c->lock);
    r = transact(c, VFU_DEVICE_GET_IRQ_INFO, &req, sizeof(req), NULL, 0, NULL, 0, NULL);
    if (r >= 0 && (size_t)r < sizeof(rep))
        r = -EPROTO;
    if (r >= 0) {
        memcpy(&rep, c->buf + sizeof(struct vfu_hdr), sizeof(rep));
        r = rep.index == index ? 0 : -EPROTO;
        out->flags = rep.flags;
        out->count = rep.count;
    }
    pthread_mutex_unlock(&c->lock);
    return (int)r;
}

static int set_irqs(struct vfu_client *c, uint32_t flags, uint32_t index, uint32_t start,
                    uint32_t count, const int *fds, int nfds)
{
    struct vfio_irq_set req = { .argsz = sizeof(req), .flags = flags, .index = index,
                                .start = start, .count = count };
    long r = call(c, VFU_DEVICE_SET_IRQS, &req, sizeof(req), fds, nfds, NULL, 0, NULL);

    return r < 0 ? (int)r : 0;
}

static int vfu_irq_set_eventfds(struct pt_devsrc *s, uint32_t index, uint32_t start,
                                uint32_t count, const int *fds)
{
    struct vfu_client *c = to_client(s);
    uint32_t done = 0;

    if (!count)
        return set_irqs(c, VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_TRIGGER, index, 0, 0,
                        NULL, 0);
    /* One message carries peer_max_fds fds at most; a run of -1 (unbind)
     * goes as an EVENTFD message without fds. */
    while (done < count) {
        uint32_t n = 0;
        int r;

        if (fds[done] < 0) {
            while (done + n < count && fds[done + n] < 0)
                n++;
            r = set_irqs(c, VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER, index,
                         start + done, n, NULL, 0);
        } else {
            while (done + n < count && fds[done + n] >= 0 && n < c->peer_max_fds)
                n++;
            r = set_irqs(c, VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER, index,
                         start + done, n, fds + done, (int)n);
        }
        if (r < 0)
            return r;
        done += n;
    }
    return 0;
}

static int vfu_irq_set_unmask_fd(struct pt_devsrc *s, uint32_t index, uint32_t sub, int fd)
{
    return set_irqs(to_client(s), VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_UNMASK,
                    index, sub, 1, fd >= 0 ? &fd : NULL, fd >= 0);
}

static int vfu_irq_unmask(struct pt_devsrc *s, uint32_t index, uint32_t sub)
{
    return set_irqs(to_client(s), VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_UNMASK, index,
                    sub, 1, NULL, 0);
}

static int vfu_reset(struct pt_devsrc *s)
{
    long r = call(to_client(s), VFU_DEVICE_RESET, NULL, 0, NULL, 0, NULL, 0, NULL);

    return r < 0 ? (int)r : 0;
}

static void vfu_close(struct pt_devsrc *s)
{
    struct vfu_client *c = to_client(s);

    for (unsigned i = 0; i < VFIO_PCI_NUM_REGIONS; i++) {
        if (c->region[i].map)
            munmap(c->region[i].map, c->region[i].size);
        if (c->region[i].map && c->region[i].fd >= 0)
            close(c->region[i].fd);
    }
    if (c->sock >= 0)
        close(c->sock);
    pthread_mutex_destroy(&c->lock);
    free(c->buf);
    free(c);
}

/* Live update: the connection as it is (no request is in flight: the
 * vCPUs are paused and the event thread is the caller), the peer's limits
 * and the mmap-ed regions' fds. */
static int vfu_handover(struct pt_devsrc *s, struct ss_wr *w, pt_keep_fd_fn keep, void *arg)
{
    struct vfu_client *c = to_client(s);
    uint32_t n = 0;
    size_t at;

    pthread_mutex_lock(&c->lock);
    ss_put_u8(w, PT_SRC_VFIO_USER);
    ss_put_u8(w, c->dead);
    ss_put_u32(w, c->dead ? UINT32_MAX : (uint32_t)c->sock);
    ss_put_u16(w, c->next_id);
    ss_put_u32(w, c->peer_max_fds);
    ss_put_u32(w, c->peer_max_xfer);
    at = w->len;
    ss_put_u32(w, 0);
    for (uint32_t i = 0; i < VFIO_PCI_NUM_REGIONS; i++) {
        if (!c->region[i].map || c->region[i].fd < 0)
            continue;
        ss_put_u32(w, i);
        ss_put_u32(w, c->region[i].flags);
        ss_put_u64(w, c->region[i].size);
        ss_put_u64(w, c->region[i].offset);
        ss_put_u32(w, (uint32_t)c->region[i].fd);
        keep(arg, c->region[i].fd);
        n++;
    }
    ss_patch_u32(w, at, n);
    if (!c->dead)
        keep(arg, c->sock);
    pthread_mutex_unlock(&c->lock);
    return 0;
}

static const struct pt_devsrc_ops vfu_ops = {
    .kind = "vfio-user",
    .dma_remap = true,
    .get_info = vfu_get_info,
    .region_info = vfu_region_info,
    .region_read = vfu_region_read,
    .region_write = vfu_region_write,
    .region_mmap = vfu_region_mmap,
    .dma_map = vfu_dma_map,
    .dma_unmap = vfu_dma_unmap,
    .irq_info = vfu_irq_info,
    .irq_set_eventfds = vfu_irq_set_eventfds,
    .irq_set_unmask_fd = vfu_irq_set_unmask_fd,
    .irq_unmask = vfu_irq_unmask,
    .reset = vfu_reset,
    .close = vfu_close,
    .handover = vfu_handover,
};

static struct vfu_client *client_new(int sock)
{
    struct vfu_client *c = calloc(1, sizeof(*c));

    if (!c || !(c->buf = malloc(VFU_MAX_MSG))) {
        free(c);
        return NULL;
    }
    c->base.ops = &vfu_ops;
    c->sock = sock;
    c->peer_max_fds = VFU_DEFAULT_MAX_FDS;
    c->peer_max_xfer = VFU_DEFAULT_MAX_XFER;
    for (unsigned i = 0; i < VFIO_PCI_NUM_REGIONS; i++)
        c->region[i].fd = -1;
    pthread_mutex_init(&c->lock, NULL);
    return c;
}

static bool fd_open(int fd)
{
    return fd >= 0 && fcntl(fd, F_GETFD) >= 0;
}

int vfu_client_adopt(struct ss_rd *r, struct pt_devsrc **out)
{
    bool dead = ss_get_u8(r) != 0;
    int sock = (int)ss_get_u32(r);
    struct vfu_client *c;
    uint32_t n;

    if (r->bad || (!dead && !fd_open(sock)) || !(c = client_new(dead ? -1 : sock)))
        return r->bad || !dead ? -EINVAL : -ENOMEM;
    c->dead = dead;
    c->next_id = ss_get_u16(r);
    c->peer_max_fds = ss_get_u32(r);
    c->peer_max_xfer = ss_get_u32(r);
    n = ss_get_u32(r);
    ss_check(r, c->peer_max_fds >= 1 && c->peer_max_fds <= VFU_MAX_FDS &&
                c->peer_max_xfer >= 1 && c->peer_max_xfer <= VFU_DEFAULT_MAX_XFER &&
                n <= VFIO_PCI_NUM_REGIONS);
    for (uint32_t k = 0; k < n && !r->bad; k++) {
        uint32_t i = ss_get_u32(r), flags = ss_get_u32(r);
        uint64_t size = ss_get_u64(r), off = ss_get_u64(r);
        int fd = (int)ss_get_u32(r);
        void *m;

        if (!ss_check(r, i < VFIO_PCI_NUM_REGIONS && !c->region[i].map && size &&
                         size <= (1ull << 40) && fd_open(fd)))
            break;
        fcntl(fd, F_SETFD, FD_CLOEXEC);
        m = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, (off_t)off);
        c->region[i].fd = fd;
        c->region[i].map = m == MAP_FAILED ? NULL : m;
        c->region[i].size = size;
        c->region[i].offset = off;
        c->region[i].flags = m == MAP_FAILED ? flags & ~VFIO_REGION_INFO_FLAG_MMAP : flags;
        c->region[i].cached = true;
        if (m == MAP_FAILED) {
            close(fd);
            c->region[i].fd = -1;
        }
    }
    if (!dead)
        fcntl(sock, F_SETFD, FD_CLOEXEC);
    if (r->bad) {
        vfu_close(&c->base);
        return -EINVAL;
    }
    *out = &c->base;
    return 0;
}

int vfu_client_from_fd(int sock, struct pt_devsrc **out)
{
    struct vfu_client *c = client_new(sock);
    int r;

    if (!c) {
        close(sock);
        return -ENOMEM;
    }
    r = negotiate(c);
    if (r < 0) {
        vfu_close(&c->base);
        return r;
    }
    *out = &c->base;
    return 0;
}

int vfu_client_open(const char *path, struct pt_devsrc **out)
{
    int fd = xk_unix_connect(path, SOCK_STREAM);

    if (fd < 0)
        return fd;
    return vfu_client_from_fd(fd, out);
}
