/* A small encoder for the AML bytes of our DSDT (ACPI 6.x, 20.2): only
 * what the tables need (scopes, processors, devices, names, packages,
 * integers, I/O operation regions and fields, and the few statements of
 * the hot-plug methods). */
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
/* A NameString: an optional "\\" root prefix, then NameSegs separated by
 * '.', each padded with '_' to 4 characters ("\\_SB.PCI0.S2"). */
void aml_name(struct aml *a, const char *name);
/* EISAID ("PNP0A03"): the compressed 32-bit EISA ID as an integer. */
void aml_eisaid(struct aml *a, const char *id);
/* An integer constant in its shortest form (ZeroOp, OneOp, BytePrefix..). */
void aml_integer(struct aml *a, uint64_t v);
/* A PkgLength around what follows: begin returns the body's offset, end
 * inserts the encoded length in front of it. */
size_t aml_pkg_begin(struct aml *a);
void aml_pkg_end(struct aml *a, size_t body);

/* Decode the PkgLength at P (AVAIL bytes): the length it encodes (itself
 * included) and *NBYTES its own size; 0 when malformed. */
uint32_t aml_pkg_decode(const uint8_t *p, size_t avail, unsigned *nbytes);

/* Open a block with a PkgLength (Scope, Device, Method, If, Field):
 * OP (with AML_EXT_PREFIX first when EXT), then the PkgLength is inserted
 * by aml_pkg_end; returns what aml_pkg_begin does. */
size_t aml_block(struct aml *a, bool ext, uint8_t op);

#define AML_ZERO_OP      0x00
#define AML_ONE_OP       0x01
#define AML_SCOPE_OP     0x10
#define AML_BUFFER_OP    0x11
#define AML_METHOD_OP    0x14
#define AML_LOCAL0       0x60
#define AML_LOCAL1       0x61
#define AML_STORE_OP     0x70
#define AML_AND_OP       0x7b
#define AML_NOTIFY_OP    0x86
#define AML_IF_OP        0xa0
#define AML_OPREGION_OP  0x80   /* after AML_EXT_PREFIX */
#define AML_FIELD_OP     0x81   /* after AML_EXT_PREFIX */
#define AML_DEVICE_OP    0x82   /* after AML_EXT_PREFIX */
#define AML_DUAL_NAME    0x2e
#define AML_MULTI_NAME   0x2f
#define AML_SYSTEM_IO    0x01   /* an operation region's space */
#define AML_NAME_OP      0x08
#define AML_PACKAGE_OP   0x12
#define AML_EXT_PREFIX   0x5b
#define AML_PROCESSOR_OP 0x83   /* after AML_EXT_PREFIX */
#define AML_ROOT_CHAR    0x5c

#endif
