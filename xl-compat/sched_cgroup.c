/* A domain's CPU weight and cap as a cgroup of its VMM (sched_cgroup.h). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cgroup_fs.h"
#include "paths.h"
#include "sched_cgroup.h"

#define CFS_PERIOD_US 100000    /* cap is a share of this period */

unsigned xl_sched_v2_weight(int weight)
{
    unsigned w = (unsigned)(((long long)weight * 10000 + XL_SCHED_WEIGHT_MAX / 2) /
                            XL_SCHED_WEIGHT_MAX);
    return w ? w : 1;
}

unsigned xl_sched_v1_shares(int weight)
{
    return (unsigned)weight * 4;
}

/* The directory the domains' cgroups go in, made ready for them. */
static bool prepare_base(char *base, size_t len, enum xl_cg_kind *kind, char *why, size_t why_len)
{
    char parent[PATH_MAX];
    bool created;
    int rc;

    if (xl_cg_base("cpu", getenv("XENKVM_CGROUP"), base, len, parent, kind, &created, why,
                   why_len) != XL_CGB_OK)
        return false;
    if (*kind == XL_CG_V2) {
        if (!xl_cg_lists(base, "cgroup.controllers", "cpu")) {
            snprintf(why, why_len, "the cgroup %s has no cpu controller (its parent does "
                     "not delegate it)", base);
            goto fail;
        }
        if ((rc = xl_cg_write(base, "cgroup.subtree_control", "+cpu"))) {
            snprintf(why, why_len, "cannot enable the cpu controller below %s: %s", base,
                     strerror(-rc));
            goto fail;
        }
    }
    return true;
fail:
    if (created)
        rmdir(base);    /* nothing of ours stays where it cannot serve */
    return false;
}

static int set_values(const char *dir, enum xl_cg_kind kind, const struct xl_sched *s)
{
    char v[64];
    int rc;

    if (kind == XL_CG_V2) {
        snprintf(v, sizeof(v), "%u", xl_sched_v2_weight(s->weight));
        if ((rc = xl_cg_write(dir, "cpu.weight", v)))
            return rc;
        if (s->cap)
            snprintf(v, sizeof(v), "%d %d", s->cap * (CFS_PERIOD_US / 100), CFS_PERIOD_US);
        else
            snprintf(v, sizeof(v), "max %d", CFS_PERIOD_US);
        return xl_cg_write(dir, "cpu.max", v);
    }
    snprintf(v, sizeof(v), "%u", xl_sched_v1_shares(s->weight));
    if ((rc = xl_cg_write(dir, "cpu.shares", v)))
        return rc;
    snprintf(v, sizeof(v), "%d", CFS_PERIOD_US);
    if ((rc = xl_cg_write(dir, "cpu.cfs_period_us", v)))
        return rc;
    snprintf(v, sizeof(v), "%d", s->cap ? s->cap * (CFS_PERIOD_US / 100) : -1);
    return xl_cg_write(dir, "cpu.cfs_quota_us", v);
}

static void record(unsigned domid, const struct xl_sched *s, const char *dir)
{
    char *path = xl_dom_file(domid, ".sched");
    FILE *f = fopen(path, "we");

    if (f) {
        fprintf(f, "%d %d %s\n", s->weight, s->cap, dir);
        fclose(f);
    }
    free(path);
}

/* The record: 1 read, 0 none.  DIR may be NULL. */
static int read_record(unsigned domid, struct xl_sched *s, char *dir, size_t len)
{
    char *path = xl_dom_file(domid, ".sched"), d[PATH_MAX];
    FILE *f = fopen(path, "re");
    int n = 0;

    free(path);
    if (!f)
        return 0;
    n = fscanf(f, "%d %d %4095s", &s->weight, &s->cap, d);
    fclose(f);
    if (n < 2)
        return 0;
    if (dir)
        snprintf(dir, len, "%s", n == 3 ? d : "");
    return 1;
}

void xl_sched_get(unsigned domid, struct xl_sched *s)
{
    if (!read_record(domid, s, NULL, 0)) {
        s->weight = XL_SCHED_WEIGHT_DEFAULT;
        s->cap = 0;
    }
}

int xl_sched_apply(unsigned domid, const char *uuid, pid_t vmm, const struct xl_sched *s,
                   char *why, size_t why_len)
{
    char base[PATH_MAX], dir[PATH_MAX], pid[24];
    enum xl_cg_kind kind = XL_CG_NONE;
    int rc;

    if (!prepare_base(base, sizeof(base), &kind, why, why_len))
        return -1;
    if ((size_t)snprintf(dir, sizeof(dir), "%s/%s", base, uuid) >= sizeof(dir)) {
        snprintf(why, why_len, "the cgroup path is too long");
        return -1;
    }
    if (mkdir(dir, 0755) && errno != EEXIST) {
        snprintf(why, why_len, "cannot create the cgroup %s: %s", dir, strerror(errno));
        return -1;
    }
    if ((rc = set_values(dir, kind, s))) {
        snprintf(why, why_len, "cannot set the cpu controller's values in %s: %s", dir,
                 strerror(-rc));
        return -1;
    }
    snprintf(pid, sizeof(pid), "%ld", (long)vmm);
    if ((rc = xl_cg_write(dir, "cgroup.procs", pid))) {
        snprintf(why, why_len, "cannot move the VMM (pid %ld) into %s: %s", (long)vmm, dir,
                 strerror(-rc));
        return -1;
    }
    record(domid, s, dir);
    return 0;
}

void xl_sched_forget(unsigned domid)
{
    struct xl_sched s;
    char dir[PATH_MAX] = "", *path;

    if (read_record(domid, &s, dir, sizeof(dir)) && dir[0])
        rmdir(dir);     /* fails while a process is in it: then it is not ours to end */
    path = xl_dom_file(domid, ".sched");
    unlink(path);
    free(path);
}
