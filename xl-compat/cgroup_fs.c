/* The cgroup file system as xl uses it (cgroup_fs.h). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
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
