/* struct domcfg as libxl's libxl_domain_config JSON, the text
 * `xl create -n` prints (libxl_domain_config_to_json).
 *
 * libxl generates it from libxl_types.idl with yajl in beautify mode (four
 * spaces a level): fields still at their default are left out, structs are
 * always written (so empty ones appear as "{", a blank line, "}"), enums
 * by their IDL names ("restart_rename", "soft_reset"), defbools as "True"
 * or "False".  A small generator below follows yajl's rules for commas,
 * newlines and indentation so the text is the same byte for byte. */
#include <string.h>

#include "domcfg.h"

/* ---- a yajl-compatible beautifying generator ---------------------------- */

enum gstate { G_START, G_MAP_START, G_MAP_KEY, G_MAP_VAL, G_ARRAY_START, G_IN_ARRAY,
              G_COMPLETE };

#define GMAXDEPTH 16

struct gen {
    FILE *out;
    int indent;                 /* extra spaces before every line but the first */
    int depth;
    enum gstate state[GMAXDEPTH];
};

static void g_sep(struct gen *g)
{
    enum gstate s = g->state[g->depth];

    if (s == G_MAP_KEY || s == G_IN_ARRAY)
        fputs(",\n", g->out);
    else if (s == G_MAP_VAL)
        fputs(": ", g->out);
}

static void g_space(struct gen *g)
{
    int i;

    if (g->state[g->depth] == G_MAP_VAL)
        return;
    if (g->state[g->depth] != G_START)
        fprintf(g->out, "%*s", g->indent, "");
    for (i = 0; i < g->depth; i++)
        fputs("    ", g->out);
}

static void g_appended(struct gen *g)
{
    switch (g->state[g->depth]) {
    case G_START: g->state[g->depth] = G_COMPLETE; break;
    case G_MAP_START: case G_MAP_KEY: g->state[g->depth] = G_MAP_VAL; break;
    case G_MAP_VAL: g->state[g->depth] = G_MAP_KEY; break;
    case G_ARRAY_START: g->state[g->depth] = G_IN_ARRAY; break;
    default: break;
    }
}

static void g_string_raw(FILE *out, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    const unsigned char *p;

    fputc('"', out);
    for (p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '\r': fputs("\\r", out); break;
        case '\n': fputs("\\n", out); break;
        case '\\': fputs("\\\\", out); break;
        case '"': fputs("\\\"", out); break;
        case '\f': fputs("\\f", out); break;
        case '\b': fputs("\\b", out); break;
        case '\t': fputs("\\t", out); break;
        default:
            if (*p < 0x20)
                fprintf(out, "\\u00%c%c", hex[*p >> 4], hex[*p & 15]);
            else
                fputc(*p, out);     /* yajl passes other bytes through */
        }
    }
    fputc('"', out);
}

static void g_atom_begin(struct gen *g)
{
    g_sep(g);
    g_space(g);
}

/* yajl ends a complete document with a newline (not a nested one) */
static void g_final(struct gen *g)
{
    if (g->state[g->depth] == G_COMPLETE && !g->indent)
        fputc('\n', g->out);
}

static void g_atom_end(struct gen *g)
{
    g_appended(g);
    g_final(g);
}

static void g_string(struct gen *g, const char *s)
{
    g_atom_begin(g);
    g_string_raw(g->out, s);
    g_atom_end(g);
}

static void g_integer(struct gen *g, long long v)
{
    g_atom_begin(g);
    fprintf(g->out, "%lld", v);
    g_atom_end(g);
}

static void g_null(struct gen *g)
{
    g_atom_begin(g);
    fputs("null", g->out);
    g_atom_end(g);
}

static void g_bool(struct gen *g, bool v)
{
    g_atom_begin(g);
    fputs(v ? "true" : "false", g->out);
    g_atom_end(g);
}

static void g_open(struct gen *g, char c)
{
    g_sep(g);
    g_space(g);
    if (g->depth + 1 < GMAXDEPTH)
        g->depth++;
    g->state[g->depth] = c == '{' ? G_MAP_START : G_ARRAY_START;
    fputc(c, g->out);
    fputc('\n', g->out);
}

static void g_close(struct gen *g, char c)
{
    if (g->depth > 0)
        g->depth--;
    fputc('\n', g->out);
    g_appended(g);
    g_space(g);
    fputc(c, g->out);
    g_final(g);
}

static void g_key(struct gen *g, const char *k)
{
    g_string(g, k);
}

static void kv_string(struct gen *g, const char *k, const char *v)
{
    if (!v)
        return;
    g_key(g, k);
    g_string(g, v);
}

static void kv_int(struct gen *g, const char *k, long long v)
{
    g_key(g, k);
    g_integer(g, v);
}

static void kv_defbool(struct gen *g, const char *k, int v)
{
    if (v < 0)
        return;
    g_key(g, k);
    g_string(g, v ? "True" : "False");
}

