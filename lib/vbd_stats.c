/* Per-vbd request counters in a shared file (vbd_stats.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "vbd_stats.h"

void xk_vbd_stats_path(char *buf, unsigned len, const char *rundir, unsigned domid,
                       unsigned devid)
{
    snprintf(buf, len, "%s/dom%u.vbd%u.stats", rundir, domid, devid);
}

void xk_vbd_stats_zero(struct xk_vbd_stats_file *f)
{
    uint64_t *w = (uint64_t *)(void *)f->q;

    for (size_t i = 0; i < sizeof(f->q) / (sizeof(uint64_t)); i++)
        __atomic_store_n(&w[i], 0, __ATOMIC_RELAXED);
}

struct xk_vbd_stats_file *xk_vbd_stats_create(const char *rundir, unsigned domid,
                                              unsigned devid)
{
    char path[4096];
    struct xk_vbd_stats_file *f;
    int fd;

    xk_vbd_stats_path(path, sizeof(path), rundir, domid, devid);
    fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (fd < 0)
        return NULL;
    if (ftruncate(fd, sizeof(*f))) {
        int e = errno;
        close(fd);
        errno = e;
        return NULL;
    }
    f = mmap(NULL, sizeof(*f), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    close(fd);
    if (f == MAP_FAILED)
        return NULL;
    xk_vbd_stats_zero(f);
    f->slots = XK_VBD_STATS_SLOTS;
    memcpy(f->magic, XK_VBD_STATS_MAGIC, sizeof(f->magic));
    return f;
}

void xk_vbd_stats_close(struct xk_vbd_stats_file *f, const char *rundir, unsigned domid,
                        unsigned devid)
{
    char path[4096];

    if (f)
        munmap(f, sizeof(*f));
    if (rundir) {
        xk_vbd_stats_path(path, sizeof(path), rundir, domid, devid);
        unlink(path);
    }
}

int xk_vbd_stats_read(const char *rundir, unsigned domid, unsigned devid,
                      struct xk_vbd_counters *sum)
{
    struct xk_vbd_stats_file f;
    char path[4096];
    ssize_t n;
    int fd;

    memset(sum, 0, sizeof(*sum));
    xk_vbd_stats_path(path, sizeof(path), rundir, domid, devid);
    fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return -errno;
    n = pread(fd, &f, sizeof(f), 0);
    close(fd);
    if (n != (ssize_t)sizeof(f) || memcmp(f.magic, XK_VBD_STATS_MAGIC, sizeof(f.magic)) ||
        f.slots != XK_VBD_STATS_SLOTS)
        return -EINVAL;
    for (unsigned i = 0; i < XK_VBD_STATS_SLOTS; i++) {
        sum->oo_req += f.q[i].oo_req;
        sum->rd_req += f.q[i].rd_req;
        sum->wr_req += f.q[i].wr_req;
        sum->f_req += f.q[i].f_req;
        sum->ds_req += f.q[i].ds_req;
        sum->rd_sect += f.q[i].rd_sect;
        sum->wr_sect += f.q[i].wr_sect;
    }
    return 0;
}
