/* HYPERVISOR_xen_version (xen/common/kernel.c), as Xen answers an
 * unprivileged HVM/PVH guest under the default XSM policy. */
#include "config.h"

#include <errno.h>
#include <string.h>

#include <xen/features.h>
#include <xen/version.h>

#include "cpuid.h"
#include "hcall.h"

#define XEN_DENY "<denied>"   /* Xen's xen_deny() */

static int put_string(struct hcall *c, uint64_t gva, const char *s, size_t n)
{
    char buf[1024];

    memset(buf, 0, n);
    memcpy(buf, s, strnlen(s, n - 1));  /* NUL-padded, as Xen's copy */
    return guest_write(c, gva, buf, n) ? -EFAULT : 0;
}

void hc_version_strings(char *extra, xen_compile_info_t *info, char *caps, char *changeset)
{
    memset(extra, 0, sizeof(xen_extraversion_t));
    strncpy(extra, XK_XEN_EXTRA, sizeof(xen_extraversion_t) - 1);
    memset(info, 0, sizeof(*info));
    strncpy(info->compiler, "gcc", sizeof(info->compiler) - 1);
    strncpy(info->compile_by, "xenkvm", sizeof(info->compile_by) - 1);
    strncpy(info->compile_domain, "xenkvm", sizeof(info->compile_domain) - 1);
    strncpy(info->compile_date, __DATE__, sizeof(info->compile_date) - 1);
    /* Only HVM-style guests run here: no xen-3.0-* (PV) entries. */
    memset(caps, 0, sizeof(xen_capabilities_info_t));
    strncpy(caps, "hvm-3.0-x86_32 hvm-3.0-x86_32p hvm-3.0-x86_64",
            sizeof(xen_capabilities_info_t) - 1);
    memset(changeset, 0, sizeof(xen_changeset_info_t));
    strncpy(changeset, "xenkvm " PACKAGE_VERSION, sizeof(xen_changeset_info_t) - 1);
}

long hc_xen_version(struct hcall *c)
{
    xen_extraversion_t extra;
    xen_compile_info_t info;
    xen_capabilities_info_t caps;
    xen_changeset_info_t changeset;

    uint64_t arg = c->a[1];

    switch ((int)c->a[0]) {
    case XENVER_version:
        return (XK_XEN_MAJOR << 16) | XK_XEN_MINOR;
    case XENVER_extraversion:
        hc_version_strings(extra, &info, caps, changeset);
        return put_string(c, arg, extra, sizeof(xen_extraversion_t));
    case XENVER_compile_info:
        hc_version_strings(extra, &info, caps, changeset);
        return guest_write(c, arg, &info, sizeof(info)) ? -EFAULT : 0;
    case XENVER_capabilities:
        hc_version_strings(extra, &info, caps, changeset);
        return put_string(c, arg, caps, sizeof(xen_capabilities_info_t));
    case XENVER_changeset:
        hc_version_strings(extra, &info, caps, changeset);
        return put_string(c, arg, changeset, sizeof(xen_changeset_info_t));
    case XENVER_platform_parameters: {
        /* HVM guests see Xen's 64-bit hole; compat HVM guests see 0. */
        struct xen_platform_parameters p = {
            .virt_start = c->compat ? 0 : HYPERVISOR_VIRT_START,
        };
        return guest_put(c, arg, &abi_xen_platform_parameters, &p) ? -EFAULT : 0;
    }
    case XENVER_get_features: {
        struct xen_feature_info fi;
        if (guest_get(c, arg, &abi_xen_feature_info, &fi))
            return -EFAULT;
        if (fi.submap_idx != 0)
            return -EINVAL;
        fi.submap = (1U << XENFEAT_memory_op_vnode_supported) |
                    (1U << XENFEAT_writable_page_tables) |
                    (1U << XENFEAT_auto_translated_physmap) |
                    (1U << XENFEAT_hvm_safe_pvclock) |
                    (1U << XENFEAT_hvm_callback_vector) |
                    (1U << XENFEAT_not_direct_mapped) |
                    (c->vm->hvm_pirq ? 1U << XENFEAT_hvm_pirqs : 0);
        return guest_put(c, arg, &abi_xen_feature_info, &fi) ? -EFAULT : 0;
    }
    case XENVER_pagesize:
        return arg ? -EINVAL : 4096;
    case XENVER_guest_handle:
        return guest_write(c, arg, c->vm->handle, sizeof(xen_domain_handle_t))
               ? -EFAULT : 0;
    case XENVER_commandline:
        /* The host's command line is for privileged domains only. */
        return guest_write(c, arg, XEN_DENY, sizeof(XEN_DENY)) ? -EFAULT : 0;
    case XENVER_build_id:
        return -EPERM;
    default:
        return -ENOSYS;
    }
}
