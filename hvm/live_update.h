/* Live update: the running VMM replaces its own binary with the guest
 * kept (docs/live-update.md).  The old VMM pauses the domain, writes the
 * saved-state registry and the list of descriptors to keep into a memfd,
 * and execs the new binary with --live-update-fd; the new VMM builds a new
 * KVM VM on the same guest memfd, restores, adopts the descriptors and
 * resumes.  The process id stays. */
#ifndef XK_LIVE_UPDATE_H
#define XK_LIVE_UPDATE_H

#include <stdbool.h>
#include <stdint.h>

#include "link.h"
#include "savestate.h"
#include "vm.h"
#include "vmm_socket_proto.h"

/* The handover's own layout (after the registry image); bumped when it
 * changes.  A new binary reads this version and older ones. */
#define LU_VERSION 2u     /* 2: the live-update parts' image (lu_parts) */
#define LU_MAGIC 0x554c4b58u    /* "XKLU" */
#define LU_MAX_LINKS 4096
#define LU_MAX_CONSOLE_FDS 65    /* the console socket and 64 clients */
#define LU_MAX_PCI_FDS (30 * 80)  /* per function: 64 vectors, INTx, source */

/* Remember the VMM's command line (before getopt permutes it): the new
 * binary gets the same options. */
void lu_set_argv(int argc, char **argv);

/* A descriptor on the command line that the new binary uses again (the
 * monitor's --hold-fd): kept open across the exec. */
void lu_keep_fd(int fd);

/* A descriptor a live-update part names (hvm/save_pci.c): kept open
 * across this update's exec.  Only while lu_serve saves. */
void lu_keep_handover_fd(void *arg, int fd);

/* "lu=2 ss=1 1=1 2=1 ...": the state this build writes, for the probe. */
void lu_describe(char *buf, size_t len);
/* --check-live-update-version DESC: 0 when this build reads such a state,
 * else -EPROTO with MSG saying what it cannot read. */
int lu_check_version(const char *desc, char *msg, size_t len);

/* LIVE_UPDATE on control connection FD with the new binary BIN attached
 * (event thread).  Returns only when the update did not happen: the
 * domain runs on in this VMM, FD has had the reason. */
void lu_serve(struct vm *vm, int fd, const struct xk_link_msg *m, int bin);

/* The new VMM's side, in the order main calls them. */
struct lu_handover {
    uint8_t *image;             /* the registry image (malloc'd) */
    size_t image_len;
    uint8_t *lu_image;          /* the live-update parts' image, or NULL */
    size_t lu_image_len;
    uint64_t paused_at_ns;      /* CLOCK_MONOTONIC when the old VMM paused */
    int mem_fd, ctl_fd, reply_fd, bin_fd;
    bool xs;                    /* attached to xenstored */
    int xs_fds[4];
    uint32_t nr_links;
    struct link_fds *links;
    uint32_t nr_console;        /* the console socket, then its clients */
    int console_fds[LU_MAX_CONSOLE_FDS];
};
/* Read the handover from memfd FD (closed). 0 or -errno with MSG. */
int lu_read(int fd, struct lu_handover *h, char *msg);
/* Put the kept guest memfd under VM's mapping (same addresses), then
 * restore the registry image.  0 or -errno with MSG (SS_MSG_LEN). */
int lu_restore(struct vm *vm, struct lu_handover *h, char *msg);
/* Adopt the channels (after the event loop runs); 0 or -errno. */
int lu_adopt_links(struct vm *vm, struct lu_handover *h);
/* The vCPUs run: drop the pause taken for the update, answer xl. */
void lu_finish(struct vm *vm, struct lu_handover *h);

#endif
