/* vfu_msg.h: framing vfio-user messages on a stream socket, for both ends.
 * A message is a header saying its size, the payload, and the fds
 * (SCM_RIGHTS) that travel with its first byte. */
#ifndef XK_PCIBACK_VFU_MSG_H
#define XK_PCIBACK_VFU_MSG_H

#include <stddef.h>
#include <stdint.h>

#include "vfio_user_proto.h"

/* Send LEN bytes (a header and its payload) with NFDS fds; no SIGPIPE.
 * 0 or -errno (-EPIPE when the peer is gone). */
int vfu_send(int sock, const void *msg, size_t len, const int *fds, int nfds);

/* Receive one whole message into BUF (CAP bytes at least a header): its
 * length, or -EPIPE at end of file, -EPROTO for a size below a header or
 * above CAP (the connection is then out of step: close it), -errno.  Fds
 * beyond MAXFDS are closed and make it -EPROTO; *NFDS says how many came. */
long vfu_recv(int sock, void *buf, size_t cap, int *fds, int maxfds, int *nfds);

/* Find "KEY": <number> in the NUL-terminated JSON at JSON; 0 and *OUT, or
 * -ENOENT, -EINVAL for a value that is not a number below 2^32. */
int vfu_json_u32(const char *json, const char *key, uint32_t *out);

#endif
