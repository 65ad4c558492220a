/* Live update of the VMM binary with the guest kept (docs/live-update.md).
 *
 * Old VMM (event thread, on LIVE_UPDATE): ask the new binary whether it
 * reads this build's state (--check-live-update-version), and only then
 * pause, save the registry into a memfd with the descriptors to keep, clear
 * FD_CLOEXEC on exactly those and exec.  KVM's VM and vCPU fds cannot
 * change process (every ioctl on them fails with EIO after), so they are
 * left to close; the guest memfd is kept and mapped again, no RAM copied. */
#include "live_update.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "console.h"
#include "events.h"
#include "control.h"
#include "log.h"
#include "passthrough.h"
#include "save.h"
#include "vmm_options.h"
#include "xs_conn.h"

extern char **environ;

static char **saved_argv;
static int saved_argc;

void lu_set_argv(int argc, char **argv)
{
    saved_argv = calloc((size_t)argc + 1, sizeof(*saved_argv));
    if (!saved_argv)
        return;
    for (int i = 0; i < argc; i++)
        saved_argv[i] = argv[i];
    saved_argc = argc;
}

static int extra_fds[4];
static unsigned nr_extra;

void lu_keep_fd(int fd)
{
    if (nr_extra < sizeof(extra_fds) / sizeof(extra_fds[0]))
        extra_fds[nr_extra++] = fd;
}

static uint64_t now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* --- the version probe ------------------------------------------------ */

void lu_describe(char *buf, size_t len)
{
    size_t n = (size_t)snprintf(buf, len, "lu=%u ss=%u", LU_VERSION, SS_FORMAT);

    for (unsigned i = 0; i < vm_nr_parts && n < len; i++)
        n += (size_t)snprintf(buf + n, len - n, " %u=%u", vm_parts[i]->id,
                              vm_parts[i]->version);
    for (unsigned i = 0; i < lu_nr_parts && n < len; i++)
        n += (size_t)snprintf(buf + n, len - n, " %u=%u", lu_parts[i]->id,
                              lu_parts[i]->version);
}

/* The part with ID in either table, or NULL. */
static const struct ss_part *find_part(unsigned id)
{
    for (unsigned i = 0; i < vm_nr_parts; i++)
        if (vm_parts[i]->id == id)
            return vm_parts[i];
    for (unsigned i = 0; i < lu_nr_parts; i++)
        if (lu_parts[i]->id == id)
            return lu_parts[i];
    return NULL;
}

int lu_check_version(const char *desc, char *msg, size_t len)
{
    bool seen[256] = { false };
    char *copy = strdup(desc), *save = NULL;
    unsigned lu = 0;
    int rc = 0;

    if (!copy)
        return -ENOMEM;
    snprintf(msg, len, "the state description is malformed");
    for (char *t = strtok_r(copy, " ", &save); t && !rc; t = strtok_r(NULL, " ", &save)) {
        unsigned id, ver;
        char key[8];
        int used = 0;

        if (sscanf(t, "%7[a-z]=%u%n", key, &ver, &used) == 2 && !t[used]) {
            if (!strcmp(key, "lu") && (ver < 1 || ver > LU_VERSION)) {
                snprintf(msg, len, "live update handover version %u: this binary reads 1 to %u",
                         ver, LU_VERSION);
                rc = -EPROTO;
            } else if (!strcmp(key, "ss") && ver != SS_FORMAT) {
                snprintf(msg, len, "saved-state format %u: this binary reads %u", ver, SS_FORMAT);
                rc = -EPROTO;
            } else if (strcmp(key, "lu") && strcmp(key, "ss")) {
                rc = -EPROTO;
            }
            seen[strcmp(key, "lu") ? 254 : 255] = true;
            if (!strcmp(key, "lu"))
                lu = ver;
            continue;
        }
        if (sscanf(t, "%u=%u%n", &id, &ver, &used) != 2 || t[used] || id == 0 || id > 253) {
            rc = -EPROTO;
            break;
        }
        rc = -EPROTO;
        snprintf(msg, len, "saved-state part %u is unknown to this binary", id);
        {
            const struct ss_part *p = find_part(id);

            if (p && ver >= 1 && ver <= p->version)
                rc = 0;
            else if (p)
                snprintf(msg, len, "saved-state part %s version %u: this binary reads 1 to %u",
                         p->name, ver, p->version);
        }
        seen[id] = true;
    }
    free(copy);
    if (!rc && (!seen[254] || !seen[255])) {
        snprintf(msg, len, "the state description names no handover or format version");
        rc = -EPROTO;
    }
    for (unsigned i = 0; !rc && i < vm_nr_parts; i++)
        if (!seen[vm_parts[i]->id]) {
            snprintf(msg, len, "the old VMM does not write part %s, which this binary needs",
                     vm_parts[i]->name);
            rc = -EPROTO;
        }
    /* A handover of version 1 has no live-update parts (no PCI function
     * could be attached then): those start afresh. */
    for (unsigned i = 0; !rc && lu >= 2 && i < lu_nr_parts; i++)
        if (!seen[lu_parts[i]->id]) {
            snprintf(msg, len, "the old VMM does not write part %s, which this binary needs",
                     lu_parts[i]->name);
            rc = -EPROTO;
        }
    if (!rc)
        snprintf(msg, len, "this binary reads the state");
    return rc;
}

