/* vif= specs (vif_spec.h). */
#include "vif_spec.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

void dc_vif_init(struct dc_vif *v)
{
    memset(v, 0, sizeof(*v));
    v->devid = -1;
}

void dc_vif_free(struct dc_vif *v)
{
    free(v->bridge);
    free(v->ip);
    free(v->script);
    free(v->vifname);
    free(v->model);
    free(v->type);
    free(v->backend);
    free(v->gatewaydev);
    dc_vif_init(v);
}

static int parse_mac(const char *s, uint8_t mac[6])
{
    for (int i = 0; i < 6; i++) {
        char *end;
        unsigned long b;

        if (!((s[0] >= '0' && s[0] <= '9') || (s[0] >= 'a' && s[0] <= 'f') ||
              (s[0] >= 'A' && s[0] <= 'F')))
            return -1;
        b = strtoul(s, &end, 16);
        if (end - s > 2 || b > 0xff || (i < 5 ? *end != ':' : *end != 0))
            return -1;
        mac[i] = (uint8_t)b;
        s = end + 1;
    }
    return 0;
}

/* "^[0-9]+[GMK]?[Bb]/s$" */
static int rate_bytes(const char *s, uint64_t *out, char *err, size_t errlen)
{
    const char *p = s;
    char *end;
    uint64_t v;

    while (*p >= '0' && *p <= '9')
        p++;
    if (p == s || !((p[0] == 'G' || p[0] == 'M' || p[0] == 'K') ?
                    ((p[1] == 'B' || p[1] == 'b') && !strcmp(p + 2, "/s")) :
                    ((p[0] == 'B' || p[0] == 'b') && !strcmp(p + 1, "/s")))) {
        snprintf(err, errlen, "invalid rate in `%s'", s);
        return -1;
    }
    errno = 0;
    v = strtoull(s, &end, 10);
    if (!v || v > UINT32_MAX || errno) {
        snprintf(err, errlen, "rate overflow in `%s'", s);
        return -1;
    }
    if (*end == 'G')
        v *= 1000000000ull;
    else if (*end == 'M')
        v *= 1000000ull;
    else if (*end == 'K')
        v *= 1000ull;
    if (end[0] == 'b' || end[1] == 'b')
        v /= 8;
    *out = v;
    return 0;
}

/* "^[0-9]+[mu]?s?$": seconds unless m(s) or u(s). */
static int rate_interval(const char *s, uint32_t *out, char *err, size_t errlen)
{
    const char *p = s;
    char *end;
    uint64_t v;

    while (*p >= '0' && *p <= '9')
        p++;
    if (p == s || !(*p == 0 || !strcmp(p, "s") || !strcmp(p, "m") || !strcmp(p, "ms") ||
                    !strcmp(p, "u") || !strcmp(p, "us"))) {
        snprintf(err, errlen, "invalid replenishment interval in `%s'", s);
        return -1;
    }
    errno = 0;
    v = strtoull(s, &end, 10);
    if (!v || v > UINT32_MAX || errno) {
        snprintf(err, errlen, "replenishment interval overflow in `%s'", s);
        return -1;
    }
    if (*end == 's' || *end == 0)
        v *= 1000000ull;
    else if (*end == 'm')
        v *= 1000ull;
    if (v > UINT32_MAX) {
        snprintf(err, errlen, "replenishment interval overflow in `%s'", s);
        return -1;
    }
    *out = (uint32_t)v;
    return 0;
}

int dc_vif_parse_rate(const char *rate, uint64_t *bytes, uint32_t *usecs, char *err,
                      size_t errlen)
{
    char *r = strdup(rate), *at;
    uint64_t bps = 0;
    uint32_t us = 50000;    /* 50 ms */
    int rc = -1;

    if (!r) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    if ((at = strchr(r, '@')))
        *at++ = 0;
    if (!*r)
        snprintf(err, errlen, "no rate specified in `%s'", rate);
    else if (!rate_bytes(r, &bps, err, errlen) &&
             (!at || !rate_interval(at, &us, err, errlen))) {
        if (bps > UINT64_MAX / us) {
            snprintf(err, errlen, "rate overflow in `%s'", rate);
        } else {
            *bytes = bps * us / 1000000u;
            *usecs = us;
            rc = 0;
        }
    }
    free(r);
    return rc;
}

static int set_str(char **dst, const char *v)
{
    free(*dst);
    *dst = strdup(v);
    return *dst ? 0 : -1;
}

