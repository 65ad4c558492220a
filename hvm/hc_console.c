/* HYPERVISOR_console_io.  Xen lets the console domain (and every domain in
 * debug builds) use it; here every guest may write, since a guest's debug
 * output is what this console is for.  Output goes to the VMM's stdout. */
#include <errno.h>
#include <stdio.h>
#include <unistd.h>

#include <stdint.h>
#include <xen/xen.h>

#include "hcall.h"
#include "platform_io.h"

long hc_console_io(struct hcall *c)
{
    uint64_t count = (uint32_t)c->a[1];
    uint64_t buf = c->a[2];

    switch ((int)c->a[0]) {
    case CONSOLEIO_write:
        while (count) {
            char chunk[256];
            size_t n = count < sizeof(chunk) ? count : sizeof(chunk);

            if (guest_read(c, buf, chunk, n))
                return -EFAULT;
            console_output(c->vm, chunk, n);
            buf += n;
            count -= n;
        }
        return 0;
    case CONSOLEIO_read:
        /* No input is queued for the hypervisor console: nothing read. */
        if (count > 0x7fffffff)
            return -E2BIG;
        return 0;
    default:
        return -ENOSYS;
    }
}
