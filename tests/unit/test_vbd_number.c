/* xl-compat/vbd_number.c: virtual-device numbers of xen-vbd-interface(7),
 * the values Linux's blkfront decodes (xlvbd_alloc_gendisk: major 202 with
 * 16 minors a disk, the extended 1 << 28 form, ide and scsi majors). */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "xl-compat/vbd_number.h"

struct vcase { const char *vdev; int devid, disk, part; };

static const struct vcase good[] = {
    { "xvda", 51712, 0, 0 },            /* 202 << 8 */
    { "xvda1", 51713, 0, 1 },
    { "xvdb", 51728, 1, 0 },
    { "xvdp15", 51967, 15, 15 },
    { "xvdq", (1 << 28) | 16 << 8, 16, 0 },     /* disk 16: extended */
    { "xvda16", (1 << 28) | 16, 0, 16 },        /* partition 16: extended */
    { "xvdz", (1 << 28) | 25 << 8, 25, 0 },
    { "xvdaa", (1 << 28) | 26 << 8, 26, 0 },
    { "xvdaa255", (1 << 28) | 26 << 8 | 255, 26, 255 },
    { "xvdba", (1 << 28) | 52 << 8, 52, 0 },
    { "d0", 51712, 0, 0 },
    { "d0p0", 51712, 0, 0 },
    { "d1p2", 51730, 1, 2 },
    { "d15p15", 51967, 15, 15 },
    { "d16p0", (1 << 28) | 16 << 8, 16, 0 },
    { "d1048575p255", (1 << 28) | 1048575 << 8 | 255, 1048575, 255 },
    { "hda", 768, 0, 0 },               /* 3 << 8 */
    { "hdb", 832, 1, 0 },
    { "hdc", 5632, 2, 0 },              /* 22 << 8 */
    { "hdd63", 5632 | 64 | 63, 3, 63 },
    { "sda", 2048, 0, 0 },              /* 8 << 8 */
    { "sdb3", 2067, 1, 3 },
    { "sdp15", 2303, 15, 15 },
};

static const char *const bad[] = {
    "", "xvd", "xvdA", "xvda0", "xvda01", "xvda256", "xvda-1", "xvda1x", "d", "dp1",
    "d01", "d0p", "d0p256", "d1048576", "d0p1x", "hde", "hda64", "sdq", "sda16",
    "vda", "xvd1", "abc", "-1", "99999999999",
};

static void good_names(void)
{
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        int disk, part, n = xl_vbd_number(good[i].vdev, &disk, &part);

        if (n != good[i].devid || disk != good[i].disk || part != good[i].part) {
            printf("FAIL: good_names: %s: %d (disk %d part %d), expected %d (%d, %d)\n",
                   good[i].vdev, n, disk, part, good[i].devid, good[i].disk,
                   good[i].part);
            CHECK(0);
        }
    }
}

static void bad_names(void)
{
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        int n = xl_vbd_number(bad[i], NULL, NULL);

        if (n != -1) {
            printf("FAIL: bad_names: `%s' gave %d\n", bad[i], n);
            CHECK(0);
        }
    }
}

static void plain_numbers(void)
{
    int disk, part;

    CHECK_EQ(xl_vbd_number("51712", &disk, &part), 51712);
    CHECK_EQ(disk, -1);
    CHECK_EQ(part, -1);
    CHECK_EQ(xl_vbd_number("0xca00", NULL, NULL), 0xca00);
    CHECK_EQ(xl_vbd_number("268435456", NULL, NULL), 1 << 28);
}

/* The name of a number is the canonical spelling: parse(name(n)) == n. */
static void names_round_trip(void)
{
    char buf[32];

    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        CHECK(xl_vbd_name(good[i].devid, buf, sizeof(buf)));
        CHECK_EQ(xl_vbd_number(buf, NULL, NULL), good[i].devid);
    }
    CHECK(xl_vbd_name(51712, buf, sizeof(buf)) && !strcmp(buf, "xvda"));
    CHECK(xl_vbd_name((1 << 28) | 26 << 8 | 3, buf, sizeof(buf)) && !strcmp(buf, "xvdaa3"));
    CHECK(xl_vbd_name(5632, buf, sizeof(buf)) && !strcmp(buf, "hdc"));
    CHECK(!xl_vbd_name(0x1234, buf, sizeof(buf)));      /* major 0x12: none */
    CHECK(!xl_vbd_name(51712, buf, 4));                 /* does not fit */
}

int main(void)
{
    RUN(good_names);
    RUN(bad_names);
    RUN(plain_numbers);
    RUN(names_round_trip);
    return CHECK_DONE();
}
