/* Backends' page fetches during postcopy (postcopy_backends.h). */
#include "postcopy_backends.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fd_pass.h"
#include "log.h"
#include "postcopy.h"
#include "vm.h"
#include "vmm_socket_proto.h"

#define PCB_PAGE 4096u

struct pcb_line {
    struct vm *vm;
    int fd;
    const uint8_t *state;       /* this thread's read-only view of the states */
    size_t len;
};

static void forget(struct vm *vm, int fd)
{
    pthread_mutex_lock(&vm->pc_backends.lock);
    for (unsigned i = 0; i < vm->pc_backends.n; i++)
        if (vm->pc_backends.fd[i] == fd) {
            vm->pc_backends.fd[i] = vm->pc_backends.fd[--vm->pc_backends.n];
            break;
        }
    pthread_mutex_unlock(&vm->pc_backends.lock);
}

static void *line_thread(void *arg)
{
    struct pcb_line *l = arg;
    struct vm *vm = l->vm;

    for (;;) {
        struct xk_link_msg m;
        ssize_t n = recv(l->fd, &m, sizeof(m), 0);
        uint64_t pg;

        if (n < 0 && errno == EINTR)
            continue;
        if (n != (ssize_t)sizeof(m) || m.magic != XK_LINK_MAGIC || m.type != XK_LINK_PC_FETCH)
            break;              /* hung up (either side), or not a backend's */
        pg = m.port;
        m.status = 0;
        if (pg >= l->len || pg >= vm->ram_pages) {
            m.status = -EINVAL;
        } else {
            uint8_t s = __atomic_load_n(&l->state[pg], __ATOMIC_ACQUIRE);
            if (s == XK_PC_PAGE_PENDING || s == XK_PC_PAGE_REQUESTED) {
                /* Counted when asked (a POSTCOPY query shows a backend
                 * waiting); through the registered mapping the postcopy
                 * thread fetches it and wakes this thread once it is there. */
                atomic_fetch_add(&vm->pc_backends.fetched, 1);
                log_info("domain %u: postcopy: a device backend waits for page %llu",
                         vm->domid, (unsigned long long)pg);
                (void)*(volatile uint8_t *)(vm->mem + pg * PCB_PAGE);
            }
        }
        if (send(l->fd, &m, sizeof(m), MSG_NOSIGNAL) != sizeof(m))
            break;
    }
    forget(vm, l->fd);
    close(l->fd);
    munmap((void *)l->state, l->len);
    free(l);
    return NULL;
}

static void answer(int fd, int status, int state_fd)
{
    struct xk_link_msg r = { .magic = XK_LINK_MAGIC, .type = XK_LINK_PC_PAGES, .status = status };

    xk_send_fds(fd, &r, sizeof(r), state_fd >= 0 ? &state_fd : NULL, state_fd >= 0);
}

bool pcb_serve(struct vm *vm, int fd, const struct xk_link_msg *m)
{
    struct pcb_line *l = NULL;
    pthread_attr_t a;
    pthread_t t;
    int rc = -ENOENT, sfd = -1;

    if (m->from_dom != 0) {
        answer(fd, -EPERM, -1);
        return false;
    }
    pthread_mutex_lock(&vm->pc_backends.lock);
    if (vm->pc_dest && (sfd = pc_dest_state_fd(vm->pc_dest)) >= 0) {
        rc = -ENOSPC;
        if (vm->pc_backends.n < sizeof(vm->pc_backends.fd) / sizeof(vm->pc_backends.fd[0]) &&
            (l = calloc(1, sizeof(*l)))) {
            l->vm = vm;
            l->fd = fd;
            l->len = vm->pc_dest->state_len;
            l->state = mmap(NULL, l->len, PROT_READ, MAP_SHARED, sfd, 0);
            rc = l->state == MAP_FAILED ? -errno : 0;
        }
        if (!rc) {
            /* Accepted non-blocking; its thread waits in recv. */
            fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
            answer(fd, 0, sfd);
            pthread_attr_init(&a);
            pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
            rc = -pthread_create(&t, &a, line_thread, l);
            pthread_attr_destroy(&a);
            if (!rc)
                vm->pc_backends.fd[vm->pc_backends.n++] = fd;
        }
        if (rc && l && l->state != MAP_FAILED && l->state)
            munmap((void *)l->state, l->len);
        close(sfd);
    }
    pthread_mutex_unlock(&vm->pc_backends.lock);
    if (rc) {
        free(l);
        if (rc != -ENOENT)
            log_warn("domain %u: a backend's postcopy fetch line refused: %d", vm->domid, rc);
        answer(fd, rc, -1);     /* after a 0 answer the backend sees the hang-up */
        return false;
    }
    log_debug("domain %u: a backend fetches its pages during postcopy", vm->domid);
    return true;
}

void pcb_end(struct vm *vm)
{
    pthread_mutex_lock(&vm->pc_backends.lock);
    for (unsigned i = 0; i < vm->pc_backends.n; i++)
        shutdown(vm->pc_backends.fd[i], SHUT_RDWR);
    pthread_mutex_unlock(&vm->pc_backends.lock);
}
