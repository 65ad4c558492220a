/* The Xen version the personality reports: to guests (XENVER_version,
 * XENVER_extraversion) and to users (xl info).  One place so the two agree. */
#ifndef XK_XEN_VERSION_H
#define XK_XEN_VERSION_H

#define XK_XEN_MAJOR 4
#define XK_XEN_MINOR 17
#define XK_XEN_EXTRA "-xenkvm"   /* XENVER_extraversion */

#endif
