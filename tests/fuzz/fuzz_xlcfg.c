/* libFuzzer harness for xl-compat/'s config parser: the input is a domain
 * config file, optionally followed by "\0"-separated command-line
 * overrides; each of its lines is also tried as a disk spec.  Besides the
 * sanitizers' checks (no crash, leak, overflow or undefined behaviour on
 * any bytes), a config that parses must satisfy what domcfg promises:
 * a name, memory <= maxmem, vcpus <= maxvcpus (1..128), every disk with a
 * vdev and a target unless it is a cdrom; its JSON must be balanced.
 * Built by tests/fuzz/xlcfg.sh; make check replays the seed corpus
 * (tests/fuzz/corpus/xlcfg) through it under the build's sanitizers. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xl-compat/domcfg.h"

static void fail(const char *why)
{
    fprintf(stderr, "fuzz_xlcfg: property violated: %s\n", why);
    abort();
}

static void check_json(const struct domcfg *dc)
{
    char *out;
    size_t sz, i;
    long depth = 0;
    int in_str = 0;
    FILE *o = open_memstream(&out, &sz);

    if (!o)
        return;
    domcfg_write_json(dc, o, 0);
    fclose(o);
    for (i = 0; i < sz; i++) {
        char c = out[i];

        if (in_str) {
            if (c == '\\')
                i++;
            else if (c == '"')
                in_str = 0;
            else if ((unsigned char)c < 0x20)
                fail("raw control character in a JSON string");
        } else if (c == '"')
            in_str = 1;
        else if (c == '{' || c == '[')
            depth++;
        else if (c == '}' || c == ']')
            if (--depth < 0)
                fail("unbalanced JSON");
    }
    if (depth || in_str || !sz || out[sz - 1] != '\n')
        fail("unterminated JSON");
    free(out);
}

static void check_config(const struct domcfg *dc)
{
    unsigned i;

    if (!dc->name || !dc->source)
        fail("a parsed config without a name");
    if (dc->memory_mib < 1 || dc->memory_mib > dc->maxmem_mib)
        fail("memory outside 1..maxmem");
    if (dc->vcpus < 1 || dc->vcpus > dc->maxvcpus || dc->maxvcpus > 128)
        fail("vcpus outside 1..maxvcpus..128");
    if (dc->type == DC_TYPE_PVH && !dc->kernel)
        fail("pvh without a kernel");
    for (i = 0; i < dc->nr_disks; i++)
        if (!dc->disks[i].vdev || (!dc->disks[i].target && !dc->disks[i].cdrom))
            fail("a disk without vdev or target");
    check_json(dc);
}

static void try_disk_specs(const char *text, size_t len)
{
    const char *p = text, *end = text + len;

    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
        char *spec = strndup(p, n), err[128];
        struct dc_disk d;

        if (spec && !dc_disk_parse(&d, spec, err, sizeof(err))) {
            if (!d.vdev || (!d.target && !d.cdrom))
                fail("a disk spec without vdev or target");
            dc_disk_free(&d);
        }
        free(spec);
        p += n + 1;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    const char *nul = memchr(text, 0, size);
    size_t cfg_len = size;
    char *ovbuf = NULL, *ov[8];
    int nov = 0;
    struct domcfg dc;
    FILE *null = fopen("/dev/null", "w");

    /* "\0\0" ends the file; what follows are overrides, one per "\0" */
    while (nul && (size_t)(nul - text) + 1 < size && nul[1] != 0)
        nul = memchr(nul + 1, 0, size - (size_t)(nul + 1 - text));
    if (nul && (size_t)(nul - text) + 1 < size) {
        size_t rest;
        char *p;

        cfg_len = (size_t)(nul - text);
        rest = size - cfg_len - 2;
        ovbuf = malloc(rest + 1);
        if (ovbuf) {
            memcpy(ovbuf, nul + 2, rest);
            ovbuf[rest] = 0;
            for (p = ovbuf; nov < 8 && p < ovbuf + rest; p += strlen(p) + 1)
                ov[nov++] = p;
        }
    }
    if (!domcfg_parse(&dc, "fuzz.cfg", text, cfg_len, ov, nov, null)) {
        check_config(&dc);
        domcfg_free(&dc);
    }
    try_disk_specs(text, cfg_len > 4096 ? 4096 : cfg_len);
    free(ovbuf);
    if (null)
        fclose(null);
    return 0;
}
