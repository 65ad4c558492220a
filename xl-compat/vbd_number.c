/* Disk virtual-device numbers (vbd_number.h). */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vbd_number.h"

#define XVD_MAJOR 202
#define HD01_MAJOR 3
#define HD23_MAJOR 22
#define SD_MAJOR 8
#define EXTENDED (1 << 28)
#define EXT_MAX_DISK ((1 << 20) - 1)
#define EXT_MAX_PART 255

/* PREFIX, letters (bijective base 26), an optional partition number. */
static int letters_form(const char *s, const char *prefix, int max_disk, int max_part,
                        int *disk, int *part)
{
    size_t n = strlen(prefix);
    long d = -1;
    unsigned long p;
    char *end;

    if (strncmp(s, prefix, n))
        return 0;
    for (s += n; *s >= 'a' && *s <= 'z'; s++) {
        d = (d + 1) * 26 + (*s - 'a');
        if (d > max_disk)
            return 0;
    }
    if (d < 0)
        return 0;
    *disk = (int)d;
    *part = 0;
    if (!*s)
        return 1;
    if (*s < '1' || *s > '9')       /* no sign, no leading zero */
        return 0;
    errno = 0;
    p = strtoul(s, &end, 10);
    if (errno || *end || p > (unsigned long)max_part)
        return 0;
    *part = (int)p;
    return 1;
}

/* d<N>[p<P>], decimal without sign or leading zeroes. */
static int number_part(const char **s, long max, long *v)
{
    const char *p = *s;
    long n = 0;

    if (*p < '0' || *p > '9' || (p[0] == '0' && p[1] >= '0' && p[1] <= '9'))
        return 0;
    for (; *p >= '0' && *p <= '9'; p++) {
        n = n * 10 + (*p - '0');
        if (n > max)
            return 0;
    }
    *s = p;
    *v = n;
    return 1;
}

static int dp_form(const char *s, int *disk, int *part)
{
    long d, p = 0;

    if (*s++ != 'd' || !number_part(&s, EXT_MAX_DISK, &d))
        return 0;
    if (*s == 'p') {
        s++;
        if (!number_part(&s, EXT_MAX_PART, &p))
            return 0;
    }
    if (*s)
        return 0;
    *disk = (int)d;
    *part = (int)p;
    return 1;
}

int xl_vbd_number(const char *vdev, int *pdisk, int *ppart)
{
    int disk, part;
    unsigned long ul;
    char *end;

    if (pdisk)
        *pdisk = -1;
    if (ppart)
        *ppart = -1;
    if (!vdev || !*vdev)
        return -1;
    if (dp_form(vdev, &disk, &part) ||
        letters_form(vdev, "xvd", EXT_MAX_DISK, EXT_MAX_PART, &disk, &part)) {
        if (pdisk)
            *pdisk = disk;
        if (ppart)
            *ppart = part;
        if (disk < 16 && part < 16)
            return XVD_MAJOR << 8 | disk << 4 | part;
        return EXTENDED | disk << 8 | part;
    }
    if (*vdev >= '0' && *vdev <= '9') {
        errno = 0;
        ul = strtoul(vdev, &end, 0);
        if (!errno && !*end && ul <= INT_MAX)
            return (int)ul;
        return -1;
    }
    if (letters_form(vdev, "hd", 3, 63, &disk, &part)) {
        if (pdisk)
            *pdisk = disk;
        if (ppart)
            *ppart = part;
        return (disk < 2 ? HD01_MAJOR : HD23_MAJOR) << 8 | (disk & 1) << 6 | part;
    }
    if (letters_form(vdev, "sd", 15, 15, &disk, &part)) {
        if (pdisk)
            *pdisk = disk;
        if (ppart)
            *ppart = part;
        return SD_MAJOR << 8 | disk << 4 | part;
    }
    return -1;
}

/* Letters of DISK (0 = a, 26 = aa) into BUF. */
static void disk_letters(int disk, char *buf)
{
    char tmp[8];
    int n = 0;

    for (disk++; disk > 0; disk = (disk - 1) / 26)
        tmp[n++] = (char)('a' + (disk - 1) % 26);
    while (n)
        *buf++ = tmp[--n];
    *buf = 0;
}

bool xl_vbd_name(int devid, char *buf, size_t size)
{
    const char *prefix;
    char l[8];
    int disk, part, major = (devid >> 8) & 0xfffff;

    if (devid < 0)
        return false;
    if (devid & EXTENDED) {
        prefix = "xvd";
        disk = (devid >> 8) & EXT_MAX_DISK;
        part = devid & 0xff;
    } else if (devid >> 16) {
        return false;
    } else if (major == XVD_MAJOR || major == SD_MAJOR) {
        prefix = major == XVD_MAJOR ? "xvd" : "sd";
        disk = (devid >> 4) & 15;
        part = devid & 15;
    } else if (major == HD01_MAJOR || major == HD23_MAJOR) {
        prefix = "hd";
        disk = (major == HD23_MAJOR ? 2 : 0) + ((devid >> 6) & 1);
        part = devid & 63;
    } else {
        return false;
    }
    disk_letters(disk, l);
    if (part)
        return snprintf(buf, size, "%s%s%d", prefix, l, part) < (int)size;
    return snprintf(buf, size, "%s%s", prefix, l) < (int)size;
}
