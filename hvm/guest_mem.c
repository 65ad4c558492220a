/* Hypercall buffers: guest-virtual addresses translated page by page
 * through the guest's page tables, so a buffer may span pages that are not
 * contiguous in guest-physical memory. */
#include <errno.h>
#include <string.h>

#include "guest_mem.h"
#include "hcall.h"
#include "util.h"

static int read_pte(void *opaque, uint64_t gpa, unsigned size, uint64_t *val)
{
    struct vm *vm = opaque;
    void *p = vm_gpa_ptr(vm, gpa, size);

    if (!p)
        return -1;
    *val = 0;
    /* Page-table entries are read atomically, as the MMU would. */
    if (size == 8)
        *val = __atomic_load_n((uint64_t *)p, __ATOMIC_RELAXED);
    else
        *val = __atomic_load_n((uint32_t *)p, __ATOMIC_RELAXED);
    return 0;
}

static int copy_guest(struct hcall *c, uint64_t gva, void *buf, size_t len,
                      bool write)
{
    struct vm *vm = c->vm;
    uint64_t limit = c->compat ? (1ULL << 32) : 0;
    int rc = 0;

    if (len == 0)
        return 0;
    if (gva + len < gva || (limit && (gva >= limit || len > limit - gva)))
        return -EFAULT;
    pthread_rwlock_rdlock(&vm->pm.lock);
    while (len) {
        uint64_t gpa;
        size_t chunk = XK_MIN(len, XK_PAGE_SIZE - (gva & (XK_PAGE_SIZE - 1)));
        void *p;

        if (gva_translate(&c->ps, gva, write, read_pte, vm, &gpa) ||
            !(p = vm_gpa_ptr(vm, gpa, chunk))) {
            rc = -EFAULT;
            break;
        }
        if (write)
            memcpy(p, buf, chunk);
        else
            memcpy(buf, p, chunk);
        buf = (char *)buf + chunk;
        gva += chunk;
        len -= chunk;
    }
    pthread_rwlock_unlock(&vm->pm.lock);
    return rc;
}

int guest_read(struct hcall *c, uint64_t gva, void *buf, size_t len)
{
    return copy_guest(c, gva, buf, len, false);
}

int guest_write(struct hcall *c, uint64_t gva, const void *buf, size_t len)
{
    return copy_guest(c, gva, (void *)buf, len, true);
}

int guest_get(struct hcall *c, uint64_t gva, const struct abi_struct *s,
              void *native)
{
    unsigned char raw[512];
    size_t n = abi_size(s, c->compat);

    if (n > sizeof(raw) || guest_read(c, gva, raw, n))
        return -EFAULT;
    abi_to_native(s, c->compat, raw, native);
    return 0;
}

int guest_put(struct hcall *c, uint64_t gva, const struct abi_struct *s,
              const void *native)
{
    unsigned char raw[512];
    size_t n = abi_size(s, c->compat);

    if (n > sizeof(raw))
        return -EFAULT;
    abi_from_native(s, c->compat, native, raw);
    return guest_write(c, gva, raw, n);
}

int guest_get_elem(struct hcall *c, uint64_t gva, uint64_t i, size_t size,
                   uint64_t *val)
{
    *val = 0;
    if (i > UINT64_MAX / size || gva + i * size < gva)
        return -EFAULT;
    return guest_read(c, gva + i * size, val, size);
}

int guest_put_elem(struct hcall *c, uint64_t gva, uint64_t i, size_t size,
                   uint64_t val)
{
    if (i > UINT64_MAX / size || gva + i * size < gva)
        return -EFAULT;
    return guest_write(c, gva + i * size, &val, size);
}
