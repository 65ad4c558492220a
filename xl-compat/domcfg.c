/* The keys of a domain config file, read as xl 4.17's parse_config_data
 * (tools/xl/xl_parse.c) reads them, into struct domcfg.
 *
 * Where xl warns about a value of the wrong shape (a list for a number, a
 * string for a list, `+=` on a number) and goes on without it, xenkvm stops
 * with an error: a setting the user wrote is never silently dropped.  Every
 * problem is reported (file, line, key) before domcfg_parse fails. */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cfg_parse.h"
#include "domain_limits.h"
#include "domcfg_int.h"
#include "pci_spec.h"
#include "util.h"

#define DC_MAX_FILE (16 << 20)

struct ctx {
    struct cfg *cfg;
    struct domcfg *dc;
    const char *fname;
    FILE *diag;
    int errors;
};

static void msg(struct ctx *x, const struct cfg_setting *s, const char *kind,
                const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static void msg(struct ctx *x, const struct cfg_setting *s, const char *kind,
                const char *fmt, ...)
{
    va_list ap;

    if (!strcmp(kind, "error"))
        x->errors++;
    if (!x->diag)
        return;
    if (s)
        fprintf(x->diag, "%s:%d: %s: ", s->source, s->line, kind);
    else
        fprintf(x->diag, "%s: %s: ", x->fname, kind);
    va_start(ap, fmt);
    vfprintf(x->diag, fmt, ap);
    va_end(ap);
    fputc('\n', x->diag);
}

#define ERR(x, s, ...) msg(x, s, "error", __VA_ARGS__)
#define WARN(x, s, ...) msg(x, s, "warning", __VA_ARGS__)

/* ---- typed access, with libxlu's checks as errors ---------------------- */

/* The string value of KEY, NULL if unset (or, with an error, not a string). */
static const char *get_string(struct ctx *x, const char *key, const struct cfg_setting **sp)
{
    const struct cfg_setting *s = cfg_get(x->cfg, key);

    if (sp)
        *sp = s;
    if (!s)
        return NULL;
    if (s->value->type != CFG_STRING) {
        ERR(x, s, "parameter `%s' is a list but should be a single value", key);
        return NULL;
    }
    return s->value->str;
}

/* KEY as xl's xlu_cfg_get_long: strtol in base 0 of the whole string.
 * 1 set, 0 unset, -1 error (reported). */
static int get_long(struct ctx *x, const char *key, long *out, const struct cfg_setting **sp)
{
    const struct cfg_setting *s;
    const char *v = get_string(x, key, &s);
    char *ep;
    long l;

    if (sp)
        *sp = s;
    if (!s)
        return 0;
    if (!v)
        return -1;
    if (s->append) {
        ERR(x, s, "can't use += with numbers for parameter `%s'", key);
        return -1;
    }
    errno = 0;
    l = strtol(v, &ep, 0);
    if (errno) {
        ERR(x, s, "parameter `%s' could not be parsed as a number: %s", key,
            strerror(errno));
        return -1;
    }
    if (*ep || ep == v) {
        ERR(x, s, "parameter `%s' is not a valid number", key);
        return -1;
    }
    *out = l;
    return 1;
}

static int get_bounded(struct ctx *x, const char *key, long min, long max, long *out,
                       const struct cfg_setting **sp)
{
    int r = get_long(x, key, out, sp);

    if (r == 1 && (*out < min || *out > max)) {
        ERR(x, *sp, "`%s' must be between %ld and %ld, not %ld", key, min, max, *out);
        return -1;
    }
    return r;
}

/* A list of strings, copied; 1 set, 0 unset, -1 error. */
static int get_string_list(struct ctx *x, const char *key, char ***out, unsigned *n,
                           const struct cfg_setting **sp)
{
    const struct cfg_setting *s = cfg_get(x->cfg, key);
    const struct cfg_value *v;
    size_t i;

    *sp = s;
    if (!s)
        return 0;
    v = s->value;
    if (v->type != CFG_LIST) {
        ERR(x, s, "parameter `%s' is a single value but should be a list", key);
        return -1;
    }
    for (i = 0; i < v->n; i++)
        if (v->items[i]->type != CFG_STRING) {
            ERR(x, s, "item %zu of `%s' is a list but should be a string", i + 1, key);
            return -1;
        }
    if (v->n > UINT_MAX / 2)
        return -1;
    *out = calloc(v->n + 1, sizeof(**out));
    if (!*out) {
        ERR(x, s, "out of memory");
        return -1;
    }
    for (i = 0; i < v->n; i++) {
        (*out)[i] = strdup(v->items[i]->str);
        if (!(*out)[i]) {
            ERR(x, s, "out of memory");
            return -1;
        }
        *n = (unsigned)i + 1;
    }
    return 1;
}

static int dup_string(struct ctx *x, const char *key, char **out)
{
    const struct cfg_setting *s;
    const char *v = get_string(x, key, &s);

    if (!v)
        return s ? -1 : 0;
    *out = strdup(v);
    if (!*out) {
        ERR(x, s, "out of memory");
        return -1;
    }
    return 1;
}

/* ---- names -------------------------------------------------------------- */

static const char *const action_names[] = {
    [DC_ACT_DESTROY] = "destroy",
    [DC_ACT_RESTART] = "restart",
    [DC_ACT_RENAME_RESTART] = "rename-restart",
    [DC_ACT_PRESERVE] = "preserve",
    [DC_ACT_COREDUMP_DESTROY] = "coredump-destroy",
    [DC_ACT_COREDUMP_RESTART] = "coredump-restart",
    [DC_ACT_SOFT_RESET] = "soft-reset",
};

const char *dc_action_name(enum dc_action a)
{
    return (unsigned)a < ARRAY_SIZE(action_names) ? action_names[a] : "?";
}

const char *dc_type_name(enum dc_type t)
{
    return t == DC_TYPE_HVM ? "hvm" : t == DC_TYPE_PVH ? "pvh" : "?";
}

const char *dc_format_name(enum dc_disk_format f)
{
    static const char *const names[] = {
        [DC_FMT_RAW] = "raw", [DC_FMT_QCOW] = "qcow", [DC_FMT_QCOW2] = "qcow2",
        [DC_FMT_VHD] = "vhd", [DC_FMT_QED] = "qed", [DC_FMT_EMPTY] = "empty",
    };

    return (unsigned)f < ARRAY_SIZE(names) ? names[f] : "?";
}

/* ---- the keys ----------------------------------------------------------- */

/* Every key xl 4.17's parse_config_data reads.  Those xenkvm does not
 * read (below) get "not supported" rather than "unknown". */
static const char *const xl_keys[] = {
    "acpi", "acpi_firmware", "acpi_laptop_slate", "acpi_s3", "acpi_s4", "altp2m",
    "altp2mhvm", "apic", "bios", "bios_path_override", "boot", "bootloader",
    "bootloader_args", "builder", "cap", "channel", "cmdline", "cpu_weight", "cpuid",
    "cpus", "cpus_soft", "device_model", "device_model_args",
    "device_model_args_hvm", "device_model_args_pv", "device_model_override",
    "device_model_stubdomain_override", "device_model_stubdomain_seclabel",
    "device_model_user", "device_model_version", "device_tree", "disk", "display",
    "dm_restrict", "driver_domain", "dtdev", "e820_host", "extra", "extratime",
    "firmware", "firmware_override", "gfx_passthru", "gic_version", "hap", "hdtype",
    "hpet", "init_seclabel", "iomem", "ioports", "irqs", "kernel", "keymap", "latency",
    "localtime", "max_event_channels", "max_grant_frames", "max_grant_version",
    "max_maptrack_frames", "maxmem", "maxvcpus", "mca_caps", "memory", "mmio_hole",
    "ms_vm_genid", "msr_relaxed", "name", "nestedhvm", "nographic", "nomigrate", "nx",
    "on_crash", "on_poweroff", "on_reboot", "on_soft_reset", "on_watchdog", "oos",
    "opengl", "p9", "pae", "passthrough", "pci", "pci_msitranslate", "pci_permissive",
    "pci_power_mgmt", "pci_seize", "period", "pool", "pvcalls", "pvshim",
    "pvshim_cmdline", "pvshim_extra", "pvshim_path", "ramdisk", "rdm",
    "rdm_mem_boundary", "root", "rtc_timeoffset", "sdl", "seclabel", "serial",
    "shadow_memory", "slice", "smbios_firmware", "soundhw", "spice",
    "spice_clipboard_sharing", "spice_image_compression", "spice_streaming_video",
    "spiceagent_mouse", "spicedisable_ticketing", "spicehost", "spicepasswd",
    "spiceport", "spicetls_port", "spiceusbredirection", "spicevdagent", "stdvga",
    "stubdomain_cmdline", "stubdomain_kernel", "stubdomain_memory",
    "stubdomain_ramdisk", "tee", "timer_mode", "tsc_mode", "type", "usb", "usbctrl",
    "usbdev", "usbdevice", "usbversion", "uuid", "vcpus", "vdispl", "vendor_device",
    "vfb", "vga", "videoram", "vif", "vif2", "viridian", "vkb", "vkb_device",
    "vmtrace_buf_kb", "vnc", "vncdisplay", "vnclisten", "vncpasswd", "vncunused",
    "vncviewer", "vnuma", "vpmu", "vpt_align", "vsnd", "vtpm", "vuart", "xauthority",
    "xen_platform_pci", "xend_suspend_evtchn_compat",
};

/* The keys read here (firmware_override only for hvm guests). */
static const char *const our_keys[] = {
    "name", "uuid", "type", "builder", "kernel", "ramdisk", "cmdline", "extra", "root",
    "firmware_override", "memory", "maxmem", "vcpus", "maxvcpus", "cpu_weight", "cap", "on_poweroff",
    "on_reboot", "on_crash", "on_watchdog", "on_soft_reset", "disk", "vif", "pci",
    "acpi", "xen_hypercall_transport", "pci_permissive", "pci_power_mgmt",
    "pci_msitranslate", "pci_seize", "hvm_pirq",
};

static bool in_list(const char *const *l, size_t n, const char *k)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (!strcmp(l[i], k))
            return true;
    return false;
}

