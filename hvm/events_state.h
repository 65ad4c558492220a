/* events_state.c: the domain's event state as bytes (save/restore,
 * migration). */
#ifndef XK_EVENTS_STATE_H
#define XK_EVENTS_STATE_H

#include <stddef.h>

#include "vm.h"

/* events_save returns the length or -errno; events_restore takes a stream
 * from a VMM with the same vCPU count and port limit. */
size_t events_save_size(struct vm *vm);
int events_save(struct vm *vm, void *buf, size_t len);
int events_restore(struct vm *vm, const void *buf, size_t len);

#endif
