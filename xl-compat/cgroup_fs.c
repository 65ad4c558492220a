/* The cgroup file system as xl uses it (cgroup_fs.h). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "cgroup_fs.h"

#ifndef CGROUP_SUPER_MAGIC
#define CGROUP_SUPER_MAGIC 0x27e0eb
#endif
#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif

int xl_cg_write(const char *dir, const char *file, const char *val)
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

int xl_cg_read(const char *dir, const char *file, char *buf, size_t len)
{
    char path[PATH_MAX];
    FILE *f;

    snprintf(path, sizeof(path), "%s/%s", dir, file);
    f = fopen(path, "re");
    if (!f)
        return -errno;
    if (!fgets(buf, (int)len, f))
        buf[0] = 0;
    fclose(f);
    buf[strcspn(buf, "\n")] = 0;
    return 0;
}

bool xl_cg_lists(const char *dir, const char *file, const char *token)
{
    char buf[512], *save = NULL;
    bool found = false;

    if (xl_cg_read(dir, file, buf, sizeof(buf)))
        return false;
    for (char *t = strtok_r(buf, " ", &save); t && !found; t = strtok_r(NULL, " ", &save))
        found = !strcmp(t, token);
    return found;
}

enum xl_cg_kind xl_cg_fs_kind(const char *path)
{
    struct statfs st;

    if (statfs(path, &st))
        return XL_CG_NONE;
    if ((unsigned long)st.f_type == CGROUP2_SUPER_MAGIC)
        return XL_CG_V2;
    if ((unsigned long)st.f_type == CGROUP_SUPER_MAGIC)
        return XL_CG_V1;
    return XL_CG_NONE;
}

bool xl_cg_find_mount(const char *controller, char *out, size_t len, enum xl_cg_kind *kind,
                      char *why, size_t why_len)
{
    char line[1024], v1[PATH_MAX] = "", v2without[PATH_MAX] = "";
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
            if (xl_cg_lists(mnt, "cgroup.controllers", controller)) {
                snprintf(out, len, "%s", mnt);
                *kind = XL_CG_V2;
                fclose(f);
                return true;
            }
            snprintf(v2without, sizeof(v2without), "%s", mnt);
        } else if (!strcmp(fstype, "cgroup") && !v1[0]) {
            char *save = NULL;
            for (char *t = strtok_r(superopts, ",", &save); t; t = strtok_r(NULL, ",", &save))
                if (!strcmp(t, controller))
                    snprintf(v1, sizeof(v1), "%s", mnt);
        }
    }
    fclose(f);
    if (v1[0]) {
        snprintf(out, len, "%s", v1);
        *kind = XL_CG_V1;
        return true;
    }
    if (v2without[0])
        snprintf(why, why_len, "the cgroup v2 hierarchy at %s has no %s controller, and no "
                 "cgroup v1 hierarchy has it", v2without, controller);
    else
        snprintf(why, why_len, "no cgroup hierarchy with the %s controller is mounted",
                 controller);
    return false;
}

enum xl_cg_base_rc xl_cg_base(const char *controller, const char *env_base, char *base,
                              size_t len, char *parent, enum xl_cg_kind *kind, bool *created,
                              char *why, size_t why_len)
{
    char mnt[PATH_MAX], on[64];

    *created = false;
    if (env_base && *env_base) {
        if ((size_t)snprintf(base, len, "%s", env_base) >= len) {
            snprintf(why, why_len, "the cgroup path %s is too long", env_base);
            return XL_CGB_ERROR;
        }
    } else {
        if (!xl_cg_find_mount(controller, mnt, sizeof(mnt), kind, why, why_len))
            return XL_CGB_NO_HIERARCHY;
        if ((size_t)snprintf(base, len, "%s/xenkvm", mnt) >= len) {
            snprintf(why, why_len, "the cgroup mount point is too long");
            return XL_CGB_ERROR;
        }
    }
    snprintf(parent, PATH_MAX, "%s", base);
    if (strrchr(parent, '/') && strrchr(parent, '/') != parent)
        *strrchr(parent, '/') = 0;
    *kind = xl_cg_fs_kind(parent);
    if (*kind == XL_CG_NONE) {
        snprintf(why, why_len, "%s is not in a cgroup file system", parent);
        return XL_CGB_ERROR;
    }
    snprintf(on, sizeof(on), "+%s", controller);
    if (*kind == XL_CG_V2)
        xl_cg_write(parent, "cgroup.subtree_control", on);     /* may be on already */
    if (mkdir(base, 0755) == 0) {
        *created = true;
    } else if (errno != EEXIST) {
        snprintf(why, why_len, "cannot create the cgroup %s: %s", base, strerror(errno));
        return XL_CGB_ERROR;
    }
    return XL_CGB_OK;
}
