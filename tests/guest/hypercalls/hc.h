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

/* A bound, masked event channel port p (p + 1 is one too) for the poll
 * tests: SCHEDOP_poll refuses free ports. */
unsigned int poll_port(void);

#endif
