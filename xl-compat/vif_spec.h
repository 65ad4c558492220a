/* One vif= entry (xl-network-configuration(5)): comma-separated
 * key=value pairs as xl's parse_nic_config reads them, with libxl's
 * defaults (libxl__device_nic_setdefault) filled in by dc_vif_defaults. */
#ifndef XL_VIF_SPEC_H
#define XL_VIF_SPEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* libxl's hotplug script directory and default bridge. */
#define DC_VIF_SCRIPT_DIR     "/etc/xen/scripts"
#define DC_VIF_DEFAULT_BRIDGE "xenbr0"
#define DC_VIF_DEFAULT_MTU    1500

struct dc_vif {
    int devid;              /* devid=, or -1: the next free one */
    uint8_t mac[6];
    bool mac_set;
    char *bridge, *ip, *script, *vifname, *model, *type, *backend, *gatewaydev;
    uint64_t rate_bytes;    /* rate=: bytes per interval, 0 unlimited */
    uint32_t rate_usecs;
    unsigned mtu;           /* 0: unset */
    /* What the spec itself gave (libxl's JSON shows only those). */
    bool mac_given, bridge_given, script_given;
};

/* One KEY=VALUE token into V.  0; 1 for a key xl does not know (a
 * warning in ERR); -1 with the reason in ERR. */
int dc_vif_parse_token(struct dc_vif *v, const char *tok, char *err, size_t errlen);
/* A whole spec ("mac=...,bridge=..."): 0, or -1 with the reason in ERR
 * (unknown keys are skipped, as xl does). */
int dc_vif_parse(struct dc_vif *v, const char *spec, char *err, size_t errlen);
/* xl.cfg's rate= ("10Mb/s@20ms") into bytes per interval and interval;
 * 0 or -1 with the reason in ERR (xl's messages). */
int dc_vif_parse_rate(const char *rate, uint64_t *bytes, uint32_t *usecs, char *err,
                      size_t errlen);
/* libxl's defaults: a random 00:16:3e MAC, bridge xenbr0, the vif-bridge
 * script, MTU 1500, type vif. */
void dc_vif_defaults(struct dc_vif *v);
void dc_vif_init(struct dc_vif *v);
void dc_vif_free(struct dc_vif *v);

#endif
