/* ip= anti-spoofing, as Xen's vif-common.sh (handle_iptable) applies it
 * for vif-bridge and vif-route: frames the guest sends through its vif are
 * let through only from the listed IPv4 addresses or networks, and DHCP
 * requests (UDP 68 -> 67), which a guest needs before it has one.  Xen does
 * it with iptables FORWARD rules (physdev-in) and the administrator's DROP
 * policy; here one nftables table per vif, on the tap's ingress hook
 * (netdev family), so bridged and routed frames alike are filtered before
 * anything else sees them, with no FORWARD policy to set.  Debian's
 * packaging turns vif-common's rules off (its bug #894013); a host without
 * `nft` gets a warning and no filter, as vif-common does without a working
 * iptables. */
#ifndef XK_NETBACK_ANTISPOOF_H
#define XK_NETBACK_ANTISPOOF_H

#include <stddef.h>

/* The nftables script that filters IFNAME for the space-separated IP list
 * into OUT (SIZE bytes).  0, -EINVAL (an entry that is not an IPv4 address
 * or network: no filter at all, and the hotplug logs that the setup
 * failed, as vif-common.sh goes on when iptables refuses an address), or
 * -ENAMETOOLONG. */
int antispoof_script(const char *ifname, const char *ip, char *out, size_t size);
/* The table's name for IFNAME ("xenkvm_" and IFNAME with other than
 * letters and digits as '_'). */
void antispoof_table(const char *ifname, char *out, size_t size);

/* Apply (IP not empty) or remove the filter of IFNAME by running nft.
 * 0, -ENOENT (no nft on this host: nothing done), -errno. */
int antispoof_apply(const char *ifname, const char *ip);
void antispoof_remove(const char *ifname);

#endif