/* xl's prefix match: strncmp(buf, NAME, strlen(buf)), so "" and "h" mean hvm */
static bool abbrev(const char *buf, const char *name)
{
    return !strncmp(buf, name, strlen(buf));
}

static void parse_type(struct ctx *x)
{
    const struct cfg_setting *ts, *bs;
    const char *t = get_string(x, "type", &ts), *b = get_string(x, "builder", &bs);
    int type = -1, builder = -1;        /* DC_TYPE_*, 2 for pv */

    if (t) {
        if (abbrev(t, "hvm"))
            type = DC_TYPE_HVM;
        else if (abbrev(t, "pv"))
            type = 2;
        else if (abbrev(t, "pvh"))
            type = DC_TYPE_PVH;
        else
            ERR(x, ts, "Invalid domain type %s.", t);
    }
    if (b) {
        if (abbrev(b, "hvm"))
            builder = DC_TYPE_HVM;
        else if (abbrev(b, "generic"))
            builder = 2;
        else
            ERR(x, bs, "Invalid domain type %s.", b);
        if (builder >= 0 && type >= 0 && builder != type)
            ERR(x, bs, "Contradicting \"builder\" and \"type\" options specified.");
        else if (builder >= 0)
            type = builder;
    }
    if (type == 2) {
        ERR(x, builder == 2 ? bs : ts, "%s: xenkvm runs pvh and hvm guests, not pv ones "
            "(type=\"pvh\" boots a PVH-capable kernel)",
            builder == 2 ? "builder=\"generic\" means a pv guest" : "type=\"pv\"");
        type = DC_TYPE_PVH;
    }
    if (type < 0 && !ts && !bs) {
        WARN(x, NULL, "no `type': xl 4.17 would build a pv guest, xenkvm builds a pvh "
             "one (set type=\"pvh\" or type=\"hvm\")");
        type = DC_TYPE_PVH;
    }
    x->dc->type = type == DC_TYPE_HVM ? DC_TYPE_HVM : DC_TYPE_PVH;
}

