/* The VMM attach protocol: how a domain's VMM hands its xenstore ring and
 * store event channel to xenstored (docs/xenstored-vmm-attach.md).
 *
 * Over a SOCK_SEQPACKET unix socket (xenstored --vmm-socket, default
 * <rundir>/vmm, mode 0600) the VMM sends one struct xs_attach_req with
 * SCM_RIGHTS [mem_fd, event_fd, notify_fd] and receives one struct
 * xs_attach_rsp.  On success the connection stays open for the domain's
 * lifetime; closing it (or the VMM dying) releases the domain. */
#ifndef XK_XS_ATTACH_H
#define XK_XS_ATTACH_H

#include <stddef.h>
#include <stdint.h>

#define XS_ATTACH_MAGIC   0x54415358u   /* "XSAT" little-endian */
#define XS_ATTACH_VERSION 1u
#define XS_ATTACH_NO_TARGET 0xffffffffu
#define XS_ATTACH_TIMEOUT_S 5   /* xs_attach gives up on a silent xenstored */

struct xs_attach_req {
    uint32_t magic;         /* XS_ATTACH_MAGIC */
    uint32_t version;       /* XS_ATTACH_VERSION */
    uint32_t domid;         /* 1 .. 0x7fef */
    uint32_t store_port;    /* the guest's store event channel (informational) */
    uint64_t ring_offset;   /* page-aligned byte offset of the ring page in mem_fd */
    uint64_t mem_size;      /* bytes of mem_fd that are guest memory */
    uint32_t target;        /* domain this one is device model for, or XS_ATTACH_NO_TARGET */
    uint32_t flags;         /* must be 0 */
};

struct xs_attach_rsp {
    uint32_t magic;         /* XS_ATTACH_MAGIC */
    uint32_t status;        /* 0, or a positive errno explaining the refusal */
};

/*
 * Attach a domain.  mem_fd: the guest memory memfd; event_fd: eventfd the
 * VMM signals when the guest notifies its store port; notify_fd: eventfd
 * xenstored signals to raise the guest's store port.  Returns the connected
 * socket (keep it open while the domain lives; close it to release the
 * domain) or -errno; err gets a message when non-NULL.  A xenstored that
 * does not answer within XS_ATTACH_TIMEOUT_S gives -EAGAIN.
 */
int xs_attach(const char *vmm_socket_path, const struct xs_attach_req *req,
              int mem_fd, int event_fd, int notify_fd, char *err, size_t errlen);

#endif
