/* --test-grant-backend: an opt-in debug device through which a test guest
 * starts a VMM-side backend thread that takes and copies one of its grants
 * through gnttab/ while the guest races revocation (tests/guest/
 * grant_backend.c).  Off unless the option is given: no guest sees it. */
#ifndef XK_GRANT_TESTDEV_H
#define XK_GRANT_TESTDEV_H

#include <stdbool.h>
#include <stdint.h>

#include "vm.h"

/* Ports 0x5e0-0x5e7, registered by grant_testdev_enable. */
#define GNT_TESTDEV_PORT  0x5e0     /* out: command; in: takes so far */
#define GNT_TESTDEV_VIOL  0x5e4     /* in: violations seen */
#define GNT_TESTDEV_START 0x10000000u   /* | gref: start the backend */
#define GNT_TESTDEV_STOP  0x20000000u
/* The guest's page marker meaning "access ended": a backend holding the
 * grant must never see it. */
#define GNT_TESTDEV_FREED 0xdeadbeefu

int grant_testdev_enable(struct vm *vm);
void grant_testdev_destroy(struct vm *vm);

#endif
