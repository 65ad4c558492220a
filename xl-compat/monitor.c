/* xl create and the per-domain monitor.
 *
 * `xl create` forks a monitor that builds the domain (domid, xenstore
 * tree, VMM started paused), reports back, and then stays as the domain's
 * watcher, as xl's daemonized child does on Xen: when the guest shuts
 * down it applies on_poweroff / on_reboot / on_crash / on_watchdog /
 * on_soft_reset.  The VMM runs with --hold-fd: at a guest shutdown it
 * stops the vCPUs, tells the monitor the reason and keeps the domain (in
 * xenstore and xenstored) until told to go, so the domain is torn down
 * in libxl's order: nodes removed first, then the domain released, which
 * fires @releaseDomain. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <xen/sched.h>

#include "console_client.h"
#include "device_vbd.h"
#include "hcall_transport.h"
#include "device_pci.h"
#include "dominfo.h"
#include "domain_tree.h"
#include "exit_codes.h"
#include "device_vif.h"
#include "lifecycle.h"
#include "device_save.h"
#include "lockfile.h"
#include "mem_admit.h"
#include "paths.h"
#include "sched_cgroup.h"
#include "util.h"
#include "uuid.h"
#include "xl.h"
#include "xl_conf.h"
#include "xs_util.h"

#define DOMID_LAST 0x7fef       /* DOMID_FIRST_RESERVED - 1 */

struct mon {
    struct domcfg *dc;
    const char *saved;
    const struct xl_create_opts *o;
    char *log, *console_log;
    char uuid[37];
    unsigned domid;
    int lock_fd, hold_fd;
    pid_t vmm;
    bool vmm_reaped;        /* waited for: the lock is the monitor's alone */
    /* xl restore / migrate-receive: the stream and the watches, for the
     * first build only (a reboot boots afresh). */
    int restore_fd;
    const char *restore_watches;
    const char *restore_devices;
};

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");

    if (f) {
        fputs(text, f);
        fclose(f);
    }
}

static char *read_small(const char *path)
{
    char buf[64] = "";
    FILE *f = fopen(path, "r");

    if (f) {
        if (!fgets(buf, sizeof(buf), f))
            buf[0] = 0;
        fclose(f);
    }
    return xl_xstrdup(buf);
}

/* A free domid, locked; sequential from the last one given out, as Xen
 * hands them out (it does not reuse a domid at once). */
static int pick_domid(unsigned *domid)
{
    char *nextf = xl_xasprintf("%s/domid.next", xl_rundir());
    char *s = read_small(nextf);
    unsigned long next = strtoul(s, NULL, 10);

    free(s);
    if (next < 1 || next > DOMID_LAST)
        next = 1;
    for (unsigned i = 0; i < DOMID_LAST; i++) {
        unsigned cand = (unsigned)((next - 1 + i) % DOMID_LAST) + 1;
        int fd = xl_domlock_try(cand);
        char buf[16];

        if (fd < 0)
            continue;
        /* Whatever is left of an earlier holder is stale. */
        xl_dom_clean(cand);
        snprintf(buf, sizeof(buf), "%u\n", cand % DOMID_LAST + 1);
        write_file(nextf, buf);
        free(nextf);
        *domid = cand;
        return fd;
    }
    free(nextf);
    fprintf(stderr, "libxl: error: no free domain id\n");
    return -1;
}

/* The last lines of the VMM's log, for a start that failed. */
static void show_log_tail(const char *log, long from)
{
    FILE *f = fopen(log, "r");
    char line[512];

    if (!f)
        return;
    fseek(f, from, SEEK_SET);
    while (fgets(line, sizeof(line), f))
        fprintf(stderr, "  %s", line);
    fclose(f);
}

static long file_size(const char *path)
{
    FILE *f = fopen(path, "r");
    long n = 0;

    if (f) {
        fseek(f, 0, SEEK_END);
        n = ftell(f);
        fclose(f);
    }
    return n < 0 ? 0 : n;
}

/* Set by SIGINT, SIGTERM or SIGHUP while the domain is being built: the
 * create is abandoned and nothing of it is left. */
static volatile sig_atomic_t build_cancelled;

static void on_cancel(int sig)
{
    (void)sig;
    build_cancelled = 1;
}

/* While building, a stopping signal cancels (without SA_RESTART, so a
 * wait in progress ends); afterwards the defaults are back. */
