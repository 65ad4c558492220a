/* A domain's host backend processes (xenkvm-blkback for vbd, xenkvm-netback
 * for vif: one per domain and kind, common.md's shared interface): found by
 * their pid file <rundir>/dom<N>.<kind>.pid, started detached by xl. */
#ifndef XL_BACKEND_SPAWN_H
#define XL_BACKEND_SPAWN_H

#include <stdbool.h>
#include <sys/types.h>

struct xl_backend_kind {
    const char *kind;           /* "vbd", "vif": the pid file's suffix */
    const char *prog;           /* argv[0] */
    const char *(*path)(void);  /* the binary (paths.h) */
    const char *log_prefix;     /* <logdir>/<prefix>-NAME.log */
    const char *what;           /* "block backend", in messages */
};

/* The backend's pid if its pid file names a live process, else 0. */
pid_t xl_backend_pid(const struct xl_backend_kind *k, unsigned domid);

/* Start domain DOMID's backend of kind K unless one runs, and wait until it
 * serves (its pid file).  NAME names the log.  False after saying why. */
bool xl_backend_ensure(const struct xl_backend_kind *k, unsigned domid, const char *name);

#endif
