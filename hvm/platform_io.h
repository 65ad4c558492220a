/* Emulated I/O ports: the Xen platform's fixed ports and debug output. */
#ifndef XK_PLATFORM_IO_H
#define XK_PLATFORM_IO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vm.h"

/* Register the platform's fixed ports (ioport.h).  0 or -errno. */
int platform_io_init(struct vm *vm);
/* Guest console output (port 0xe9, console_io, platform log port). */
void console_output(struct vm *vm, const char *buf, size_t len);

#endif
