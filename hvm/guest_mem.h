/* guest_mem.c: a hypercall's buffers in guest-virtual memory, translated
 * through the guest's page tables as Xen's copy_from_guest does. */
#ifndef XK_GUEST_MEM_H
#define XK_GUEST_MEM_H

#include <stddef.h>
#include <stdint.h>

struct hcall;
struct abi_struct;

/* Copy to and from guest-virtual memory: 0 or -EFAULT. */
int guest_read(struct hcall *c, uint64_t gva, void *buf, size_t len);
int guest_write(struct hcall *c, uint64_t gva, const void *buf, size_t len);
/* Same, for an ABI structure in the guest's layout. */
int guest_get(struct hcall *c, uint64_t gva, const struct abi_struct *s,
              void *native);
int guest_put(struct hcall *c, uint64_t gva, const struct abi_struct *s,
              const void *native);
/* Read element I of a guest array of unsigned integers of SIZE bytes. */
int guest_get_elem(struct hcall *c, uint64_t gva, uint64_t i, size_t size,
                   uint64_t *val);
int guest_put_elem(struct hcall *c, uint64_t gva, uint64_t i, size_t size,
                   uint64_t val);

#endif
