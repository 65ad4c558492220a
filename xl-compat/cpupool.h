/* CPU pools (xl cpupool-*, pool= at create).  Xen keeps pools in the
 * hypervisor; here their state is in xenstore, so every xl invocation
 * (and a restarted xenstored, from its store) sees the same pools:
 *
 *   /local/pool/<id>/name, uuid   as libxl writes them
 *   /local/pool/<id>/cpus         the pool's host CPUs ("0,1"), xenkvm's
 *   /local/pool/<id>/sched        its scheduler's name, xenkvm's
 *   /libxl/<domid>/cpupool        a domain's pool id, xenkvm's (absent: 0)
 *   /vm/<uuid>/pool_name          the domain's pool name, as libxl writes
 *
 * Pool-0 (id 0) is written on first use with every host CPU, as Xen
 * starts with all CPUs in Pool-0.  A CPU is in at most one pool; one in
 * none is free (xl info's free_cpus).  Domain-0 is always in Pool-0.
 * How a pool's CPUs bind its domains' VMMs: cpupool_bind.c. */
#ifndef XL_CPUPOOL_H
#define XL_CPUPOOL_H

#include <sched.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define XL_POOL_NAME_MAX 128

struct xl_pool {
    unsigned id;
    char name[XL_POOL_NAME_MAX];
    char sched[16];
    cpu_set_t cpus;
    unsigned n_dom;         /* domains in it (Domain-0 counts in Pool-0) */
};

/* Every pool, by id; *N their number.  malloc'd (NULL and 0 when
 * xenstore cannot be read). */
struct xl_pool *xl_pool_list(unsigned *n);
/* libxl_cpupool_qualifier_to_cpupoolid: a number is an id, else a name.
 * True and *P filled when the pool exists. */
bool xl_pool_find(const char *qualifier, struct xl_pool *p);
/* Host CPUs that are in no pool. */
void xl_pool_free_cpus(cpu_set_t *set);
/* The pool domain DOMID is in. */
unsigned xl_pool_of_domain(unsigned domid);
/* The name of pool ID, malloc'd, or NULL. */
char *xl_pool_name(unsigned id);

/* These return 0, or a negative errno with libxl's reason (Xen's
 * errnos: EBUSY for a CPU not free / a pool's last CPU while it has
 * domains, EINVAL for a CPU not in the pool, EEXIST for a name in use). */
int xl_pool_create(const char *name, const char *sched, const cpu_set_t *cpus, unsigned *id);
int xl_pool_destroy(unsigned id);
int xl_pool_rename(unsigned id, const char *name);
int xl_pool_cpu_add(unsigned id, int cpu);
int xl_pool_cpu_remove(unsigned id, int cpu);
/* Move domain DOMID (uuid UUID, VMM pid VMM) into pool ID: its record
 * and its VMM bound to the pool's CPUs. */
int xl_pool_move_domain(unsigned domid, const char *uuid, pid_t vmm, unsigned id,
                        char *why, size_t why_len);

/* A new domain's place in pool ID (pool= at create, or Pool-0): the
 * record first, then the binding (skipped while the pool has every host
 * CPU); -EIO with WHY when the binding failed (the domain runs unbound). */
int xl_pool_join(unsigned domid, const char *uuid, pid_t vmm, unsigned id, char *why,
                 size_t why_len);

/* The schedulers a pool may be created with. */
bool xl_pool_sched_known(const char *sched);
#define XL_POOL_SCHED_DEFAULT "credit2"     /* Xen 4.17's default */

#endif
