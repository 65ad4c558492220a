/* HYPERVISOR_console_io.  Xen lets the console domain (and every domain in
 * debug builds) use it; here every guest may write, since a guest's debug
 * output is what this console is for.  Output goes to the VMM's stdout.
 *
 * CONSOLEIO_write is Xen 4.17's guest_console_write for a domain that is
 * not the hardware domain (xen/drivers/char/console.c): the buffer is read
 * 127 bytes at a time, a newline ends a part, characters that are not
 * printable in Xen's ctype (Latin-1: 0x20-0x7e, 0xa0-0xff) other than tab
 * are dropped, and output is held until a newline or until the line would
 * pass DOMAIN_PBUF_SIZE.  Long writes go on in continuations, as Xen's
 * preemption makes them, so the vCPU can be paused or stopped between
 * parts. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <stdint.h>
#include <xen/xen.h>

#include "hcall.h"
#include "platform_io.h"

#define KBUF_SIZE 128                   /* guest_console_write's kbuf */
#define PBUF_SIZE 200                   /* DOMAIN_PBUF_SIZE */
#define WRITE_BUDGET (64 * 1024)        /* bytes per exit before a
                                           continuation */

/* The domain's partial line (Xen's d->pbuf): one domain per VMM. */
static struct {
    pthread_mutex_t lock;
    char buf[PBUF_SIZE];
    size_t idx;
} pbuf = { .lock = PTHREAD_MUTEX_INITIALIZER };

static bool xen_isprint(unsigned char ch)
{
    return (ch >= 0x20 && ch <= 0x7e) || ch >= 0xa0;
}

/* One part of at most KBUF_SIZE - 1 bytes; returns the bytes consumed
 * (up to and including a newline). */
static size_t write_part(struct vm *vm, const char *in, size_t n)
{
    char out[KBUF_SIZE + PBUF_SIZE + 1];
    size_t used = 0, kout = 0;
    char ch = 0;

    while (used < n) {
        ch = in[used++];
        if (ch == '\n')
            break;
        if (xen_isprint((unsigned char)ch) || ch == '\t')
            out[PBUF_SIZE + kout++] = ch;
    }
    pthread_mutex_lock(&pbuf.lock);
    if (ch != '\n' && pbuf.idx + kout < PBUF_SIZE - 1) {
        memcpy(pbuf.buf + pbuf.idx, out + PBUF_SIZE, kout);
        pbuf.idx += kout;
    } else {
        /* guest_printk("%s%s\n", pbuf, kbuf) */
        size_t len = pbuf.idx;

        memcpy(out + PBUF_SIZE - len, pbuf.buf, len);
        out[PBUF_SIZE + kout] = '\n';
        console_output(vm, out + PBUF_SIZE - len, len + kout + 1);
        pbuf.idx = 0;
    }
    pthread_mutex_unlock(&pbuf.lock);
    return used;
}

long hc_console_io(struct hcall *c)
{
    uint64_t count = (uint32_t)c->a[1];
    uint64_t buf = c->a[2];
    uint64_t done = 0;

    switch ((int)c->a[0]) {
    case CONSOLEIO_write:
        while (count) {
            char part[KBUF_SIZE - 1];
            size_t n = count < sizeof(part) ? count : sizeof(part);

            if (done >= WRITE_BUDGET &&
                hcall_continue(c, CONSOLEIO_write, count, buf))
                return 0;
            if (guest_read(c, buf, part, n))
                return -EFAULT;
            n = write_part(c->vm, part, n);
            /* The handle advances in the guest's address width. */
            buf = c->compat ? (uint32_t)(buf + n) : buf + n;
            count -= n;
            done += n;
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
