/* A domain's CPU weight and cap as a cgroup of its VMM (sched_cgroup.h). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "paths.h"
#include "sched_cgroup.h"

#ifndef CGROUP_SUPER_MAGIC
#define CGROUP_SUPER_MAGIC 0x27e0eb
#endif
#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif

#define CFS_PERIOD_US 100000    /* cap is a share of this period */

enum cg_kind { CG_NONE, CG_V1, CG_V2 };

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

static int write_str(const char *dir, const char *file, const char *val)
{
    char path[PATH_MAX];
    int fd, rc = 0;
    size_t n = strlen(val);

    snprintf(path, sizeof(path), "%s/%s", dir, file);
    fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    if (write(fd, val, n) != (ssize_t)n)
        rc = -errno;
    close(fd);
    return rc;
}

/* Whether FILE in DIR lists TOKEN (space-separated, as cgroup.controllers). */
static bool lists(const char *dir, const char *file, const char *token)
{
    char path[PATH_MAX], buf[512], *save = NULL;
    FILE *f;
    bool found = false;

    snprintf(path, sizeof(path), "%s/%s", dir, file);
    f = fopen(path, "re");
    if (!f)
        return false;
    if (fgets(buf, sizeof(buf), f))
        for (char *t = strtok_r(buf, " \n", &save); t && !found; t = strtok_r(NULL, " \n", &save))
            found = !strcmp(t, token);
    fclose(f);
    return found;
}

static enum cg_kind fs_kind(const char *path)
{
    struct statfs st;

    if (statfs(path, &st))
        return CG_NONE;
    if ((unsigned long)st.f_type == CGROUP2_SUPER_MAGIC)
        return CG_V2;
    if ((unsigned long)st.f_type == CGROUP_SUPER_MAGIC)
        return CG_V1;
    return CG_NONE;
}

/* The mount point of the v2 hierarchy that has the cpu controller, else of
 * the v1 hierarchy that has it (from /proc/self/mountinfo). */
static bool find_mount(char *out, size_t len, enum cg_kind *kind, char *why, size_t why_len)
{
    char line[1024], v1[PATH_MAX] = "", v2nocpu[PATH_MAX] = "";
    FILE *f = fopen("/proc/self/mountinfo", "re");

    if (!f) {
        snprintf(why, why_len, "cannot read /proc/self/mountinfo: %s", strerror(errno));
        return false;
    }
    while (fgets(line, sizeof(line), f)) {
        /* id parent maj:min root mountpoint options ... - fstype source superopts */
        char mnt[PATH_MAX], fstype[64], superopts[512];
        const char *sep = strstr(line, " - ");
        if (!sep || sscanf(line, "%*s %*s %*s %*s %4095s", mnt) != 1 ||
            sscanf(sep + 3, "%63s %*s %511s", fstype, superopts) != 2)
            continue;
        if (!strcmp(fstype, "cgroup2")) {
            if (lists(mnt, "cgroup.controllers", "cpu")) {
                snprintf(out, len, "%s", mnt);
                *kind = CG_V2;
                fclose(f);
                return true;
            }
            snprintf(v2nocpu, sizeof(v2nocpu), "%s", mnt);
        } else if (!strcmp(fstype, "cgroup") && !v1[0]) {
            char *save = NULL;
            for (char *t = strtok_r(superopts, ",", &save); t; t = strtok_r(NULL, ",", &save))
                if (!strcmp(t, "cpu"))
                    snprintf(v1, sizeof(v1), "%s", mnt);
        }
    }
    fclose(f);
    if (v1[0]) {
        snprintf(out, len, "%s", v1);
        *kind = CG_V1;
        return true;
    }
    if (v2nocpu[0])
        snprintf(why, why_len, "the cgroup v2 hierarchy at %s has no cpu controller, and no "
                 "cgroup v1 hierarchy has it", v2nocpu);
    else
        snprintf(why, why_len, "no cgroup hierarchy with the cpu controller is mounted");
    return false;
}

/* The directory the domains' cgroups go in, made ready for them. */
static bool prepare_base(char *base, size_t len, enum cg_kind *kind, char *why, size_t why_len)
{
    const char *env = getenv("XENKVM_CGROUP");
    char mnt[PATH_MAX], parent[PATH_MAX];
    int rc;

    if (env && *env) {
        if ((size_t)snprintf(base, len, "%s", env) >= len) {
            snprintf(why, why_len, "XENKVM_CGROUP is too long");
            return false;
        }
    } else {
        if (!find_mount(mnt, sizeof(mnt), kind, why, why_len))
            return false;
        if ((size_t)snprintf(base, len, "%s/xenkvm", mnt) >= len) {
            snprintf(why, why_len, "the cgroup mount point is too long");
            return false;
        }
    }
    snprintf(parent, sizeof(parent), "%s", base);
    if (strrchr(parent, '/') && strrchr(parent, '/') != parent)
        *strrchr(parent, '/') = 0;
    *kind = fs_kind(parent);
    if (*kind == CG_NONE) {
        snprintf(why, why_len, "%s is not in a cgroup file system", parent);
        return false;
    }
    if (*kind == CG_V2)
        write_str(parent, "cgroup.subtree_control", "+cpu");  /* may be on already */
    if (mkdir(base, 0755) && errno != EEXIST) {
        snprintf(why, why_len, "cannot create the cgroup %s: %s", base, strerror(errno));
        return false;
    }
    if (*kind == CG_V2) {
        if (!lists(base, "cgroup.controllers", "cpu")) {
            snprintf(why, why_len, "the cgroup %s has no cpu controller (its parent does "
                     "not delegate it)", base);
            return false;
        }
        if ((rc = write_str(base, "cgroup.subtree_control", "+cpu"))) {
            snprintf(why, why_len, "cannot enable the cpu controller below %s: %s", base,
                     strerror(-rc));
            return false;
        }
    }
    return true;
}

static int set_values(const char *dir, enum cg_kind kind, const struct xl_sched *s)
{
    char v[64];
    int rc;

    if (kind == CG_V2) {
        snprintf(v, sizeof(v), "%u", xl_sched_v2_weight(s->weight));
        if ((rc = write_str(dir, "cpu.weight", v)))
            return rc;
        if (s->cap)
            snprintf(v, sizeof(v), "%d %d", s->cap * (CFS_PERIOD_US / 100), CFS_PERIOD_US);
        else
            snprintf(v, sizeof(v), "max %d", CFS_PERIOD_US);
        return write_str(dir, "cpu.max", v);
    }
    snprintf(v, sizeof(v), "%u", xl_sched_v1_shares(s->weight));
    if ((rc = write_str(dir, "cpu.shares", v)))
        return rc;
    snprintf(v, sizeof(v), "%d", CFS_PERIOD_US);
    if ((rc = write_str(dir, "cpu.cfs_period_us", v)))
        return rc;
    snprintf(v, sizeof(v), "%d", s->cap ? s->cap * (CFS_PERIOD_US / 100) : -1);
    return write_str(dir, "cpu.cfs_quota_us", v);
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
    enum cg_kind kind = CG_NONE;
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
    if ((rc = write_str(dir, "cgroup.procs", pid))) {
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
