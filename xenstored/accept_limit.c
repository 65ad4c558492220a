/* Listeners out of descriptors.  accept() failing with EMFILE or ENFILE
 * leaves the connection queued, so a level-triggered listener fires again
 * at once: the daemon would spin and log without end.  Such a listener
 * is taken out of the loop until a descriptor frees (a connection closes)
 * or a second passes, and the shortage is logged at most once a minute
 * (while it lasts, descriptors free and run out again and again). */
#include <errno.h>
#include <string.h>
#include <time.h>
#include "xenstored.h"
#include "log.h"

#define MAX_PAUSED 4

static struct event *paused[MAX_PAUSED];
static struct event *retry;
static time_t warned_at;

static void resume(evutil_socket_t fd, short what, void *arg)
{
    listeners_resume();
}

void listener_out_of_fds(int err)
{
    struct event *ev = event_base_get_running_event(evbase);
    struct timeval sec = { 1, 0 };
    struct timespec now;
    unsigned int i;

    clock_gettime(CLOCK_MONOTONIC, &now);
    if (!warned_at || now.tv_sec - warned_at >= 60) {
        log_warn("accept: %s: not accepting connections until a descriptor frees",
                 strerror(err));
        warned_at = now.tv_sec ? now.tv_sec : 1;
    }
    if (!ev)
        return;
    for (i = 0; i < MAX_PAUSED; i++)
        if (!paused[i] || paused[i] == ev)
            break;
    if (i == MAX_PAUSED)
        return;
    paused[i] = ev;
    event_del(ev);
    if (!retry)
        retry = evtimer_new(evbase, resume, NULL);
    if (retry)
        evtimer_add(retry, &sec);
}

void listeners_resume(void)
{
    unsigned int i;

    for (i = 0; i < MAX_PAUSED; i++) {
        if (paused[i])
            event_add(paused[i], NULL);
        paused[i] = NULL;
    }
}