static void parse_name(struct ctx *x)
{
    const struct cfg_setting *s;
    const char *n = get_string(x, "name", &s);
    const unsigned char *p;
    bool digits = true;

    if (!n) {
        if (!s)
            ERR(x, NULL, "Domain name must be specified.");
        return;
    }
    if (!*n) {
        ERR(x, s, "`name' must not be empty");
        return;
    }
    if (strlen(n) > XK_NAME_MAX) {
        ERR(x, s, "`name' is %zu bytes long; at most %d (the console log is "
            "guest-NAME.log, a file name of at most 255 bytes)", strlen(n), XK_NAME_MAX);
        return;
    }
    for (p = (const unsigned char *)n; *p; p++) {
        if (*p < 0x20 || *p == 0x7f || *p == '/') {
            ERR(x, s, "`name' must not contain '/' or control characters");
            return;
        }
        if (*p < '0' || *p > '9')
            digits = false;
    }
    if (digits) {
        ERR(x, s, "`name' %s would be taken for a domain id", n);
        return;
    }
    if (!strcmp(n, "Domain-0")) {
        ERR(x, s, "`name' Domain-0 is the host's");
        return;
    }
    if (!(x->dc->name = strdup(n)))
        ERR(x, s, "out of memory");
}

static void parse_uuid_key(struct ctx *x)
{
    const struct cfg_setting *s;
    const char *u = get_string(x, "uuid", &s);

    if (!u)
        return;
    if (!parse_uuid(u, x->dc->uuid))
        ERR(x, s, "Failed to parse UUID: %s", u);
    else
        x->dc->uuid_set = true;
}

