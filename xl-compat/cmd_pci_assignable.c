/* xl pci-assignable-add / -remove / -list: making a host PCI function
 * assignable to guests, as libxl does with pciback, here with vfio-pci
 * (what the VMM's kernel VFIO source opens): driver_override set to
 * vfio-pci, the function unbound from its driver and bound to vfio-pci;
 * the driver it had is remembered (libxl keeps it in xenstore; here
 * <rundir>/pci-assignable/<BDF>) so that -remove -r rebinds it.  The
 * sysfs root is $XENKVM_SYSFS_ROOT when set (tests use a fake tree; this
 * host has no VFIO to bind to). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "device_pci.h"
#include "paths.h"
#include "pci_spec.h"
#include "xl.h"

#define VFIO_DRIVER "vfio-pci"

/* The canonical DDDD:BB:DD.F of BDF, or false. */
static bool canonical(const char *bdf, char out[16])
{
    struct pci_spec p;
    char err[256];

    if (strchr(bdf, ',') || strchr(bdf, '@') || pci_spec_parse(bdf, &p, err, sizeof(err)) < 0)
        return false;
    snprintf(out, 16, "%04x:%02x:%02x.%x", p.domain & 0xffff, p.bus & 0xff, p.dev & 0x1f,
             p.func & 7);
    pci_spec_free(&p);
    return true;
}

static int write_attr(const char *path, const char *val)
{
    int fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
    ssize_t n;

    if (fd < 0)
        return -errno;
    n = write(fd, val, strlen(val));
    close(fd);
    return n == (ssize_t)strlen(val) ? 0 : -EIO;
}

/* The driver bound to the function (basename of its driver link), or "". */
static void bound_driver(const char *dev, char *out, size_t len)
{
    char *link = xl_xasprintf("%s/driver", dev), target[512];
    ssize_t n = readlink(link, target, sizeof(target) - 1);

    out[0] = '\0';
    if (n > 0) {
        const char *b;
        size_t l;

        target[n] = '\0';
        b = strrchr(target, '/') ? strrchr(target, '/') + 1 : target;
        l = strlen(b) < len - 1 ? strlen(b) : len - 1;
        memcpy(out, b, l);
        out[l] = '\0';
    }
    free(link);
}

static bool overridden(const char *dev)
{
    char *p = xl_xasprintf("%s/driver_override", dev), buf[64] = "";
    FILE *f = fopen(p, "r");
    bool yes = false;

    if (f) {
        yes = fgets(buf, sizeof(buf), f) && !strncmp(buf, VFIO_DRIVER, strlen(VFIO_DRIVER));
        fclose(f);
    }
    free(p);
    return yes;
}

static char *remembered_path(const char *bdf)
{
    return xl_xasprintf("%s/pci-assignable/%s", xl_rundir(), bdf);
}

static int assignable_add(const char *arg)
{
    char bdf[16], drv[128], *dev, *path;
    int r;

    if (!canonical(arg, bdf)) {
        fprintf(stderr, "pci-assignable-add: malformed BDF \"%s\"\n", arg);
        return 2;
    }
    dev = xl_xasprintf("%s/bus/pci/devices/%s", xl_sysfs_root(), bdf);
    if (access(dev, F_OK) < 0) {
        fprintf(stderr, "libxl: error: Couldn't find device %s (%s)\n", bdf, dev);
        free(dev);
        return 1;
    }
    bound_driver(dev, drv, sizeof(drv));
    if (!strcmp(drv, VFIO_DRIVER) || overridden(dev)) {
        fprintf(stderr, "libxl: warning: %s already assigned to %s\n", bdf, VFIO_DRIVER);
        free(dev);
        return 0;
    }
    /* Remember the driver it had (even none) for -remove -r. */
    path = xl_xasprintf("%s/pci-assignable", xl_rundir());
    mkdir(path, 0755);
    free(path);
    path = remembered_path(bdf);
    r = write_attr(path, drv);
    if (r == -ENOENT) {
        FILE *f = fopen(path, "w");

        r = f && fputs(drv, f) >= 0 && fclose(f) == 0 ? 0 : -EIO;
    }
    free(path);
    path = xl_xasprintf("%s/driver_override", dev);
    if (r == 0)
        r = write_attr(path, VFIO_DRIVER);
    free(path);
    if (r == 0 && drv[0]) {
        path = xl_xasprintf("%s/bus/pci/drivers/%s/unbind", xl_sysfs_root(), drv);
        r = write_attr(path, bdf);
        free(path);
    }
    if (r == 0) {
        path = xl_xasprintf("%s/bus/pci/drivers/%s/bind", xl_sysfs_root(), VFIO_DRIVER);
        r = write_attr(path, bdf);
        if (r < 0)
            fprintf(stderr, "libxl: error: cannot bind %s to %s (%s: %s): is vfio-pci "
                    "loaded?\n", bdf, VFIO_DRIVER, path, strerror(-r));
        free(path);
    } else {
        fprintf(stderr, "libxl: error: cannot make %s assignable: %s\n", bdf, strerror(-r));
    }
    free(dev);
    return r == 0 ? 0 : 1;
}

