/* A domain's VMM bound to its pool's CPUs (cpupool_bind.h). */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cgroup_fs.h"
#include "cpupool_bind.h"
#include "paths.h"

/* "0,1,5": the form cpuset.cpus takes (and gives back as ranges). */
static void cpus_string(const cpu_set_t *cpus, char *buf, size_t len)
{
    size_t off = 0;

    buf[0] = 0;
    for (int c = 0; c < CPU_SETSIZE && off < len; c++)
        if (CPU_ISSET(c, cpus))
            off += snprintf(buf + off, len - off, "%s%d", off ? "," : "", c);
}

/* The base the domains' cpusets go in, ready for children: false with the
 * reason, or with *AFFINITY set where cgroups are not to be used. */
static bool prepare_base(char *base, size_t len, enum xl_cg_kind *kind, bool *affinity,
                         char *why, size_t why_len)
{
    const char *env = getenv("XENKVM_CPUSET");
    char parent[PATH_MAX], val[256];
    bool created;

    *affinity = false;
    if (env && !strcmp(env, "none")) {
        *affinity = true;
        return false;
    }
    switch (xl_cg_base("cpuset", env, base, len, parent, kind, &created, why, why_len)) {
    case XL_CGB_OK:
        break;
    case XL_CGB_NO_HIERARCHY:
        *affinity = true;       /* no cpuset hierarchy: thread affinity */
        return false;
    default:
        return false;
    }
    if (*kind == XL_CG_V2) {
        if (xl_cg_write(base, "cgroup.subtree_control", "+cpuset")) {
            snprintf(why, why_len, "cannot enable the cpuset controller below %s", base);
            return false;
        }
        return true;
    }
    /* v1: a cpuset takes no task, and has no child that takes one, until
     * its cpus and mems are set; the base gets its parent's. */
    for (const char *f = "cpuset.cpus"; f; f = strcmp(f, "cpuset.cpus") ? NULL : "cpuset.mems") {
        char cur[256] = "";
        xl_cg_read(base, f, cur, sizeof(cur));
        if (cur[0])
            continue;
        if (xl_cg_read(parent, f, val, sizeof(val)) || xl_cg_write(base, f, val)) {
            snprintf(why, why_len, "cannot set %s/%s from its parent", base, f);
            return false;
        }
    }
    return true;
}

static void record(unsigned domid, const char *what)
{
    char *path = xl_dom_file(domid, ".cpuset");
    FILE *f = fopen(path, "we");

    if (f) {
        fprintf(f, "%s\n", what);
        fclose(f);
    }
    free(path);
}

/* Every thread of VMM gets CPUS (the fallback). */
static int bind_threads(pid_t vmm, const cpu_set_t *cpus, char *why, size_t why_len)
{
    char path[64];
    struct dirent *e;
    int bound = 0;
    DIR *d;

    snprintf(path, sizeof(path), "/proc/%ld/task", (long)vmm);
    d = opendir(path);
    if (!d) {
        snprintf(why, why_len, "cannot list the VMM's threads (%s): %s", path, strerror(errno));
        return -1;
    }
    while ((e = readdir(d))) {
        pid_t tid = (pid_t)atoi(e->d_name);
        if (tid <= 0)
            continue;
        if (sched_setaffinity(tid, sizeof(*cpus), cpus) == 0)
            bound++;
        else if (errno != ESRCH) {
            snprintf(why, why_len, "cannot set thread %ld's CPU affinity: %s", (long)tid,
                     strerror(errno));
            closedir(d);
            return -1;
        }
    }
    closedir(d);
    if (!bound) {
        snprintf(why, why_len, "the VMM (pid %ld) has no threads left", (long)vmm);
        return -1;
    }
    return 0;
}

/* The cgroup the record names, if the domain was bound by one. */
static bool recorded_cgroup(unsigned domid, char *dir, size_t len)
{
    char *path = xl_dom_file(domid, ".cpuset"), line[PATH_MAX + 16] = "";
    FILE *f = fopen(path, "re");

    free(path);
    if (!f)
        return false;
    if (!fgets(line, sizeof(line), f))
        line[0] = 0;
    fclose(f);
    line[strcspn(line, "\n")] = 0;
    if (strncmp(line, "cgroup ", 7))
        return false;
    return (size_t)snprintf(dir, len, "%s", line + 7) < len;
}

int xl_cpuset_bind(unsigned domid, const char *uuid, pid_t vmm, const cpu_set_t *cpus,
                   char *why, size_t why_len)
{
    char base[PATH_MAX], dir[PATH_MAX], list[1024], val[256], pid[24];
    enum xl_cg_kind kind = XL_CG_NONE;
    bool affinity;
    int rc;

    /* A domain stays bound the way it was first bound: its cgroup gets
     * the new CPUs (its threads are reset to them). */
    if (recorded_cgroup(domid, dir, sizeof(dir))) {
        cpus_string(cpus, list, sizeof(list));
        if ((rc = xl_cg_write(dir, "cpuset.cpus", list))) {
            snprintf(why, why_len, "cannot write %s to %s/cpuset.cpus: %s", list, dir,
                     strerror(-rc));
            return -1;
        }
        return 0;
    }
    if (!prepare_base(base, sizeof(base), &kind, &affinity, why, why_len)) {
        if (!affinity)
            return -1;
        if (bind_threads(vmm, cpus, why, why_len))
            return -1;
        record(domid, "affinity");
        return 0;
    }
    if ((size_t)snprintf(dir, sizeof(dir), "%s/%s", base, uuid) >= sizeof(dir)) {
        snprintf(why, why_len, "the cgroup path is too long");
        return -1;
    }
    if (mkdir(dir, 0755) && errno != EEXIST) {
        snprintf(why, why_len, "cannot create the cgroup %s: %s", dir, strerror(errno));
        return -1;
    }
    if (kind == XL_CG_V1) {
        val[0] = 0;
        xl_cg_read(dir, "cpuset.mems", val, sizeof(val));
        if (!val[0] && (xl_cg_read(base, "cpuset.mems", val, sizeof(val)) ||
                        xl_cg_write(dir, "cpuset.mems", val))) {
            snprintf(why, why_len, "cannot set %s/cpuset.mems", dir);
            return -1;
        }
    }
    cpus_string(cpus, list, sizeof(list));
    if ((rc = xl_cg_write(dir, "cpuset.cpus", list))) {
        snprintf(why, why_len, "cannot write %s to %s/cpuset.cpus: %s", list, dir, strerror(-rc));
        return -1;
    }
    snprintf(pid, sizeof(pid), "%ld", (long)vmm);
    if ((rc = xl_cg_write(dir, "cgroup.procs", pid))) {
        snprintf(why, why_len, "cannot move the VMM (pid %ld) into %s: %s", (long)vmm, dir,
                 strerror(-rc));
        return -1;
    }
    {
        char what[PATH_MAX + 8];
        snprintf(what, sizeof(what), "cgroup %s", dir);
        record(domid, what);
    }
    return 0;
}

void xl_cpuset_forget(unsigned domid)
{
    char *path = xl_dom_file(domid, ".cpuset"), line[PATH_MAX + 16];
    FILE *f = fopen(path, "re");

    if (f) {
        if (fgets(line, sizeof(line), f) && !strncmp(line, "cgroup ", 7)) {
            line[strcspn(line, "\n")] = 0;
            rmdir(line + 7);    /* fails while a process is in it: not ours to end */
        }
        fclose(f);
    }
    unlink(path);
    free(path);
}
