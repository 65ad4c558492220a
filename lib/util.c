#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

void *read_file(const char *path, size_t *size, size_t limit)
{
    struct stat st;
    char *buf;
    size_t done = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);

    if (fd < 0)
        return NULL;
    if (fstat(fd, &st) < 0)
        goto fail;
    if (!S_ISREG(st.st_mode)) {
        errno = EINVAL;
        goto fail;
    }
    if ((uint64_t)st.st_size > limit) {
        errno = EFBIG;
        goto fail;
    }
    buf = malloc(st.st_size ? st.st_size : 1);
    if (!buf)
        goto fail;
    while (done < (size_t)st.st_size) {
        ssize_t n = read(fd, buf + done, st.st_size - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            if (n == 0)
                errno = EIO;
            free(buf);
            goto fail;
        }
        done += n;
    }
    close(fd);
    *size = done;
    return buf;
fail:
    {
        int e = errno;
        close(fd);
        errno = e;
    }
    return NULL;
}

bool parse_u64(const char *s, uint64_t *out)
{
    char *end;
    unsigned long long v;

    if (!s || !*s || *s == '-' || *s == '+')
        return false;
    errno = 0;
    v = strtoull(s, &end, 0);
    if (errno || *end)
        return false;
    *out = v;
    return true;
}