static void parse_cmdline(struct ctx *x)
{
    const struct cfg_setting *cs, *rs, *es;
    const char *cmd = get_string(x, "cmdline", &cs), *root = get_string(x, "root", &rs),
               *extra = get_string(x, "extra", &es);
    int r = 0;

    if (cmd) {
        x->dc->cmdline = strdup(cmd);
        if (root || extra)
            WARN(x, cs, "ignoring root= and extra= in favour of cmdline=");
    } else if (root && extra)
        r = asprintf(&x->dc->cmdline, "root=%s %s", root, extra);
    else if (root)
        r = asprintf(&x->dc->cmdline, "root=%s", root);
    else if (extra)
        x->dc->cmdline = strdup(extra);
    if (r < 0)
        x->dc->cmdline = NULL;
    if ((cmd || root || extra) && !x->dc->cmdline)
        ERR(x, cs ? cs : rs ? rs : es, "out of memory");
    else if (x->dc->cmdline && strlen(x->dc->cmdline) + 1 > XK_CMDLINE_MAX)
        ERR(x, cs ? cs : rs ? rs : es, "the kernel command line is %zu bytes; at most %d",
            strlen(x->dc->cmdline) + 1, XK_CMDLINE_MAX);
}

static void parse_action(struct ctx *x, const char *key, enum dc_action def,
                         enum dc_action *out)
{
    const struct cfg_setting *s;
    const char *v = get_string(x, key, &s);
    size_t i;

