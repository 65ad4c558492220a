/* save_events.c: the evtchn and timers parts (save.h), and the domain's
 * event state on its own as bytes (save/restore, migration). */
#ifndef XK_SAVE_EVENTS_H
#define XK_SAVE_EVENTS_H

#include <stddef.h>

#include "vm.h"

/* The evtchn and timers parts as one image: events_save returns the
 * length or -errno (-ENOSPC, nothing written, when LEN is too small);
 * events_restore takes an image from a VMM with the same vCPU count and
 * port limit (-EINVAL otherwise). */
size_t events_save_size(struct vm *vm);
int events_save(struct vm *vm, void *buf, size_t len);
int events_restore(struct vm *vm, const void *buf, size_t len);

#endif
