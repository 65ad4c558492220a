/* The grant table part: gnttab/'s table (version, sizes, frame contents;
 * refused with -EBUSY while a backend still holds grants).  Where the
 * guest mapped the frames comes back with the physmap part, before it. */
#include "grant.h"
#include "save.h"

#define VERSION 1

static int save(void *obj, struct ss_wr *w)
{
    struct vm *vm = obj;

    /* A live update keeps the memfd, the table and its pins in it. */
    return vm->live_update ? gnt_save_to_kept(&vm->gnttab->view, w)
                           : gnt_save_to(&vm->gnttab->view, w);
}

static int restore(void *obj, struct ss_rd *r, uint32_t version, char *msg)
{
    struct vm *vm = obj;
    int rc;

    (void)version;
    (void)msg;
    /* A live update keeps the table in the memfd, grants held included. */
    rc = vm->live_update ? gnt_restore_kept(&vm->gnttab->view, r)
                         : gnt_restore_from(&vm->gnttab->view, r);
    if (!rc)
        vm_gnttab_find_frames(vm);
    return rc;
}

const struct ss_part vm_part_gnttab = { "grant-table", VM_PART_GNTTAB, VERSION, save, restore };