/* Run BIN --check-live-update-version; 0 when it accepts, else -EPROTO
 * with its words (or why it did not run) in MSG. */
static int probe(int bin, char *msg, size_t len)
{
    char desc[512], *argv[4] = { (char *)"xenkvm", (char *)"--" XK_OPT_CHECK_LU_VERSION, desc, NULL };
    int p[2], status;
    size_t got = 0;
    pid_t pid;

    lu_describe(desc, sizeof(desc));
    if (pipe2(p, O_CLOEXEC) < 0)
        return -errno;
    pid = fork();
    if (pid < 0) {
        close(p[0]);
        close(p[1]);
        return -errno;
    }
    if (pid == 0) {
        /* Only async-signal-safe calls here (a threaded parent). */
        dup2(p[1], 1);
        dup2(p[1], 2);
        fcntl(bin, F_SETFD, 0);     /* a script needs to open itself */
        syscall(SYS_execveat, bin, "", argv, environ, AT_EMPTY_PATH);
        _exit(127);
    }
    close(p[1]);
    msg[0] = '\0';
    for (;;) {
        ssize_t n = read(p[0], msg + got, len - 1 - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        got += (size_t)n;
        if (got == len - 1) {
            char sink[256];
            while (read(p[0], sink, sizeof(sink)) > 0)
                ;
            break;
        }
    }
    msg[got] = '\0';
    while (got && (msg[got - 1] == '\n'))
        msg[--got] = '\0';
    close(p[0]);
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return 0;
    if (WIFEXITED(status) && WEXITSTATUS(status) == 127 && !got)
        snprintf(msg, len, "the new binary cannot be run");
    else if (!got)
        snprintf(msg, len, "the new binary refused the state (status %d)",
                 WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    return -EPROTO;
}

/* --- the old VMM: save, keep, exec ------------------------------------ */

struct keep {
    int fds[16 + LU_MAX_CONSOLE_FDS + 3 * LU_MAX_LINKS + LU_MAX_PCI_FDS];
    unsigned n;
    struct ss_wr *w;
    uint32_t nr_links;
    uint32_t skip_port;         /* the in-process console's: it starts anew */
};

static struct keep kept;

static void keep_fd(struct keep *kp, int fd)
{
    if (fd >= 0 && kp->n < sizeof(kp->fds) / sizeof(kp->fds[0]))
        kp->fds[kp->n++] = fd;
}

void lu_keep_handover_fd(void *arg, int fd)
{
    (void)arg;
    keep_fd(&kept, fd);
}

static int put_link(void *arg, const struct link_fds *lf)
{
    struct keep *k = arg;

    if (lf->port == k->skip_port && lf->remote == 0)
        return 0;
    if (k->nr_links >= LU_MAX_LINKS)
        return -E2BIG;
    ss_put_u32(k->w, lf->port);
    ss_put_u32(k->w, lf->remote_port);
    ss_put_u16(k->w, lf->remote);
    ss_put_u32(k->w, (uint32_t)lf->sock);
    ss_put_u32(k->w, (uint32_t)lf->rx);
    ss_put_u32(k->w, (uint32_t)lf->tx);
    keep_fd(k, lf->sock);
    keep_fd(k, lf->rx);
    keep_fd(k, lf->tx);
    k->nr_links++;
    return 0;
}

/* The new command line: the old one without the descriptors that served
 * only its start (ready, restore, an earlier handover), plus this one's. */
static char **new_argv(int state_fd, char *fdbuf, size_t len)
{
    char **a = calloc((size_t)saved_argc + 3, sizeof(*a));
    int n = 0;

    if (!a)
        return NULL;
    for (int i = 0; i < saved_argc; i++) {
        const char *s = saved_argv[i];
        /* A VMM updated before has its own handover option too. */
        if (!strcmp(s, "--" XK_OPT_READY_FD) || !strcmp(s, "--" XK_OPT_RESTORE_FD) ||
            !strcmp(s, "--" XK_OPT_LIVE_UPDATE_FD)) {
            i++;
            continue;
        }
        if (!strncmp(s, "--" XK_OPT_READY_FD "=", strlen(XK_OPT_READY_FD) + 3) ||
            !strncmp(s, "--" XK_OPT_RESTORE_FD "=", strlen(XK_OPT_RESTORE_FD) + 3) ||
            !strncmp(s, "--" XK_OPT_LIVE_UPDATE_FD "=", strlen(XK_OPT_LIVE_UPDATE_FD) + 3))
            continue;
        a[n++] = saved_argv[i];
    }
    snprintf(fdbuf, len, "--" XK_OPT_LIVE_UPDATE_FD "=%d", state_fd);
    a[n++] = fdbuf;
    a[n] = NULL;
    return a;
}

static void lu_reply(int fd, int status, const char *msg)
{
    struct xk_link_live_update r = { .magic = XK_LINK_MAGIC, .type = XK_LINK_LIVE_UPDATE,
                                     .status = status };

    snprintf(r.msg, sizeof(r.msg), "%s", msg ? msg : "");
    if (send(fd, &r, sizeof(r), MSG_NOSIGNAL) != sizeof(r))
        log_debug("cannot answer LIVE_UPDATE:");
}

void lu_serve(struct vm *vm, int fd, const struct xk_link_msg *m, int bin)
{
    struct ss_wr w = { 0 };
    char msg[SS_MSG_LEN] = "", fdbuf[48];
    int rc, state = -1, hold[4];
    bool xs = false;
    char **argv = NULL;
    uint64_t t0;
    size_t body;

    if (m->from_dom != 0) {
        lu_reply(fd, -EPERM, NULL);
        return;
    }
    if (bin < 0 || !saved_argv) {
        lu_reply(fd, -EBADF, "no binary to run");
        return;
    }
    pthread_mutex_lock(&vm->exit_lock);
    rc = vm->shutdown_code >= 0 || atomic_load(&vm->stopping);
    pthread_mutex_unlock(&vm->exit_lock);
    if (rc) {
        lu_reply(fd, -EBUSY, "the domain is shutting down");
        return;
    }
    if ((rc = passthrough_lu_check(vm, msg, sizeof(msg)))) {
        lu_reply(fd, rc, msg);
        return;
    }
    /* Nothing stops before the new binary says it reads the state. */
    if ((rc = probe(bin, msg, sizeof(msg)))) {
        log_warn("domain %u: live update refused: %s", vm->domid, msg);
        lu_reply(fd, rc, msg);
        return;
    }
    if ((rc = vm_ctl_pause(vm))) {
        lu_reply(fd, rc, "cannot pause the domain");
        return;
    }
    t0 = now_ns();
    memset(&kept, 0, sizeof(kept));
    kept.w = &w;
    kept.skip_port = vm->console ? XK_CONSOLE_PORT : 0;
    ss_put_u32(&w, LU_MAGIC);
    ss_put_u32(&w, LU_VERSION);
    body = w.len;
    ss_put_u64(&w, 0);                      /* image length, patched */
    vm->live_update = true;
    rc = vm_save(vm, &w, msg);
    if (!rc) {
        uint64_t img = w.len - body - 8;
        ss_patch_u32(&w, body, (uint32_t)img);
        ss_patch_u32(&w, body + 4, (uint32_t)(img >> 32));
        /* The live-update parts' image (handover version 2). */
        body = w.len;
        ss_put_u64(&w, 0);
        rc = ss_save_parts(lu_parts, lu_nr_parts, vm, &w, msg);
        img = w.len - body - 8;
        ss_patch_u32(&w, body, (uint32_t)img);
        ss_patch_u32(&w, body + 4, (uint32_t)(img >> 32));
    }
    vm->live_update = false;
    if (rc)
        goto fail;
    ss_put_u64(&w, t0);
    ss_put_u32(&w, (uint32_t)vm->mem_fd);
    ss_put_u32(&w, (uint32_t)vm->ctl_fd);
    ss_put_u32(&w, (uint32_t)fd);
    ss_put_u32(&w, (uint32_t)bin);
    if (vm->xs_keep) {
        if ((rc = xenstore_handover(vm, hold))) {
            snprintf(msg, sizeof(msg), "xenstored is being attached again: try later");
            goto fail;
        }
        xs = true;
    }
    ss_put_u8(&w, xs);
    for (int i = 0; i < 4; i++) {
        ss_put_u32(&w, xs ? (uint32_t)hold[i] : UINT32_MAX);
        if (xs)
            keep_fd(&kept, hold[i]);
    }
    {
        size_t count_at = w.len;
        ss_put_u32(&w, 0);
        if ((rc = link_each(vm, put_link, &kept))) {
            snprintf(msg, sizeof(msg), "more than %u event channels to other processes",
                     LU_MAX_LINKS);
            goto fail;
        }
        ss_patch_u32(&w, count_at, kept.nr_links);
    }
    {
        int cfds[LU_MAX_CONSOLE_FDS];
        unsigned nc = console_handover(vm->console, cfds, LU_MAX_CONSOLE_FDS);
        ss_put_u32(&w, nc);
        for (unsigned i = 0; i < nc; i++) {
            ss_put_u32(&w, (uint32_t)cfds[i]);
            keep_fd(&kept, cfds[i]);
        }
    }
    if (w.failed) {
        rc = -ENOMEM;
        snprintf(msg, sizeof(msg), "out of memory");
        goto fail;
    }
    state = memfd_create("xenkvm-live-update", 0);
    if (state < 0 || write(state, w.p, w.len) != (ssize_t)w.len ||
        lseek(state, 0, SEEK_SET) < 0) {
        rc = -errno;
        snprintf(msg, sizeof(msg), "cannot write the state: %s", strerror(errno));
        goto fail;
    }
    keep_fd(&kept, vm->mem_fd);
    keep_fd(&kept, vm->ctl_fd);
    keep_fd(&kept, fd);
    keep_fd(&kept, bin);
    for (unsigned i = 0; i < nr_extra; i++)
        keep_fd(&kept, extra_fds[i]);
    for (unsigned i = 0; i < kept.n; i++)
        fcntl(kept.fds[i], F_SETFD, 0);
    argv = new_argv(state, fdbuf, sizeof(fdbuf));
    if (!argv) {
        rc = -ENOMEM;
        goto undo;
    }
    log_info("domain %u: live update: %zu bytes of state, %u channels kept; exec %.3f ms "
             "into the pause", vm->domid, w.len, kept.nr_links, (now_ns() - t0) / 1e6);
    syscall(SYS_execveat, bin, "", argv, environ, AT_EMPTY_PATH);
    rc = -errno;
    snprintf(msg, sizeof(msg), "cannot run the new binary: %s", strerror(errno));
    free(argv);
undo:
    for (unsigned i = 0; i < kept.n; i++)
        fcntl(kept.fds[i], F_SETFD, FD_CLOEXEC);
fail:
    if (state >= 0)
        close(state);
    ss_wr_free(&w);
    vm_ctl_unpause(vm);
    log_warn("domain %u: live update failed, the domain runs on: %s", vm->domid, msg);
    lu_reply(fd, rc, msg);
}

/* --- the new VMM ------------------------------------------------------ */

static bool fd_ok(int fd)
{
    return fd >= 0 && fcntl(fd, F_GETFD) >= 0;
}

int lu_read(int fd, struct lu_handover *h, char *msg)
{
    struct stat st;
    uint8_t *buf = NULL;
    struct ss_rd r;
    uint64_t img;
    const void *p;
    uint32_t version;
    int rc = -EINVAL;

    memset(h, 0, sizeof(*h));
    if (fstat(fd, &st) < 0 || st.st_size <= 0 || st.st_size > (off_t)SS_MAX_BODY * 4 ||
        !(buf = malloc((size_t)st.st_size)) ||
        pread(fd, buf, (size_t)st.st_size, 0) != st.st_size) {
        snprintf(msg, SS_MSG_LEN, "cannot read the handed-over state");
        free(buf);
        close(fd);
        return -EIO;
    }
    close(fd);
    r = ss_rd_init(buf, (size_t)st.st_size);
    if (ss_get_u32(&r) != LU_MAGIC || (version = ss_get_u32(&r)) > LU_VERSION || !version) {
        snprintf(msg, SS_MSG_LEN, "not a live update handover this binary reads");
        goto out;
    }
    img = ss_get_u64(&r);
    if (!(p = ss_get_bytes(&r, img)) || !(h->image = malloc(img ? img : 1)))
        goto bad;
    memcpy(h->image, p, img);
    h->image_len = img;
    if (version >= 2) {
        img = ss_get_u64(&r);
        if (!(p = ss_get_bytes(&r, img)) || !(h->lu_image = malloc(img ? img : 1)))
            goto bad;
        memcpy(h->lu_image, p, img);
        h->lu_image_len = img;
    }
    h->paused_at_ns = ss_get_u64(&r);
    h->mem_fd = (int)ss_get_u32(&r);
    h->ctl_fd = (int)ss_get_u32(&r);
    h->reply_fd = (int)ss_get_u32(&r);
    h->bin_fd = (int)ss_get_u32(&r);
    h->xs = ss_get_u8(&r) != 0;
    for (int i = 0; i < 4; i++)
        h->xs_fds[i] = (int)ss_get_u32(&r);
    h->nr_links = ss_get_u32(&r);
    if (r.bad || h->nr_links > LU_MAX_LINKS ||
        !(h->links = calloc(h->nr_links + 1, sizeof(*h->links))))
        goto bad;
    for (uint32_t i = 0; i < h->nr_links; i++) {
        struct link_fds *l = &h->links[i];
        l->port = ss_get_u32(&r);
        l->remote_port = ss_get_u32(&r);
        l->remote = ss_get_u16(&r);
        l->sock = (int)ss_get_u32(&r);
        l->rx = (int)ss_get_u32(&r);
        l->tx = (int)ss_get_u32(&r);
        if (!fd_ok(l->sock) || !fd_ok(l->rx) || !fd_ok(l->tx))
            goto bad;
    }
    h->nr_console = ss_get_u32(&r);
    if (h->nr_console > LU_MAX_CONSOLE_FDS)
        goto bad;
    for (uint32_t i = 0; i < h->nr_console; i++) {
        h->console_fds[i] = (int)ss_get_u32(&r);
        if (!fd_ok(h->console_fds[i]))
            goto bad;
        fcntl(h->console_fds[i], F_SETFD, FD_CLOEXEC);
    }
    if (!ss_done(&r) || !fd_ok(h->mem_fd) || !fd_ok(h->reply_fd))
        goto bad;
    for (int i = 0; h->xs && i < 4; i++)
        if (!fd_ok(h->xs_fds[i]))
            goto bad;
    rc = 0;
    goto out;
bad:
    snprintf(msg, SS_MSG_LEN, "the live update handover is malformed");
out:
    free(buf);
    return rc;
}

int lu_restore(struct vm *vm, struct lu_handover *h, char *msg)
{
    struct stat st;
    int rc;

    if (fstat(h->mem_fd, &st) < 0 || (uint64_t)st.st_size != vm->mem_size) {
        snprintf(msg, SS_MSG_LEN, "the guest memfd is not of this domain's size");
        return -EINVAL;
    }
    /* The kept memfd goes under the start-up one's addresses, so every
     * pointer into vm->mem (grant view, rings, FIFO pages) stays right;
     * what start-up wrote there (a kernel loaded) goes with the old one. */
    if (mmap(vm->mem, vm->mem_size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED | MAP_NORESERVE,
             h->mem_fd, 0) == MAP_FAILED) {
        snprintf(msg, SS_MSG_LEN, "cannot map the guest memfd: %s", strerror(errno));
        return -errno;
    }
    close(vm->mem_fd);
    vm->mem_fd = h->mem_fd;
    fcntl(vm->mem_fd, F_SETFD, FD_CLOEXEC);
    if (h->bin_fd >= 0 && h->bin_fd != h->reply_fd)
        close(h->bin_fd);
    fcntl(h->reply_fd, F_SETFD, FD_CLOEXEC);
    log_info("domain %u: live update: new VMM ready to restore %.3f ms into the pause",
             vm->domid, (now_ns() - h->paused_at_ns) / 1e6);
    /* With live_update set, parts leave the pages that others kept
     * writing meanwhile as they are (the rings: xenstored; the grant
     * table: backends) instead of writing the image's older copies;
     * events raised while restoring (an expired timer) land in the
     * guest's real memory. */
    vm->live_update = true;
    rc = vm_restore(vm, h->image, h->image_len, msg);
    if (!rc && h->lu_image)
        rc = ss_restore_parts(lu_parts, lu_nr_parts, vm, h->lu_image, h->lu_image_len, msg);
    vm->live_update = false;
    log_info("domain %u: live update: restored %.3f ms into the pause", vm->domid,
             (now_ns() - h->paused_at_ns) / 1e6);
    return rc;
}

int lu_adopt_links(struct vm *vm, struct lu_handover *h)
{
    int rc;

    for (uint32_t i = 0; i < h->nr_links; i++) {
        struct link_fds *l = &h->links[i];
        fcntl(l->sock, F_SETFD, FD_CLOEXEC);
        fcntl(l->rx, F_SETFD, FD_CLOEXEC);
        fcntl(l->tx, F_SETFD, FD_CLOEXEC);
        if ((rc = link_adopt(vm, l))) {
            log_err("domain %u: port %u: cannot take the channel over: %s", vm->domid,
                    l->port, strerror(-rc));
            return rc;
        }
    }
    for (int i = 0; h->xs && i < 4; i++)
        fcntl(h->xs_fds[i], F_SETFD, FD_CLOEXEC);
    return 0;
}

void lu_finish(struct vm *vm, struct lu_handover *h)
{
    struct xk_link_live_update r = { .magic = XK_LINK_MAGIC, .type = XK_LINK_LIVE_UPDATE };

    vm_ctl_unpause(vm);
    r.pause_ns = now_ns() - h->paused_at_ns;
    r.state_bytes = h->image_len;
    log_info("domain %u: live update done, paused %.3f ms", vm->domid, r.pause_ns / 1e6);
    if (send(h->reply_fd, &r, sizeof(r), MSG_NOSIGNAL) != sizeof(r))
        log_debug("cannot answer LIVE_UPDATE:");
    close(h->reply_fd);
    free(h->image);
    free(h->lu_image);
    free(h->links);
    h->lu_image = NULL;
    h->image = NULL;
    h->links = NULL;
}
