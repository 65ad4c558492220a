/* Starting a domain's VMM: the config turned into xenkvm's options. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "lifecycle.h"
#include "paths.h"
#include "util.h"
#include "vmm_options.h"
#include "xl.h"

/* <rundir>/dom<N>.pid, "MONITOR VMM", written by the VMM's process itself
 * before it runs anything, so no VMM exists without it; readers check
 * the pids hold the domain's lock before believing them. */
static void write_pids(unsigned domid, pid_t monitor)
{
    char *path = xl_dom_file(domid, ".pid"), *tmp = xl_xasprintf("%s.new", path);
    FILE *f = fopen(tmp, "w");

    if (f) {
        fprintf(f, "%ld %ld\n", (long)monitor, (long)getpid());
        if (fclose(f) == 0)
            rename(tmp, path);
    }
    free(tmp);
    free(path);
}

int xl_vmm_spawn(const struct domcfg *dc, unsigned domid, int lock_fd, int ready_fd,
                 int hold_fd, int restore_fd, const char *log, const char *console_log)
{
    char *argv[40];
    char s_dom[16], s_mem[32], s_vcpu[16], s_maxv[16], s_ready[16], s_hold[16], s_restore[16];
    char s_uuid[37];
    int n = 0;
    pid_t pid, parent;

    snprintf(s_dom, sizeof(s_dom), "%u", domid);
    snprintf(s_mem, sizeof(s_mem), "%llu", (unsigned long long)dc->memory_mib);
    snprintf(s_vcpu, sizeof(s_vcpu), "%u", dc->vcpus);
    snprintf(s_maxv, sizeof(s_maxv), "%u", dc->maxvcpus);
    snprintf(s_ready, sizeof(s_ready), "%d", ready_fd);
    snprintf(s_hold, sizeof(s_hold), "%d", hold_fd);
    snprintf(s_restore, sizeof(s_restore), "%d", restore_fd);
    argv[n++] = (char *)"xenkvm";
    argv[n++] = (char *)XK_ARG(XK_OPT_DOMID);
    argv[n++] = s_dom;
    argv[n++] = (char *)XK_ARG(XK_OPT_MEMORY);
    argv[n++] = s_mem;
    argv[n++] = (char *)XK_ARG(XK_OPT_VCPUS);
    argv[n++] = s_vcpu;
    if (dc->maxvcpus > dc->vcpus) {
        /* maxvcpus: the rest exist, offline, disabled in the MADT. */
        argv[n++] = (char *)XK_ARG(XK_OPT_MAX_VCPUS);
        argv[n++] = s_maxv;
    }
    if (dc->acpi == 0)
        argv[n++] = (char *)XK_ARG(XK_OPT_NO_ACPI);
    /* xl create resolved auto against this host already. */
    if (dc->transport_set) {
        argv[n++] = (char *)XK_ARG(XK_OPT_HYPERCALL_TRANSPORT);
        argv[n++] = (char *)xk_transport_name(dc->transport);
    }
    format_uuid(dc->uuid, s_uuid);
    argv[n++] = (char *)XK_ARG(XK_OPT_UUID);
    argv[n++] = s_uuid;
    if (dc->type == DC_TYPE_HVM) {
        argv[n++] = (char *)XK_ARG(XK_OPT_FIRMWARE);
        argv[n++] = dc->firmware;
    } else {
        argv[n++] = (char *)XK_ARG(XK_OPT_KERNEL);
        argv[n++] = dc->kernel;
    }
    if (dc->ramdisk) {
        argv[n++] = (char *)XK_ARG(XK_OPT_RAMDISK);
        argv[n++] = dc->ramdisk;
    }
    if (dc->cmdline) {
        argv[n++] = (char *)XK_ARG(XK_OPT_CMDLINE);
        argv[n++] = dc->cmdline;
    }
    argv[n++] = (char *)XK_ARG(XK_OPT_RUNDIR);
    argv[n++] = (char *)xl_rundir();
    argv[n++] = (char *)XK_ARG(XK_OPT_XENSTORED);
    argv[n++] = (char *)xl_xs_vmm_socket();
    argv[n++] = (char *)XK_ARG(XK_OPT_CONSOLE_LOG);
    argv[n++] = (char *)console_log;
    if (dc->type == DC_TYPE_HVM && dc->hvm_pirq == 1)
        argv[n++] = (char *)XK_ARG(XK_OPT_HVM_PIRQ);
    if (dc->pci_vmm_arg) {
        argv[n++] = (char *)XK_ARG(XK_OPT_PCI);
        argv[n++] = dc->pci_vmm_arg;
    }
    argv[n++] = (char *)XK_ARG(XK_OPT_PAUSED);
    argv[n++] = (char *)XK_ARG(XK_OPT_READY_FD);
    argv[n++] = s_ready;
    if (hold_fd >= 0) {
        argv[n++] = (char *)XK_ARG(XK_OPT_HOLD_FD);
        argv[n++] = s_hold;
    }
    if (restore_fd >= 0) {
        argv[n++] = (char *)XK_ARG(XK_OPT_RESTORE_FD);
        argv[n++] = s_restore;
    }
    argv[n] = NULL;

    parent = getpid();
    pid = fork();
    if (pid < 0) {
        fprintf(stderr, "xl: fork: %s\n", strerror(errno));
        return -1;
    }
    if (pid == 0) {
        int fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
        int nul = open("/dev/null", O_RDONLY);

        /* The VMM must not end when xl's terminal or session goes. */
        setsid();
        /* Until the monitor adopts the domain, the monitor's death is the
         * VMM's (the VMM clears this once adopted: --hold-fd). */
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent)
            _exit(127);
        write_pids(domid, parent);
        if (nul >= 0)
            dup2(nul, 0);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
        }
        /* The lock, the two pipe ends and a stream to restore are all the
         * VMM inherits. */
        if (restore_fd >= 0)
            fcntl(restore_fd, F_SETFD, 0);
        for (int f = 3; f < 1024; f++)
            if (f != lock_fd && f != ready_fd && f != hold_fd && f != restore_fd)
                close(f);
        execvp(xl_vmm_path(), argv);
        fprintf(stderr, "xl: cannot run %s: %s\n", xl_vmm_path(), strerror(errno));
        _exit(127);
    }
    return pid;
}
