/* xl dmesg [-c]: what Xen's console ring holds is, on a xenkvm host, the
 * host side's own logs: xenstored's, then each domain's monitor and VMM
 * (xl-<name>.log), from the log directory.  Each line is tagged with its
 * source as Xen tags its own with "(XEN)"; -c empties the logs after
 * printing them, as it clears the ring. */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "paths.h"
#include "xl.h"

static int is_xl_log(const struct dirent *e)
{
    size_t l = strlen(e->d_name);

    return !strncmp(e->d_name, "xl-", 3) && l > 7 && !strcmp(e->d_name + l - 4, ".log");
}

/* Print FILE's lines as "(TAG) line"; empty it too if CLEAR. */
static void show(const char *dir, const char *file, bool clear)
{
    char *path = xl_xasprintf("%s/%s", dir, file), *line = NULL;
    int tag = (int)(strlen(file) - 4);      /* without ".log" */
    size_t cap = 0;
    ssize_t len;
    FILE *f = fopen(path, "re");

    if (f) {
        while ((len = getline(&line, &cap, f)) > 0)
            printf("(%.*s) %s%s", tag, file, line, line[len - 1] == '\n' ? "" : "\n");
        fclose(f);
        /* Writers append (O_APPEND): they go on at the new end. */
        if (clear && truncate(path, 0))
            perror(path);
    }
    free(line);
    free(path);
}

int cmd_dmesg(int argc, char **argv)
{
    const char *dir;
    struct dirent **e;
    bool clear = false;
    int opt, n;

    while ((opt = xl_getopt(argc, argv, "c", NULL, "dmesg", 0)) != -1)
        if (opt == 'c')
            clear = true;
    dir = xl_logdir();
    show(dir, "xenstored.log", clear);
    n = scandir(dir, &e, is_xl_log, alphasort);
    for (int i = 0; i < n; i++) {
        show(dir, e[i]->d_name, clear);
        free(e[i]);
    }
    if (n >= 0)
        free(e);
    return EXIT_SUCCESS;
}
