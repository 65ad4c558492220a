/* xl's paths, from the environment with Xen-like defaults. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "paths.h"
#include "xl.h"

int xl_mkdir_p(const char *path, unsigned mode)
{
    char buf[PATH_MAX];
    size_t n = strlen(path);

    if (n == 0 || n >= sizeof(buf))
        return -ENAMETOOLONG;
    memcpy(buf, path, n + 1);
    for (char *p = buf + 1; ; p++) {
        if (*p == '/' || *p == 0) {
            char c = *p;
            *p = 0;
            if (mkdir(buf, mode) && errno != EEXIST)
                return -errno;
            *p = c;
            if (!c)
                break;
        }
    }
    return 0;
}

static const char *env_or(const char *var, const char *def)
{
    const char *v = getenv(var);
    return v && *v ? v : def;
}

const char *xl_rundir(void)
{
    static const char *dir;

    if (!dir) {
        dir = env_or("XENKVM_RUNDIR", "/run/xenkvm");
        xl_mkdir_p(dir, 0700);
    }
    return dir;
}

const char *xl_logdir(void)
{
    static const char *dir;

    if (!dir) {
        dir = env_or("XENKVM_LOGDIR", "/var/log/xenkvm");
        xl_mkdir_p(dir, 0755);
    }
    return dir;
}

const char *xl_xs_socket(void)
{
    static char *path;

    if (!path) {
        const char *p = getenv("XENSTORED_PATH"), *d = getenv("XENSTORED_RUNDIR");
        if (p && *p)
            path = xl_xstrdup(p);
        else
            path = xl_xasprintf("%s/socket", d && *d ? d : "/var/run/xenstored");
    }
    return path;
}

const char *xl_xs_vmm_socket(void)
{
    static char *path;

    if (!path) {
        const char *s = xl_xs_socket(), *slash = strrchr(s, '/');
        path = slash ? xl_xasprintf("%.*s/vmm", (int)(slash - s), s) : xl_xstrdup("vmm");
    }
    return path;
}

/* The directory xl runs from, for finding its sibling programs. */
static const char *self_dir(void)
{
    static char dir[PATH_MAX];

    if (!dir[0]) {
        ssize_t n = readlink("/proc/self/exe", dir, sizeof(dir) - 1);
        char *slash;
        if (n <= 0)
            return NULL;
        dir[n] = 0;
        slash = strrchr(dir, '/');
        if (slash)
            *slash = 0;
    }
    return dir;
}

static const char *find_helper(const char *var, const char *tree_rel, const char *name)
{
    const char *v = getenv(var), *dir = self_dir();
    char *p;

    if (v && *v)
        return v;
    if (dir) {
        p = xl_xasprintf("%s/%s", dir, tree_rel);
        if (access(p, X_OK) == 0)
            return p;
        free(p);
        p = xl_xasprintf("%s/%s", dir, name);
        if (access(p, X_OK) == 0)
            return p;
        free(p);
    }
    return name;
}

const char *xl_vmm_path(void)
{
    static const char *p;

    if (!p)
        p = find_helper("XENKVM_VMM", "../hvm/xenkvm", "xenkvm");
    return p;
}

const char *xl_xenstored_path(void)
{
    static const char *p;

    if (!p)
        p = find_helper("XENKVM_XENSTORED", "../xenstored/xenstored", "xenstored");
    return p;
}

char *xl_dom_file(unsigned domid, const char *suffix)
{
    return xl_xasprintf("%s/dom%u%s", xl_rundir(), domid, suffix);
}
