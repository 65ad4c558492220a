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
    bool hung;              /* its VMM is stopped or did not answer in time */
    const char *hung_why;   /* how xl found it hung (for xl -v) */
    pid_t vmm_pid;          /* the VMM's pid as its socket tells (0: unknown) */
    bool running, blocked, paused, shutdown, dying, pvcontrol;
    int shutdown_reason;    /* SHUTDOWN_*, meaningful when shutdown */
    uint64_t current_kb, max_kb;
    unsigned vcpu_online, max_vcpus;
    uint64_t cpu_time_ns;
    struct xl_vcpuinfo *vcpus;
    struct xl_vmm_rings rings;
};

/* Fill D (domid set) from the domain's VMM; false if it does not answer
 * (VMM_CTL_TIMEOUT_MS at most, nothing if its process is stopped). */
bool xl_vmm_query(struct xl_dominfo *d);
/* The same for N domains at once, TIMEOUT_MS for all of them together;
 * a VMM none of whose threads is runnable XL_STUCK_GRACE_MS after it was
 * asked is given up on then (a live one wakes at once to answer; on a
 * loaded host its thread waits runnable for a CPU). */
#define XL_STUCK_GRACE_MS 250
void xl_vmm_query_many(struct xl_dominfo *d, unsigned n, int timeout_ms);
/* The pid listening on domain DOMID's VMM socket (0: none), known even
 * when the VMM is stopped. */
pid_t xl_vmm_peer_pid(unsigned domid);
/* Whether process PID is stopped by a signal (SIGSTOP), not a tracer. */
bool xl_pid_stopped(pid_t pid);
int xl_vmm_pause(unsigned domid);       /* 0 or -errno */
int xl_vmm_unpause(unsigned domid);

/* Domain DOMID if it exists (Domain-0 is the host): 0 or -ENOENT.  A
 * domain exists while its lock is held, whether or not xenstore knows it. */
int xl_dom_get(unsigned domid, struct xl_dominfo *d);
/* Every domain, Domain-0 first, in domid order: each domain whose lock is
 * held (in the run directory) or that xenstore names; what is left of
 * domains nobody holds any more is cleaned up on the way. */
struct xl_dominfo *xl_dom_list(unsigned *n);
void xl_dominfo_free(struct xl_dominfo *d);
void xl_dom_list_free(struct xl_dominfo *l, unsigned n);

/* xl's find_domain: a domid or a name; prints xl's message and exits 1
 * when there is no such domain. */
unsigned xl_find_domain(const char *qualifier);

/* The monitor's and the VMM's pids (0 if none), each checked to hold the
 * domain's lock right now: from <rundir>/dom<N>.pid, the VMM's socket, or
 * else every process holding the lock. */
void xl_dom_pids(unsigned domid, pid_t *monitor, pid_t *vmm);

/* The same from <rundir>/dom<N>.pid alone, unchecked (0 if not there). */
void xl_dom_pidfile(unsigned domid, pid_t *monitor, pid_t *vmm);

/* What is left of domain DOMID, whose lock the caller holds: its xenstore
 * nodes, saved config, pid file and sockets nobody serves. */
void xl_dom_clean(unsigned domid);
/* The same for a domain nobody holds: takes its lock, cleans, removes the
 * lock file.  False if the domain is held (it exists). */
bool xl_dom_reap(unsigned domid);

/* Domain DOMID's saved config (<rundir>/dom<N>.cfg) parsed into DC. */
struct domcfg;
bool xl_dom_saved_config(unsigned domid, struct domcfg *dc);
/* The name in domain DOMID's saved config (malloc'd), or NULL. */
char *xl_dom_saved_name(unsigned domid);

#endif
