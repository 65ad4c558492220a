/* Host tools' side of a VMM's control messages (vmm_socket_proto.h): pause,
 * unpause and describe a running domain through <rundir>/dom<N>.sock.
 *
 * Each call connects, sends one request and waits for the reply at most
 * VMM_CTL_TIMEOUT_MS.  They return 0 or -errno: -ENOENT or -ECONNREFUSED
 * when no VMM serves that domain, -ETIMEDOUT when it did not answer,
 * -EPROTO for a reply that is not one, or the VMM's answer (for example
 * -EINVAL: unpause of a domain not paused; -EOVERFLOW: too many pauses). */
#ifndef XK_VMM_CTL_H
#define XK_VMM_CTL_H

#include <stdbool.h>
#include <sys/types.h>

#include "vmm_socket_proto.h"

#define VMM_CTL_TIMEOUT_MS 5000

int vmm_ctl_info(const char *rundir, unsigned domid, struct xk_link_info *out);
int vmm_ctl_pause(const char *rundir, unsigned domid);
/* Xen's XEN_DOMCTL_max_mem: the most pages the domain may hold (its
 * balloon cannot grow past it); -EINVAL beyond what the VMM can back. */
int vmm_ctl_maxmem(const char *rundir, unsigned domid, uint32_t pages);
/* XEN_DOMCTL_sendtrigger: TRIGGER (XK_TRIGGER_*) to vCPU VCPU. */
int vmm_ctl_trigger(const char *rundir, unsigned domid, uint32_t trigger, uint32_t vcpu);
int vmm_ctl_unpause(const char *rundir, unsigned domid);
/* PCI_ATTACH / PCI_DETACH (vmm_socket_proto.h): REQ's type, spec, vslot
 * and flags are sent; the reply lands in REQ.  TIMEOUT_MS bounds the wait
 * (a detach waits for the guest's eject).  0 or -errno (REQ->msg may say
 * why). */
int vmm_ctl_pci(const char *rundir, unsigned domid, struct xk_link_pci *req,
                unsigned timeout_ms);
int vmm_ctl_resume(const char *rundir, unsigned domid);
/* SAVE: the paused domain as a migration stream to FD (XK_SAVE_* FLAGS);
 * waits as long as the save takes.  0 or -errno, with the VMM's reply
 * in OUT (its msg says why it failed). */
struct xk_link_save;
int vmm_ctl_save(const char *rundir, unsigned domid, int fd, uint32_t flags,
                 struct xk_link_save *out);
/* DUMP_CORE: the paused domain as Xen's dump-core file to FD; the same
 * reply (bytes, pages_data). */
int vmm_ctl_dump_core(const char *rundir, unsigned domid, int fd, struct xk_link_save *out);
/* The same; with XK_SAVE_PROGRESS in FLAGS, PROGRESS is called with each
 * progress report (the counts so far) before the final reply. */
int vmm_ctl_save_progress(const char *rundir, unsigned domid, int fd, uint32_t flags,
                          struct xk_link_save *out,
                          void (*progress)(const struct xk_link_save *r, void *arg),
                          void *arg);
/* POSTCOPY (lib/vmm_socket_proto.h): XK_PC_DEST when the domain is a
 * postcopy destination waiting for its pages, XK_PC_SOURCE a source
 * holding pages to send, XK_PC_*_PAUSED the same after a broken
 * connection, 0 neither, or -errno. */
int vmm_ctl_postcopy_query(const char *rundir, unsigned domid);
/* The same query, the whole reply in R (for_backends: missing pages the
 * domain's backend processes have asked for so far). */
int vmm_ctl_postcopy_status(const char *rundir, unsigned domid, struct xk_link_postcopy *r);
/* Hand the migration channel's two directions to the VMM, which starts
 * moving the pages (a destination with HOLD: the background stream waits
 * for the guest's first fault): the connection to wait on (the fds stay
 * the caller's too), or -errno with OUT's msg. */
struct xk_link_postcopy;
int vmm_ctl_postcopy_start(const char *rundir, unsigned domid, int fwd, int ret, bool hold,
                           struct xk_link_postcopy *out);
/* The same with XK_PC_* FLAGS (XK_PC_RESUME: a new connection for a
 * postcopy paused by a broken one). */
int vmm_ctl_postcopy_connect(const char *rundir, unsigned domid, int fwd, int ret,
                             uint32_t flags, struct xk_link_postcopy *out);
/* Wait on S until every page moved: 0 with OUT's counts, or -errno
 * (-ENOTCONN: the connection broke, the postcopy is paused). */
int vmm_ctl_postcopy_wait(int s, struct xk_link_postcopy *out);
/* LIVE_UPDATE: the VMM execs the binary open on BIN with the guest kept
 * (docs/live-update.md).  0 with the pause in OUT, or -errno with OUT's
 * msg saying why (the old VMM then runs on). */
int vmm_ctl_live_update(const char *rundir, unsigned domid, int bin,
                        struct xk_link_live_update *out);
/* For callers that send INFO themselves (to many VMMs at once): check the
 * N bytes received into OUT (or N = -errno); 0 or -errno as above. */
int vmm_ctl_info_check(struct xk_link_info *out, ssize_t n);

#endif
