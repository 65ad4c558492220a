/* The Xen platform device's fixed I/O ports (docs/misc/
 * hvm-emulated-unplug.pandoc) and the 0xe9 debug console. */
#include "platform_io.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "ioport.h"
#include "log.h"

#define PORT_UNPLUG   0x10  /* 16-bit: magic / unplug mask; 32-bit: build */
#define PORT_PRODUCT  0x12  /* 16-bit write: product; 8-bit read: version */
#define PORT_LOG      0x12  /* 8-bit write: a log character */
#define PORT_DEBUGCON 0xe9
#define PORT_POST     0x80  /* POST codes: ignored, used as a bare exit */

#define UNPLUG_MAGIC  0x49d2
#define UNPLUG_VERSION 1

static pthread_mutex_t out_lock = PTHREAD_MUTEX_INITIALIZER;

void console_output(struct vm *vm, const char *buf, size_t len)
{
    (void)vm;
    pthread_mutex_lock(&out_lock);
    while (len) {
        ssize_t n = write(STDOUT_FILENO, buf, len);
        if (n <= 0)
            break;
        buf += n;
        len -= n;
    }
    pthread_mutex_unlock(&out_lock);
}

/* The platform log port collects a line and prints it whole. */
static void log_char(struct vm *vm, char ch)
{
    static char line[256];
    static size_t n;

    pthread_mutex_lock(&out_lock);
    if (ch != '\n' && n < sizeof(line) - 1)
        line[n++] = ch;
    if (ch == '\n' || n == sizeof(line) - 1) {
        line[n] = 0;
        fprintf(stderr, "xenkvm: domain %u: platform log: %s\n", vm->domid, line);
        n = 0;
    }
    pthread_mutex_unlock(&out_lock);
}

static bool platform_io(struct vcpu *v, uint16_t port, bool out, unsigned size,
                        uint8_t *data)
{
    struct vm *vm = v->vm;
    uint32_t val = 0;

    memcpy(&val, data, size < 4 ? size : 4);
    if (!out)
        memset(data, 0xff, size);       /* unclaimed ports float high */

    switch (port) {
    case PORT_DEBUGCON:
        if (out) {
            char ch = (char)val;
            console_output(vm, &ch, 1);
        } else {
            data[0] = PORT_DEBUGCON;    /* Bochs: reading 0xe9 gives 0xe9 */
        }
        return true;
    case PORT_UNPLUG:
        if (!out && size == 2) {
            uint16_t magic = UNPLUG_MAGIC;
            memcpy(data, &magic, 2);
        } else if (out && size == 2) {
            /* No emulated disks or NICs exist to unplug: accept the mask. */
            log_info("domain %u: emulated devices unplugged (mask %#x)",
                     vm->domid, val & 0xffff);
        } else if (out && size == 4) {
            log_debug("domain %u: PV driver build %u", vm->domid, val);
        }
        return true;
    case PORT_PRODUCT:
        if (!out && size == 1)
            data[0] = UNPLUG_VERSION;
        else if (out && size == 1)
            log_char(vm, (char)val);
        else if (out && size == 2)
            log_debug("domain %u: PV driver product %#x", vm->domid, val);
        return true;
    case PORT_POST:
        return true;
    default:
        return false;
    }
}

int platform_io_init(struct vm *vm)
{
    static const uint16_t ports[] = { PORT_UNPLUG, PORT_PRODUCT, PORT_DEBUGCON, PORT_POST };
    int rc = 0;

    for (unsigned i = 0; !rc && i < sizeof(ports) / sizeof(ports[0]); i++)
        rc = ioport_register(vm, ports[i], 1, platform_io);
    return rc;
}
