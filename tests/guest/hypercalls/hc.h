/* Shared bits for the hypercall tests (built for both 32 and 64 bits). */
#ifndef HC_H
#define HC_H

#include "lib.h"
#include "x86.h"
#include "test.h"
#include "hypercall.h"
#include "xen_guest.h"
#include "shinfo.h"
#include "paging.h"
#include "upcall.h"

/* Canonical but not mapped in any of our paging modes (1 GiB identity
 * map plus the VMAP window), so the hypervisor's copy must fail. */
#define BAD_PTR ((void *)0x80000000ul)

/* A domid that no domain has (below the reserved DOMID_FIRST_RESERVED). */
#define NO_SUCH_DOMID 0x7fe0

/* An unused event channel port for the poll tests: not the store or
 * console port, below the first bucket (64 ports) Xen always has. */
/* Two bound, idle event channel ports: idle_port() and idle_port() + 1. */
unsigned int idle_port(void);

#endif
