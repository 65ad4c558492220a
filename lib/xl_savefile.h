/* xl's save-file header, as tools/xl/xl_saverestore.c writes and reads it
 * (docs/migration.md): a 32-byte magic, then four u32 in the saver's byte
 * order (a byte-order marker, mandatory flags, optional flags, the length
 * of the optional data), then the optional data: a u32 config length and
 * the domain's libxl_domain_config JSON with its trailing NUL.  The libxl
 * migration stream follows (mandatory flag STREAMv2).  xl save, xl
 * restore and the VMM share these definitions. */
#ifndef XK_XL_SAVEFILE_H
#define XK_XL_SAVEFILE_H

#include <stddef.h>
#include <stdint.h>

#define XL_SAVE_MAGIC       "Xen saved domain, xl format\n \0 \r"
#define XL_SAVE_MAGIC_LEN   32
#define XL_SAVE_BYTEORDER   0x01020304u
#define XL_MANDATORY_JSON   (1u << 0)   /* the config is JSON */
#define XL_MANDATORY_STREAMV2 (1u << 1) /* a libxl v2 stream follows */
#define XL_MANDATORY_ALL    (XL_MANDATORY_JSON | XL_MANDATORY_STREAMV2)
#define XL_SAVE_HEADER_LEN  (XL_SAVE_MAGIC_LEN + 16)
/* More optional data than this is not a save file xl wrote. */
#define XL_SAVE_MAX_OPTDATA (16u << 20)
#define XL_SAVE_XK_MAGIC    0x46434b58u     /* "XKCF": the xl config text */
#define XL_SAVE_XK_WATCHES  0x41574b58u     /* "XKWA": xenstored's watch-export */
#define XL_SAVE_XK_DEVICES  0x56444b58u     /* "XKDV": the frontends' xenstore nodes */

struct xl_savefile {
    uint32_t mandatory, optional;
    uint32_t optional_len;  /* the optional data's length */
    char *config;           /* malloc'd, NUL-terminated; NULL when none */
    uint32_t config_len;    /* as stored (the NUL included) */
    char *xk_config;        /* xenkvm's xl config text, or NULL */
    char *xk_watches;       /* the domain's watches (transparent saves), or NULL */
    char *xk_devices;       /* its vbd/vif frontend nodes (transparent saves), or NULL */
};

/* The header and optional data for the JSON CONFIG (NULL: none) and
 * xenkvm's blocks, each { u32 magic, u32 length, text and NUL }: the
 * XK_CONFIG text, the XK_WATCHES list and the XK_DEVICES nodes (NULL:
 * none), into a malloc'd buffer (*LEN bytes); NULL when out of memory. */
void *xl_savefile_build(const char *config, const char *xk_config, const char *xk_watches,
                        const char *xk_devices, size_t *len);
/* Read and check the header and optional data from FD, leaving FD at the
 * stream.  0, or -EINVAL / -EPROTO / -errno with xl's words in MSG. */
int xl_savefile_read(int fd, struct xl_savefile *out, char *msg, size_t msglen);
/* The same from memory; *USED is the header's length. */
int xl_savefile_parse(const void *buf, size_t len, struct xl_savefile *out, size_t *used,
                      char *msg, size_t msglen);
void xl_savefile_free(struct xl_savefile *sf);

#endif
