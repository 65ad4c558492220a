/* ip= anti-spoofing with nftables (antispoof.h). */
#include "antispoof.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"

extern char **environ;

void antispoof_table(const char *ifname, char *out, size_t size)
{
    size_t n = (size_t)snprintf(out, size, "xenkvm_");

    for (const char *p = ifname; *p && n + 1 < size; p++)
        out[n++] = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
                   (*p >= '0' && *p <= '9') ? *p : '_';
    if (n < size)
        out[n] = '\0';
}

/* "a.b.c.d" or "a.b.c.d/len", nothing else. */
static bool ipv4_entry(const char *s)
{
    char addr[INET_ADDRSTRLEN];
    const char *slash = strchr(s, '/');
    size_t len = slash ? (size_t)(slash - s) : strlen(s);
    struct in_addr a;

    if (len >= sizeof(addr))
        return false;
    memcpy(addr, s, len);
    addr[len] = '\0';
    if (inet_pton(AF_INET, addr, &a) != 1)
        return false;
    if (slash) {
        char *end;
        long bits = strtol(slash + 1, &end, 10);
        if (!slash[1] || *end || bits < 0 || bits > 32)
            return false;
    }
    return true;
}

int antispoof_script(const char *ifname, const char *ip, char *out, size_t size)
{
    char table[64], set[1024] = "", *list, *save = NULL;
    size_t n = 0;
    int w;

    if (strlen(ifname) >= 16 || strchr(ifname, '"'))
        return -EINVAL;
    if (!(list = strdup(ip)))
        return -ENOMEM;
    for (char *tok = strtok_r(list, " \t,", &save); tok; tok = strtok_r(NULL, " \t,", &save)) {
        if (!ipv4_entry(tok)) {
            free(list);
            return -EINVAL;
        }
        w = snprintf(set + n, sizeof(set) - n, "%s%s", n ? ", " : "", tok);
        if (w < 0 || (size_t)w >= sizeof(set) - n) {
            free(list);
            return -ENAMETOOLONG;
        }
        n += (size_t)w;
    }
    free(list);
    if (!n)
        return -EINVAL;
    antispoof_table(ifname, table, sizeof(table));
    /* Created and emptied first, so applying again replaces the rules. */
    w = snprintf(out, size,
                 "table netdev %s\n"
                 "delete table netdev %s\n"
                 "table netdev %s {\n"
                 "  chain ingress {\n"
                 "    type filter hook ingress device \"%s\" priority 0; policy accept;\n"
                 "    meta protocol ip ip saddr { %s } counter accept\n"
                 "    meta protocol ip udp sport 68 udp dport 67 counter accept\n"
                 "    meta protocol ip counter drop\n"
                 "  }\n"
                 "}\n",
                 table, table, table, ifname, set);
    return w < 0 || (size_t)w >= size ? -ENAMETOOLONG : 0;
}

/* nft -f - with SCRIPT on its standard input: its exit status, or -errno
 * (-ENOENT: no nft). */
static int run_nft(const char *script)
{
    static const char *const paths[] = { "/usr/sbin/nft", "/sbin/nft", "/usr/bin/nft" };
    const char *nft = NULL;
    posix_spawn_file_actions_t fa;
    int p[2], st, rc;
    size_t len = strlen(script);
    pid_t pid;

    for (unsigned i = 0; i < sizeof(paths) / sizeof(paths[0]) && !nft; i++)
        if (access(paths[i], X_OK) == 0)
            nft = paths[i];
    if (!nft)
        return -ENOENT;
    if (pipe2(p, O_CLOEXEC))
        return -errno;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, p[0], 0);
    {
        char *argv[] = { (char *)nft, (char *)"-f", (char *)"-", NULL };
        rc = posix_spawn(&pid, nft, &fa, NULL, argv, environ);
    }
    posix_spawn_file_actions_destroy(&fa);
    close(p[0]);
    if (rc) {
        close(p[1]);
        return -rc;
    }
    if (write(p[1], script, len) != (ssize_t)len)
        log_warn("nft: short write of its script");
    close(p[1]);
    while (waitpid(pid, &st, 0) < 0)
        if (errno != EINTR)
            return -errno;
    return WIFEXITED(st) ? WEXITSTATUS(st) : -EIO;
}

int antispoof_apply(const char *ifname, const char *ip)
{
    char script[2048];
    int rc = antispoof_script(ifname, ip, script, sizeof(script));

    if (rc)
        return rc;
    rc = run_nft(script);
    if (rc == -ENOENT)
        log_warn("%s: ip= anti-spoofing needs nft (nftables), which this host lacks: "
                 "not applied", ifname);
    return rc > 0 ? -EIO : rc;
}

void antispoof_remove(const char *ifname)
{
    char table[64], script[200];

    antispoof_table(ifname, table, sizeof(table));
    snprintf(script, sizeof(script), "table netdev %s\ndelete table netdev %s\n", table, table);
    run_nft(script);
}
