/* The host side of a vif: a tap device (IFF_TAP | IFF_NO_PI |
 * IFF_VNET_HDR | IFF_MULTI_QUEUE, one fd per netif queue) named as Xen
 * names the vif, and what Xen's hotplug scripts do with it
 * (tools/hotplug/Linux/vif-bridge, vif-route, vif-common.sh), done with
 * ioctls: no scripts are installed on a xenkvm host.  A script= that is
 * neither is run as Xen runs one: `SCRIPT online|offline` with
 * XENBUS_PATH, XENBUS_TYPE=vif and vif=<name> in its environment. */
#ifndef XK_NETBACK_TAP_H
#define XK_NETBACK_TAP_H

#include <stdbool.h>
#include <net/if.h>

/* Open queue fd of tap NAME (created by the first open): non-blocking,
 * close-on-exec.  fd or -errno. */
int tap_open_queue(const char *name);
/* The offloads the frontend can take (TUNSETOFFLOAD's TUN_F_*). */
int tap_set_offloads(int fd, bool csum, bool tso4, bool tso6);
/* Carrier on or off (TUNSETCARRIER; ignored where the kernel lacks it). */
void tap_set_carrier(int fd, bool on);

/* Xen's vif MAC, fe:ff:ff:ff:ff:ff, so a bridge never takes the vif's
 * address as its own (xen-netback does the same). */
int tap_set_xen_mac(const char *name);

struct tap_hotplug {
    const char *ifname;
    const char *script;         /* the backend's script node (may be NULL) */
    const char *bridge;         /* bridge= (vif-bridge) */
    const char *ip;             /* ip= : space-separated addresses (vif-route) */
    const char *xenbus_path;    /* the backend directory */
};

/* `online`: 0, or -errno with *WHY set to what failed. */
int tap_hotplug_online(const struct tap_hotplug *h, const char **why);
/* `offline`: undo what online did that outlives the tap (routes). */
void tap_hotplug_offline(const struct tap_hotplug *h);

#endif
