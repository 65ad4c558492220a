/* Host-side driver for the VMM's control messages and console socket,
 * for tests/cli/console.sh and tests/cli/vmm_control.sh:
 *
 *   vmmctl_tool info RUNDIR DOMID       XK_LINK_INFO as "key value" lines
 *   vmmctl_tool pause RUNDIR DOMID      XK_LINK_PAUSE
 *   vmmctl_tool unpause RUNDIR DOMID    XK_LINK_UNPAUSE
 *   vmmctl_tool raw RUNDIR DOMID TYPE FROM_DOM
 *                                       one request of TYPE claiming to
 *                                       come from FROM_DOM; prints the status
 *   vmmctl_tool console RUNDIR DOMID STEP...
 *       a console client; every byte received goes to stdout.  Steps:
 *       send:TEXT   write TEXT ("\n" is a newline)
 *       expect:TEXT read until TEXT has arrived (30 s at most)
 *       eof         read until the VMM closes (30 s at most)
 *       quiet:MS    read for MS ms: nothing may arrive
 *       drain:MS    read whatever arrives for MS ms
 *       hold:MS     read nothing for MS ms
 *       waitfile:PATH  read nothing until PATH exists (60 s at most)
 *       drainfile:PATH read whatever arrives until PATH exists (60 s at
 *                   most): a client that keeps up while a script acts
 *       touch:PATH  create PATH (to say "connected" to a script)
 *       sendlines:N:LEN  write N lines of LEN bytes ("in 0001 xxx...")
 *                   at once, far more than the guest's input ring holds
 *
 * Errors: a message on stderr and exit status 1 (the errno text for the
 * control calls, e.g. "unpause: Invalid argument"). */
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "domlock.h"
#include "vmm_ctl.h"
#include "vmm_socket_proto.h"

#define STEP_TIMEOUT_MS 30000

static unsigned parse_uint(const char *s)
{
    char *end;
    unsigned long v = strtoul(s, &end, 0);

    if (!*s || *end) {
        fprintf(stderr, "not a number: %s\n", s);
        exit(2);
    }
    return (unsigned)v;
}

static int info(const char *rundir, unsigned domid)
{
    static const char *const flag_names[] = {
        "paused", "shutdown", "pv_control", "blocked", "running",
    };
    struct xk_link_info i;
    int rc = vmm_ctl_info(rundir, domid, &i);
    char flags[128] = "";

    if (rc) {
        fprintf(stderr, "info: %s\n", strerror(-rc));
        return 1;
    }
    for (unsigned b = 0; b < sizeof(flag_names) / sizeof(flag_names[0]); b++)
        if (i.flags & (1u << b)) {
            if (flags[0])
                strcat(flags, ",");
            strcat(flags, flag_names[b]);
        }
    printf("domid %u\nflags %s\npause_count %u\nshutdown_code %d\nexit_status %d\n"
           "nr_vcpus %u\nonline_vcpus %u\nmem_kib %llu\nmax_mem_kib %llu\n"
           "cpu_time_ns %llu\nstore_pfn %#llx\nstore_port %u\nconsole_pfn %#llx\n"
           "console_port %u\nvmm_pid %u\n",
           i.domid, flags[0] ? flags : "-", i.pause_count, i.shutdown_code,
           i.exit_status, i.nr_vcpus, i.online_vcpus,
           (unsigned long long)i.mem_kib, (unsigned long long)i.max_mem_kib,
           (unsigned long long)i.cpu_time_ns, (unsigned long long)i.store_pfn,
           i.store_port, (unsigned long long)i.console_pfn, i.console_port,
           i.vmm_pid);
    for (unsigned v = 0; v < i.nr_vcpus; v++) {
        const struct xk_link_vcpu_info *c = &i.vcpu[v];
        printf("vcpu%u online=%u blocked=%u running=%u cpu=%d cpu_time_ns=%llu\n",
               v, c->online, c->blocked, c->running,
               c->cpu == XK_INFO_NO_CPU ? -1 : (int)c->cpu,
               (unsigned long long)c->cpu_time_ns);
    }
    return 0;
}

/* A request with any sender domain (vmm_ctl always says domain 0). */
static int raw(const char *rundir, unsigned domid, unsigned type, unsigned from)
{
    struct xk_link_msg m = { .magic = XK_LINK_MAGIC, .type = type, .from_dom = from };
    static struct xk_link_info r;
    struct timeval tv = { 5, 0 };
    struct sockaddr_un a;
    ssize_t n;
    int s = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);

    if (s < 0 || xk_link_sock_addr(rundir, domid, &a) ||
        setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0 ||
        connect(s, (struct sockaddr *)&a, sizeof(a)) < 0 ||
        send(s, &m, sizeof(m), MSG_NOSIGNAL) != (ssize_t)sizeof(m)) {
        perror("raw");
        return 1;
    }
    n = recv(s, &r, sizeof(r), 0);
    close(s);
    if (n < (ssize_t)sizeof(struct xk_link_msg)) {
        fprintf(stderr, "raw: no reply\n");
        return 1;
    }
    /* INFO's reply has its own layout. */
    printf("status %d\n", type == XK_LINK_INFO ? r.status
                                             : ((struct xk_link_msg *)&r)->status);
    return 0;
}

