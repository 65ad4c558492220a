/* xs_control_tool CMD [ARG...] [-- CMD [ARG...]]...: CONTROL requests to
 * the xenstored on $XENSTORED_PATH, one after another on one connection
 * (a live-update session belongs to its connection), each reply on
 * stdout; exit 1 at the first that fails or is not "OK".  For the shell
 * tests, where Xen's xenstore-control may be missing
 * (tests/cli/xenstored_restart.sh drives a live update with it). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xenstore.h>

/* One request from argv[0..n-1]; 0 if answered "OK". */
static int request(struct xs_handle *xs, char **argv, int n)
{
    char data[4096], *r;
    unsigned int len = 0;
    int rc;

    for (int i = 1; i < n; i++) {
        size_t l = strlen(argv[i]) + 1;
        if (len + l > sizeof(data))
            return 1;
        memcpy(data + len, argv[i], l);
        len += l;
    }
    r = xs_control_command(xs, argv[0], len ? data : NULL, len);
    if (!r) {
        perror("xs_control_tool");
        return 1;
    }
    printf("%s\n", r);
    rc = strcmp(r, "OK") ? 1 : 0;
    free(r);
    return rc;
}

int main(int argc, char **argv)
{
    struct xs_handle *xs;
    int i = 1, rc = 0;

    if (argc < 2) {
        fprintf(stderr, "usage: xs_control_tool CMD [ARG...] [-- CMD [ARG...]]...\n");
        return 2;
    }
    xs = xs_open(0);
    if (!xs) {
        perror("xs_control_tool: xs_open");
        return 1;
    }
    while (!rc && i < argc) {
        int n = 0;
        while (i + n < argc && strcmp(argv[i + n], "--"))
            n++;
        rc = n ? request(xs, argv + i, n) : 2;
        i += n + 1;
    }
    xs_close(xs);
    return rc;
}
