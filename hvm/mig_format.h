/* Xen's migration stream formats, as docs/specs/libxl-migration-stream
 * .pandoc (v2) and libxc-migration-stream.pandoc (v3) define them
 * (docs/migration.md).  Xen's tools do not install these definitions, so
 * they are written here from the specifications.  Records of both
 * streams are { u32 type, u32 body length, body, zero padding to 8 };
 * the two stream headers are big-endian, everything else is in the
 * saver's byte order (little-endian here). */
#ifndef XK_MIG_FORMAT_H
#define XK_MIG_FORMAT_H

/* libxl stream header: u64 ident, u32 version, u32 options (big-endian). */
#define LIBXL_IDENT             0x4c6962786c466d74ULL   /* "LibxlFmt" */
#define LIBXL_VERSION           2
#define LIBXL_OPT_BIG_ENDIAN    (1u << 0)
#define LIBXL_OPT_LEGACY        (1u << 1)
#define LIBXL_HEADER_LEN        16

enum {
    LIBXL_REC_END = 0,
    LIBXL_REC_LIBXC_CONTEXT = 1,
    LIBXL_REC_EMULATOR_XENSTORE_DATA = 2,
    LIBXL_REC_EMULATOR_CONTEXT = 3,
    LIBXL_REC_CHECKPOINT_END = 4,
    LIBXL_REC_CHECKPOINT_STATE = 5,
};

/* libxc image header: u64 marker, u32 id, u32 version, u16 options,
 * u16 reserved, u32 reserved (big-endian). */
#define LIBXC_MARKER            0xffffffffffffffffULL
#define LIBXC_ID                0x58454e46u             /* "XENF" */
#define LIBXC_VERSION           3
#define LIBXC_OPT_BIG_ENDIAN    (1u << 0)
#define LIBXC_IHDR_LEN          24
/* Domain header: u32 type, u16 page shift, u16 reserved, u32 Xen major,
 * u32 Xen minor. */
#define LIBXC_DHDR_LEN          16
#define LIBXC_DOM_X86_PV        1
#define LIBXC_DOM_X86_HVM       2       /* HVM and PVH alike */

enum {
    LIBXC_REC_END = 0x00,
    LIBXC_REC_PAGE_DATA = 0x01,
    LIBXC_REC_X86_PV_INFO = 0x02,
    LIBXC_REC_X86_PV_P2M_FRAMES = 0x03,
    LIBXC_REC_X86_PV_VCPU_BASIC = 0x04,
    LIBXC_REC_X86_PV_VCPU_EXTENDED = 0x05,
    LIBXC_REC_X86_PV_VCPU_XSAVE = 0x06,
    LIBXC_REC_SHARED_INFO = 0x07,
    LIBXC_REC_X86_TSC_INFO = 0x08,
    LIBXC_REC_HVM_CONTEXT = 0x09,
    LIBXC_REC_HVM_PARAMS = 0x0a,
    LIBXC_REC_TOOLSTACK = 0x0b,
    LIBXC_REC_X86_PV_VCPU_MSRS = 0x0c,
    LIBXC_REC_VERIFY = 0x0d,
    LIBXC_REC_CHECKPOINT = 0x0e,
    LIBXC_REC_CHECKPOINT_DIRTY_PFN_LIST = 0x0f,
    LIBXC_REC_STATIC_DATA_END = 0x10,
    LIBXC_REC_X86_CPUID_POLICY = 0x11,
    LIBXC_REC_X86_MSR_POLICY = 0x12,
};
/* A restorer skips an optional record it does not know. */
#define LIBXC_REC_OPTIONAL      0x80000000u

/* PAGE_DATA: u32 count, u32 reserved, u64 pfn[count] (type in the top 4
 * bits: XEN_DOMCTL_PFINFO_* << 32), then a page of data for each pfn of
 * a type that has data (NOTAB and the page-table types). */
#define PAGE_DATA_PFN_MASK      0x000fffffffffffffULL
#define PAGE_DATA_RSVD_MASK     0x0ff0000000000000ULL
#define PAGE_DATA_TYPE_SHIFT    60
#define PAGE_TYPE_NOTAB         0x0
#define PAGE_TYPE_BROKEN        0xd
#define PAGE_TYPE_XALLOC        0xe     /* allocate, no data: a zero page */
#define PAGE_TYPE_XTAB          0xf     /* no page (ballooned out) */
/* libxc's batch (MAX_BATCH_SIZE). */
#define PAGE_DATA_MAX_BATCH     1024

/* X86_TSC_INFO: u32 mode, u32 kHz, u64 nsec, u32 incarnation, u32 reserved. */
#define TSC_INFO_LEN            24
/* xen_cpuid_leaf_t and xen_msr_entry_t (<xen/arch-x86/xen.h> with
 * __XEN_TOOLS__). */
#define CPUID_LEAF_LEN          24
#define MSR_ENTRY_LEN           16
#define XEN_CPUID_NO_SUBLEAF_ID 0xffffffffu

/* A record body larger than this is not one Xen writes (the largest is a
 * PAGE_DATA batch, 4 MiB + its pfns). */
#define MIG_MAX_RECORD          (8u << 20)

#endif