static long long now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/* Everything received so far (what expect: searches). */
static char *seen;
static size_t seen_len, seen_cap;

/* Read for at most MS ms (or until the stream holds WANT, or EOF);
 * returns bytes read, or -1 at EOF. */
static long pump(int s, int ms, const char *want)
{
    long long end = now_ms() + ms;
    long got = 0;

    for (;;) {
        struct pollfd p = { .fd = s, .events = POLLIN };
        long long left = end - now_ms();
        char buf[4096];
        ssize_t n;

        if (want && seen_len && memmem(seen, seen_len, want, strlen(want)))
            return got;
        if (left <= 0)
            return got;
        if (poll(&p, 1, (int)left) <= 0)
            continue;
        n = read(s, buf, sizeof(buf));
        if (n <= 0)
            return -1;
        fwrite(buf, 1, (size_t)n, stdout);
        fflush(stdout);
        if (seen_len + (size_t)n > seen_cap) {
            seen_cap = (seen_len + (size_t)n) * 2;
            seen = realloc(seen, seen_cap);
            if (!seen)
                exit(1);
        }
        memcpy(seen + seen_len, buf, (size_t)n);
        seen_len += (size_t)n;
        got += n;
    }
}

/* Until PATH exists (60 s at most), reading the console meanwhile when
 * DRAIN (keeping what arrives) or not at all; 1 on a timeout or EOF. */
static int await_file(int s, const char *path, bool drain)
{
    long long end = now_ms() + 60000;

    while (access(path, F_OK) != 0) {
        if (now_ms() > end) {
            fprintf(stderr, "console: %s never appeared\n", path);
            return 1;
        }
        if (!drain) {
            usleep(20000);
        } else if (pump(s, 20, NULL) < 0) {
            fprintf(stderr, "console: EOF while draining\n");
            return 1;
        }
    }
    return 0;
}

static int console(const char *rundir, unsigned domid, int nsteps, char **steps)
{
    struct sockaddr_un a = { .sun_family = AF_UNIX };
    int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

    snprintf(a.sun_path, sizeof(a.sun_path), "%s/dom%u.console", rundir, domid);
    if (s < 0 || connect(s, (struct sockaddr *)&a, sizeof(a)) < 0) {
        fprintf(stderr, "console: %s: %s\n", a.sun_path, strerror(errno));
        return 1;
    }
    for (int i = 0; i < nsteps; i++) {
        const char *st = steps[i];
        if (!strncmp(st, "send:", 5)) {
            char buf[1024];
            size_t n = 0;
            for (const char *p = st + 5; *p && n < sizeof(buf); p++)
                if (p[0] == '\\' && p[1] == 'n') {
                    buf[n++] = '\n';
                    p++;
                } else {
                    buf[n++] = *p;
                }
            if (write(s, buf, n) != (ssize_t)n) {
                perror("console: send");
                return 1;
            }
        } else if (!strncmp(st, "expect:", 7)) {
            if (pump(s, STEP_TIMEOUT_MS, st + 7) < 0 ||
                !memmem(seen, seen_len, st + 7, strlen(st + 7))) {
                fprintf(stderr, "console: '%s' did not arrive\n", st + 7);
                return 1;
            }
        } else if (!strcmp(st, "eof")) {
            if (pump(s, STEP_TIMEOUT_MS, NULL) != -1) {
                fprintf(stderr, "console: no EOF\n");
                return 1;
            }
        } else if (!strncmp(st, "quiet:", 6)) {
            long n = pump(s, (int)parse_uint(st + 6), NULL);
            if (n != 0) {
                fprintf(stderr, "console: %s while it should be quiet\n",
                        n < 0 ? "EOF" : "output");
                return 1;
            }
        } else if (!strncmp(st, "touch:", 6)) {
            FILE *f = fopen(st + 6, "w");
            if (!f) {
                perror(st + 6);
                return 1;
            }
            fclose(f);
        } else if (!strncmp(st, "sendlines:", 10)) {
            unsigned nl = 0, len = 0;
            if (sscanf(st + 10, "%u:%u", &nl, &len) != 2 || len < 10) {
                fprintf(stderr, "console: bad %s\n", st);
                return 2;
            }
            char *buf = malloc((size_t)nl * len), *p = buf;
            if (!buf)
                return 1;
            for (unsigned l = 1; l <= nl; l++, p += len) {
                memset(p, 'x', len);
                memcpy(p, "in ", 3);
                for (int d = 6; d >= 3; d--)
                    p[d] = (char)('0' + l / (d == 6 ? 1 : d == 5 ? 10 : d == 4 ? 100 : 1000) % 10);
                p[7] = ' ';
                p[len - 1] = '\n';
            }
            for (size_t off = 0; off < (size_t)nl * len; ) {
                ssize_t k = write(s, buf + off, (size_t)nl * len - off);
                if (k <= 0) {
                    perror("console: sendlines");
                    return 1;
                }
                off += (size_t)k;
            }
            free(buf);
        } else if (!strncmp(st, "drain:", 6)) {
            if (pump(s, (int)parse_uint(st + 6), NULL) < 0) {
                fprintf(stderr, "console: EOF while draining\n");
                return 1;
            }
        } else if (!strncmp(st, "hold:", 5)) {
            usleep(parse_uint(st + 5) * 1000u);
        } else if (!strncmp(st, "drainfile:", 10)) {
            if (await_file(s, st + 10, true))
                return 1;
        } else if (!strncmp(st, "waitfile:", 9)) {
            if (await_file(s, st + 9, false))
                return 1;
        } else {
            fprintf(stderr, "console: unknown step %s\n", st);
            return 2;
        }
    }
    close(s);
    return 0;
}

