/* An event thread: one epoll loop on a thread of its own, for any process.
 * In the VMM it serves everything that is not a vCPU exit
 * (timers, eventfds of channels to other processes, interrupt
 * resampling, the control socket). */
#ifndef XK_EVLOOP_H
#define XK_EVLOOP_H

#include <stdbool.h>
#include <stdint.h>

struct evloop;

/* Called on the event thread when FD is ready (EPOLL* bits in EVENTS). */
typedef void (*evloop_fn)(void *arg, int fd, uint32_t events);

struct evloop *evloop_new(void);
int evloop_start(struct evloop *l);
/* Stop and join the thread; registered fds are not closed. */
void evloop_stop(struct evloop *l);
void evloop_free(struct evloop *l);
/* Watch FD for input.  Safe from any thread; 0 or -errno. */
int evloop_add(struct evloop *l, int fd, evloop_fn fn, void *arg);
/* Watch FD for EVENTS (EPOLLIN, EPOLLOUT; 0: registered but not watched,
 * so not even hang-ups are reported). */
int evloop_add_events(struct evloop *l, int fd, uint32_t events, evloop_fn fn,
                      void *arg);
/* Change what FD is watched for (0: nothing, until changed again). */
int evloop_set_events(struct evloop *l, int fd, uint32_t events);
/* Stop watching FD.  On the event thread, no callback for FD follows. */
void evloop_del(struct evloop *l, int fd);
/* Hold the event thread between two callbacks until evloop_release, so
 * that nothing it serves runs meanwhile (a save reading state the
 * callbacks change).  Returns once it is held; false (nothing to release)
 * on the event thread itself or when the loop does not run. */
bool evloop_hold(struct evloop *l);
void evloop_release(struct evloop *l);

#endif
