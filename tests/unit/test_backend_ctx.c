/* The backend seam (backend/context.h): the context filled inside the VMM
 * and the one a host process gets over the VMM socket (XK_LINK_MEMORY)
 * see the same guest memory, special pages and grants, and bind event
 * channels that work both ways.  The VM here has memory, grants and event
 * channels but no KVM. */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>
#include <xen/xen.h>

#include "backend/context.h"
#include "hvm/backend_host.h"
#include "check.h"
#include "hvm/control.h"
#include "hvm/events.h"
#include "hvm/grant.h"
#include "guest_layout.h"
#include "hvm/timer.h"
#include "hvm/vm.h"
#include "vmm_ctl.h"
#include "hvm/xen_time.h"

static struct vm vm;
static char rundir[64];

static void setup(void)
{
    struct vcpu *v;

    if (vm_mem_init(&vm, 16, 1) || vm_mem_map_only(&vm)) {
        fprintf(stderr, "VM setup failed\n");
        exit(2);
    }
    vm.vcpus = calloc(1, sizeof(struct vcpu));
    v = &vm.vcpus[0];
    v->vm = &vm;
    v->fd = -1;
    v->run = calloc(1, sizeof(struct kvm_run));
    pthread_cond_init(&v->cond, NULL);
    xen_clock_init(&vm.clock, 2000000, 0);
    vm.domid = 5;
    vm.max_evtchn_port = EVTCHN_DEFAULT_MAX_PORT;
    snprintf(rundir, sizeof(rundir), "/tmp/xk-bctx-XXXXXX");
    if (!mkdtemp(rundir) || !(vm.rundir = rundir) || events_init(&vm) ||
        control_listen(&vm)) {
        fprintf(stderr, "event channel or control socket setup failed\n");
        exit(2);
    }
}

/* Grant ref REF of the guest's table: frame GFN to domain 0. */
static void grant(grant_ref_t ref, uint64_t gfn)
{
    grant_entry_v1_t *e = (grant_entry_v1_t *)gnt_shared_frame(&vm.gnttab->view, 0) + ref;

    e->domid = 0;
    e->frame = (uint32_t)gfn;
    __atomic_store_n(&e->flags, GTF_permit_access, __ATOMIC_RELEASE);
}

/* What both contexts must agree on with the VMM. */
static void check_view(struct xk_backend_ctx *ctx)
{
    char buf[16] = "";

    CHECK_EQ(ctx->domid, 5);
    CHECK(backend_special_page(ctx, SPECIAL_CONSOLE) != NULL);
    CHECK(backend_special_page(ctx, XK_NR_SPECIAL) == NULL);
    memcpy(vm_xenpage(&vm, XENPAGE_SPECIAL0 + SPECIAL_CONSOLE), "ring", 5);
    CHECK(!strcmp(backend_special_page(ctx, SPECIAL_CONSOLE), "ring"));
    memcpy(vm.mem + 3 * 4096 + 8, "guest ram", 10);
    CHECK(backend_gfn_ptr(ctx, 3) != NULL);
    CHECK(!strcmp((char *)backend_gfn_ptr(ctx, 3) + 8, "guest ram"));
    CHECK(backend_gfn_ptr(ctx, XK_SPECIAL_END_PFN - 1) == NULL);    /* not RAM */
    grant(9, 3);
    CHECK_EQ(gnt_copy_from(ctx->grants, 0, 9, 8, buf, 10), GNTST_okay);
    CHECK(!strcmp(buf, "guest ram"));
    CHECK_EQ(gnt_copy_from(ctx->grants, 0, 10, 0, buf, 1), GNTST_general_error);
}

/* The guest's unbound PORT bound through CTX: each side's notification
 * reaches the other. */
static void check_channel(struct xk_backend_ctx *ctx, uint32_t port)
{
    struct shared_info *si = vm_xenpage(&vm, XENPAGE_SHARED_INFO);
    struct xk_evtchn e, e2;
    struct pollfd p;
    int i;

    CHECK_EQ(backend_bind(ctx, port, 40, &e), 0);
    CHECK_EQ(backend_bind(ctx, port, 41, &e2), -EINVAL);   /* bound already */
    /* guest -> backend */
    CHECK_EQ(evtchn_send(&vm.evtchn, port), 0);
    p = (struct pollfd){ .fd = e.event_fd, .events = POLLIN };
    CHECK_EQ(poll(&p, 1, 5000), 1);
    CHECK(xk_evtchn_consume(&e) >= 1);
    /* backend -> guest: the event thread sets the port pending */
    CHECK_EQ(xk_evtchn_notify(&e), 0);
    for (i = 0; i < 500 && !(__atomic_load_n(&si->evtchn_pending[0], __ATOMIC_ACQUIRE) &
                             (1UL << port)); i++)
        usleep(10000);
    CHECK(si->evtchn_pending[0] & (1UL << port));
    si->evtchn_pending[0] &= ~(1UL << port);
    xk_evtchn_unbind(&e);
}

static void test_in_vmm(void)
{
    struct xk_backend_ctx ctx;

    vm_backend_ctx(&vm, &ctx);
    CHECK(ctx.loop == vm.loop);
    CHECK(!strcmp(ctx.rundir, rundir));
    check_view(&ctx);
    check_channel(&ctx, XK_CONSOLE_PORT);
}

static void test_over_vmm_socket(void)
{
    struct xk_backend_ctx ctx;

    CHECK_EQ(backend_ctx_connect(&ctx, rundir, 5, NULL), 0);
    CHECK(ctx.mem != vm.mem);       /* its own mapping of the memfd */
    CHECK_EQ(ctx.mem_pages, vm.mem_size / 4096);
    check_view(&ctx);
    check_channel(&ctx, XK_STORE_PORT);
    backend_ctx_release(&ctx);
}

static void test_no_such_domain(void)
{
    struct xk_backend_ctx ctx;

    CHECK_EQ(backend_ctx_connect(&ctx, rundir, 6, NULL), -ESRCH);
}

/* The guest's memory goes to domain 0 only. */
static void test_memory_dom0_only(void)
{
    struct xk_link_msg m = { .magic = XK_LINK_MAGIC, .type = XK_LINK_MEMORY, .from_dom = 3 };
    struct xk_link_memory r;
    int s = xk_link_connect(rundir, 5);
    struct msghdr h = { 0 };
    struct iovec iov = { &r, sizeof(r) };
    char cbuf[64];

    CHECK(s >= 0);
    CHECK_EQ(send(s, &m, sizeof(m), 0), sizeof(m));
    h.msg_iov = &iov;
    h.msg_iovlen = 1;
    h.msg_control = cbuf;
    h.msg_controllen = sizeof(cbuf);
    CHECK_EQ(recvmsg(s, &h, 0), sizeof(r));
    CHECK_EQ(r.status, -EPERM);
    CHECK(CMSG_FIRSTHDR(&h) == NULL);       /* no memfd came with it */
    close(s);
}

int main(void)
{
    setup();
    RUN(test_in_vmm);
    RUN(test_over_vmm_socket);
    RUN(test_no_such_domain);
    RUN(test_memory_dom0_only);
    events_destroy(&vm);
    rmdir(rundir);
    return CHECK_DONE();
}
