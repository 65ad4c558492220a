/* Per-vbd request counters of xenkvm-blkback, the ones Linux's blkback
 * keeps per ring and shows summed in sysfs
 * (/sys/bus/xen-backend/devices/vbd-D-N/statistics/: oo_req, rd_req,
 * wr_req, f_req, ds_req, rd_sect, wr_sect), which xentop reads.  A
 * user-space backend has no sysfs node, so the counters live in a small
 * file mapped shared, <rundir>/dom<D>.vbd<N>.stats: each queue's thread
 * adds to its own slot with plain relaxed stores (no syscall, no lock on
 * the request path), and any reader (xl top) maps or reads the file and
 * sums the slots.  Zeroed when the frontend connects (Linux's rings and
 * their counters are made anew at each connect); removed with the vbd. */
#ifndef XK_VBD_STATS_H
#define XK_VBD_STATS_H

#include <stdint.h>

#define XK_VBD_STATS_MAGIC "XKVBDST1"
#define XK_VBD_STATS_SLOTS 4            /* a slot per queue */

struct xk_vbd_counters {
    uint64_t oo_req, rd_req, wr_req, f_req, ds_req, rd_sect, wr_sect;
};

struct xk_vbd_stats_file {
    char magic[8];
    uint32_t slots;
    uint32_t pad;
    struct xk_vbd_counters q[XK_VBD_STATS_SLOTS];
};

/* Add N to a counter only its queue's thread writes. */
static inline void xk_ctr_add(uint64_t *c, uint64_t n)
{
    __atomic_store_n(c, __atomic_load_n(c, __ATOMIC_RELAXED) + n, __ATOMIC_RELAXED);
}

/* <rundir>/dom<D>.vbd<N>.stats into BUF of LEN bytes. */
void xk_vbd_stats_path(char *buf, unsigned len, const char *rundir, unsigned domid,
                       unsigned devid);
/* The file created (or taken over) and mapped, counters zeroed; NULL with
 * errno set. */
struct xk_vbd_stats_file *xk_vbd_stats_create(const char *rundir, unsigned domid,
                                              unsigned devid);
/* Zero every slot (a new connection). */
void xk_vbd_stats_zero(struct xk_vbd_stats_file *f);
/* Unmap; the file goes too when RUNDIR is given. */
void xk_vbd_stats_close(struct xk_vbd_stats_file *f, const char *rundir, unsigned domid,
                        unsigned devid);
/* The slots summed, read from the file: 0, or -errno (-ENOENT: no such
 * vbd served, -EINVAL: not a counters file). */
int xk_vbd_stats_read(const char *rundir, unsigned domid, unsigned devid,
                      struct xk_vbd_counters *sum);

#endif
