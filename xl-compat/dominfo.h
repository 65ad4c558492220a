/* What xl knows of a domain: its xenstore identity and what its VMM
 * reports (state, memory, vCPUs, CPU time), in libxl_dominfo's terms. */
#ifndef XL_DOMINFO_H
#define XL_DOMINFO_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "domain_tree.h"

struct xl_vcpuinfo {
    bool online, running, blocked;
    uint64_t time_ns;
    int cpu;
};

struct xl_dominfo {
    unsigned domid;
    char *name;
    char uuid[40];
    bool vmm_up;            /* the VMM answered */
    bool running, blocked, paused, shutdown, dying, pvcontrol;
    int shutdown_reason;    /* SHUTDOWN_*, meaningful when shutdown */
    uint64_t current_kb, max_kb;
    unsigned vcpu_online, max_vcpus;
    uint64_t cpu_time_ns;
    struct xl_vcpuinfo *vcpus;
    struct xl_vmm_rings rings;
};

/* Fill D (domid set) from the domain's VMM; false if it does not answer. */
bool xl_vmm_query(struct xl_dominfo *d);
int xl_vmm_pause(unsigned domid);       /* 0 or -errno */
int xl_vmm_unpause(unsigned domid);

/* Domain DOMID if it exists (Domain-0 is the host): 0 or -ENOENT. */
int xl_dom_get(unsigned domid, struct xl_dominfo *d);
/* Every domain, Domain-0 first, in domid order; domains whose processes
 * are all gone are cleaned out of xenstore on the way. */
struct xl_dominfo *xl_dom_list(unsigned *n);
void xl_dominfo_free(struct xl_dominfo *d);
void xl_dom_list_free(struct xl_dominfo *l, unsigned n);

/* xl's find_domain: a domid or a name; prints xl's message and exits 1
 * when there is no such domain. */
unsigned xl_find_domain(const char *qualifier);

/* The VMM's and the monitor's pids from <rundir>/dom<N>.pid (0 if not known). */
void xl_dom_pids(unsigned domid, pid_t *monitor, pid_t *vmm);

#endif
