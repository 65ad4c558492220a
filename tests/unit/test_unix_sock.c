/* lib/unix_sock.c and lib/fd_pass.c: the one listening-socket policy
 * (a stale socket file is taken over, a live one is not) and SCM_RIGHTS
 * round trips. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "check.h"
#include "fd_pass.h"
#include "unix_sock.h"

static char dir[64], path[128];

static void test_listen_fresh(void)
{
    struct stat st;
    int s = xk_unix_listen(path, SOCK_SEQPACKET, 4), c;

    CHECK(s >= 0);
    CHECK(stat(path, &st) == 0 && S_ISSOCK(st.st_mode));
    CHECK_EQ(st.st_mode & 0777, 0600);
    CHECK(fcntl(s, F_GETFD) & FD_CLOEXEC);
    CHECK(fcntl(s, F_GETFL) & O_NONBLOCK);
    c = xk_unix_connect(path, SOCK_SEQPACKET);
    CHECK(c >= 0);
    close(c);
    close(s);
    unlink(path);
}

/* A listener that is still there keeps its socket. */
static void test_listen_live_refused(void)
{
    int s = xk_unix_listen(path, SOCK_STREAM, 4);

    CHECK(s >= 0);
    CHECK_EQ(xk_unix_listen(path, SOCK_STREAM, 4), -EADDRINUSE);
    close(s);
    unlink(path);
}

/* A socket file whose owner died (closed without unlinking) is taken over,
 * and the new listener is the one clients reach. */
static void test_listen_stale_taken_over(void)
{
    int s = xk_unix_listen(path, SOCK_SEQPACKET, 4), s2, c, a;

    CHECK(s >= 0);
    close(s);
    CHECK_EQ(xk_unix_connect(path, SOCK_SEQPACKET), -ECONNREFUSED);
    s2 = xk_unix_listen(path, SOCK_SEQPACKET, 4);
    CHECK(s2 >= 0);
    c = xk_unix_connect(path, SOCK_SEQPACKET);
    CHECK(c >= 0);
    a = accept(s2, NULL, NULL);
    CHECK(a >= 0);
    close(a);
    close(c);
    close(s2);
    unlink(path);
}

/* Something that is not a socket is never removed. */
static void test_listen_not_a_socket(void)
{
    int f = open(path, O_CREAT | O_WRONLY, 0600);
    struct stat st;

    CHECK(f >= 0);
    close(f);
    CHECK_EQ(xk_unix_listen(path, SOCK_STREAM, 4), -EADDRINUSE);
    CHECK(stat(path, &st) == 0 && S_ISREG(st.st_mode));
    unlink(path);
}

static void test_path_too_long(void)
{
    char lng[200];
    struct sockaddr_un a;

    memset(lng, 'x', sizeof(lng) - 1);
    lng[sizeof(lng) - 1] = 0;
    CHECK_EQ(xk_unix_listen(lng, SOCK_STREAM, 4), -ENAMETOOLONG);
    CHECK_EQ(xk_unix_connect(lng, SOCK_STREAM), -ENAMETOOLONG);
    CHECK_EQ(xk_unix_addr(&a, lng), -ENAMETOOLONG);
    CHECK_EQ(xk_unix_connect("/nonexistent/xk.sock", SOCK_STREAM), -ENOENT);
}

/* Three fds go across with the message and still name the same files. */
static void test_fds_round_trip(void)
{
    int sp[2], p1[2], p2[2], p3[2], got[3], n = -1;
    char msg[8] = "request", in[16] = "";
    char b;

    CHECK(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sp) == 0);
    CHECK(pipe(p1) == 0 && pipe(p2) == 0 && pipe(p3) == 0);
    int fds[3] = { p1[1], p2[1], p3[1] };
    CHECK_EQ(xk_send_fds(sp[0], msg, sizeof(msg), fds, 3), 0);
    CHECK_EQ(xk_recv_fds(sp[1], in, sizeof(in), got, 3, &n, 0), sizeof(msg));
    CHECK_EQ(n, 3);
    CHECK(!strcmp(in, "request"));
    for (int i = 0; i < n; i++) {
        CHECK(fcntl(got[i], F_GETFD) & FD_CLOEXEC);
        CHECK(got[i] != fds[i]);
        CHECK_EQ(write(got[i], "abc" + i, 1), 1);
        close(got[i]);
    }
    CHECK_EQ(read(p1[0], &b, 1), 1); CHECK_EQ(b, 'a');
    CHECK_EQ(read(p2[0], &b, 1), 1); CHECK_EQ(b, 'b');
    CHECK_EQ(read(p3[0], &b, 1), 1); CHECK_EQ(b, 'c');
    close(p1[0]); close(p1[1]); close(p2[0]); close(p2[1]); close(p3[0]); close(p3[1]);
    close(sp[0]);
    close(sp[1]);
}

/* A message without fds is received as one with none. */
static void test_fds_none(void)
{
    int sp[2], got[2], n = -1;
    char in[4];

    CHECK(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sp) == 0);
    CHECK_EQ(xk_send_fds(sp[0], "hi", 2, NULL, 0), 0);
    CHECK_EQ(xk_recv_fds(sp[1], in, sizeof(in), got, 2, &n, 0), 2);
    CHECK_EQ(n, 0);
    close(sp[0]);
    CHECK_EQ(xk_recv_fds(sp[1], in, sizeof(in), got, 2, &n, 0), 0);    /* EOF */
    CHECK_EQ(xk_recv_fds(sp[1], in, sizeof(in), got, 2, &n, MSG_DONTWAIT), 0);
    close(sp[1]);
}

/* The open fds this process has. */
static int count_fds(void)
{
    int n = 0;

    for (int f = 0; f < 1024; f++)
        if (fcntl(f, F_GETFD) >= 0)
            n++;
    return n;
}

/* More fds than the receiver takes, or a longer message: -EPROTO, and no
 * fd of that message stays open in the receiver. */
static void test_fds_too_many(void)
{
    int sp[2], p[2], got[2], n = -1, before;
    char in[4], big[16] = "0123456789";

    CHECK(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sp) == 0);
    CHECK(pipe(p) == 0);
    int fds[3] = { p[0], p[1], p[0] };
    before = count_fds();
    CHECK_EQ(xk_send_fds(sp[0], "x", 1, fds, 3), 0);
    CHECK_EQ(xk_recv_fds(sp[1], in, sizeof(in), got, 2, &n, 0), -EPROTO);
    CHECK_EQ(n, 0);
    CHECK_EQ(count_fds(), before);
    CHECK_EQ(xk_send_fds(sp[0], big, sizeof(big), fds, 2), 0);
    CHECK_EQ(xk_recv_fds(sp[1], in, sizeof(in), got, 2, &n, 0), -EPROTO);
    CHECK_EQ(count_fds(), before);
    CHECK_EQ(xk_send_fds(sp[0], "x", 1, fds, XK_FD_PASS_MAX + 1), -EINVAL);
    close(p[0]);
    close(p[1]);
    close(sp[0]);
    close(sp[1]);
}

int main(void)
{
    snprintf(dir, sizeof(dir), "/tmp/xk-unix-XXXXXX");
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    snprintf(path, sizeof(path), "%s/s.sock", dir);
    RUN(test_listen_fresh);
    RUN(test_listen_live_refused);
    RUN(test_listen_stale_taken_over);
    RUN(test_listen_not_a_socket);
    RUN(test_path_too_long);
    RUN(test_fds_round_trip);
    RUN(test_fds_none);
    RUN(test_fds_too_many);
    rmdir(dir);
    return CHECK_DONE();
}
