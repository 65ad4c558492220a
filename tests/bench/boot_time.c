/* boot_time: how long a command takes to print its first line and to exit,
 * median of N runs, next to the same figures for a bare process (/bin/true)
 * measured in the same run.  Used by `make bench` for the guest boot time. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* One run: ns to the first newline on stdout (or to exit if none) and ns
 * to exit.  Returns the exit status or -1. */
static int run_once(char **argv, uint64_t *first_line, uint64_t *total)
{
    int pfd[2], status;
    uint64_t t0;
    pid_t pid;
    char buf[4096];
    int seen = 0;

    if (pipe(pfd) < 0)
        return -1;
    t0 = now_ns();
    pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        dup2(pfd[1], STDOUT_FILENO);
        close(pfd[0]);
        close(pfd[1]);
        execv(argv[0], argv);
        _exit(127);
    }
    close(pfd[1]);
    *first_line = 0;
    for (;;) {
        ssize_t n = read(pfd[0], buf, sizeof(buf));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        if (!seen && memchr(buf, '\n', n)) {
            *first_line = now_ns() - t0;
            seen = 1;
        }
    }
    close(pfd[0]);
    if (waitpid(pid, &status, 0) < 0)
        return -1;
    *total = now_ns() - t0;
    if (!seen)
        *first_line = *total;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static int measure(char **argv, int n, uint64_t *med_first, uint64_t *med_total)
{
    uint64_t *f = calloc(n, sizeof(*f)), *t = calloc(n, sizeof(*t));
    int rc = 0;

    if (!f || !t)
        return -1;
    for (int i = 0; i < n && rc == 0; i++)
        if (run_once(argv, &f[i], &t[i]) != 0)
            rc = -1;
    qsort(f, n, sizeof(*f), cmp_u64);
    qsort(t, n, sizeof(*t), cmp_u64);
    *med_first = f[n / 2];
    *med_total = t[n / 2];
    free(f);
    free(t);
    return rc;
}

int main(int argc, char **argv)
{
    char *true_argv[] = { "/bin/true", NULL };
    uint64_t gf, gt, tf, tt;
    int n = 20;

    if (argc < 2) {
        fprintf(stderr, "usage: boot_time COMMAND [ARGS...]\n");
        return 2;
    }
    if (measure(true_argv, n, &tf, &tt) || measure(argv + 1, n, &gf, &gt)) {
        fprintf(stderr, "boot_time: a run failed\n");
        return 1;
    }
    printf("BENCH spawn_true %.0f us\n", tt / 1e3);
    printf("BENCH boot_first_line %.0f us\n", gf / 1e3);
    printf("BENCH boot_to_exit %.0f us\n", gt / 1e3);
    printf("BENCH ratio_first_line_spawn %.1f\n", (double)gf / tt);
    return 0;
}
