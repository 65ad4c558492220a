/* Xen system time and the pvclock-compatible vcpu_time_info.
 * System time is a pure function of the guest TSC, so one record written
 * at registration stays exact; refreshes only bound the guest's delta. */
#ifndef XK_XEN_TIME_H
#define XK_XEN_TIME_H

#include <stdint.h>
#include <xen/xen.h>

struct xen_clock {
    uint32_t tsc_khz;
    uint32_t mul;           /* ns = ((tsc_delta << shift) * mul) >> 32 */
    int8_t shift;
    uint64_t tsc_base;      /* guest TSC at system time 0 */
    int64_t tsc_offset;     /* guest TSC - host TSC */
    int64_t wc_at_zero_ns;  /* host realtime (ns) at system time 0 */
};

/* Compute the scale (Xen's set_time_scale) for a TSC of KHZ. */
void xen_clock_scale(uint32_t khz, uint32_t *mul, int8_t *shift);
/* Nanoseconds for a TSC delta, the pvclock way. */
uint64_t xen_clock_scale_delta(uint64_t delta, uint32_t mul, int8_t shift);
void xen_clock_init(struct xen_clock *c, uint32_t tsc_khz, int64_t tsc_offset);
uint64_t xen_clock_guest_tsc(const struct xen_clock *c);
/* Xen's NOW(): system time in ns. */
uint64_t xen_clock_now(const struct xen_clock *c);
/* Fill a time record (everything but version) for the current moment. */
void xen_clock_fill(const struct xen_clock *c, struct vcpu_time_info *t);
/* Xen's version protocol for records a guest reads without locks: the
 * version is odd while the record is rewritten and moves on when done.
 * xen_version_begin marks VER odd and returns the value to end with. */
uint32_t xen_version_begin(uint32_t *ver);
void xen_version_end(uint32_t *ver, uint32_t end);
/* The odd "being written" value that follows version V. */
static inline uint32_t xen_version_odd(uint32_t v) { return (v + 1) | 1; }

/* Write T to guest memory DST under the version protocol, as Xen's
 * update_vcpu_system_time does. */
void xen_time_publish(void *dst, const struct vcpu_time_info *t);

#endif
