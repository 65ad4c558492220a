/* Where the domain builder puts things in a guest, as every process that
 * maps its memory (the VMM, xenstored, backends) must agree. */
#ifndef XK_GUEST_LAYOUT_H
#define XK_GUEST_LAYOUT_H

#define XK_SPECIAL_END_PFN  0xff000ULL      /* X86_HVM_END_SPECIAL_REGION */
#define XK_NR_SPECIAL       8               /* X86_HVM_NR_SPECIAL_PAGES */

/* Special pages (pfn = XK_SPECIAL_END_PFN - XK_NR_SPECIAL + index). */
enum {
    SPECIAL_PAGING, SPECIAL_ACCESS, SPECIAL_SHARING, SPECIAL_BUFIOREQ,
    SPECIAL_XENSTORE, SPECIAL_IOREQ, SPECIAL_IDENT_PT, SPECIAL_CONSOLE,
};

#endif