static void catch_cancel(bool on)
{
    struct sigaction sa = { .sa_handler = on ? on_cancel : SIG_DFL };
    static const int sigs[] = { SIGINT, SIGTERM, SIGHUP };

    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
        sigaction(sigs[i], &sa, NULL);
}

/* Build the domain: domid, tree, VMM (paused), the nodes naming its
 * rings.  0, or -1 with nothing left behind. */
static int start_domain(struct mon *m)
{
    int alloc = xl_lock_file_wait(XL_LOCK_DOMID);
    int ready[2], hold[2], st;
    struct xl_dominfo info;
    char *path, *tty, buf[64];
    long log_from;
    ssize_t r;

    /* Under the allocation lock, so two creates cannot both count the
     * same free memory. */
    if (!xl_mem_admit(m->dc)) {
        xl_lock_release(alloc);
        return -1;
    }
    m->lock_fd = pick_domid(&m->domid);
    if (m->lock_fd < 0) {
        xl_lock_release(alloc);
        return -1;
    }
    /* First, so a domain cut short still has a name to be listed under. */
    path = xl_dom_file(m->domid, ".cfg");
    write_file(path, m->saved);
    free(path);
    if (!xl_tree_make(m->domid, m->dc, m->uuid)) {
        xl_lock_release(alloc);
        goto fail;
    }
    xl_lock_release(alloc);

    if (build_cancelled)
        goto fail;
    if (pipe2(ready, O_CLOEXEC) || socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, hold)) {
        perror("xl: pipe");
        goto fail;
    }
    /* The VMM's ends must survive exec. */
    fcntl(ready[1], F_SETFD, 0);
    fcntl(hold[1], F_SETFD, 0);
    log_from = file_size(m->log);
    m->vmm = xl_vmm_spawn(m->dc, m->domid, m->lock_fd, ready[1], hold[1], m->restore_fd,
                          m->log,
                          m->console_log);
    if (m->restore_fd >= 0)
        close(m->restore_fd);
    m->restore_fd = -1;
    close(ready[1]);
    close(hold[1]);
    m->hold_fd = hold[0];
    if (m->vmm < 0) {
        close(ready[0]);
        goto fail_vmm;
    }
    do
        r = read(ready[0], buf, 1);
    while (r < 0 && errno == EINTR && !build_cancelled);
    close(ready[0]);
    if (build_cancelled)
        goto fail_kill;
    if (r != 1) {
        waitpid(m->vmm, &st, 0);
        fprintf(stderr, "libxl: error: domain %u: the VMM (%s) exited with status %d while "
                "building the domain; from its log %s:\n", m->domid, xl_vmm_path(),
                WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st), m->log);
        show_log_tail(m->log, log_from);
        goto fail_vmm;
    }
    memset(&info, 0, sizeof(info));
    info.domid = m->domid;
    if (!xl_vmm_query(&info)) {
        fprintf(stderr, "libxl: error: domain %u: its VMM does not answer\n", m->domid);
        goto fail_kill;
    }
    /* cpu_weight= / cap=, as libxl sets them while building the domain
     * (a host without a cgroup for them runs the domain unweighted). */
    if (m->dc->cpu_weight > 0 || m->dc->cap > 0) {
        struct xl_sched s = { m->dc->cpu_weight > 0 ? m->dc->cpu_weight : XL_SCHED_WEIGHT_DEFAULT,
                              m->dc->cap > 0 ? m->dc->cap : 0 };
        char why[512];
        if (xl_sched_apply(m->domid, m->uuid, m->vmm, &s, why, sizeof(why)))
            fprintf(stderr, "xl: warning: domain %u: cpu_weight/cap not applied: %s\n",
                    m->domid, why);
    }
    tty = xl_dom_file(m->domid, ".console");
    if (!xl_tree_build_post(m->domid, m->dc, &info.rings, tty)) {
        free(tty);
        xl_dominfo_free(&info);
        goto fail_kill;
    }
    free(tty);
    xl_dominfo_free(&info);
    /* A transparently saved domain's frontends are connected: their
     * nodes back over libxl's, before the backends look. */
    if (m->restore_devices && m->restore_devices[0] &&
        !xl_devices_import(m->domid, m->restore_devices))
        goto fail_kill;
    m->restore_devices = NULL;
    /* Its disks' nodes are written: the backend serves them. */
    if (m->dc->nr_disks && !xl_blkback_ensure(m->domid, m->dc->name))
        goto fail_kill;
    /* Its vifs' backend, before the guest runs (libxl adds devices before
     * it unpauses). */
    if (m->dc->nr_nics && xl_netback_ensure(m->domid, m->dc->name))
        goto fail_kill;
    for (unsigned i = 0; i < m->dc->nr_nics; i++)
        if (xl_vif_wait_hotplug(m->domid, (unsigned)m->dc->nics[i].devid))
            goto fail_kill;
    /* PCI functions pci-attach gave the domain before a reboot, at their
     * slots again (libxl adds a config's PCI devices at create, and one
     * that fails fails the create). */
    for (unsigned i = 0; i < m->dc->nr_pci_hot; i++)
        if (xl_pci_attach(m->domid, m->dc->pci_hot[i]))
            goto fail_kill;
    /* A restored domain's watches, back before its vCPUs run. */
    if (m->restore_watches && m->restore_watches[0] &&
        !xl_xs_import_watches(m->domid, m->restore_watches))
        goto fail_kill;
    m->restore_watches = NULL;
    if (build_cancelled)
        goto fail_kill;
    return 0;

