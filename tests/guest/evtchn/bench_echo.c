/*
 * bench_evtchn64.elf (make bench): an event round trip through a host
 * backend against a bare hypercall round trip, in the same run.  The
 * guest offers port 3 to domain 0 and waits for the host echo backend
 * (tests/evtchn/evtchn_tool echo), then prints
 *   BENCH hypercall_roundtrip <n> cycles       (xen_version, median)
 *   BENCH evtchn_roundtrip <n> cycles          (send -> host -> upcall)
 *   BENCH ipi_roundtrip <n> cycles             (send to itself -> upcall:
 *                                               the guest-side share)
 *   BENCH ratio_evtchn_hypercall <x.xx>
 *   BENCH evtchn_events_per_second <n>
 * Medians of ROUNDS rounds of N operations each.
 */
#include "ev.h"
#include "bench.h"

#define ROUNDS 5
#define N      200

static evtchn_port_t port;     /* offered to the echo backend */

static uint64_t round_hypercall(void)
{
    uint64_t t0 = rdtsc();

    for (unsigned int i = 0; i < N; i++)
        HYPERVISOR_xen_version(XENVER_version, NULL);
    return udiv64(rdtsc() - t0, N, NULL);
}

/* Returns cycles per round trip on P, 0 if an event went missing. */
static uint64_t round_trip(evtchn_port_t port, uint64_t *ns)
{
    uint32_t base = evtchn_count[port];
    uint64_t t0 = rdtsc(), s0 = xen_system_time();

    for (unsigned int i = 0; i < N; i++) {
        ev_send(port);
        sti();
        if (!spin_until_change(&evtchn_count[port], base + i, 1000)) {
            cli();
            return 0;
        }
        cli();
    }
    *ns = xen_system_time() - s0;
    return udiv64(rdtsc() - t0, N, NULL);
}

void guest_main(void)
{
    uint64_t hc[ROUNDS], ev[ROUNDS], ns[ROUNDS], ipi[ROUNDS], ins, end, h, e, n;
    evtchn_port_t self = 0;
    struct evtchn_status st = { 0 };

    shinfo_map();
    cli();
    lapic_enable();
    if (ev_via_vector() || ev_alloc_unbound(DOMID_SELF, 0, &port)) {
        printf("bench_evtchn: cannot set up the channel\n");
        HYPERVISOR_sched_op(SCHEDOP_shutdown, &(struct sched_shutdown){ SHUTDOWN_crash });
    }
    printf("ECHO-PORT %u\n", port);
    end = xen_system_time() + 10000 * MS;
    while (xen_system_time() < end &&
           !(ev_status(DOMID_SELF, port, &st) == 0 && st.status == EVTCHNSTAT_interdomain))
        ev_poll(&port, 1, xen_system_time() + 20 * MS);
    ev2l_set_mask(port, false);
    ev_quiesce(port, 0);
    ev_bind_ipi(0, &self);
    ev2l_set_mask(self, false);
    for (unsigned int r = 0; r < ROUNDS; r++) {
        hc[r] = round_hypercall();
        ev[r] = round_trip(port, &ns[r]);
        ipi[r] = round_trip(self, &ins);
    }
    h = bench_median(hc, ROUNDS);
    e = bench_median(ev, ROUNDS);
    n = bench_median(ns, ROUNDS);
    printf("BENCH hypercall_roundtrip %llu cycles\n", (unsigned long long)h);
    printf("BENCH evtchn_roundtrip %llu cycles\n", (unsigned long long)e);
    printf("BENCH ipi_roundtrip %llu cycles\n", (unsigned long long)bench_median(ipi, ROUNDS));
    bench_print_ratio("ratio_evtchn_hypercall", e, h);
    bench_print_ratio("ratio_evtchn_ipi", e, bench_median(ipi, ROUNDS));
    printf("BENCH evtchn_events_per_second %llu\n",
           (unsigned long long)(n ? udiv64((uint64_t)N * 1000000000ULL, n, NULL) : 0));
    ev_close(port);
    HYPERVISOR_sched_op(SCHEDOP_shutdown, &(struct sched_shutdown){ e ? SHUTDOWN_poweroff : SHUTDOWN_crash });
}