    *out = def;
    if (!v)
        return;
    for (i = 0; i < ARRAY_SIZE(action_names); i++)
        if (!strcmp(v, action_names[i])) {
            *out = (enum dc_action)i;
            return;
        }
    ERR(x, s, "Unknown %s action \"%s\" specified", key, v);
}

static void parse_memory(struct ctx *x)
{
    const struct cfg_setting *ms, *xs;
    long mem = 0, max = 0;
    int rm, rx;

    rm = get_bounded(x, "memory", XK_MEM_MIN_MIB, (long)XK_MEM_MAX_MIB, &mem, &ms);
    rx = get_bounded(x, "maxmem", XK_MEM_MIN_MIB, (long)XK_MEM_MAX_MIB, &max, &xs);
    /* libxl's default: 32 MiB, both */
    x->dc->memory_mib = rm == 1 ? (uint64_t)mem : rx == 1 ? (uint64_t)max : 32;
    x->dc->maxmem_mib = rx == 1 ? (uint64_t)max : x->dc->memory_mib;
    x->dc->memory_set = rm == 1;
    x->dc->maxmem_set = rx == 1;
    if (rm == 1 && rx == 1 && max < mem)
        ERR(x, xs, "`maxmem' (%ld) must be equal to or greater than `memory' (%ld)", max, mem);
}

static void parse_vcpus(struct ctx *x)
{
    const struct cfg_setting *vs, *ms;
    long v = 0, m = 0;
    int rv, rm;

    rv = get_bounded(x, "vcpus", 1, XK_MAX_VCPUS, &v, &vs);
    rm = get_bounded(x, "maxvcpus", 1, XK_MAX_VCPUS, &m, &ms);
    x->dc->vcpus = rv == 1 ? (unsigned)v : 1;
    x->dc->maxvcpus = rm == 1 ? (unsigned)m : x->dc->vcpus;
    x->dc->vcpus_set = rv == 1;
    x->dc->maxvcpus_set = rm == 1;
    if (rv == 1 && rm == 1 && m < v)
        ERR(x, ms, "maxvcpus < vcpus (%ld < %ld)", m, v);
}

/* cpu_weight= and cap=, checked here with libxl's bounds (libxl checks
 * them when it applies them: a cap of at most 100 per vCPU). */
static void parse_sched(struct ctx *x)
{
    const struct cfg_setting *s;
    long w = 0, c = 0;

    x->dc->cpu_weight = get_bounded(x, "cpu_weight", 1, 65535, &w, &s) == 1 ? (int)w : -1;
    x->dc->cap = -1;
    if (get_long(x, "cap", &c, &s) == 1) {
        if (c < 0 || c > (long)x->dc->maxvcpus * 100)
            ERR(x, s, "`cap' must be between 0 and %u (100 per vCPU), not %ld",
                x->dc->maxvcpus * 100, c);
        else
            x->dc->cap = (int)c;
    }
}

/* acpi= (xl: a number, 0 off) and xenkvm's xen_hypercall_transport=. */
static void parse_platform(struct ctx *x)
{
    const struct cfg_setting *s;
    const char *t;
    long v;

    x->dc->acpi = get_long(x, "acpi", &v, &s) == 1 ? v != 0 : -1;
    /* xl reads hvm_pirq for hvm guests only (PVH has no emulated
     * interrupts to route: libxl gives it XEN_X86_EMU_LAPIC alone). */
    x->dc->hvm_pirq = -1;
    if (x->dc->type == DC_TYPE_HVM)
        x->dc->hvm_pirq = get_long(x, "hvm_pirq", &v, &s) == 1 ? v != 0 : -1;
    t = get_string(x, "xen_hypercall_transport", &s);
    if (t) {
        if (xk_transport_parse(t, &x->dc->transport))
            x->dc->transport_set = true;
        else
            ERR(x, s, "xen_hypercall_transport must be \"auto\", \"kvm\" or "
                "\"port\", not \"%s\"", t);
    }
}