/* Hold the locks of domains FIRST..LAST, as xl's monitor holds its
 * domain's from the moment it picks the domid: they exist for xenstored
 * (lib/domlock.h) until this process ends (SIGTERM).  Prints "held" once
 * it has them all. */
static int hold_lock(const char *rundir, unsigned first, unsigned last)
{
    for (unsigned d = first; d <= last; d++) {
        int fd = domlock_take(rundir, d);

        if (fd < 0) {
            fprintf(stderr, "hold-lock: domain %u: %s\n", d, strerror(-fd));
            return 1;
        }
    }
    printf("held\n");
    fflush(stdout);
    for (;;)
        pause();
}

/* A stuck VMM as xl sees one: a process listening on PATH (a domain's
 * VMM socket) that takes connections and requests and never answers;
 * asleep, not stopped.  Prints "listening" once it is.  Until killed. */
static int mute_listener(const char *path)
{
    struct sockaddr_un a = { .sun_family = AF_UNIX };
    int l = socket(AF_UNIX, SOCK_SEQPACKET, 0);

    if (l < 0 || strlen(path) >= sizeof(a.sun_path)) {
        perror("mute-listener");
        return 1;
    }
    strcpy(a.sun_path, path);
    if (bind(l, (struct sockaddr *)&a, sizeof(a)) || listen(l, 16)) {
        perror("mute-listener");
        return 1;
    }
    printf("listening\n");
    fflush(stdout);
    for (;;)
        if (accept(l, NULL, NULL) < 0 && errno != EINTR)
            pause();    /* out of descriptors: keep them all, answer none */
}

int main(int argc, char **argv)
{
    int rc;

    if (argc == 3 && !strcmp(argv[1], "mute-listener"))
        return mute_listener(argv[2]);

    if (argc < 4) {
        fprintf(stderr, "usage: vmmctl_tool info|pause|unpause|raw|console|hold-lock|pc-status RUNDIR DOMID ...\n"
                        "       vmmctl_tool mute-listener SOCKET\n");
        return 2;
    }
    if (!strcmp(argv[1], "info"))
        return info(argv[2], parse_uint(argv[3]));
    if (!strcmp(argv[1], "pause") || !strcmp(argv[1], "unpause")) {
        rc = argv[1][0] == 'p' ? vmm_ctl_pause(argv[2], parse_uint(argv[3]))
                               : vmm_ctl_unpause(argv[2], parse_uint(argv[3]));
        if (rc) {
            fprintf(stderr, "%s: %s\n", argv[1], strerror(-rc));
            return 1;
        }
        return 0;
    }
    if (!strcmp(argv[1], "raw") && argc == 6)
        return raw(argv[2], parse_uint(argv[3]), parse_uint(argv[4]), parse_uint(argv[5]));
    if (!strcmp(argv[1], "hold-lock"))
        return hold_lock(argv[2], parse_uint(argv[3]),
                         parse_uint(argc > 4 ? argv[4] : argv[3]));
    if (!strcmp(argv[1], "pc-status")) {
        /* POSTCOPY's query: the state and the backends' asks so far. */
        struct xk_link_postcopy r;
        rc = vmm_ctl_postcopy_status(argv[2], parse_uint(argv[3]), &r);
        if (rc < 0) {
            fprintf(stderr, "pc-status: %s\n", strerror(-rc));
            return 1;
        }
        printf("state %d backends %llu\n", rc, (unsigned long long)r.for_backends);
        return 0;
    }
    if (!strcmp(argv[1], "console"))
        return console(argv[2], parse_uint(argv[3]), argc - 4, argv + 4);
    fprintf(stderr, "vmmctl_tool: unknown command %s\n", argv[1]);
    return 2;
}
