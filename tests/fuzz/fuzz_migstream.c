/* libFuzzer harness for the restore path of Xen's migration stream
 * (hvm/mig_stream.c, hvm/mig_hvmctx.c, lib/xl_savefile.c): the input is
 * a save file (xl's header first) or a bare libxl stream, restored into a
 * fresh VM built without KVM, once as a PVH domain and once as a
 * type=hvm one (which takes PIC, IOAPIC and PIT records: mig_platform.c).
 * Properties checked on every input:
 *  - the header and the stream are accepted, or refused with -EINVAL,
 *    -EPROTO or -EOPNOTSUPP (or a part's -EBUSY / -ENOSPC) and a message;
 *  - a stream that was accepted saves again, and that stream restores
 *    into another fresh VM.
 * Built with clang -fsanitize=fuzzer,address,undefined by
 * tests/fuzz/migstream.sh and, replaying tests/fuzz/corpus/migstream, by
 * make check (unit/test_migstream_fuzz_replay). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hvm/mig_stream.h"
#include "vm_fixture.h"
#include "xl_savefile.h"

static void fail(const char *why, const char *msg)
{
    fprintf(stderr, "fuzz_migstream: property violated: %s (%s)\n", why, msg);
    abort();
}

static bool clean_error(int rc)
{
    return rc == -EINVAL || rc == -EPROTO || rc == -EOPNOTSUPP || rc == -EBUSY ||
           rc == -ENOSPC;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct vm a, b;
    struct mig_in in = { .fd = -1 };
    struct mig_restored res;
    char msg[SS_MSG_LEN];
    int rc;

    if (size >= XL_SAVE_MAGIC_LEN && !memcmp(data, XL_SAVE_MAGIC, XL_SAVE_MAGIC_LEN)) {
        struct xl_savefile sf;
        char m[256] = "";
        size_t used = 0;

        rc = xl_savefile_parse(data, size, &sf, &used, m, sizeof(m));
        xl_savefile_free(&sf);
        if (rc && (!clean_error(rc) || !m[0]))
            fail("xl header: an unclean refusal", m);
        if (rc)
            return 0;
        data += used;
        size -= used;
    }
    for (int hvm = 0; hvm < 2; hvm++) {
        vm_fixture_setup(&a, 16, 1);
        a.hvm_platform = hvm;
        in = (struct mig_in){ .fd = -1, .p = data, .len = size };
        rc = mig_restore(&a, &in, &res, msg);
        mig_in_free(&in);
        if (rc && !clean_error(rc))
            fail("an unexpected error", msg);
        if (rc && !msg[0])
            fail("an error without a message", "");
        if (rc == 0) {
            struct ss_wr w = { 0 };
            struct mig_out out = { .fd = -1, .w = &w };
            struct mig_in again = { .fd = -1 };

            if (mig_save(&a, &out, MIG_XENKVM_STATE, NULL, msg))
                fail("an accepted stream does not save again", msg);
            vm_fixture_setup(&b, 16, 1);
            b.hvm_platform = hvm;
            again.p = w.p;
            again.len = w.len;
            if (mig_restore(&b, &again, &res, msg))
                fail("the stream saved again does not restore", msg);
            mig_in_free(&again);
            vm_fixture_teardown(&b);
            ss_wr_free(&w);
        }
        vm_fixture_teardown(&a);
    }
    return 0;
}