struct disk_report {
    struct ctx *x;
    const struct cfg_setting *s;
};

static void disk_report(void *arg, const char *m)
{
    struct disk_report *r = arg;

    ERR(r->x, r->s, "%s", m);
}

static void parse_disks(struct ctx *x)
{
    const struct cfg_setting *s = cfg_get(x->cfg, "disk");
    const struct cfg_value *v;
    struct disk_report r = { x, s };
    size_t i;

    if (!s)
        return;
    v = s->value;
    if (v->type != CFG_LIST) {
        ERR(x, s, "parameter `disk' is a single value but should be a list");
        return;
    }
    if (!v->n)
        return;
    x->dc->disks = calloc(v->n, sizeof(*x->dc->disks));
    if (!x->dc->disks) {
        ERR(x, s, "out of memory");
        return;
    }
    for (i = 0; i < v->n; i++) {
        struct dc_disk *d = &x->dc->disks[x->dc->nr_disks];

        if (v->items[i]->type != CFG_STRING) {
            ERR(x, s, "item %zu of `disk' is a list but should be a string", i + 1);
            continue;
        }
        if (dc_disk_parse_report(d, v->items[i]->str, disk_report, &r))
            continue;
        d->line = s->line;
        x->dc->nr_disks++;
        if (d->colo >= 0 || d->colo_host || d->colo_export || d->active_disk ||
            d->hidden_disk || d->colo_port)
            WARN(x, s, "disk `%s': COLO is not supported by xenkvm, ignored", d->vdev);
        if (d->specification == DC_SPEC_VIRTIO)
            WARN(x, s, "disk `%s': specification=virtio is not supported yet", d->vdev);
        if (d->backend && *d->backend && strcmp(d->backend, "0") &&
            strcmp(d->backend, "Domain-0"))
            WARN(x, s, "disk `%s': backend domains other than the host are not "
                 "supported yet", d->vdev);
    }
}

/* vif=: each spec as xl's parse_nic_config reads it; devids in list
 * order unless devid= says, libxl's defaults filled in. */
static void parse_vifs(struct ctx *x)
{
    struct domcfg *dc = x->dc;
    const struct cfg_setting *s;
    char err[160];

    if (get_string_list(x, "vif", &dc->vifs, &dc->nr_vifs, &s) != 1 || !dc->nr_vifs)
        return;
    dc->nics = calloc(dc->nr_vifs, sizeof(*dc->nics));
    if (!dc->nics) {
        ERR(x, s, "out of memory");
        return;
    }
    for (unsigned i = 0; i < dc->nr_vifs; i++) {
        struct dc_vif *v = &dc->nics[dc->nr_nics];
        char *spec = strdup(dc->vifs[i]), *tok, *save = NULL;
        bool bad = false;

        dc_vif_init(v);
        for (tok = spec ? strtok_r(spec, ",", &save) : NULL; tok;
             tok = strtok_r(NULL, ",", &save)) {
            int r = dc_vif_parse_token(v, tok, err, sizeof(err));

            if (r < 0) {
                ERR(x, s, "vif `%s': %s", dc->vifs[i], err);
                bad = true;
            } else if (r > 0) {
                WARN(x, s, "vif `%s': %s", dc->vifs[i], err);
            }
        }
        free(spec);
        if (bad) {
            dc_vif_free(v);
            continue;
        }
        if (v->devid < 0)
            v->devid = (int)i;
        for (unsigned j = 0; j < dc->nr_nics; j++)
            if (dc->nics[j].devid == v->devid) {
                ERR(x, s, "vif `%s': devid %d is used twice", dc->vifs[i], v->devid);
                bad = true;
            }
        if (v->backend && *v->backend && strcmp(v->backend, "0") &&
            strcmp(v->backend, "Domain-0"))
            WARN(x, s, "vif `%s': backend domains other than the host are not "
                 "supported, domain 0 serves it", dc->vifs[i]);
        if (bad) {
            dc_vif_free(v);
            continue;
        }
        dc_vif_defaults(v);
        dc->nr_nics++;
    }
}

