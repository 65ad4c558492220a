/* Image formats through qemu-storage-daemon and libnbd (blknbd.h). */
#include "blknbd.h"

#include <errno.h>
#include <fcntl.h>
#include <libnbd.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

#define QSD "qemu-storage-daemon"
#define EXPORT_NAME "vbd"
#define START_TIMEOUT_MS 20000

const char *blknbd_driver(const char *format)
{
    static const char *const map[][2] = {
        { "qcow2", "qcow2" }, { "qcow", "qcow" }, { "vhd", "vpc" }, { "vpc", "vpc" },
        { "vhdx", "vhdx" }, { "qed", "qed" }, { "vmdk", "vmdk" }, { "vdi", "vdi" },
    };

    for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
        if (!strcmp(format, map[i][0]))
            return map[i][1];
    return NULL;
}

/* PATH as a JSON string (quotes and backslashes escaped). */
static void json_str(char *out, size_t size, const char *s)
{
    size_t n = 0;

    for (; *s && n + 3 < size; s++) {
        if (*s == '"' || *s == '\\')
            out[n++] = '\\';
        out[n++] = *s;
    }
    out[n] = 0;
}

int blknbd_export(struct blk_nbd_export *e, const char *format, const char *path,
                  bool readonly, const char *dir, const char *name)
{
    const char *driver = blknbd_driver(format);
    char blockdev[1024], server[256], export[160], jpath[700];
    struct timespec ts = { 0, 20 * 1000 * 1000 };
    struct stat st;
    int status;

    memset(e, 0, sizeof(*e));
    if (!driver)
        return -EOPNOTSUPP;
    if ((size_t)snprintf(e->sock, sizeof(e->sock), "%s/%s.nbd", dir ? dir : "/tmp", name) >=
        sizeof(e->sock))
        return -ENAMETOOLONG;
    unlink(e->sock);
    json_str(jpath, sizeof(jpath), path);
    snprintf(blockdev, sizeof(blockdev),
             "{\"driver\":\"%s\",\"node-name\":\"fmt0\",\"read-only\":%s,"
             "\"discard\":\"unmap\",\"file\":{\"driver\":\"file\",\"filename\":\"%s\","
             "\"read-only\":%s,\"discard\":\"unmap\"}}",
             driver, readonly ? "true" : "false", jpath, readonly ? "true" : "false");
    snprintf(server, sizeof(server), "addr.type=unix,addr.path=%s", e->sock);
    snprintf(export, sizeof(export), "type=nbd,id=exp0,node-name=fmt0,name=" EXPORT_NAME
             ",writable=%s", readonly ? "off" : "on");
    e->pid = fork();
    if (e->pid < 0)
        return -errno;
    if (e->pid == 0) {
        int null = open("/dev/null", O_RDWR);
        sigset_t none;

        /* blkback blocks its signals for signalfd: the daemon must not. */
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        dup2(null, STDIN_FILENO);
        dup2(null, STDOUT_FILENO);      /* its errors stay on our stderr */
        execlp(QSD, QSD, "--blockdev", blockdev, "--nbd-server", server, "--export", export,
               (char *)NULL);
        _exit(127);
    }
    for (int waited = 0; waited < START_TIMEOUT_MS; waited += 20) {
        if (stat(e->sock, &st) == 0 && S_ISSOCK(st.st_mode))
            return 0;
        if (waitpid(e->pid, &status, WNOHANG) == e->pid) {
            e->pid = 0;
            return WIFEXITED(status) && WEXITSTATUS(status) == 127 ? -ENOENT : -EIO;
        }
        nanosleep(&ts, NULL);
    }
    blknbd_unexport(e);
    return -ETIMEDOUT;
}

void blknbd_unexport(struct blk_nbd_export *e)
{
    if (e->pid > 0) {
        kill(e->pid, SIGTERM);
        waitpid(e->pid, NULL, 0);
    }
    e->pid = 0;
    if (e->sock[0])
        unlink(e->sock);
    e->sock[0] = 0;
}

struct nbd_handle *blknbd_connect(const struct blk_nbd_export *e)
{
    struct nbd_handle *h = nbd_create();

    if (!h || nbd_set_export_name(h, EXPORT_NAME) || nbd_connect_unix(h, e->sock)) {
        log_err("NBD export %s: %s", e->sock, nbd_get_error());
        if (h)
            nbd_close(h);
        return NULL;
    }
    return h;
}