static int assignable_remove(const char *arg, bool rebind)
{
    char bdf[16], drv[128] = "", *dev, *path;
    FILE *f;
    int r;

    if (!canonical(arg, bdf)) {
        fprintf(stderr, "pci-assignable-remove: malformed BDF \"%s\"\n", arg);
        return 2;
    }
    dev = xl_xasprintf("%s/bus/pci/devices/%s", xl_sysfs_root(), bdf);
    bound_driver(dev, drv, sizeof(drv));
    if (access(dev, F_OK) < 0 || (strcmp(drv, VFIO_DRIVER) && !overridden(dev))) {
        fprintf(stderr, "libxl: error: %s is not assignable\n", bdf);
        free(dev);
        return 1;
    }
    path = xl_xasprintf("%s/bus/pci/drivers/%s/unbind", xl_sysfs_root(), VFIO_DRIVER);
    r = write_attr(path, bdf);
    free(path);
    path = xl_xasprintf("%s/driver_override", dev);
    if (r == 0 || r == -ENOENT)
        r = write_attr(path, "\n");
    free(path);
    path = remembered_path(bdf);
    drv[0] = '\0';
    if ((f = fopen(path, "r"))) {
        if (!fgets(drv, sizeof(drv), f))
            drv[0] = '\0';
        fclose(f);
    }
    unlink(path);
    free(path);
    if (r == 0 && rebind && drv[0]) {
        path = xl_xasprintf("%s/bus/pci/drivers/%s/bind", xl_sysfs_root(), drv);
        r = write_attr(path, bdf);
        free(path);
    }
    if (r < 0)
        fprintf(stderr, "libxl: error: cannot give %s back: %s\n", bdf, strerror(-r));
    free(dev);
    return r == 0 ? 0 : 1;
}

int cmd_pci_assignable_add(int argc, char **argv)
{
    while (xl_getopt(argc, argv, "", NULL, "pci-assignable-add", 1) != -1)
        ;
    return assignable_add(argv[optind]);
}

int cmd_pci_assignable_remove(int argc, char **argv)
{
    bool rebind = false;
    int opt;

    while ((opt = xl_getopt(argc, argv, "r", NULL, "pci-assignable-remove", 1)) != -1)
        if (opt == 'r')
            rebind = true;
    return assignable_remove(argv[optind], rebind);
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int cmd_pci_assignable_list(int argc, char **argv)
{
    char *root, **names = NULL;
    size_t n = 0;
    struct dirent *e;
    DIR *d;

    while (xl_getopt(argc, argv, "", NULL, "pci-assignable-list", 0) != -1)
        ;
    root = xl_xasprintf("%s/bus/pci/devices", xl_sysfs_root());
    d = opendir(root);
    while (d && (e = readdir(d))) {
        char *dev, drv[128];

        if (e->d_name[0] == '.')
            continue;
        dev = xl_xasprintf("%s/%s", root, e->d_name);
        bound_driver(dev, drv, sizeof(drv));
        if (!strcmp(drv, VFIO_DRIVER) || overridden(dev)) {
            names = realloc(names, (n + 1) * sizeof(*names));
            names[n++] = xl_xasprintf("%s", e->d_name);
        }
        free(dev);
    }
    if (d)
        closedir(d);
    if (n)
        qsort(names, n, sizeof(*names), by_name);
    for (size_t i = 0; i < n; i++) {
        printf("%s\n", names[i]);
        free(names[i]);
    }
    free(names);
    free(root);
    return 0;
}
