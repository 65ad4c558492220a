/* xl: main, global options, command dispatch, help. */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "xl.h"

int xl_verbose;
bool xl_dryrun;
bool xl_force;

void *xl_xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);

    if (!p) {
        fprintf(stderr, "xl: out of memory\n");
        exit(EXIT_FAILURE);
    }
    return p;
}

char *xl_xstrdup(const char *s)
{
    char *p = strdup(s);

    if (!p) {
        fprintf(stderr, "xl: out of memory\n");
        exit(EXIT_FAILURE);
    }
    return p;
}

char *xl_xasprintf(const char *fmt, ...)
{
    va_list ap;
    char *s;
    int n;

    va_start(ap, fmt);
    n = vasprintf(&s, fmt, ap);
    va_end(ap);
    if (n < 0) {
        fprintf(stderr, "xl: out of memory\n");
        exit(EXIT_FAILURE);
    }
    return s;
}

const struct xl_cmd *xl_cmd_lookup(const char *name)
{
    for (unsigned i = 0; i < xl_cmd_count; i++)
        if (!strcmp(xl_cmd_table[i].name, name))
            return &xl_cmd_table[i];
    return NULL;
}

void xl_help(const char *command)
{
    const struct xl_cmd *c;

    if (!command || !strcmp(command, "help")) {
        printf("Usage xl [-vfNtT] <subcommand> [args]\n\n");
        printf("xl full list of subcommands:\n\n");
        for (unsigned i = 0; i < xl_cmd_count; i++) {
            printf(" %-19s ", xl_cmd_table[i].name);
            if (strlen(xl_cmd_table[i].name) > 19)
                printf("\n %-19s ", "");
            printf("%s\n", xl_cmd_table[i].desc);
        }
        return;
    }
    c = xl_cmd_lookup(command);
    if (!c && xl_is_xen_command(command)) {
        printf("command \"%s\" is an xl command that xenkvm does not have yet\n",
               command);
        return;
    }
    if (!c) {
        printf("command \"%s\" not implemented\n", command);
        return;
    }
    printf("Usage: xl [-vtT%s%s] %s %s\n\n%s.\n\n", c->modifies ? "f" : "",
           c->can_dryrun ? "N" : "", c->name, c->usage, c->desc);
    if (c->options)
        printf("Options:\n\n%s\n", c->options);
}

int xl_getopt(int argc, char **argv, const char *optstring,
              const struct option *longopts, const char *cmd, int reqargs)
{
    static const struct option help_only[] = { { "help", 0, 0, 'h' }, { 0, 0, 0, 0 } };
    char opts[64];
    int opt;

    /* Every command takes -h; operands may come before options as in xl. */
    snprintf(opts, sizeof(opts), "%sh", optstring);
    opterr = 0;
    while ((opt = getopt_long(argc, argv, opts, longopts ? longopts : help_only, NULL)) == '?') {
        if (optopt == 'h') {
            xl_help(cmd);
            exit(0);
        }
        if (optopt)
            fprintf(stderr, "option `%c' not supported.\n", optopt);
        else
            fprintf(stderr, "option `%s' not supported.\n", argv[optind - 1]);
        exit(2);
    }
    if (opt == 'h') {
        xl_help(cmd);
        exit(0);
    }
    if (opt != -1)
        return opt;
    if (argc - optind <= reqargs - 1) {
        fprintf(stderr, "'xl %s' requires at least %d argument%s.\n\n", cmd, reqargs,
                reqargs > 1 ? "s" : "");
        xl_help(cmd);
        exit(2);
    }
    return -1;
}

int main(int argc, char **argv)
{
    const struct xl_cmd *c;
    int opt;

    /* A console client whose peer goes away must see EPIPE, not die. */
    signal(SIGPIPE, SIG_IGN);
    while ((opt = getopt(argc, argv, "+vftTN")) >= 0) {
        switch (opt) {
        case 'v': xl_verbose++; break;
        case 'N': xl_dryrun = true; break;
        case 'f': xl_force = true; break;
        case 't': case 'T': break;     /* timestamps of libxl's log: nothing to stamp */
        default:
            fprintf(stderr, "unknown global option\n");
            exit(EXIT_FAILURE);
        }
    }
    if (!argv[optind]) {
        xl_help(NULL);
        exit(EXIT_FAILURE);
    }
    c = xl_cmd_lookup(argv[optind]);
    /* Reset getopt for the command's own options. */
    argc -= optind;
    argv += optind;
    optind = 0;
    if (!c && xl_is_xen_command(argv[0])) {
        /* Not a typo: say which Xen command is missing. */
        fprintf(stderr, "xl: '%s' is an xl command that xenkvm does not have yet "
                "(docs/xl.md lists the ones it has)\n", argv[0]);
        return EXIT_FAILURE;
    }
    if (!c) {
        fprintf(stderr, "command not implemented\n");   /* xl's answer */
        return EXIT_FAILURE;
    }
    if (xl_dryrun && !c->can_dryrun) {
        fprintf(stderr, "command does not implement -N (dryrun) option\n");
        return EXIT_FAILURE;
    }
    return c->fn(argc, argv);
}
