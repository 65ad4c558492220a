/* A small encoder for the AML bytes of our DSDT (ACPI 6.x, 20.2): only
 * what the table needs (scopes, processors, names, packages, integers). */
#ifndef XK_AML_H
#define XK_AML_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct aml {
    uint8_t *buf;
    size_t cap, len;
    bool overflow;      /* something did not fit: the output is unusable */
};

void aml_init(struct aml *a, uint8_t *buf, size_t cap);
void aml_byte(struct aml *a, uint8_t b);
void aml_bytes(struct aml *a, const void *p, size_t n);
/* A NameString: "\\" root prefix allowed, then one 4-character NameSeg. */
void aml_name(struct aml *a, const char *name);
/* An integer constant in its shortest form (ZeroOp, OneOp, BytePrefix..). */
void aml_integer(struct aml *a, uint64_t v);
/* A PkgLength around what follows: begin returns the body's offset, end
 * inserts the encoded length in front of it. */
size_t aml_pkg_begin(struct aml *a);
void aml_pkg_end(struct aml *a, size_t body);

/* Decode the PkgLength at P (AVAIL bytes): the length it encodes (itself
 * included) and *NBYTES its own size; 0 when malformed. */
uint32_t aml_pkg_decode(const uint8_t *p, size_t avail, unsigned *nbytes);

#define AML_SCOPE_OP     0x10
#define AML_NAME_OP      0x08
#define AML_PACKAGE_OP   0x12
#define AML_EXT_PREFIX   0x5b
#define AML_PROCESSOR_OP 0x83   /* after AML_EXT_PREFIX */
#define AML_ROOT_CHAR    0x5c

#endif
