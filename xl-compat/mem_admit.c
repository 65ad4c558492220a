/* Memory admission (mem_admit.h). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dominfo.h"
#include "mem_admit.h"
#include "xl.h"
#include "xl_conf.h"

/* A "Key:   N kB" line of a /proc file, in KiB; -1 if absent. */
static int64_t proc_kb(const char *path, const char *key)
{
    FILE *f = fopen(path, "re");
    size_t klen = strlen(key);
    char line[256];
    int64_t v = -1;

    if (!f)
        return -1;
    while (fgets(line, sizeof(line), f))
        if (!strncmp(line, key, klen) && line[klen] == ':') {
            v = strtoll(line + klen + 1, NULL, 10);
            break;
        }
    fclose(f);
    return v;
}

/* Guest RAM a domain has and may still touch: its memory less the part of
 * its memfd already resident in its VMM. */
static int64_t untouched_kb(const struct xl_dominfo *d)
{
    int64_t mem = (int64_t)d->current_kb, res = 0;

    if (!d->vmm_up) {
        /* Being built, or its VMM does not answer: what it was given. */
        struct domcfg dc;
        if (xl_dom_saved_config(d->domid, &dc)) {
            mem = (int64_t)dc.memory_mib * 1024;
            domcfg_free(&dc);
        }
    }
    if (d->vmm_pid > 0) {
        char path[64];
        snprintf(path, sizeof(path), "/proc/%ld/status", (long)d->vmm_pid);
        res = proc_kb(path, "RssShmem");
    }
    return mem > res && res >= 0 ? mem - res : res < 0 ? mem : 0;
}

bool xl_mem_admit(const struct domcfg *dc)
{
    /* libxl_domain_need_memory: the target, rounded up to 2 MiB. */
    int64_t need = (int64_t)dc->memory_mib * 1024, avail, promised = 0;
    struct xl_dominfo *l;
    unsigned n;

    need = (need + 2047) / 2048 * 2048;
    if (!xl_conf_claim_mode())
        return true;
    avail = proc_kb("/proc/meminfo", "MemAvailable");
    if (avail < 0)
        return true;    /* nothing to count with: as autoballoon=off */
    l = xl_dom_list(&n);
    for (unsigned i = 1; i < n; i++)
        promised += untouched_kb(&l[i]);
    xl_dom_list_free(l, n);
    if (need <= avail - promised)
        return true;
    fprintf(stderr, "xenkvm: the domain needs %lld MiB; the host can back %lld MiB more "
            "(available %lld MiB, less %lld MiB running domains may still touch); "
            "claim_mode=0 in %s allows overcommit\n", (long long)(need / 1024),
            (long long)((avail - promised > 0 ? avail - promised : 0) / 1024),
            (long long)(avail / 1024), (long long)(promised / 1024), xl_conf_path());
    fprintf(stderr, "failed to free memory for the domain\n");
    return false;
}