fail_kill:
    kill(m->vmm, SIGKILL);
    waitpid(m->vmm, &st, 0);
fail_vmm:
    close(m->hold_fd);
    m->hold_fd = -1;
fail:
    /* The VMM is gone: this lock is ours alone. */
    xl_dom_clean(m->domid);
    xl_domlock_drop(m->domid, m->lock_fd);
    m->lock_fd = -1;
    return -1;
}

/* The domain is built and now belongs to its monitor: from here it
 * outlives the monitor (docs/xl.md). */
static void adopt(struct mon *m)
{
    if (write(m->hold_fd, "A", 1) != 1)
        fprintf(stderr, "xl: domain %u: cannot adopt the VMM: %s\n", m->domid,
                strerror(errno));
}

/* Undo a create whose caller went away before it was told the domain
 * exists: a create that did not finish leaves nothing. */
static void abandon(struct mon *m)
{
    int st;

    xl_tree_remove(m->domid);
    kill(m->vmm, SIGKILL);
    waitpid(m->vmm, &st, 0);
    close(m->hold_fd);
    m->hold_fd = -1;
    xl_dom_clean(m->domid);
    xl_domlock_drop(m->domid, m->lock_fd);
    m->lock_fd = -1;
}

/* Wait for the VMM: 1 with the exit status it will have when it reports
 * a guest shutdown and holds the domain, 0 with its exit status (128+sig
 * for a signal) once it has exited. */
static int wait_vmm(struct mon *m, int *status, int timeout_ms)
{
    struct pollfd p = { .fd = m->hold_fd, .events = POLLIN };
    unsigned char code;
    int st;

    if (m->hold_fd >= 0) {
        int rc = poll(&p, 1, timeout_ms);
        if (rc == 0)
            return -1;
        if (rc > 0 && read(m->hold_fd, &code, 1) == 1) {
            *status = code;
            return 1;
        }
        close(m->hold_fd);
        m->hold_fd = -1;
    }
    while (waitpid(m->vmm, &st, 0) < 0) {
        if (errno != EINTR) {
            *status = 128 + SIGKILL;     /* not ours to wait for: gone */
            return 0;
        }
    }
    m->vmm_reaped = true;
    *status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    return 0;
}

/* The domain is gone or going: its nodes, its files, its lock. */
static void finish_domain(struct mon *m)
{
    /* A fresh connection: xenstored may have been restarted while the
     * domain ran, leaving ours dead. */
    xl_xs_after_fork();
    xl_dom_clean(m->domid);
    if (m->hold_fd >= 0)
        close(m->hold_fd);
    m->hold_fd = -1;
    /* A VMM not known to be gone may still hold the lock file: then the
     * next xl command that lists domains removes it. */
    if (m->vmm_reaped)
        xl_domlock_drop(m->domid, m->lock_fd);
    else
        close(m->lock_fd);
    m->lock_fd = -1;
}

/* libxl_domain_destroy for a domain whose VMM holds it: nodes first, then
 * the VMM is told to go (its xenstored attachment closes: @releaseDomain). */
