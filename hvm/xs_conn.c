/* The guest's xenstore ring, handed to xenstored over its VMM attach socket
 * (docs/xenstored-vmm-attach.md): the store page of the memfd, and the
 * store event channel bound to domain 0 as a pair of eventfds. */
#include "xs_conn.h"

#include <errno.h>
#include <unistd.h>

#include "log.h"
#include "xs_attach.h"
#include "link.h"
#include "events.h"

int xenstore_attach(struct vm *vm, const char *path)
{
    struct xs_attach_req req = {
        .magic = XS_ATTACH_MAGIC,
        .version = XS_ATTACH_VERSION,
        .domid = vm->domid,
        .store_port = XK_STORE_PORT,
        .ring_offset = (vm->xenpage0 + XENPAGE_SPECIAL0 + SPECIAL_XENSTORE) << 12,
        .mem_size = vm->mem_size,
        .target = XS_ATTACH_NO_TARGET,
    };
    char err[256] = "";
    int fds[3], s, rc;

    /* xenstored acts for domain 0: its end of the store channel is ours. */
    rc = link_bind_backend(vm, XK_STORE_PORT, 1, fds);
    if (rc)
        return rc;
    s = xs_attach(path, &req, vm->mem_fd, fds[1], fds[0], err, sizeof(err));
    close(fds[0]);
    close(fds[1]);
    if (s < 0) {
        log_err("xenstored at %s: %s", path, err[0] ? err : "cannot attach");
        close(fds[2]);
        evtchn_close(&vm->evtchn, XK_STORE_PORT);
        return s;
    }
    /* Both stay open while the domain lives: closing the attach socket is
     * how xenstored learns the domain is gone. */
    vm->xs_sock = s;
    vm->xs_chan = fds[2];
    return 0;
}

void xenstore_detach(struct vm *vm)
{
    if (vm->xs_sock > 0)
        close(vm->xs_sock);
    if (vm->xs_chan > 0)
        close(vm->xs_chan);
    vm->xs_sock = vm->xs_chan = -1;
}
