/* Tap devices and the vif hotplug semantics (tap.h). */
#include "tap.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_bridge.h>
#include <linux/if_tun.h>
#include <linux/sockios.h>
#include <linux/virtio_net.h>
#include <net/route.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "antispoof.h"
#include "log.h"

#ifndef TUNSETCARRIER
#define TUNSETCARRIER _IOW('T', 226, int)
#endif

extern char **environ;

int tap_open_queue(const char *name)
{
    struct ifreq ifr;
    int fd, hdr = (int)sizeof(struct virtio_net_hdr);

    if (strlen(name) >= IFNAMSIZ)
        return -ENAMETOOLONG;
    fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    memset(&ifr, 0, sizeof(ifr));
    snprintf(ifr.ifr_name, IFNAMSIZ, "%s", name);
    ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR | IFF_MULTI_QUEUE;
    if (ioctl(fd, TUNSETIFF, &ifr) < 0 || ioctl(fd, TUNSETVNETHDRSZ, &hdr) < 0) {
        int rc = -errno;
        close(fd);
        return rc;
    }
    return fd;
}

int tap_set_offloads(int fd, bool csum, bool tso4, bool tso6)
{
    unsigned off = 0;

    if (csum) {
        off |= TUN_F_CSUM;
        if (tso4)
            off |= TUN_F_TSO4;
        if (tso6)
            off |= TUN_F_TSO6;
    }
    return ioctl(fd, TUNSETOFFLOAD, off) < 0 ? -errno : 0;
}

void tap_set_carrier(int fd, bool on)
{
    int v = on;

    if (ioctl(fd, TUNSETCARRIER, &v) < 0)
        log_debug("TUNSETCARRIER:");
}

static int ctl_sock(void)
{
    return socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
}

/* An interface ioctl on NAME; IFR's other fields from the caller. */
static int if_ioctl(unsigned long req, const char *name, struct ifreq *ifr)
{
    int s = ctl_sock(), rc = 0;

    if (s < 0)
        return -errno;
    snprintf(ifr->ifr_name, IFNAMSIZ, "%s", name);
    if (ioctl(s, req, ifr) < 0)
        rc = -errno;
    close(s);
    return rc;
}

int tap_set_xen_mac(const char *name)
{
    struct ifreq ifr;

    memset(&ifr, 0, sizeof(ifr));
    ifr.ifr_hwaddr.sa_family = 1;       /* ARPHRD_ETHER */
    memcpy(ifr.ifr_hwaddr.sa_data, "\xfe\xff\xff\xff\xff\xff", 6);
    return if_ioctl(SIOCSIFHWADDR, name, &ifr);
}

static int link_up(const char *name)
{
    struct ifreq ifr;
    int rc;

    memset(&ifr, 0, sizeof(ifr));
    if ((rc = if_ioctl(SIOCGIFFLAGS, name, &ifr)))
        return rc;
    ifr.ifr_flags |= IFF_UP;
    return if_ioctl(SIOCSIFFLAGS, name, &ifr);
}

/* vif-bridge: the vif takes the bridge's MTU, joins it, comes up. */
static int do_bridge(const struct tap_hotplug *h, const char **why)
{
    struct ifreq ifr;
    int rc;
    unsigned idx = if_nametoindex(h->ifname);

    if (!h->bridge || !*h->bridge) {
        *why = "no bridge given";
        return -EINVAL;
    }
    memset(&ifr, 0, sizeof(ifr));
    if ((rc = if_ioctl(SIOCGIFMTU, h->bridge, &ifr))) {
        *why = "could not find bridge device";
        return rc;
    }
    if (if_ioctl(SIOCSIFMTU, h->ifname, &ifr))
        log_warn("%s: cannot take bridge %s's MTU %d", h->ifname, h->bridge, ifr.ifr_mtu);
    memset(&ifr, 0, sizeof(ifr));
    ifr.ifr_ifindex = (int)idx;
    if (!idx || (rc = if_ioctl(SIOCBRADDIF, h->bridge, &ifr))) {
        *why = "cannot add the vif to the bridge";
        return idx ? rc : -ENODEV;
    }
    if ((rc = link_up(h->ifname)))
        *why = "cannot bring the vif up";
    return rc;
}

static void write_sysctl(const char *ifname, const char *leaf, const char *v)
{
    char path[128];
    FILE *f;

    snprintf(path, sizeof(path), "/proc/sys/net/ipv4/conf/%s/%s", ifname, leaf);
    if (!(f = fopen(path, "w")))
        return;
    fputs(v, f);
    fclose(f);
}

