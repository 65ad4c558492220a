/* Memory sizes on xl's command line (mem-set, mem-max). */
#ifndef XL_MEM_SIZE_H
#define XL_MEM_SIZE_H

#include <stdint.h>

/* xl's parse_mem_size_kb: a number with b, k, m (default), g or t; -1 if
 * it is not one. */
int64_t xl_parse_mem_size_kb(const char *mem);

#endif
