/* xl save and xl migrate's sending side: a domain written in Xen's
 * format (docs/migration.md) to a file or a migration stream. */
#ifndef XL_SAVE_CORE_H
#define XL_SAVE_CORE_H

#include <stdbool.h>

struct xk_link_save;

/* Stop DOMID (asking the guest to suspend when it says it can, else
 * pausing it), write xl's save-file header with its config (the file
 * CONFIG, or the one xl create kept) and the VMM's stream to FD; WHERE
 * names FD in messages.  LIVE (a guest that is not asked to suspend):
 * memory is sent while the domain runs and the VMM pauses it for the last
 * round.  0: the domain is stopped (paused; *COOP when it suspended
 * itself), R the VMM's figures; -1 after a message, the domain running
 * again. */
int xl_save_domain(unsigned domid, int fd, const char *config, const char *where, bool live,
                   bool *coop, struct xk_link_save *r);
/* A stopped domain runs on: a suspended guest's SCHEDOP_shutdown returns
 * 1; the pause is dropped when UNPAUSE.  0 or -errno (message printed). */
int xl_save_resume(unsigned domid, bool coop, bool unpause);

#endif
