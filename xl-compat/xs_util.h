/* xl's xenstore connection (the real libxenstore) and xenstored started
 * on demand, as xencommons would have started it on a Xen host. */
#ifndef XL_XS_UTIL_H
#define XL_XS_UTIL_H

#include <stdbool.h>
#include <xenstore.h>

/* The connection, opened on first use.  If no xenstored answers on its
 * socket one is started (logging to <logdir>/xenstored.log) and
 * /local/domain/0 is given its name, as xen-init-dom0 does.  Exits with a
 * message when xenstore cannot be reached. */
struct xs_handle *xl_xs(void);
/* In a forked child: drop the connection inherited from the parent (the
 * next xl_xs() opens the child's own). */
void xl_xs_after_fork(void);
/* Whether a xenstored answers now, without starting one. */
bool xl_xs_running(void);

/* Read a node (NULL when absent); the result is malloc'd. */
char *xl_xs_read(xs_transaction_t t, const char *path);
char *xl_xs_readf(xs_transaction_t t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
bool xl_xs_write(xs_transaction_t t, const char *path, const char *val);
bool xl_xs_writef(xs_transaction_t t, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Create PATH (empty) with the permissions (libxl__xs_mknod). */
bool xl_xs_mknod(xs_transaction_t t, const char *path, struct xs_permissions *p, unsigned n);

/* xenstored's watch-import for DOMID from LIST (watch-export's lines
 * "R|A<tab>path<tab>token"); false after a message. */
bool xl_xs_import_watches(unsigned domid, const char *list);

#endif
