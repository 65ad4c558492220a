/* xl mem-set <Domain> <size>: the balloon target in memory/target, as
 * libxl_set_memory_target with enforce: never above memory/static-max. */
#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dominfo.h"
#include "xl.h"
#include "xs_util.h"

/* xl's parse_mem_size_kb: a number with b, k, m (default), g or t. */
static int64_t parse_mem_size_kb(const char *mem)
{
    char *end;
    int64_t kb;

    errno = 0;
    kb = strtoll(mem, &end, 10);
    if (errno || end == mem || kb < 0)
        return -1;
    switch (tolower((unsigned char)*end)) {
    case 't': kb <<= 10; /* fall through */
    case 'g': kb <<= 10; /* fall through */
    case '\0':
    case 'm': kb <<= 10; /* fall through */
    case 'k': break;
    case 'b': kb >>= 10; break;
    default: return -1;
    }
    if (*end && end[1])
        return -1;
    return kb;
}

int cmd_mem_set(int argc, char **argv)
{
    const char *mem;
    unsigned domid;
    int64_t kb;
    char *smax, *path;
    bool ok;

    while (xl_getopt(argc, argv, "", NULL, "mem-set", 2) != -1)
        ;
    domid = xl_find_domain(argv[optind]);
    mem = argv[optind + 1];
    kb = parse_mem_size_kb(mem);
    if (kb == -1) {
        fprintf(stderr, "invalid memory size: %s\n", mem);
        return EXIT_FAILURE;
    }
    smax = xl_xs_readf(XBT_NULL, "/local/domain/%u/memory/static-max", domid);
    if (domid == 0 || !smax) {
        fprintf(stderr, "libxl: error: cannot get memory info from "
                "/local/domain/%u/memory/static-max\n", domid);
        fprintf(stderr, "cannot set domid %u dynamic max memory to : %s\n", domid, mem);
        free(smax);
        return EXIT_FAILURE;
    }
    if ((uint64_t)kb > strtoull(smax, NULL, 10)) {
        fprintf(stderr, "libxl: error: memory_dynamic_max must be less than or equal to "
                "memory_static_max\n");
        fprintf(stderr, "cannot set domid %u dynamic max memory to : %s\n", domid, mem);
        free(smax);
        return EXIT_FAILURE;
    }
    free(smax);
    path = xl_xasprintf("/local/domain/%u/memory/target", domid);
    ok = xl_xs_writef(XBT_NULL, path, "%lld", (long long)kb);
    free(path);
    if (!ok) {
        fprintf(stderr, "cannot set domid %u dynamic max memory to : %s\n", domid, mem);
        return EXIT_FAILURE;
    }
    return EXIT_SUCCESS;
}
