/* Passing file descriptors over unix sockets (SCM_RIGHTS), for every
 * program: the VMM hands eventfds and guest memory to its peers with it. */
#ifndef XK_FD_PASS_H
#define XK_FD_PASS_H

#include <stddef.h>
#include <sys/types.h>

#define XK_FD_PASS_MAX 8        /* fds in one message at most */

/* Send the LEN bytes at BUF as one message with NFDS (0..XK_FD_PASS_MAX)
 * fds attached (no SIGPIPE; EINTR retried).  0, -EIO for a short send, or
 * -errno. */
int xk_send_fds(int sock, const void *buf, size_t len, const int *fds, int nfds);

/* Receive one message of at most LEN bytes into BUF and the fds that came
 * with it (close-on-exec) into FDS, at most MAXFDS (<= XK_FD_PASS_MAX);
 * *NFDS says how many.  FLAGS go to recvmsg (MSG_DONTWAIT).  Returns the
 * message's length, 0 at end of file, or -errno; -EPROTO when the message
 * or its fds did not fit (then no fd is kept open). */
ssize_t xk_recv_fds(int sock, void *buf, size_t len, int *fds, int maxfds, int *nfds,
                    int flags);

#endif
