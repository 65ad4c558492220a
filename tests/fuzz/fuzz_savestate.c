/* libFuzzer harness for the restore path of saved state (hvm/save*.c
 * through lib/savestate.c): the input is an image as a migration stream
 * or a live-update memfd could bring it, restored into a fresh VM built
 * without KVM.  An input starting with 'P' is one part's payload instead
 * ('P', the part's index in the registry, the payload), framed here after
 * the parts before it as a fresh VM saves them, so the fuzzer spends its
 * time in the parts' readers rather than on the framing.  Properties
 * checked on every input:
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

#include "hvm/save.h"
#include "vm_fixture.h"

static void fail(const char *why, const char *msg)
{
    fprintf(stderr, "fuzz_savestate: property violated: %s (%s)\n", why, msg);
    abort();
}

/* The image: the registry's parts before K as VM saves them, then part
 * K with PAYLOAD, then the end record. */
static void frame_part(struct vm *vm, unsigned k, const uint8_t *payload, size_t len,
                       struct ss_wr *w)
{
    char msg[SS_MSG_LEN];
    size_t rec;

    if (ss_save_parts(vm_parts, k, vm, w, msg))
        fail("a fresh VM does not save", msg);
    w->len -= 8;                        /* the end record comes after part K */
    rec = ss_begin_record(w, SS_TYPE(vm_parts[k]->id));
    ss_put_u32(w, vm_parts[k]->version);
    ss_put_u32(w, 0);
    ss_put_bytes(w, payload, len);
    ss_end_record(w, rec);
    rec = ss_begin_record(w, SS_TYPE(SS_ID_END));
    ss_end_record(w, rec);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct vm a, b;
    char msg[SS_MSG_LEN];
    struct ss_wr w = { 0 }, in = { 0 };
    unsigned n = vm_nr_parts;
    int rc;

    vm_fixture_setup(&a, 16, 1);
    if (size >= 2 && data[0] == 'P') {
        unsigned k = data[1] % vm_nr_parts;
        frame_part(&a, k, data + 2, size - 2, &in);
        if (in.failed)
            fail("framing the payload", "out of memory");
        data = in.p;
        size = in.len;
        n = k + 1;
    }
    rc = ss_restore_parts(vm_parts, n, &a, data, size, msg);
    if (rc && rc != -EINVAL && rc != -EPROTO && rc != -EBUSY && rc != -ENOSPC)
        fail("an unexpected error", msg);
    if (rc && !msg[0])
        fail("an error without a message", "");
    if (rc == 0) {
        if (ss_save_parts(vm_parts, n, &a, &w, msg))
            fail("an accepted image does not save again", msg);
        vm_fixture_setup(&b, 16, 1);
        if (ss_restore_parts(vm_parts, n, &b, w.p, w.len, msg))
            fail("the image saved again does not restore", msg);
        vm_fixture_teardown(&b);
        ss_wr_free(&w);
    }
    ss_wr_free(&in);
    vm_fixture_teardown(&a);
    return 0;
}