static void kv_empty_map(struct gen *g, const char *k)
{
    g_key(g, k);
    g_open(g, '{');
    g_close(g, '}');
}

/* ---- libxl_domain_config ------------------------------------------------ */

/* libxl_action_on_shutdown's names (LIBXL_ACTION_ON_SHUTDOWN_DESTROY is
 * the default, left out) */
static const char *action_json(enum dc_action a)
{
    static const char *const n[] = {
        [DC_ACT_DESTROY] = "destroy", [DC_ACT_RESTART] = "restart",
        [DC_ACT_RENAME_RESTART] = "restart_rename", [DC_ACT_PRESERVE] = "preserve",
        [DC_ACT_COREDUMP_DESTROY] = "coredump_destroy",
        [DC_ACT_COREDUMP_RESTART] = "coredump_restart", [DC_ACT_SOFT_RESET] = "soft_reset",
    };

    return (unsigned)a < sizeof(n) / sizeof(n[0]) ? n[a] : "destroy";
}

static void gen_c_info(struct gen *g, const struct domcfg *dc)
{
    static const char hexd[] = "0123456789abcdef";

    g_open(g, '{');
    kv_string(g, "type", dc->type == DC_TYPE_HVM ? "hvm" : "pvh");
    kv_string(g, "name", dc->name);
    if (dc->uuid_set) {
        char u[37];
        int i, o = 0;

        for (i = 0; i < 16; i++) {
            if (i == 4 || i == 6 || i == 8 || i == 10)
                u[o++] = '-';
            u[o++] = hexd[dc->uuid[i] >> 4];
            u[o++] = hexd[dc->uuid[i] & 15];
        }
        u[o] = 0;
        kv_string(g, "uuid", u);
    }
    kv_string(g, "run_hotplug_scripts", "True");
    g_close(g, '}');
}

static void gen_b_info(struct gen *g, const struct domcfg *dc)
{
    unsigned i;

    g_open(g, '{');
    /* xl: max_vcpus = maxvcpus, else vcpus; avail_vcpus = the first vcpus */
    if (dc->maxvcpus_set || dc->vcpus_set)
        kv_int(g, "max_vcpus", dc->maxvcpus_set ? dc->maxvcpus : dc->vcpus);
    if (dc->vcpus_set) {
        g_key(g, "avail_vcpus");
        g_open(g, '[');
        for (i = 0; i < dc->vcpus; i++)
            g_integer(g, i);
        g_close(g, ']');
    }
    /* xl: max_memkb = maxmem, else memory; target_memkb = memory */
    if (dc->maxmem_set || dc->memory_set)
        kv_int(g, "max_memkb", (long long)(dc->maxmem_set ? dc->maxmem_mib : dc->memory_mib) * 1024);
    if (dc->memory_set)
        kv_int(g, "target_memkb", (long long)dc->memory_mib * 1024);
    /* libxl leaves its defaults out (unset; a cap of 0 is the default too). */
    g_key(g, "sched_params");
    g_open(g, '{');
    if (dc->cpu_weight > 0)
        kv_int(g, "weight", dc->cpu_weight);
    if (dc->cap > 0)
        kv_int(g, "cap", dc->cap);
    g_close(g, '}');
    kv_string(g, "claim_mode", "True");
    kv_string(g, "kernel", dc->kernel);
    kv_string(g, "cmdline", dc->cmdline);
    kv_string(g, "ramdisk", dc->ramdisk);
    kv_defbool(g, "acpi", dc->acpi);
    if (dc->type == DC_TYPE_HVM) {
        g_key(g, "type.hvm");
        g_open(g, '{');
        kv_string(g, "firmware", dc->firmware);
        kv_empty_map(g, "vga");
        kv_empty_map(g, "vnc");
        kv_empty_map(g, "sdl");
        kv_empty_map(g, "spice");
        kv_empty_map(g, "rdm");
        kv_defbool(g, "pirq", dc->hvm_pirq);
        g_close(g, '}');
    } else
        kv_empty_map(g, "type.pvh");
    kv_empty_map(g, "arch_arm");
    kv_empty_map(g, "arch_x86");
    /* xenkvm-only: not a libxl field. */
    if (dc->transport_set)
        kv_string(g, "xenkvm_hypercall_transport", xk_transport_name(dc->transport));
    g_close(g, '}');
}

