/* A domain's CPU weight and cap (xl sched-credit / sched-credit2, the
 * config's cpu_weight= and cap=) as a cgroup of the domain's VMM process:
 *
 *   cgroup v2:  cpu.weight = weight * 10000 / 65535 (rounded, at least 1)
 *               cpu.max    = "cap*1000 100000", or "max 100000" for cap 0
 *   cgroup v1:  cpu.shares = weight * 4 (xl's default 256 is v1's 1024)
 *               cpu.cfs_quota_us = cap*1000 (-1 for cap 0), period 100000
 *
 * Both keep the ratios between domains' weights, which is all a weight
 * means.  The cgroup is <base>/<domain uuid>, base being $XENKVM_CGROUP,
 * else "xenkvm" in the cgroup v2 hierarchy if it has the cpu controller,
 * else in the cgroup v1 hierarchy that has it.  xl's own values are kept
 * in <rundir>/dom<N>.sched ("weight cap cgroup-dir"), as Xen keeps them
 * in the scheduler: cpu.weight cannot give them back exactly. */
#ifndef XL_SCHED_CGROUP_H
#define XL_SCHED_CGROUP_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define XL_SCHED_WEIGHT_DEFAULT 256
#define XL_SCHED_WEIGHT_MAX 65535

struct xl_sched {
    int weight;             /* 1 .. 65535 */
    int cap;                /* percent of one host CPU, 0 = none */
};

/* Domain DOMID's values: what was last set, else xl's defaults (256, 0). */
void xl_sched_get(unsigned domid, struct xl_sched *s);

/* Put VMM (domain DOMID, uuid UUID) in its cgroup with S's values and
 * record them.  0, or -1 with the reason in WHY. */
int xl_sched_apply(unsigned domid, const char *uuid, pid_t vmm, const struct xl_sched *s,
                   char *why, size_t why_len);

/* The values mapped: cgroup v2's cpu.weight, v1's cpu.shares. */
unsigned xl_sched_v2_weight(int weight);
unsigned xl_sched_v1_shares(int weight);

/* Domain DOMID is gone: its cgroup (empty now) and record go. */
void xl_sched_forget(unsigned domid);

#endif
