/*
 * Console output.  Port 0xe9 works before Xen is found and even when the
 * hypercall path is broken, so test reports go there, one byte per outb.
 */
#include "lib.h"
#include "x86.h"
#include "hypercall.h"

#define E9_PORT 0xe9

void puts_e9(const char *s)
{
    while (*s)
        outb(E9_PORT, (uint8_t)*s++);
}

int printf(const char *fmt, ...)
{
    char buf[256];
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    /* A cut line keeps its end, so the next report line stays its own. */
    if (n >= (int)sizeof(buf) && fmt[0] && fmt[strlen(fmt) - 1] == '\n')
        buf[sizeof(buf) - 2] = '\n';
    puts_e9(buf);
    return n;
}

long xen_console_write(const char *s, unsigned int len)
{
    return HYPERVISOR_console_io(CONSOLEIO_write, len, (char *)s);
}

int xen_console_printf(const char *fmt, ...)
{
    char buf[256];
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    xen_console_write(buf, (unsigned int)strlen(buf));
    return n;
}
