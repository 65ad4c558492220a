/* Host-side event channel helper for tests and benchmarks, acting as
 * domain 0 through the backend library (evtchn/backend.h):
 *
 *   evtchn_tool echo RUNDIR DOMID PORT   bind to the guest's PORT and send
 *                                        every event straight back, until
 *                                        the guest closes the channel
 *   evtchn_tool bind RUNDIR DOMID PORT   one bind attempt: exit 0 if it
 *                                        worked, else print the error
 *   evtchn_tool virq RUNDIR DOMID VIRQ   raise a virtual interrupt
 *
 * echo waits up to 10 s for the guest to offer the port, then prints
 * "echo: bound", and at the end "echo: N events". */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "evtchn/backend.h"

static int echo(const char *rundir, unsigned domid, unsigned port)
{
    struct xk_evtchn e;
    uint64_t total = 0;
    int rc = -1;

    for (int i = 0; i < 1000; i++) {
        rc = xk_evtchn_bind(rundir, domid, port, 77, &e);
        if (rc != -ESRCH && rc != -EINVAL)
            break;
        usleep(10000);      /* the guest has not offered the port yet */
    }
    if (rc) {
        fprintf(stderr, "echo: cannot bind domain %u port %u: %s\n", domid, port,
                strerror(-rc));
        return 1;
    }
    printf("echo: bound\n");
    fflush(stdout);
    for (;;) {
        struct pollfd p[2] = { { e.event_fd, POLLIN, 0 }, { e.sock, POLLIN, 0 } };
        if (poll(p, 2, 60000) <= 0)
            break;
        if (p[0].revents & POLLIN) {
            uint64_t n = xk_evtchn_consume(&e);
            total += n;
            /* One notification per batch, as a backend would. */
            if (n && xk_evtchn_notify(&e))
                break;
            continue;
        }
        if (p[1].revents)
            break;          /* the guest closed its end, or its VMM died */
    }
    printf("echo: %llu events\n", (unsigned long long)total);
    xk_evtchn_unbind(&e);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 5 && !strcmp(argv[1], "echo"))
        return echo(argv[2], (unsigned)atoi(argv[3]), (unsigned)atoi(argv[4]));
    if (argc == 5 && !strcmp(argv[1], "bind")) {
        struct xk_evtchn e;
        int rc = xk_evtchn_bind(argv[2], (unsigned)atoi(argv[3]),
                                (unsigned)atoi(argv[4]), 77, &e);
        if (rc) {
            printf("bind: %s\n", strerror(-rc));
            return 1;
        }
        xk_evtchn_unbind(&e);
        return 0;
    }
    if (argc == 5 && !strcmp(argv[1], "virq")) {
        int rc = xk_evtchn_send_virq(argv[2], (unsigned)atoi(argv[3]),
                                     (unsigned)atoi(argv[4]));
        if (rc)
            fprintf(stderr, "virq: %s\n", strerror(-rc));
        return rc ? 1 : 0;
    }
    fprintf(stderr, "usage: evtchn_tool echo|bind|virq RUNDIR DOMID PORT|VIRQ\n");
    return 2;
}