/* pci= (xl-pci-configuration(5)) and the pci_* defaults. */
static void parse_pci(struct ctx *x)
{
    struct domcfg *dc = x->dc;
    const struct cfg_setting *s;
    char err[512];
    long v;

    if (get_string_list(x, "pci", &dc->pcis, &dc->nr_pcis, &s) == 1) {
        for (unsigned i = 0; i < dc->nr_pcis; i++) {
            struct pci_spec p;

            if (pci_spec_parse(dc->pcis[i], &p, err, sizeof(err)) < 0)
                ERR(x, s, "%s", err);
            else
                pci_spec_free(&p);
        }
        if (dc->nr_pcis > 1)
            ERR(x, s, "xenkvm passes one PCI function through per domain (%u given)",
                dc->nr_pcis);
    }
    dc->pci_permissive = get_long(x, "pci_permissive", &v, NULL) == 1 && v;
    dc->pci_power_mgmt = get_long(x, "pci_power_mgmt", &v, NULL) == 1 && v;
    get_long(x, "pci_msitranslate", &v, NULL);  /* MSI goes through KVM routes anyway */
    get_long(x, "pci_seize", &v, NULL);
}

static void check_keys(struct ctx *x)
{
    const struct cfg_setting *s;

    for (s = cfg_first(x->cfg); s; s = s->next) {
        if (in_list(our_keys, ARRAY_SIZE(our_keys), s->name)) {
            if (!strcmp(s->name, "firmware_override") && x->dc->type != DC_TYPE_HVM)
                WARN(x, s, "`firmware_override' is for hvm guests, ignored");
            continue;
        }
        if (in_list(xl_keys, ARRAY_SIZE(xl_keys), s->name))
            WARN(x, s, "`%s' is not supported by xenkvm yet, ignored", s->name);
        else
            WARN(x, s, "unknown key `%s', ignored", s->name);
    }
}

static void parse_keys(struct ctx *x)
{
    struct domcfg *dc = x->dc;
    const struct cfg_setting *s;

    parse_type(x);
    parse_name(x);
    parse_uuid_key(x);
    parse_memory(x);
    parse_vcpus(x);
    parse_sched(x);
    parse_platform(x);
    parse_action(x, "on_poweroff", DC_ACT_DESTROY, &dc->on_poweroff);
    parse_action(x, "on_reboot", DC_ACT_RESTART, &dc->on_reboot);
    parse_action(x, "on_watchdog", DC_ACT_DESTROY, &dc->on_watchdog);
    parse_action(x, "on_crash", DC_ACT_DESTROY, &dc->on_crash);
    parse_action(x, "on_soft_reset", DC_ACT_SOFT_RESET, &dc->on_soft_reset);
    dup_string(x, "kernel", &dc->kernel);
    dup_string(x, "ramdisk", &dc->ramdisk);
    parse_cmdline(x);
    if (dc->type == DC_TYPE_HVM) {
        const char *k = dc->kernel ? strrchr(dc->kernel, '/') : NULL;

        if (dc->kernel && !strcmp(k ? k + 1 : dc->kernel, "hvmloader")) {
            WARN(x, cfg_get(x->cfg, "kernel"), "you seem to be using \"kernel\" directive "
                 "to override HVM guest firmware. Ignore that. Use \"firmware_override\" "
                 "instead if you really want a non-default firmware");
            free(dc->kernel);
            dc->kernel = NULL;
        }
        dup_string(x, "firmware_override", &dc->firmware);
    } else if (!dc->kernel && !cfg_get(x->cfg, "kernel")) {
        s = cfg_get(x->cfg, "type");
        ERR(x, s, "a pvh guest needs a `kernel' (xl: Neither kernel nor bootloader "
            "specified)");
    }
    parse_disks(x);
    parse_vifs(x);
    parse_pci(x);
    check_keys(x);
}

