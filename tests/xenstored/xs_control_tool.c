/* xs_control_tool CMD [ARG...]: one CONTROL request to the xenstored on
 * $XENSTORED_PATH, its reply on stdout; exit 1 if there is none or it is
 * not "OK".  For the shell tests, where Xen's xenstore-control may be
 * missing (tests/cli/xenstored_restart.sh drives a live update with it). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xenstore.h>

int main(int argc, char **argv)
{
    struct xs_handle *xs;
    char data[4096], *r;
    unsigned int len = 0;

    if (argc < 2) {
        fprintf(stderr, "usage: xs_control_tool CMD [ARG...]\n");
        return 2;
    }
    for (int i = 2; i < argc; i++) {
        size_t n = strlen(argv[i]) + 1;
        if (len + n > sizeof(data))
            return 2;
        memcpy(data + len, argv[i], n);
        len += n;
    }
    xs = xs_open(0);
    if (!xs) {
        perror("xs_control_tool: xs_open");
        return 1;
    }
    r = xs_control_command(xs, argv[1], len ? data : NULL, len);
    if (!r) {
        perror("xs_control_tool");
        return 1;
    }
    printf("%s\n", r);
    return strcmp(r, "OK") ? 1 : 0;
}
