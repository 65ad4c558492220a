/* vCPU thread affinity for xl vcpu-pin / vcpu-list: xl's CPU-list syntax
 * ("all", "3", "0-3,6", "^2" to leave one out) and the VMM's vCPU
 * threads, found by their names ("vcpuN", set by the VMM). */
#ifndef XL_CPU_AFFINITY_H
#define XL_CPU_AFFINITY_H

#include <sched.h>
#include <stdbool.h>
#include <sys/types.h>

/* The host's CPUs (numbered 0 .. N-1). */
int xl_host_ncpus(void);
/* Parse S into SET (host CPUs only): 0, or -1 for a bad list. */
int xl_cpulist_parse(const char *s, cpu_set_t *set);
/* SET as xl prints it: "all" when every host CPU is in it, else ranges
 * ("0-2,5"); into BUF of LEN bytes. */
void xl_cpulist_format(const cpu_set_t *set, char *buf, size_t len);
/* The thread id of vCPU VCPU of the VMM PID, or 0. */
pid_t xl_vcpu_tid(pid_t vmm_pid, unsigned vcpu);
/* The host CPUs' clock in MHz as /proc/cpuinfo says (xl info, xl top),
 * or 0. */
double xl_host_cpu_mhz(void);

#endif
