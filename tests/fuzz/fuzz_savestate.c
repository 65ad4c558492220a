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

#include "save.h"
#include "vm_fixture.h"

static void fail(const char *why, const char *msg)
{
    fprintf(stderr, "fuzz_savestate: property violated: %s (%s)\n", why, msg);
    abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct vm a, b;
    char msg[SS_MSG_LEN];
    struct ss_wr w = { 0 };
    int rc;

    vm_fixture_setup(&a, 16, 1);
    rc = vm_restore(&a, data, size, msg);
    if (rc && rc != -EINVAL && rc != -EPROTO && rc != -EBUSY && rc != -ENOSPC)
        fail("an unexpected error", msg);
    if (rc && !msg[0])
        fail("an error without a message", "");
    if (rc == 0) {
        if (vm_save(&a, &w, msg))
            fail("an accepted image does not save again", msg);
        vm_fixture_setup(&b, 16, 1);
        if (vm_restore(&b, w.p, w.len, msg))
            fail("the image saved again does not restore", msg);
        vm_fixture_teardown(&b);
        ss_wr_free(&w);
    }
    vm_fixture_teardown(&a);
    return 0;
}
