/* A domain's configuration as xl reads it: xl.cfg(5) files plus command
 * line overrides, turned into typed fields.  The parser (cfg_parse.c) knows
 * only the file syntax; this layer knows the keys.  Errors and warnings are
 * written to a FILE (stderr in xl, a memstream in tests), one line each,
 * naming the file, the line and the key. */
#ifndef XL_DOMCFG_H
#define XL_DOMCFG_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

enum dc_type { DC_TYPE_PVH, DC_TYPE_HVM };

/* on_poweroff / on_reboot / on_crash / on_watchdog / on_soft_reset values
 * (xl.cfg(5) "Event actions"). */
enum dc_action {
    DC_ACT_DESTROY,
    DC_ACT_RESTART,
    DC_ACT_RENAME_RESTART,
    DC_ACT_PRESERVE,
    DC_ACT_COREDUMP_DESTROY,
    DC_ACT_COREDUMP_RESTART,
    DC_ACT_SOFT_RESET,
};

enum dc_disk_format { DC_FMT_RAW, DC_FMT_QCOW, DC_FMT_QCOW2, DC_FMT_VHD, DC_FMT_QED,
                      DC_FMT_EMPTY };

/* One disk spec, xl-disk-configuration(5). */
struct dc_disk {
    char *target;           /* NULL for an empty cdrom drive */
    enum dc_disk_format format;
    char *vdev;             /* "xvda", "hda", "sdb", "d0p1"... (required) */
    bool readwrite;         /* access=w / rw (default); false for r / ro */
    bool cdrom;             /* devtype=cdrom or the cdrom keyword */
    char *backend;          /* backend=DOMAIN, NULL = domain 0 */
    char *backendtype;      /* "phy", "qdisk", "tap" or NULL (auto) */
    char *script;           /* script=... or NULL */
    bool direct_io_safe;
    int discard;            /* -1 unset, 0 no-discard, 1 discard */
    int trusted;            /* -1 unset, 0 untrusted, 1 trusted */
    int line;               /* line of the config file it came from */
};

struct domcfg {
    char *name;
    uint8_t uuid[16];
    bool uuid_set;          /* false: xl generates one at create time */
    enum dc_type type;
    char *kernel, *ramdisk;
    char *cmdline;          /* cmdline, or "root=ROOT EXTRA" built as xl does */
    char *firmware;         /* firmware_override (hvm) */
    uint64_t memory_mib;    /* memory= (default 128 as xl) */
    uint64_t maxmem_mib;    /* maxmem= (default = memory) */
    unsigned vcpus;         /* vcpus= (default 1) */
    unsigned maxvcpus;      /* maxvcpus= (default = vcpus) */
    enum dc_action on_poweroff, on_reboot, on_crash, on_watchdog, on_soft_reset;
    struct dc_disk *disks;
    unsigned nr_disks;
    char **vifs;            /* parsed but not supported yet: kept verbatim */
    unsigned nr_vifs;
    char **pcis;
    unsigned nr_pcis;
    char *source;           /* the file name the config came from */
};

/* Parse the config TEXT (LEN bytes, named FNAME in messages) and then each
 * OVERRIDES[i] ("key=value", xl's command-line form, named "command line"
 * in messages), as xl create does.  Returns 0, or -1 after writing each
 * problem to DIAG (nothing else is allocated on failure).  Warnings
 * (unknown keys, keys not supported yet) go to DIAG too and do not fail. */
int domcfg_parse(struct domcfg *dc, const char *fname, const char *text, size_t len,
                 char *const *overrides, int nr_overrides, FILE *diag);

/* The same, reading the file at PATH (errors name PATH). */
int domcfg_load(struct domcfg *dc, const char *path,
                char *const *overrides, int nr_overrides, FILE *diag);

void domcfg_free(struct domcfg *dc);

/* Parse one xl-disk-configuration(5) spec.  Returns 0, or -1 with a
 * one-line reason in ERR. */
int dc_disk_parse(struct dc_disk *d, const char *spec, char *err, size_t errlen);
void dc_disk_free(struct dc_disk *d);

const char *dc_action_name(enum dc_action a);      /* "destroy", "rename-restart"... */
const char *dc_type_name(enum dc_type t);          /* "pvh", "hvm" */
const char *dc_format_name(enum dc_disk_format f); /* "raw", "qcow2"... */

/* The configuration as libxl's JSON (libxl_domain_config: "c_info",
 * "b_info", "disks", "on_poweroff"...), as `xl create -n` and `xl list -l`
 * print it, indented as xl prints it with INDENT spaces of leading indent
 * on every line.  DOMID < 0 leaves the domid out. */
void domcfg_write_json(const struct domcfg *dc, FILE *out, int indent);

#endif
