/* A domain's VMM bound to its cpupool's CPUs, as Xen runs a pool's
 * domains only on the pool's CPUs:
 *
 *   - a cpuset cgroup of the domain, <base>/<uuid>, whose cpuset.cpus are
 *     the pool's; base is $XENKVM_CPUSET, else "xenkvm" in the cgroup v2
 *     hierarchy if it has the cpuset controller, else in the v1 hierarchy
 *     that has it (v1 also needs cpuset.mems, copied from the parent);
 *   - where no cpuset hierarchy is mounted (or XENKVM_CPUSET=none), every
 *     thread of the VMM gets the pool's CPUs as its affinity mask (threads
 *     it starts later inherit it), as Xen resets a moved domain's vCPU
 *     affinity to its new pool.
 *
 * What was done is kept in <rundir>/dom<N>.cpuset ("cgroup DIR" or
 * "affinity"), so a pool's change of CPUs rebinds its domains the same
 * way, and the cgroup goes with the domain. */
#ifndef XL_CPUPOOL_BIND_H
#define XL_CPUPOOL_BIND_H

#include <sched.h>
#include <stddef.h>
#include <sys/types.h>

/* 0, or -1 with the reason in WHY. */
int xl_cpuset_bind(unsigned domid, const char *uuid, pid_t vmm, const cpu_set_t *cpus,
                   char *why, size_t why_len);
/* Domain DOMID is gone: its cgroup (empty now) and record go. */
void xl_cpuset_forget(unsigned domid);

#endif
