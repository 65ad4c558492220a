/* libFuzzer harness for the restore path of saved state (hvm/save*.c
 * through lib/savestate.c): the input is an image as a migration stream
 * or a live-update memfd could bring it, restored into a fresh VM built
 * without KVM.  Properties checked on every input:
 *  - restore returns 0 or a clean error (-EINVAL, -EPROTO, -EBUSY,
 *    -ENOSPC), with a message when it fails;
 *  - an image that was accepted saves again, and that image restores
 *    into another fresh VM.
 * Built with clang -fsanitize=fuzzer,address,undefined by
 * tests/fuzz/savestate.sh and, replaying tests/fuzz/corpus/savestate,
 * by make check (unit/test_savestate_fuzz_replay). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "events.h"
#include "save.h"
#include "vm.h"

static void fail(const char *why, const char *msg)
{
    fprintf(stderr, "fuzz_savestate: property violated: %s (%s)\n", why, msg);
    abort();
}

static void setup(struct vm *vm)
{
    struct vcpu *v;

    if (vm_mem_init(vm, 16, 1) || vm_mem_map_only(vm))
        fail("VM setup", "");
    vm->vcpus = calloc(1, sizeof(struct vcpu));
    if (!vm->vcpus)
        fail("VM setup", "");
    v = &vm->vcpus[0];
    v->vm = vm;
    v->fd = -1;
    v->run = calloc(1, sizeof(struct kvm_run));
    pthread_cond_init(&v->cond, NULL);
    xen_clock_init(&vm->clock, 2000000, 0);
    vm->max_evtchn_port = EVTCHN_DEFAULT_MAX_PORT;
    if (!v->run || events_init(vm))
        fail("event setup", "");
}

static void teardown(struct vm *vm)
{
    events_destroy(vm);
    pthread_cond_destroy(&vm->vcpus[0].cond);
    free(vm->vcpus[0].run);
    free(vm->vcpus);
    vm_destroy(vm);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct vm a, b;
    char msg[SS_MSG_LEN];
    struct ss_wr w = { 0 };
    int rc;

    setup(&a);
    rc = vm_restore(&a, data, size, msg);
    if (rc && rc != -EINVAL && rc != -EPROTO && rc != -EBUSY && rc != -ENOSPC)
        fail("an unexpected error", msg);
    if (rc && !msg[0])
        fail("an error without a message", "");
    if (rc == 0) {
        if (vm_save(&a, &w, msg))
            fail("an accepted image does not save again", msg);
        setup(&b);
        if (vm_restore(&b, w.p, w.len, msg))
            fail("the image saved again does not restore", msg);
        teardown(&b);
        ss_wr_free(&w);
    }
    teardown(&a);
    return 0;
}
