/* Limits on a domain that xl checks when it reads a config and the VMM
 * checks when it starts: one set, so what xl accepts the VMM runs. */
#ifndef XK_DOMAIN_LIMITS_H
#define XK_DOMAIN_LIMITS_H

/* Guest RAM in MiB.  Below 2 MiB there is no room for the boot structures
 * next to the kernel; 1 TiB is what one memfd and the memslots are sized
 * for (the special pages and grant region sit after RAM in the memfd). */
#define XK_MEM_MIN_MIB 2
#define XK_MEM_MAX_MIB (1ULL << 20)

/* vCPUs: Xen's HVM limit (HVM_MAX_VCPUS), which the INFO reply also holds. */
#define XK_MAX_VCPUS 128

/* A domain name's bytes (no NUL).  Names become log file names
 * (xl-<name>.log, guest-<name>.log), which NAME_MAX (255) bounds. */
#define XK_NAME_MAX 240

/* The kernel command line's bytes, NUL included.  It is copied into guest
 * memory next to hvm_start_info; exec(2) would also refuse one argument
 * longer than 128 KiB (MAX_ARG_STRLEN). */
#define XK_CMDLINE_MAX 65536

#endif
