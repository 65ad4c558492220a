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
        /* Xen's place: xl-NAME.log, console/guest-NAME.log, xenstored's. */
        dir = env_or("XENKVM_LOGDIR", "/var/log/xen");
        xl_mkdir_p(dir, 0755);
    }
    return dir;
}

const char *xl_dumpdir(void)
{
    static const char *dir;

    if (!dir) {
        /* Xen's XEN_DUMP_DIR, where on_crash="coredump-*" cores go. */
        dir = env_or("XENKVM_DUMPDIR", "/var/lib/xen/dump");
        xl_mkdir_p(dir, 0700);
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

/* The way from directory FROM to directory TO (both absolute, as make
 * install's bindir and sbindir): "../sbin" for /usr/bin and /usr/sbin. */
static char *relative_dir(const char *from, const char *to)
{
    size_t common = 0, i, up = 0;
    char *rel = xl_xstrdup(""), *t;

    for (i = 0; from[i] && from[i] == to[i]; i++)
        if (from[i] == '/')
            common = i + 1;
    if (!from[i] && (to[i] == '/' || !to[i]))
        common = i + (to[i] == '/');
    for (i = common; from[i]; i++)
        if (from[i] != '/' && (i == common || from[i - 1] == '/'))
            up++;
    while (up--) {
        t = xl_xasprintf("%s../", rel);
        free(rel);
        rel = t;
    }
    t = xl_xasprintf("%s%s", rel, to + common);
    free(rel);
    return t;
}

static char *executable(char *p)
{
    if (access(p, X_OK) == 0)
        return p;
    free(p);
    return NULL;
}

/* A program xl runs: $VAR; else, next to xl in the build tree (TREE_REL),
 * next to xl, or where make install put it relative to xl (INSTALL_DIR
 * seen from XK_BINDIR: a DESTDIR or moved installation), or at
 * INSTALL_DIR itself; else NAME, looked up in $PATH by exec. */
static const char *find_helper(const char *var, const char *tree_rel, const char *name,
                               const char *install_dir)
{
    const char *v = getenv(var), *dir = self_dir();
    char *p, *rel;

    /* A relative path in the environment is made absolute now: the
     * monitor leaves the caller's directory before it starts helpers. */
    if (v && *v)
        return (v[0] != '/' && strchr(v, '/') && (p = realpath(v, NULL))) ? p : v;
    if (dir) {
        if ((p = executable(xl_xasprintf("%s/%s", dir, tree_rel))) ||
            (p = executable(xl_xasprintf("%s/%s", dir, name))))
            return p;
        rel = relative_dir(XK_BINDIR, install_dir);
        p = executable(xl_xasprintf("%s/%s/%s", dir, rel, name));
        free(rel);
        if (p)
            return p;
    }
    if ((p = executable(xl_xasprintf("%s/%s", install_dir, name))))
        return p;
    return name;
}

const char *xl_vmm_path(void)
{
    static const char *p;

    if (!p)
        p = find_helper("XENKVM_VMM", "../hvm/xenkvm", "xenkvm", XK_BINDIR);
    return p;
}

const char *xl_netback_path(void)
{
    static const char *p;

    if (!p)
        p = find_helper("XENKVM_NETBACK", "../netback/xenkvm-netback", "xenkvm-netback",
                        XK_BINDIR);
    return p;
}

const char *xl_xenstored_path(void)
{
    static const char *p;

    if (!p)
        p = find_helper("XENKVM_XENSTORED", "../xenstored/xenstored", "xenstored",
                        XK_SBINDIR);
    return p;
}

const char *xl_blkback_path(void)
{
    static const char *p;

    if (!p)
        p = find_helper("XENKVM_BLKBACK", "../blkback/xenkvm-blkback", "xenkvm-blkback",
                        XK_BINDIR);
    return p;
}

char *xl_dom_file(unsigned domid, const char *suffix)
{
    return xl_xasprintf("%s/dom%u%s", xl_rundir(), domid, suffix);
}
