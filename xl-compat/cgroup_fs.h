/* The cgroup file system as xl uses it for a domain's VMM: which
 * hierarchy has a controller (v2 first, then v1), and reading and
 * writing a cgroup's files.  sched_cgroup.c (cpu) and cpupool_bind.c
 * (cpuset) share these. */
#ifndef XL_CGROUP_FS_H
#define XL_CGROUP_FS_H

#include <stdbool.h>
#include <stddef.h>

enum xl_cg_kind { XL_CG_NONE, XL_CG_V1, XL_CG_V2 };

/* Write VAL to DIR/FILE: 0 or -errno. */
int xl_cg_write(const char *dir, const char *file, const char *val);
/* Read the first line of DIR/FILE into BUF (newline dropped): 0 or -errno. */
int xl_cg_read(const char *dir, const char *file, char *buf, size_t len);
/* Whether DIR/FILE lists TOKEN (space-separated, as cgroup.controllers). */
bool xl_cg_lists(const char *dir, const char *file, const char *token);
/* Which cgroup version the file system at PATH is. */
enum xl_cg_kind xl_cg_fs_kind(const char *path);
/* The mount point of the v2 hierarchy that has CONTROLLER, else of the v1
 * hierarchy that has it (/proc/self/mountinfo); false with the reason. */
bool xl_cg_find_mount(const char *controller, char *out, size_t len, enum xl_cg_kind *kind,
                      char *why, size_t why_len);

enum xl_cg_base_rc { XL_CGB_OK, XL_CGB_NO_HIERARCHY, XL_CGB_ERROR };
/* The directory the domains' cgroups of CONTROLLER go in: ENV_BASE when
 * set (a test's or admin's choice), else <the controller's mount>/xenkvm;
 * made if missing (*CREATED says so), with CONTROLLER enabled in its
 * parent on v2.  PARENT (PATH_MAX bytes) gets the parent directory.
 * XL_CGB_NO_HIERARCHY: no mounted hierarchy has CONTROLLER; XL_CGB_ERROR
 * with the reason in WHY. */
enum xl_cg_base_rc xl_cg_base(const char *controller, const char *env_base, char *base,
                              size_t len, char *parent, enum xl_cg_kind *kind, bool *created,
                              char *why, size_t why_len);

#endif
