/* Small helpers used across xenkvm. */
#ifndef XK_UTIL_H
#define XK_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define XK_MIN(a, b) ((a) < (b) ? (a) : (b))
#define XK_MAX(a, b) ((a) > (b) ? (a) : (b))

#define XK_PAGE_SHIFT 12
#define XK_PAGE_SIZE  4096ULL
#define XK_PAGE_MASK  (~(XK_PAGE_SIZE - 1))

/* Read a whole file into a malloc'd buffer; returns NULL with errno set. */
void *read_file(const char *path, size_t *size, size_t limit);

/* Parse an unsigned decimal (or 0x hex) number; false on junk or overflow. */
bool parse_u64(const char *s, uint64_t *out);

/* libuuid's uuid_parse (36 characters, 8-4-4-4-12 hex), as libxl takes a
 * config's uuid; false on anything else. */
bool parse_uuid(const char *s, uint8_t out[16]);
/* The same form back, lower case, into OUT (37 bytes). */
void format_uuid(const uint8_t u[16], char out[37]);

#endif