int dc_vif_parse_token(struct dc_vif *v, const char *tok, char *err, size_t errlen)
{
    const char *eq = strchr(tok, '=');
    size_t klen;
    const char *val;

    while (*tok == ' ')
        tok++;
    eq = strchr(tok, '=');
    if (!eq) {
        snprintf(err, errlen, "unrecognized argument `%s'", tok);
        return 1;
    }
    klen = (size_t)(eq - tok);
    val = eq + 1;
#define KEY(k) (klen == sizeof(k) - 1 && !strncmp(tok, k, klen))
    if (KEY("mac")) {
        if (parse_mac(val, v->mac)) {
            snprintf(err, errlen, "Invalid mac address `%s'", val);
            return -1;
        }
        v->mac_set = v->mac_given = true;
    } else if (KEY("bridge")) {
        v->bridge_given = true;
        return set_str(&v->bridge, val);
    } else if (KEY("ip")) {
        return set_str(&v->ip, val);
    } else if (KEY("script")) {
        v->script_given = true;
        return set_str(&v->script, val);
    } else if (KEY("vifname")) {
        if (strlen(val) >= 16) {
            snprintf(err, errlen, "vifname `%s' is longer than an interface name", val);
            return -1;
        }
        return set_str(&v->vifname, val);
    } else if (KEY("model")) {
        return set_str(&v->model, val);
    } else if (KEY("type")) {
        if (strcmp(val, "vif") && strcmp(val, "ioemu")) {
            snprintf(err, errlen, "Invalid parameter `type=%s'", val);
            return -1;
        }
        return set_str(&v->type, val);
    } else if (KEY("backend")) {
        return set_str(&v->backend, val);
    } else if (KEY("gatewaydev")) {
        return set_str(&v->gatewaydev, val);
    } else if (KEY("rate")) {
        return dc_vif_parse_rate(val, &v->rate_bytes, &v->rate_usecs, err, errlen);
    } else if (KEY("devid")) {
        char *end;
        long d = strtol(val, &end, 10);
        if (!*val || *end || d < 0 || d > 65535) {
            snprintf(err, errlen, "Invalid parameter `devid=%s'", val);
            return -1;
        }
        v->devid = (int)d;
    } else if (KEY("mtu")) {
        char *end;
        unsigned long m = strtoul(val, &end, 10);
        if (!*val || *end || m < 68 || m > 65535) {
            snprintf(err, errlen, "Invalid parameter `mtu=%s'", val);
            return -1;
        }
        v->mtu = (unsigned)m;
    } else if (KEY("accel") || KEY("netdev") || KEY("forwarddev") || KEY("colo_forwarddev")) {
        snprintf(err, errlen, "vif parameter `%.*s' is not supported by xenkvm, ignored",
                 (int)klen, tok);
        return 1;
    } else {
        snprintf(err, errlen, "unrecognized argument `%s'", tok);
        return 1;
    }
#undef KEY
    return 0;
}

int dc_vif_parse(struct dc_vif *v, const char *spec, char *err, size_t errlen)
{
    char *s = strdup(spec), *tok, *save = NULL;
    int rc = 0;

    if (!s) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    dc_vif_init(v);
    for (tok = strtok_r(s, ",", &save); tok && rc >= 0; tok = strtok_r(NULL, ",", &save))
        if (dc_vif_parse_token(v, tok, err, errlen) < 0)
            rc = -1;
    free(s);
    if (rc < 0)
        dc_vif_free(v);
    return rc < 0 ? -1 : 0;
}

void dc_vif_defaults(struct dc_vif *v)
{
    if (!v->mac_set) {
        uint8_t r[3] = { 0 };

        if (getrandom(r, sizeof(r), 0) != (ssize_t)sizeof(r)) {
            int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
            if (fd >= 0) {
                if (read(fd, r, sizeof(r)) < 0)
                    r[0] = (uint8_t)getpid();
                close(fd);
            }
        }
        v->mac[0] = 0x00;
        v->mac[1] = 0x16;
        v->mac[2] = 0x3e;
        v->mac[3] = r[0] & 0x7f;
        v->mac[4] = r[1];
        v->mac[5] = r[2];
        v->mac_set = true;
    }
    if (!v->bridge)
        v->bridge = strdup(DC_VIF_DEFAULT_BRIDGE);
    if (!v->script)
        v->script = strdup(DC_VIF_SCRIPT_DIR "/vif-bridge");
    else if (v->script[0] != '/') {
        char *abs = malloc(strlen(DC_VIF_SCRIPT_DIR) + strlen(v->script) + 2);
        if (abs) {
            sprintf(abs, "%s/%s", DC_VIF_SCRIPT_DIR, v->script);
            free(v->script);
            v->script = abs;
        }
    }
    if (!v->mtu)
        v->mtu = DC_VIF_DEFAULT_MTU;
}
