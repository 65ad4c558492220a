/* lib/evloop.c's hold (evloop_hold / evloop_release): while held, the
 * event thread runs no callback; after the release it serves what came
 * meanwhile; on the event thread itself a hold is refused (it would wait
 * for itself). */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "evloop.h"

static atomic_int served;
static struct evloop *loop;
static atomic_int inner_hold = -1;

static void on_event(void *arg, int fd, uint32_t events)
{
    uint64_t n;

    (void)arg;
    (void)events;
    if (read(fd, &n, sizeof(n)) == sizeof(n))
        atomic_fetch_add(&served, 1);
}

static void on_inner(void *arg, int fd, uint32_t events)
{
    uint64_t n;

    (void)arg;
    (void)events;
    if (read(fd, &n, sizeof(n)) == sizeof(n))
        atomic_store(&inner_hold, evloop_hold(loop));
}

static void signal_fd(int fd)
{
    uint64_t one = 1;

    if (write(fd, &one, sizeof(one)) != sizeof(one))
        CHECK(0);
}

/* Up to 5 s for the count to reach WANT. */
static int wait_served(int want)
{
    for (int i = 0; i < 5000 && atomic_load(&served) < want; i++)
        usleep(1000);
    return atomic_load(&served);
}

static void held_loop_serves_nothing_until_released(void)
{
    int fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);

    CHECK(fd >= 0);
    CHECK_EQ(evloop_add(loop, fd, on_event, NULL), 0);
    signal_fd(fd);
    CHECK_EQ(wait_served(1), 1);
    CHECK(evloop_hold(loop));
    signal_fd(fd);
    usleep(200000);             /* long enough to be served, were it not held */
    CHECK_EQ(atomic_load(&served), 1);
    evloop_release(loop);
    CHECK_EQ(wait_served(2), 2);
    /* A second hold works as the first. */
    CHECK(evloop_hold(loop));
    evloop_release(loop);
    signal_fd(fd);
    CHECK_EQ(wait_served(3), 3);
    evloop_del(loop, fd);
    close(fd);
}

static void hold_on_the_event_thread_is_refused(void)
{
    int fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);

    CHECK(fd >= 0);
    CHECK_EQ(evloop_add(loop, fd, on_inner, NULL), 0);
    signal_fd(fd);
    for (int i = 0; i < 5000 && atomic_load(&inner_hold) < 0; i++)
        usleep(1000);
    CHECK_EQ(atomic_load(&inner_hold), 0);
    evloop_del(loop, fd);
    close(fd);
}

static void hold_without_a_running_loop_is_refused(void)
{
    struct evloop *l = evloop_new();

    CHECK(l != NULL);
    CHECK(!evloop_hold(l));
    CHECK(!evloop_hold(NULL));
    evloop_free(l);
}

int main(void)
{
    loop = evloop_new();
    if (!loop || evloop_start(loop)) {
        printf("FAIL: evloop: cannot start an event loop\n");
        return 1;
    }
    RUN(held_loop_serves_nothing_until_released);
    RUN(hold_on_the_event_thread_is_refused);
    RUN(hold_without_a_running_loop_is_refused);
    evloop_free(loop);
    return CHECK_DONE();
}
