/* Unix sockets by path, for every program: one way to listen (with one
 * policy for a socket file left behind) and one way to connect. */
#ifndef XK_UNIX_SOCK_H
#define XK_UNIX_SOCK_H

struct sockaddr_un;

/* Fill A for PATH: 0, or -ENAMETOOLONG when PATH does not fit. */
int xk_unix_addr(struct sockaddr_un *a, const char *path);

/* Listen on PATH with a TYPE socket (SOCK_STREAM, SOCK_SEQPACKET), mode
 * 0600, non-blocking and close-on-exec.  A socket file already at PATH is
 * taken over only when nobody accepts connections on it (its owner died
 * without removing it); a live one gives -EADDRINUSE, and so does anything
 * there that is not a socket.  Returns the fd or -errno. */
int xk_unix_listen(const char *path, int type, int backlog);

/* Connect a close-on-exec TYPE socket to PATH (blocking): the fd, or
 * -errno (-ENOENT or -ECONNREFUSED: nobody listens there). */
int xk_unix_connect(const char *path, int type);

#endif