static void destroy_domain(struct mon *m)
{
    int status;

    xl_tree_remove(m->domid);
    kill(m->vmm, SIGTERM);
    for (;;) {
        int rc = wait_vmm(m, &status, 5000);
        if (rc == 0)
            break;
        if (rc < 0)
            kill(m->vmm, SIGKILL);
    }
    finish_domain(m);
}

static enum dc_action action_for(const struct domcfg *dc, int reason)
{
    switch (reason) {
    case SHUTDOWN_poweroff: return dc->on_poweroff;
    case SHUTDOWN_reboot: return dc->on_reboot;
    case SHUTDOWN_crash: return dc->on_crash;
    case SHUTDOWN_watchdog: return dc->on_watchdog;
    case SHUTDOWN_soft_reset: return dc->on_soft_reset;
    default: return DC_ACT_DESTROY;
    }
}

/* rename-restart: the old domain stays, renamed NAME-<UTC time> with a new
 * uuid (libxl_domain_preserve); a keeper process watches it until it is
 * destroyed, then removes its nodes. */
static int preserve_renamed(struct mon *m)
{
    char stamp[32], newuuid[37], *newname, *oldvm, *start;
    uint8_t u[16];
    time_t now = time(NULL);
    struct tm tm;
    pid_t pid;

    gmtime_r(&now, &tm);
    strftime(stamp, sizeof(stamp), "-%Y%m%dT%H%MZ", &tm);
    newname = xl_xasprintf("%s%s", m->dc->name, stamp);
    fprintf(stderr, "Preserving domain %u %s with suffix%s\n", m->domid, m->dc->name, stamp);
    xl_uuid_generate(u);
    format_uuid(u, newuuid);
    oldvm = xl_xs_readf(XBT_NULL, "/local/domain/%u/vm", m->domid);
    start = oldvm ? xl_xs_readf(XBT_NULL, "%s/start_time", oldvm) : NULL;
    {
        char *vm = xl_xasprintf("/vm/%s", newuuid), *p;
        struct xs_permissions ro[2] = { { 0, XS_PERM_NONE }, { m->domid, XS_PERM_READ } };
        xl_xs_mknod(XBT_NULL, vm, ro, 2);
        p = xl_xasprintf("%s/uuid", vm);
        xl_xs_write(XBT_NULL, p, newuuid);
        free(p);
        if (start) {
            p = xl_xasprintf("%s/start_time", vm);
            xl_xs_write(XBT_NULL, p, start);
            free(p);
        }
        p = xl_xasprintf("/local/domain/%u/vm", m->domid);
        xl_xs_write(XBT_NULL, p, vm);
        free(p);
        free(vm);
    }
    free(start);
    free(oldvm);
    if (xl_tree_rename(m->domid, newname)) {
        fprintf(stderr, "cannot rename domain %u to %s\n", m->domid, newname);
        free(newname);
        return -1;
    }
    free(newname);
    pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        int status;
        xl_xs_after_fork();
        /* The keeper: only the hold socket tells it the VMM is gone. */
        while (wait_vmm(m, &status, -1) != 0)
            ;
        finish_domain(m);
        _exit(0);
    }
    close(m->hold_fd);
    close(m->lock_fd);
    m->hold_fd = m->lock_fd = -1;
    return 0;
}

/* xl's reload_domain_config: a config `xl config-update` left for this
 * restart replaces the domain's (its uuid kept), once; one that does not
 * pass create's checks is dropped with a message and the old one stays. */
static char *take_update(struct mon *m, size_t *len)
{
    char *path = xl_dom_file(m->domid, XL_CONFIG_UPDATE_SUFFIX);
    char *text = read_file(path, len, 1 << 20);

    unlink(path);
    free(path);
    return text;
}