static void gen_disk(struct gen *g, const struct dc_disk *d)
{
    /* libxl_disk_format: RAW etc.; the parser never leaves it unknown */
    static const char *const fmt[] = {
        [DC_FMT_RAW] = "raw", [DC_FMT_QCOW] = "qcow", [DC_FMT_QCOW2] = "qcow2",
        [DC_FMT_VHD] = "vhd", [DC_FMT_QED] = "qed", [DC_FMT_EMPTY] = "empty",
    };

    g_open(g, '{');
    kv_string(g, "backend_domname", d->backend);
    kv_string(g, "pdev_path", d->target);
    kv_string(g, "vdev", d->vdev);
    kv_string(g, "backend", d->backendtype);
    if ((unsigned)d->format < sizeof(fmt) / sizeof(fmt[0]))
        kv_string(g, "format", fmt[d->format]);
    kv_string(g, "script", d->script);
    if (d->cdrom)
        kv_int(g, "removable", 1);
    if (d->readwrite)
        kv_int(g, "readwrite", 1);
    if (d->cdrom)
        kv_int(g, "is_cdrom", 1);
    if (d->direct_io_safe) {
        g_key(g, "direct_io_safe");
        g_bool(g, true);
    }
    kv_defbool(g, "discard_enable", d->discard);
    if (d->specification != DC_SPEC_UNSET)
        kv_string(g, "specification", d->specification == DC_SPEC_XEN ? "xen" : "virtio");
    kv_defbool(g, "colo_enable", d->colo);
    kv_string(g, "colo_host", d->colo_host);
    if (d->colo_port)
        kv_int(g, "colo_port", d->colo_port);
    kv_string(g, "colo_export", d->colo_export);
    kv_string(g, "active_disk", d->active_disk);
    kv_string(g, "hidden_disk", d->hidden_disk);
    kv_defbool(g, "trusted", d->trusted);
    g_close(g, '}');
}

/* libxl_device_nic as xl parsed the spec (libxl's defaults, e.g. the
 * generated MAC, are not part of the config; xl network-list shows them). */
static void gen_nic(struct gen *g, const struct dc_vif *v)
{
    char mac[18];

    g_open(g, '{');
    kv_int(g, "devid", v->devid);
    if (v->mtu && v->mtu != DC_VIF_DEFAULT_MTU)
        kv_int(g, "mtu", v->mtu);
    kv_string(g, "model", v->model);
    if (v->mac_given) {
        snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x", v->mac[0], v->mac[1],
                 v->mac[2], v->mac[3], v->mac[4], v->mac[5]);
        kv_string(g, "mac", mac);
    }
    kv_string(g, "ip", v->ip);
    if (v->bridge_given)
        kv_string(g, "bridge", v->bridge);
    kv_string(g, "ifname", v->vifname);
    if (v->script_given)
        kv_string(g, "script", v->script);
    if (v->type)
        kv_string(g, "nictype", strcmp(v->type, "ioemu") ? "vif" : "vif_ioemu");
    if (v->rate_usecs) {
        kv_int(g, "rate_bytes_per_interval", (long long)v->rate_bytes);
        kv_int(g, "rate_interval_usecs", v->rate_usecs);
    }
    kv_string(g, "gatewaydev", v->gatewaydev);
    g_close(g, '}');
}

static void gen_config(struct gen *g, const struct domcfg *dc)
{
    const struct { const char *key; enum dc_action a; } actions[] = {
        { "on_poweroff", dc->on_poweroff }, { "on_reboot", dc->on_reboot },
        { "on_watchdog", dc->on_watchdog }, { "on_crash", dc->on_crash },
        { "on_soft_reset", dc->on_soft_reset },
    };
    unsigned i;

    g_open(g, '{');
    g_key(g, "c_info");
    gen_c_info(g, dc);
    g_key(g, "b_info");
    gen_b_info(g, dc);
    if (dc->nr_disks) {
        g_key(g, "disks");
        g_open(g, '[');
        for (i = 0; i < dc->nr_disks; i++)
            gen_disk(g, &dc->disks[i]);
        g_close(g, ']');
    }
    if (dc->nr_nics) {
        g_key(g, "nics");
        g_open(g, '[');
        for (i = 0; i < dc->nr_nics; i++)
            gen_nic(g, &dc->nics[i]);
        g_close(g, ']');
    }
    for (i = 0; i < sizeof(actions) / sizeof(actions[0]); i++)
        if (actions[i].a != DC_ACT_DESTROY)
            kv_string(g, actions[i].key, action_json(actions[i].a));
    g_close(g, '}');
}

void domcfg_write_json(const struct domcfg *dc, FILE *out, int indent)
{
    struct gen g = { .out = out, .indent = indent > 0 ? indent : 0 };

    gen_config(&g, dc);
}

void domcfg_write_json_domain(const struct domcfg *dc, int domid, FILE *out, int indent)
{
    struct gen g = { .out = out, .indent = indent > 0 ? indent : 0 };

    g_open(&g, '{');
    g_key(&g, "domid");
    if (domid >= 0)
        g_integer(&g, domid);
    else
        g_null(&g);
    g_key(&g, "config");
    gen_config(&g, dc);
    g_close(&g, '}');
}

void dc_disk_write_json(const struct dc_disk *d, FILE *out)
{
    struct gen g = { .out = out };

    gen_disk(&g, d);
}
