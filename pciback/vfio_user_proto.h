/* vfio_user_proto.h: the vfio-user wire format (QEMU's
 * docs/interop/vfio-user.rst), host endianness, shared by the client
 * (vfio_user.c) and the test device server.  The payloads of GET_INFO,
 * GET_REGION_INFO, GET_IRQ_INFO and SET_IRQS are VFIO's own structures. */
#ifndef XK_PCIBACK_VFIO_USER_PROTO_H
#define XK_PCIBACK_VFIO_USER_PROTO_H

#include <stdint.h>

enum vfu_command {
    VFU_VERSION = 1,
    VFU_DMA_MAP = 2,
    VFU_DMA_UNMAP = 3,
    VFU_DEVICE_GET_INFO = 4,
    VFU_DEVICE_GET_REGION_INFO = 5,
    VFU_DEVICE_GET_REGION_IO_FDS = 6,
    VFU_DEVICE_GET_IRQ_INFO = 7,
    VFU_DEVICE_SET_IRQS = 8,
    VFU_REGION_READ = 9,
    VFU_REGION_WRITE = 10,
    VFU_DMA_READ = 11,
    VFU_DMA_WRITE = 12,
    VFU_DEVICE_RESET = 13,
    VFU_MAX_COMMAND = 19,
};

/* The version this client proposes (what QEMU and libvfio-user speak). */
#define VFU_VERSION_MAJOR 0
#define VFU_VERSION_MINOR 1

#define VFU_FLAG_TYPE_MASK  0xf
#define VFU_FLAG_COMMAND    0x0
#define VFU_FLAG_REPLY      0x1
#define VFU_FLAG_NO_REPLY   0x10
#define VFU_FLAG_ERROR      0x20

struct vfu_hdr {
    uint16_t msg_id;
    uint16_t command;
    uint32_t msg_size;          /* header included */
    uint32_t flags;
    uint32_t error;             /* errno, in an error reply */
};

struct vfu_version {
    uint16_t major, minor;
    /* then optional NUL-terminated JSON: {"capabilities":{...}} */
};

#define VFU_DMA_READABLE 1
#define VFU_DMA_WRITABLE 2

struct vfu_dma_map {
    uint32_t argsz, flags;
    uint64_t offset;            /* in the fd passed with the message */
    uint64_t address;           /* IOVA */
    uint64_t size;
};

struct vfu_dma_unmap {
    uint32_t argsz, flags;
    uint64_t address, size;
};

struct vfu_region_access {
    uint64_t offset;
    uint32_t region;
    uint32_t count;
    /* data follows (write request, read reply) */
};

/* The spec's defaults when a peer leaves them out. */
#define VFU_DEFAULT_MAX_FDS        1
#define VFU_DEFAULT_MAX_XFER       (1u << 20)
/* What this implementation takes in one message at most. */
#define VFU_MAX_MSG                (VFU_DEFAULT_MAX_XFER + 4096)
#define VFU_MAX_FDS                8

#endif