static void reload_config(struct mon *m, char *text, size_t len)
{
    char *path, *saved, why[256];
    struct domcfg *dc;
    bool ok;

    if (!text)
        return;
    fprintf(stderr, "\"xl\" configuration found, using it\n");
    dc = xl_xmalloc(sizeof(*dc));
    ok = domcfg_parse(dc, "<updated>", text, len, NULL, 0, stderr) == 0;
    if (ok) {
        enum xk_transport want = dc->transport_set ? dc->transport : xl_conf_transport();
        memcpy(dc->uuid, m->dc->uuid, sizeof(dc->uuid));
        dc->uuid_set = true;
        ok = dc->type != DC_TYPE_HVM || dc->firmware;
        ok = ok && !xk_transport_choose(want, xk_transport_probe(), &dc->transport, why,
                                        sizeof(why));
        dc->transport_set = true;
        ok = ok && xl_vbd_check_config(dc) && (!dc->nr_pcis || xl_pci_prepare(dc, "<updated>") >= 0);
        if (!ok)
            domcfg_free(dc);
    }
    if (!ok) {
        fprintf(stderr, "the updated configuration cannot be used: restarting with the old one\n");
        free(dc);
        free(text);
        return;
    }
    saved = xl_saved_config(text, len, NULL, 0, dc->uuid, dc->transport);
    free(text);
    /* The old config may be the creating xl's (not ours to free). */
    m->dc = dc;
    m->saved = saved;
    path = xl_dom_file(m->domid, ".cfg");
    write_file(path, saved);
    free(path);
}

static void to_log(const struct mon *m);

/* xl migrate-receive builds the domain as NAME--incoming and renames it
 * once it may start (and xl rename renames it at any time), after its
 * monitor started: the monitor goes on under the name the domain has now,
 * for its log and for a restart (measured: Debian's kernel, migrated on the
 * nested host, was not restarted by `xl reboot`, its monitor restarting
 * "nested-l2--incoming"). */
static void follow_rename(struct mon *m)
{
    char *now = xl_xs_readf(XBT_NULL, "/local/domain/%u/name", m->domid);

    if (!now || !*now || !strcmp(now, m->dc->name)) {
        free(now);
        return;
    }
    free(m->dc->name);
    m->dc->name = now;
    free(m->log);
    m->log = xl_xasprintf("%s/xl-%s.log", xl_logdir(), now);
    to_log(m);
}

static int run_monitor(struct mon *m)
{
    char *update = NULL;        /* config-update's text for this restart */
    size_t update_len = 0;

    for (;;) {
        int status, reason, held;
        enum dc_action act;

        held = wait_vmm(m, &status, -1);
        if (held < 0)
            continue;
        /* The domain may have outlived a xenstored restart: reconnect. */
        xl_xs_after_fork();
        follow_rename(m);
        reason = xk_shutdown_for_exit(status);
        if (reason < 0) {
            fprintf(stderr, "Domain %u has been destroyed.\n", m->domid);
            finish_domain(m);
            return 0;
        }
        fprintf(stderr, "Domain %u has shut down, reason code %d 0x%x\n", m->domid, reason,
                reason);
        if (reason == SHUTDOWN_suspend) {
            /* libxl leaves a suspended domain for its saver to collect;
             * the saver may resume it (xl save -c), and then it runs on
             * under this monitor. */
            fprintf(stderr, "Domain has suspended.\n");
            if (held)
                continue;
            act = DC_ACT_PRESERVE;
        } else {
            act = action_for(m->dc, reason);
            fprintf(stderr, "Action for shutdown reason code %d is %s\n", reason,
                    dc_action_name(act));
        }
        if (act == DC_ACT_COREDUMP_DESTROY || act == DC_ACT_COREDUMP_RESTART) {
            /* As xl: the core to XEN_DUMP_DIR/NAME, going on if it fails. */
            char *core = xl_xasprintf("%s/%s", xl_dumpdir(), m->dc->name), why[200];
            fprintf(stderr, "dumping core to %s\n", core);
            if (!held)
                fprintf(stderr, "core dump failed (rc=-3): the VMM has already exited\n");
            else if (xl_dump_core(m->domid, core, false, why, sizeof(why)))
                fprintf(stderr, "core dump failed (rc=-3): %s\n", why);
            free(core);
            act = act == DC_ACT_COREDUMP_DESTROY ? DC_ACT_DESTROY : DC_ACT_RESTART;
        }
        if (act == DC_ACT_SOFT_RESET) {
            fprintf(stderr, "xenkvm has no soft reset: restarting the domain instead\n");
            act = DC_ACT_RESTART;
        }
        if (!held && (act == DC_ACT_PRESERVE || act == DC_ACT_RENAME_RESTART)) {
            fprintf(stderr, "The VMM has already exited: nothing left to preserve\n");
            act = act == DC_ACT_PRESERVE ? DC_ACT_DESTROY : DC_ACT_RESTART;
        }
        switch (act) {
        case DC_ACT_PRESERVE:
            /* Kept until `xl destroy` stops the VMM. */
            while (wait_vmm(m, &status, -1) != 0)
                ;
            fprintf(stderr, "Domain %u has been destroyed.\n", m->domid);
            finish_domain(m);
            return 0;
        case DC_ACT_RENAME_RESTART:
            if (preserve_renamed(m)) {
                /* Nothing restarts: the old domain stays as it was. */
                return 1;
            }
            break;
        default:    /* destroy, restart */
            /* Taken before the clean-up, which removes it. */
            if (act == DC_ACT_RESTART)
                update = take_update(m, &update_len);
            fprintf(stderr, "Domain %u needs to be cleaned up: destroying the domain\n",
                    m->domid);
            /* libxl restarts a domain with the devices it has now: those
             * block-attach, network-attach and pci-attach added too, not
             * those detached (read back from xenstore before the nodes
             * go). */
            if (act == DC_ACT_RESTART) {
                xl_vbd_domain_disks(m->domid, m->dc);
                xl_vif_domain_nics(m->domid, m->dc);
                if (m->dc->type == DC_TYPE_HVM)
                    xl_pci_domain_pcis(m->domid, m->dc);
            }
            if (held)
                destroy_domain(m);
            else
                finish_domain(m);
            if (act != DC_ACT_RESTART) {
                fprintf(stderr, "Done. Exiting now\n");
                return 0;
            }
            break;
        }
        fprintf(stderr, "Done. Rebooting now\n");
        reload_config(m, update, update_len);
        update = NULL;
        m->vmm_reaped = false;
        catch_cancel(true);
        if (start_domain(m))
            return 1;
        catch_cancel(false);
        if (build_cancelled) {
            abandon(m);
            return 1;
        }
        adopt(m);
        if (xl_vmm_unpause(m->domid))
            fprintf(stderr, "cannot unpause domain %u\n", m->domid);
        fprintf(stderr, "Waiting for domain %s (domid %u) to die [pid %ld]\n", m->dc->name,
                m->domid, (long)getpid());
    }
}

