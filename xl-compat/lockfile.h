/* Domain existence and domid allocation, by open-file-description locks
 * on files in the run directory.  A domain exists while its dom<N>.lock
 * is locked: the monitor and the VMM share the one open file, so the lock
 * lasts until both are gone (however they die), and nobody can take the
 * domid meanwhile.  OFD locks (unlike flock) can be tested without taking
 * them, and (unlike POSIX locks) are kept across fork and exec.
 *
 * Only a process holding a domain's lock removes its lock file (and then
 * before it lets go), so whoever locks a file checks afterwards that the
 * path still names that file: a lock on a removed file counts for
 * nothing. */
#ifndef XL_LOCKFILE_H
#define XL_LOCKFILE_H

#include <stdbool.h>
#include <sys/types.h>

enum xl_lock { XL_LOCK_XENSTORED, XL_LOCK_DOMID };

/* Take one of the global locks, waiting for it; returns its fd. */
int xl_lock_file_wait(enum xl_lock which);
void xl_lock_release(int fd);

/* Take domain DOMID's lock if nobody holds it: the fd (not close-on-exec,
 * so the VMM inherits it), or -1. */
int xl_domlock_try(unsigned domid);
/* Whether some process holds domain DOMID's lock. */
bool xl_domlock_held(unsigned domid);
/* Remove domain DOMID's lock file; FD is its lock, held by the caller
 * alone, and is closed. */
void xl_domlock_drop(unsigned domid, int fd);

/* Whether process PID holds domain DOMID's lock (has the locked open file
 * among its descriptors): the check before signalling a pid that is
 * supposed to be that domain's VMM or monitor. */
bool xl_domlock_holder(unsigned domid, pid_t pid);
/* Every process holding domain DOMID's lock, found through /proc: up to
 * MAX pids into PIDS; returns how many there are. */
unsigned xl_domlock_holders(unsigned domid, pid_t *pids, unsigned max);

#endif
