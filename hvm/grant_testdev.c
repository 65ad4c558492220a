/* The --test-grant-backend device: one backend thread per start command,
 * doing what a block backend in domain 0 does with a request's grant (take
 * for read or write, look at the page, copy, release) as fast as it can. */
#include "grant_testdev.h"
#include "ioport.h"

#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include "grant.h"
#include "log.h"

struct grant_testdev {
    pthread_t thread;
    bool running;
    grant_ref_t ref;
    struct vm *vm;
    uint32_t stop, takes, violations;   /* __atomic */
};

static void *backend(void *arg)
{
    struct grant_testdev *d = arg;
    struct gnt_view *view = &d->vm->gnttab->view;
    uint8_t buf[64];
    unsigned i = 0;

    while (!__atomic_load_n(&d->stop, __ATOMIC_ACQUIRE)) {
        struct gnt_handle h;
        bool write = i++ & 1;

        if (gnt_take(view, 0, d->ref, write ? GNT_WRITE : GNT_READ,
                     &h) == GNTST_okay) {
            uint32_t marker;

            memcpy(&marker, h.ptr, sizeof(marker));
            if (marker == GNT_TESTDEV_FREED)
                __atomic_fetch_add(&d->violations, 1, __ATOMIC_RELAXED);
            /* Hold it for a while, as a request's I/O would. */
            for (int k = 0; k < 16; k++) {
                if (write && h.len >= 128)
                    memset(h.ptr + 64, (int)i, 64);
                else
                    memcpy(buf, h.ptr, sizeof(buf) < h.len ? sizeof(buf) : h.len);
                __atomic_signal_fence(__ATOMIC_SEQ_CST);
            }
            memcpy(&marker, h.ptr, sizeof(marker));
            if (marker == GNT_TESTDEV_FREED)
                __atomic_fetch_add(&d->violations, 1, __ATOMIC_RELAXED);
            gnt_release(&h);
            __atomic_fetch_add(&d->takes, 1, __ATOMIC_RELEASE);
        } else if (gnt_copy_from(view, 0, d->ref, 0, buf, 4) == GNTST_okay) {
            /* Granted again between the two: the copy path is real too. */
            uint32_t marker;
            memcpy(&marker, buf, sizeof(marker));
            if (marker == GNT_TESTDEV_FREED)
                __atomic_fetch_add(&d->violations, 1, __ATOMIC_RELAXED);
        }
        sched_yield();
    }
    return NULL;
}

static bool grant_testdev_io(struct vcpu *v, uint16_t port, bool out, unsigned size,
                             uint8_t *data);

int grant_testdev_enable(struct vm *vm)
{
    struct grant_testdev *d = calloc(1, sizeof(*d));
    int rc;

    if (!d)
        return -ENOMEM;
    /* Its ports exist only in a VMM started with the option. */
    rc = ioport_register(vm, GNT_TESTDEV_PORT, 8, grant_testdev_io);
    if (rc) {
        free(d);
        return rc;
    }
    d->vm = vm;
    vm->gnttab->testdev = d;
    return 0;
}

static void stop(struct grant_testdev *d)
{
    if (!d->running)
        return;
    __atomic_store_n(&d->stop, 1, __ATOMIC_RELEASE);
    pthread_join(d->thread, NULL);
    d->running = false;
}

void grant_testdev_destroy(struct vm *vm)
{
    struct grant_testdev *d = vm->gnttab ? vm->gnttab->testdev : NULL;

    if (!d)
        return;
    stop(d);
    free(d);
    vm->gnttab->testdev = NULL;
}

static bool grant_testdev_io(struct vcpu *v, uint16_t port, bool out, unsigned size,
                             uint8_t *data)
{
    struct grant_testdev *d = v->vm->gnttab ? v->vm->gnttab->testdev : NULL;
    uint32_t val = 0;

    if (!d || size != 4 || (port != GNT_TESTDEV_PORT && port != GNT_TESTDEV_VIOL))
        return false;
    if (!out) {
        val = __atomic_load_n(port == GNT_TESTDEV_PORT ? &d->takes : &d->violations,
                              __ATOMIC_ACQUIRE);
        memcpy(data, &val, 4);
        return true;
    }
    memcpy(&val, data, 4);
    if (port != GNT_TESTDEV_PORT)
        return true;
    if ((val & 0xf0000000u) == GNT_TESTDEV_START) {
        stop(d);
        d->ref = val & 0x0fffffffu;
        d->stop = d->takes = d->violations = 0;    /* counts per run */
        d->running = !pthread_create(&d->thread, NULL, backend, d);
        if (!d->running)
            log_err("grant test backend: cannot start a thread");
    } else if ((val & 0xf0000000u) == GNT_TESTDEV_STOP) {
        stop(d);
    }
    return true;
}