/* Send the monitor's further messages to the domain's xl log. */
static void to_log(const struct mon *m)
{
    int fd = open(m->log, O_WRONLY | O_CREAT | O_APPEND, 0644);
    int nul = open("/dev/null", O_RDWR);

    if (nul >= 0)
        dup2(nul, 0);
    if (fd >= 0) {
        dup2(fd, 1);
        dup2(fd, 2);
        close(fd);
    }
    if (nul > 2)
        close(nul);
    setvbuf(stderr, NULL, _IOLBF, 0);
}

/* The monitor leaves the caller's directory, and a restart starts the VMM
 * again later: image paths must not depend on where xl ran. */
static void absolute_path(char **p)
{
    char *abs;

    if (!*p || **p == '/' || !(abs = realpath(*p, NULL)))
        return;
    free(*p);
    *p = abs;
}

/* An image the VMM would block on (a FIFO, a device) is refused before
 * anything is built; a missing one is the VMM's to report. */
static bool image_ok(const char *what, const char *path)
{
    struct stat st;

    if (!path || stat(path, &st) || S_ISREG(st.st_mode))
        return true;
    fprintf(stderr, "libxl: error: %s %s is not a regular file\n", what, path);
    return false;
}

int xl_create(struct domcfg *dc, const char *saved, const struct xl_create_opts *o)
{
    struct mon m = { .dc = dc, .saved = saved, .o = o, .lock_fd = -1, .hold_fd = -1,
                     .restore_fd = o->restore_fd, .restore_watches = o->restore_watches,
                     .restore_devices = o->restore_devices };
    int report[2], go[2], st, cons = -1, rc = 0;
    char buf[32] = "";
    ssize_t r;
    pid_t pid;
    unsigned domid;

    if (o->foreground)
        setvbuf(stderr, NULL, _IOLBF, 0);
    format_uuid(dc->uuid, m.uuid);
    absolute_path(&dc->kernel);
    absolute_path(&dc->ramdisk);
    absolute_path(&dc->firmware);
    if (!image_ok("kernel", dc->kernel) || !image_ok("ramdisk", dc->ramdisk) ||
        !image_ok("firmware", dc->firmware))
        return 3;
    xl_conf_load();     /* its errors before anything is built */
    m.log = xl_xasprintf("%s/xl-%s.log", xl_logdir(), dc->name);
    {
        char *dir = xl_xasprintf("%s/console", xl_logdir());
        xl_mkdir_p(dir, 0755);
        m.console_log = xl_xasprintf("%s/guest-%s.log", dir, dc->name);
        free(dir);
    }
    xl_xs();    /* xenstored up before the monitor forks */
    if (pipe2(report, O_CLOEXEC) || pipe2(go, O_CLOEXEC)) {
        perror("xl: pipe");
        rc = EXIT_FAILURE;
        goto out;
    }
    fflush(NULL);
    pid = fork();
    if (pid < 0) {
        perror("xl: fork");
        rc = EXIT_FAILURE;
        goto out;
    }
    if (pid == 0) {
        close(report[0]);
        close(go[1]);
        xl_xs_after_fork();
        /* The monitor outlives xl: it keeps none of its caller's files
         * (a pipe a script waits on must reach end of file). */
        for (int f = 3; f < 1024; f++)
            if (f != report[1] && f != go[0] && f != o->restore_fd)
                close(f);
        if (!o->foreground)
            setsid();
        /* A caller gone mid-create is a failed write, not our death. */
        signal(SIGPIPE, SIG_IGN);
        catch_cancel(true);
        if (start_domain(&m)) {
            if (write(report[1], "ERR\n", 4) < 0)
                _exit(3);
            _exit(3);
        }
        snprintf(buf, sizeof(buf), "OK %u\n", m.domid);
        if (write(report[1], buf, strlen(buf)) != (ssize_t)strlen(buf)) {
            abandon(&m);
            _exit(3);
        }
        /* Runs once xl has its console attached (or gave up). */
        do
            r = read(go[0], buf, 1);
        while (r < 0 && errno == EINTR && !build_cancelled);
        close(go[0]);
        if (r != 1 || build_cancelled) {
            /* xl was interrupted before it could say the domain exists. */
            abandon(&m);
            _exit(3);
        }
        catch_cancel(false);
        signal(SIGPIPE, SIG_DFL);
        adopt(&m);
        if (!o->paused && xl_vmm_unpause(m.domid))
            fprintf(stderr, "libxl: error: cannot unpause domain %u\n", m.domid);
        /* xl returns now: the domain runs (or stays paused) when it does,
         * as libxl unpauses before xl create returns. */
        close(report[1]);
        if (o->no_monitor) {
            /* -e: nobody watches; the VMM exits when the guest stops. */
            close(m.hold_fd);
            _exit(0);
        }
        if (!o->foreground) {
            to_log(&m);
            /* Do not keep the caller's directory busy. */
            if (chdir("/"))
                fprintf(stderr, "xl: chdir /: %s\n", strerror(errno));
        }
        fprintf(stderr, "Waiting for domain %s (domid %u) to die [pid %ld]\n", dc->name,
                m.domid, (long)getpid());
        _exit(run_monitor(&m));
    }
    close(report[1]);
    close(go[0]);
    do
        r = read(report[0], buf, sizeof(buf) - 1);
    while (r < 0 && errno == EINTR);
    buf[r > 0 ? r : 0] = 0;
    if (sscanf(buf, "OK %u", &domid) != 1) {
        close(report[0]);
        close(go[1]);
        waitpid(pid, &st, 0);
        rc = WIFEXITED(st) && WEXITSTATUS(st) ? WEXITSTATUS(st) : 3;
        goto out;
    }
    if (o->console) {
        cons = xl_console_connect(domid);
        if (cons < 0)
            fprintf(stderr, "Unable to attach console\n");
    }
    if (write(go[1], "G", 1) < 0)
        fprintf(stderr, "xl: the monitor of domain %u is gone\n", domid);
    close(go[1]);
    /* The report closes once the monitor has unpaused the domain. */
    for (;;) {
        r = read(report[0], buf, sizeof(buf));
        if (r == 0 || (r < 0 && errno != EINTR))
            break;
    }
    close(report[0]);
    if (cons >= 0)
        xl_console_run(cons);
    if (o->foreground) {
        while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
            ;
        rc = WIFEXITED(st) ? WEXITSTATUS(st) : EXIT_FAILURE;
    }
out:
    free(m.log);
    free(m.console_log);
    return rc;
}
