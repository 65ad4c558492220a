/* A domain exists while some process holds an open-file-description lock
 * on <rundir>/dom<N>.lock (xl's monitor and the VMM share that open file;
 * see xl-compat/lockfile.h).  Shared by xl, which takes and tests it, and
 * xenstored, which asks it as Xen's xenstored asks the hypervisor whether
 * a domain a permission names exists. */
#ifndef XK_DOMLOCK_H
#define XK_DOMLOCK_H

#include <stdbool.h>

/* <rundir>/dom<N>.lock, malloc'd (NULL when out of memory). */
char *domlock_path(const char *rundir, unsigned domid);
/* Take DOMID's lock if nobody holds it: the fd (not close-on-exec, so a
 * VMM started next inherits it), -EWOULDBLOCK when it is held, or -errno
 * when the file cannot be opened. */
int domlock_take(const char *rundir, unsigned domid);
/* Whether some process holds DOMID's lock (tested, not taken). */
bool domlock_held(const char *rundir, unsigned domid);
/* Whether FD (locked or tested) still is the file at PATH. */
bool domlock_same_file(int fd, const char *path);

#endif
