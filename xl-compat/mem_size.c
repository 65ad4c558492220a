/* Memory sizes on xl's command line (mem-set, mem-max). */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>

#include "mem_size.h"

/* xl's parse_mem_size_kb: a number with b, k, m (default), g or t. */
int64_t xl_parse_mem_size_kb(const char *mem)
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
