/* Creating a domain and watching over it, as xl create and its
 * background monitor do on Xen. */
#ifndef XL_LIFECYCLE_H
#define XL_LIFECYCLE_H

#include <stdbool.h>

#include "domcfg.h"

struct xl_create_opts {
    bool paused;        /* -p: leave it paused */
    bool console;       /* -c: attach the console before it runs */
    bool quiet;         /* -q */
    bool foreground;    /* -F: monitor in the foreground */
    bool no_monitor;    /* -e: nobody applies on_* actions */
    int restore_fd;     /* xl restore: the stream (after xl's header), else -1 */
    const char *restore_watches;    /* xl restore: xenstored's watch-export, or NULL */
    const char *restore_devices;    /* xl restore: the frontends' nodes, or NULL */
};

/* Create the domain DC; SAVED is the config text to keep for `xl list -l`
 * (the file, the overrides and the uuid).  Returns xl create's exit
 * status. */
int xl_create(struct domcfg *dc, const char *saved, const struct xl_create_opts *o);

/* The VMM for domain DOMID of DC, started paused.  LOCK_FD and the two
 * pipe ends are passed to it; its output goes to LOG.  Returns its pid or
 * -1 (message printed). */
int xl_vmm_spawn(const struct domcfg *dc, unsigned domid, int lock_fd, int ready_fd,
                 int hold_fd, int restore_fd, const char *log, const char *console_log);

/* The config text a domain keeps (<rundir>/domN.cfg, what `xl list -l`
 * and a restart read): the file, the overrides, the uuid and the
 * hypercall transport as resolved on this host.  Malloc'd. */
char *xl_saved_config(const char *text, size_t len, char **ov, int nov,
                      const uint8_t u[16], enum xk_transport t);
/* `xl config-update`'s pending config for domain DOMID's next restart. */
#define XL_CONFIG_UPDATE_SUFFIX ".cfg.update"

/* Xen's dump-core file of domain DOMID to FILE (created, mode 0600),
 * written by its VMM; PAUSE holds the domain paused meanwhile (a domain
 * that shut down needs none).  0, or libxl's ERROR_FAIL with WHY. */
int xl_dump_core(unsigned domid, const char *file, bool pause, char *why, size_t why_len);

#endif
