/* Emulated I/O ports: the Xen platform's fixed ports and debug output. */
#ifndef XK_PLATFORM_IO_H
#define XK_PLATFORM_IO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vm.h"

/* One port access of SIZE bytes; DATA is read from or written to. */
void platform_io(struct vcpu *v, uint16_t port, bool out, unsigned size,
                 uint8_t *data);
/* Guest console output (port 0xe9, console_io, platform log port). */
void console_output(struct vm *vm, const char *buf, size_t len);

#endif