/* A host route to each of ip='s IPv4 addresses through the vif. */
static int routes(const struct tap_hotplug *h, bool add)
{
    char *list, *tok, *save = NULL;
    int s, rc = 0;

    if (!h->ip || !*h->ip)
        return 0;
    if (!(list = strdup(h->ip)) || (s = ctl_sock()) < 0) {
        free(list);
        return -ENOMEM;
    }
    for (tok = strtok_r(list, " ,", &save); tok; tok = strtok_r(NULL, " ,", &save)) {
        struct rtentry rt;
        struct sockaddr_in *dst = (struct sockaddr_in *)&rt.rt_dst;
        struct sockaddr_in *mask = (struct sockaddr_in *)&rt.rt_genmask;
        char *slash = strchr(tok, '/');
        unsigned bits = 32;

        if (slash) {
            *slash = 0;
            bits = (unsigned)atoi(slash + 1);
        }
        memset(&rt, 0, sizeof(rt));
        dst->sin_family = mask->sin_family = AF_INET;
        if (inet_pton(AF_INET, tok, &dst->sin_addr) != 1 || bits > 32) {
            if (add)
                rc = -EINVAL;
            continue;
        }
        mask->sin_addr.s_addr = htonl(bits ? ~0u << (32 - bits) : 0);
        dst->sin_addr.s_addr &= mask->sin_addr.s_addr;
        rt.rt_flags = RTF_UP | (bits == 32 ? RTF_HOST : 0);
        rt.rt_dev = (char *)h->ifname;
        if (ioctl(s, add ? SIOCADDRT : SIOCDELRT, &rt) < 0 && add && errno != EEXIST)
            rc = -errno;
    }
    close(s);
    free(list);
    return rc;
}

/* vif-route: the vif up, proxy ARP on it, a route to each guest address. */
static int do_route(const struct tap_hotplug *h, const char **why)
{
    int rc;

    if ((rc = link_up(h->ifname))) {
        *why = "cannot bring the vif up";
        return rc;
    }
    write_sysctl(h->ifname, "proxy_arp", "1");
    write_sysctl(h->ifname, "forwarding", "1");
    if ((rc = routes(h, true)))
        *why = "cannot add the routes for ip=";
    return rc;
}

static const char *script_name(const char *script)
{
    const char *b;

    if (!script || !*script)
        return "vif-bridge";
    b = strrchr(script, '/');
    return b ? b + 1 : script;
}

/* A script of the user's own, run as libxl runs hotplug scripts. */
static int run_script(const struct tap_hotplug *h, const char *action, const char **why)
{
    char *argv[] = { (char *)h->script, (char *)action, NULL };
    char e1[300], e2[64], e3[] = "XENBUS_TYPE=vif";
    char **env;
    size_t n = 0, i;
    pid_t pid;
    int st, rc;

    while (environ[n])
        n++;
    if (!(env = calloc(n + 4, sizeof(*env))))
        return -ENOMEM;
    for (i = 0; i < n; i++)
        env[i] = environ[i];
    snprintf(e1, sizeof(e1), "XENBUS_PATH=%s", h->xenbus_path);
    snprintf(e2, sizeof(e2), "vif=%s", h->ifname);
    env[n++] = e1;
    env[n++] = e2;
    env[n++] = e3;
    rc = posix_spawn(&pid, h->script, NULL, NULL, argv, env);
    free(env);
    if (rc) {
        *why = "cannot run the hotplug script";
        return -rc;
    }
    while (waitpid(pid, &st, 0) < 0)
        if (errno != EINTR)
            return -errno;
    if (!WIFEXITED(st) || WEXITSTATUS(st)) {
        *why = "the hotplug script failed";
        return -EIO;
    }
    return 0;
}

/* vif-common.sh's handle_iptable: with ip= only those sources (and
 * DHCP) pass; a failure is logged and the vif works on, as there. */
static void filter_sources(const struct tap_hotplug *h)
{
    int rc;

    if (!h->ip || !*h->ip)
        return;
    rc = antispoof_apply(h->ifname, h->ip);
    if (rc == -EINVAL)
        log_err("%s: ip=%s is not a list of IPv4 addresses or networks: anti-spoofing "
                "setup failed. This may affect guest networking.", h->ifname, h->ip);
    else if (rc && rc != -ENOENT)
        log_err("%s: anti-spoofing setup failed (%s). This may affect guest networking.",
                h->ifname, strerror(-rc));
}

int tap_hotplug_online(const struct tap_hotplug *h, const char **why)
{
    const char *s = script_name(h->script);
    int rc;

    *why = "";
    if (!strcmp(s, "vif-bridge"))
        rc = do_bridge(h, why);
    else if (!strcmp(s, "vif-route"))
        rc = do_route(h, why);
    else
        return run_script(h, "online", why);
    if (!rc)
        filter_sources(h);
    return rc;
}

void tap_hotplug_offline(const struct tap_hotplug *h)
{
    const char *s = script_name(h->script), *why;

    if ((!strcmp(s, "vif-bridge") || !strcmp(s, "vif-route")) && h->ip && *h->ip)
        antispoof_remove(h->ifname);
    if (!strcmp(s, "vif-route"))
        routes(h, false);
    else if (strcmp(s, "vif-bridge") && run_script(h, "offline", &why))
        log_warn("%s: hotplug script %s offline: %s", h->ifname, h->script, why);
}
