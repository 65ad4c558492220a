/* A domain's configuration as xl reads it: xl.cfg(5) files plus command
 * line overrides, turned into typed fields.  The parser (cfg_parse.c) knows
 * only the file syntax; this layer knows the keys.  Errors and warnings are
 * written to a FILE (stderr in xl, a memstream in tests), one line each,
 * naming the file, the line and the key. */
#ifndef XL_DOMCFG_H
#define XL_DOMCFG_H

#include <stdbool.h>
#include <stdint.h>

#include "vif_spec.h"
#include <stdio.h>

#include "hcall_transport.h"

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

enum dc_disk_spec { DC_SPEC_UNSET, DC_SPEC_XEN, DC_SPEC_VIRTIO };

/* One disk spec, xl-disk-configuration(5). */
struct dc_disk {
    char *target;           /* NULL or "" for an empty cdrom drive (as the
                               spec gave it: `cdrom,vdev=hdc` or `,hdc:cdrom`) */
    enum dc_disk_format format;
    char *vdev;             /* "xvda", "hda", "sdb", "d0p1"... (required) */
    bool readwrite;         /* access=w / rw (default); false for r / ro */
    bool cdrom;             /* devtype=cdrom or the cdrom keyword */
    char *backend;          /* backend=DOMAIN, NULL = domain 0 */
    char *backendtype;      /* "phy", "qdisk", "tap", "standalone" or NULL (auto) */
    char *script;           /* script=... or NULL */
    bool direct_io_safe;
    int discard;            /* -1 unset, 0 no-discard, 1 discard */
    int trusted;            /* -1 unset, 0 untrusted, 1 trusted */
    int line;               /* line of the config file it came from */
    /* The rest of xl-disk-configuration(5), kept so nothing a spec says is
     * lost (xenkvm warns about what it does not implement). */
    enum dc_disk_spec specification;   /* specification=xen|virtio */
    int colo;               /* -1 unset, 0 no-colo, 1 colo */
    char *colo_host, *colo_export, *active_disk, *hidden_disk;
    int colo_port;          /* 0 unset */
};

struct domcfg {
    char *name;
    uint8_t uuid[16];
    bool uuid_set;          /* false: xl generates one at create time */
    enum dc_type type;
    char *kernel, *ramdisk;
    char *cmdline;          /* cmdline, or "root=ROOT EXTRA" built as xl does */
    char *firmware;         /* firmware_override (hvm) */
    uint64_t memory_mib;    /* memory= (default: maxmem=, else 32 MiB, libxl's
                               default: xl itself sets none) */
    uint64_t maxmem_mib;    /* maxmem= (default = memory) */
    unsigned vcpus;         /* vcpus= (default 1) */
    unsigned maxvcpus;      /* maxvcpus= (default = vcpus) */
    int cpu_weight, cap;    /* cpu_weight= (1..65535), cap= (0..maxvcpus*100); -1 unset */
    enum dc_action on_poweroff, on_reboot, on_crash, on_watchdog, on_soft_reset;
    struct dc_disk *disks;
    unsigned nr_disks;
    char **vifs;            /* vif= as written */
    unsigned nr_vifs;
    struct dc_vif *nics;    /* vif= parsed, devids given, libxl's defaults in */
    unsigned nr_nics;
    char **pcis;            /* pci= entries, checked (pci_spec.h); one at most */
    unsigned nr_pcis;
    bool pci_permissive, pci_power_mgmt;    /* pci_permissive=, pci_power_mgmt= */
    char *pci_vmm_arg;      /* the VMM's --pci, made by xl create */
    char **pci_hot;         /* functions to attach after start (a reboot
                               keeps pci-attach's, device_pci.h) */
    unsigned nr_pci_hot;
    char *source;           /* the file name the config came from */
    int acpi;               /* acpi= (-1 unset: libxl's default, on) */
    int hvm_pirq;           /* hvm_pirq= (hvm only; -1 unset: off, as Xen 4.19) */
    /* xen_hypercall_transport= (xenkvm-only; unset: xl.conf's, else auto) */
    enum xk_transport transport;
    bool transport_set;
    /* Which of memory, maxmem, vcpus, maxvcpus the config gave (xl create -n
     * prints only those; the fields above hold the defaults otherwise). */
    bool memory_set, maxmem_set, vcpus_set, maxvcpus_set;
};

/* Parse the config TEXT (LEN bytes, named FNAME in messages) and then each
 * OVERRIDES[i] ("key=value", xl's command-line form, named "command line"
 * in messages), as xl create does.  Returns 0, or -1 after writing each
 * problem to DIAG (nothing else is allocated on failure).  Warnings
 * (unknown keys, keys not supported yet) go to DIAG too and do not fail. */
int domcfg_parse(struct domcfg *dc, const char *fname, const char *text, size_t len,
                 char *const *overrides, int nr_overrides, FILE *diag);

/* The same, reading the file at PATH (errors name PATH; at most 16 MiB;
 * /dev/null is an empty config, as for xl: everything from OVERRIDES). */
int domcfg_load(struct domcfg *dc, const char *path,
                char *const *overrides, int nr_overrides, FILE *diag);

void domcfg_free(struct domcfg *dc);

/* Parse one xl-disk-configuration(5) spec.  Returns 0, or -1 with a
 * one-line reason in ERR. */
int dc_disk_parse(struct dc_disk *d, const char *spec, char *err, size_t errlen);
void dc_disk_free(struct dc_disk *d);

/* One disk as libxl_device_disk_to_json prints it (`xl -N block-attach`):
 * the fields the spec set, yajl's beautified form, ending in a newline. */
void dc_disk_write_json(const struct dc_disk *d, FILE *out);

const char *dc_action_name(enum dc_action a);      /* "destroy", "rename-restart"... */
const char *dc_type_name(enum dc_type t);          /* "pvh", "hvm" */
const char *dc_format_name(enum dc_disk_format f); /* "raw", "qcow2"... */

/* The configuration as libxl's JSON (libxl_domain_config: "c_info",
 * "b_info", "disks", "on_poweroff"...), as `xl create -n` prints it: yajl's
 * beautified form, 4 spaces a level, only the fields the config set (libxl
 * leaves defaults out; vif and pci are not written: they are not parsed
 * yet), ending in a newline.  With INDENT > 0 the object is one nested in
 * another, as in `xl list -l`: INDENT more spaces go before every line but
 * the first ("{", which can follow a key) and no newline ends it. */
void domcfg_write_json(const struct domcfg *dc, FILE *out, int indent);

/* {"domid": DOMID, "config": {...}}, one element of `xl list -l`'s array,
 * INDENT as above; DOMID < 0 prints "domid": null (as xl does for a config
 * that is not a running domain's). */
void domcfg_write_json_domain(const struct domcfg *dc, int domid, FILE *out, int indent);

#endif
