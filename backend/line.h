/* A host backend process's standing line to its domain's VMM: the VMM
 * asks over it to quiesce the devices before it saves the domain, and to
 * resume them when the domain runs again (XK_LINK_BACKEND, XK_LINK_QUIESCE
 * in lib/vmm_socket_proto.h).  It hangs up when the VMM exits, which is
 * also how the backend learns that the domain is gone. */
#ifndef XK_BACKEND_LINE_H
#define XK_BACKEND_LINE_H

#include <stdint.h>

enum backend_line_req {
    BACKEND_LINE_NONE,          /* nothing (yet): keep waiting */
    BACKEND_LINE_QUIESCE,       /* answer in-flight requests, drop mappings, answer */
    BACKEND_LINE_RESUME,        /* map the rings again and go on (no answer) */
    BACKEND_LINE_GONE,          /* the VMM hung up: the domain is gone */
};

/* Connect to domain DOMID's VMM under RUNDIR and register as a backend.
 * The line's fd, or -errno. */
int backend_line_open(const char *rundir, uint32_t domid);
/* Read what the VMM asks (the fd is readable). */
enum backend_line_req backend_line_read(int fd);
/* Answer a QUIESCE: 0, or -errno when the devices could not be quiesced. */
void backend_line_answer(int fd, int status);

#endif