/* xl create's extra arguments: each one a line after the file's text */
static char *join_overrides(char *const *overrides, int n, size_t *len)
{
    size_t total = 0;
    char *t, *p;
    int i;

    for (i = 0; i < n; i++)
        total += strlen(overrides[i]) + 1;
    t = p = malloc(total + 1);
    if (!t)
        return NULL;
    for (i = 0; i < n; i++) {
        size_t l = strlen(overrides[i]);

        memcpy(p, overrides[i], l);
        p[l] = '\n';
        p += l + 1;
    }
    *p = 0;
    *len = total;
    return t;
}

int domcfg_parse(struct domcfg *dc, const char *fname, const char *text, size_t len,
                 char *const *overrides, int nr_overrides, FILE *diag)
{
    struct ctx x = { .dc = dc, .fname = fname, .diag = diag };
    bool syntax_ok = true;

    memset(dc, 0, sizeof(*dc));
    x.cfg = cfg_new();
    if (!x.cfg || !(dc->source = strdup(fname))) {
        ERR(&x, NULL, "out of memory");
        goto out;
    }
    if (cfg_parse(x.cfg, fname, text, len, diag))
        syntax_ok = false;
    if (nr_overrides > 0) {
        size_t olen = 0;
        char *o = join_overrides(overrides, nr_overrides, &olen);

        if (!o) {
            ERR(&x, NULL, "out of memory");
            goto out;
        }
        if (cfg_parse(x.cfg, "command line", o, olen, diag))
            syntax_ok = false;
        free(o);
    }
    if (!syntax_ok) {
        /* xl's parse_config_data after xlu_cfg_readdata fails */
        fprintf(diag, "Failed to parse config: %s\n", strerror(EINVAL));
        x.errors++;
        goto out;
    }
    parse_keys(&x);
out:
    cfg_free(x.cfg);
    if (x.errors) {
        domcfg_free(dc);
        return -1;
    }
    return 0;
}

int domcfg_load(struct domcfg *dc, const char *path, char *const *overrides,
                int nr_overrides, FILE *diag)
{
    size_t size;
    char *text;
    int r;

    memset(dc, 0, sizeof(*dc));
    if (!strcmp(path, "/dev/null"))
        return domcfg_parse(dc, path, "", 0, overrides, nr_overrides, diag);
    text = read_file(path, &size, DC_MAX_FILE);
    if (!text) {
        if (diag)
            fprintf(diag, "Failed to read config file: %s: %s\n", path,
                    errno == EFBIG ? "larger than 16 MiB" : strerror(errno));
        return -1;
    }
    r = domcfg_parse(dc, path, text, size, overrides, nr_overrides, diag);
    free(text);
    return r;
}

void domcfg_free(struct domcfg *dc)
{
    unsigned i;

    if (!dc)
        return;
    free(dc->name);
    free(dc->kernel);
    free(dc->ramdisk);
    free(dc->cmdline);
    free(dc->firmware);
    for (i = 0; i < dc->nr_disks; i++)
        dc_disk_free(&dc->disks[i]);
    free(dc->disks);
    for (i = 0; i < dc->nr_vifs; i++)
        free(dc->vifs[i]);
    for (i = 0; i < dc->nr_nics; i++)
        dc_vif_free(&dc->nics[i]);
    free(dc->nics);
    free(dc->vifs);
    for (i = 0; i < dc->nr_pcis; i++)
        free(dc->pcis[i]);
    free(dc->pcis);
    for (i = 0; i < dc->nr_pci_hot; i++)
        free(dc->pci_hot[i]);
    free(dc->pci_hot);
    free(dc->pci_vmm_arg);
    free(dc->source);
    memset(dc, 0, sizeof(*dc));
}
