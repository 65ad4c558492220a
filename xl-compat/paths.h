/* Where xl's state lives: the run directory (per-domain locks, sockets,
 * saved configs), the log directory, xenstored's sockets, and the helper
 * programs xl starts (the VMM, xenstored). */
#ifndef XL_PATHS_H
#define XL_PATHS_H

/* $XENKVM_RUNDIR or /run/xenkvm (created on first use, mode 0700). */
const char *xl_rundir(void);
/* $XENKVM_LOGDIR or /var/log/xen (created on first use). */
const char *xl_logdir(void);
/* $XENKVM_DUMPDIR or /var/lib/xen/dump (Xen's XEN_DUMP_DIR; created on
 * first use, mode 0700): the cores of on_crash="coredump-*". */
const char *xl_dumpdir(void);
/* xenstored's main socket as libxenstore finds it: $XENSTORED_PATH, else
 * $XENSTORED_RUNDIR/socket, else /var/run/xenstored/socket. */
const char *xl_xs_socket(void);
/* xenstored's VMM attach socket: "vmm" next to the main socket. */
const char *xl_xs_vmm_socket(void);
/* The VMM ($XENKVM_VMM) and xenstored ($XENKVM_XENSTORED) binaries: the
 * variable, else the build tree next to xl, else next to xl when
 * installed, else the bare name (found on $PATH). */
const char *xl_vmm_path(void);
const char *xl_xenstored_path(void);
/* The block backend ($XENKVM_BLKBACK, else found as the VMM is). */
const char *xl_blkback_path(void);
/* The vif backend ($XENKVM_NETBACK), found the same way. */
const char *xl_netback_path(void);
/* <rundir>/dom<N><suffix>, malloc'd. */
char *xl_dom_file(unsigned domid, const char *suffix);
/* mkdir -p with MODE for the missing parts; 0 or -errno. */
int xl_mkdir_p(const char *path, unsigned mode);

#endif
