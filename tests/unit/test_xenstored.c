/* xenstored internals: path rules, permission strings and decisions, the
 * node record format, the protocol helpers. */
#include <errno.h>
#include <unistd.h>
#include <sys/mman.h>
#include "check.h"
#include "xenstored/xenstored.h"


static void paths(void)
{
    CHECK(path_valid("/"));
    CHECK(path_valid("/a/b-c_d@e/09"));
    CHECK(!path_valid(""));
    CHECK(!path_valid("a"));
    CHECK(!path_valid("/a/"));
    CHECK(!path_valid("/a//b"));
    CHECK(!path_valid("/a b"));
    CHECK(!path_valid("/a/.."));
    CHECK(path_is_child("/a/b", "/a"));
    CHECK(path_is_child("/a", "/a"));
    CHECK(path_is_child("/a", "/"));
    CHECK(!path_is_child("/ab", "/a"));
    CHECK(!path_is_child("/a", "/a/b"));
    char *p = path_parent(NULL, "/a/b/c");
    CHECK(p && !strcmp(p, "/a/b"));
    talloc_free(p);
    p = path_parent(NULL, "/a");
    CHECK(p && !strcmp(p, "/"));
    talloc_free(p);
    /* The length limit counts below /local/domain/N/ only. */
    char buf[XENSTORE_REL_PATH_MAX + 40];
    int n = snprintf(buf, sizeof(buf), "/local/domain/12/");
    memset(buf + n, 'x', XENSTORE_REL_PATH_MAX);
    buf[n + XENSTORE_REL_PATH_MAX] = 0;
    CHECK(path_valid(buf));
    buf[n + XENSTORE_REL_PATH_MAX] = 'x';
    buf[n + XENSTORE_REL_PATH_MAX + 1] = 0;
    CHECK(!path_valid(buf));
}

static void perm_strings(void)
{
    struct xs_permissions *p;
    unsigned int n, len;
    char *s;

    CHECK_EQ(perms_parse(NULL, "n0\0r5\0w6\0b7", 12, &p, &n), 0);
    CHECK_EQ(n, 4);
    CHECK(p[0].id == 0 && p[0].perms == XS_PERM_NONE);
    CHECK(p[1].id == 5 && p[1].perms == XS_PERM_READ);
    CHECK(p[2].id == 6 && p[2].perms == XS_PERM_WRITE);
    CHECK(p[3].id == 7 && p[3].perms == (XS_PERM_READ | XS_PERM_WRITE));
    s = perms_format(NULL, p, n, &len);
    CHECK(s && len == 12 && !memcmp(s, "n0\0r5\0w6\0b7", 12));
    talloc_free(s);
    talloc_free(p);
    CHECK_EQ(perms_parse(NULL, "x0", 3, &p, &n), EINVAL);
    CHECK_EQ(perms_parse(NULL, "r", 2, &p, &n), EINVAL);
    CHECK_EQ(perms_parse(NULL, "r5x", 4, &p, &n), EINVAL);
    /* Xen's strtol(s, NULL, 0), cut to 32 bits: octal, hex, signs. */
    CHECK_EQ(perms_parse(NULL, "n010\0r0x5\0b-1\0w65536", 21, &p, &n), 0);
    CHECK(n == 4 && p[0].id == 8 && p[1].id == 5 && p[2].id == 0xffffffffu &&
          p[3].id == 65536 && p[3].perms == XS_PERM_WRITE);
    talloc_free(p);
}

static void perm_decisions(void)
{
    struct conn host = { .id = 0 }, g5 = { .id = 5 }, g6 = { .id = 6 }, dm = { .id = 7 };
    struct xs_permissions p[2] = { { 5, XS_PERM_NONE }, { 6, XS_PERM_READ } };
    const unsigned int all = XS_PERM_READ | XS_PERM_WRITE | XS_PERM_OWNER;

    CHECK_EQ(perm_for_conn(&host, p, 2), all);
    CHECK_EQ(perm_for_conn(&g5, p, 2), all);
    CHECK_EQ(perm_for_conn(&g6, p, 2), XS_PERM_READ);
    CHECK_EQ(perm_for_conn(&dm, p, 2), XS_PERM_NONE);
    dm.target = &g5;        /* SET_TARGET: a device model acts for 5 */
    CHECK_EQ(perm_for_conn(&dm, p, 2), all);
    p[1].perms |= XS_PERM_IGNORE;
    CHECK_EQ(perm_for_conn(&g6, p, 2), XS_PERM_NONE);
}

static void records(void)
{
    struct xs_permissions p[2] = { { 3, XS_PERM_READ }, { 4, XS_PERM_WRITE } };
    struct node n = { .name = "/x", .generation = 42, .nperms = 2, .perms = p,
                      .data = "da\0ta", .datalen = 5, .children = "a\0bc", .childlen = 5 };
    TDB_DATA d = node_encode(NULL, &n);
    struct node *m = node_decode(NULL, "/x", d);

    CHECK(m && m->generation == 42 && m->nperms == 2 && m->perms[1].id == 4 &&
          m->datalen == 5 && !memcmp(m->data, "da\0ta", 5) &&
          m->childlen == 5 && !memcmp(m->children, "a\0bc", 5));
    talloc_free(m);
    /* Truncated or inconsistent records are refused, not read past. */
    d.dsize--;
    CHECK(!node_decode(NULL, "/x", d));
    d.dsize = 10;
    CHECK(!node_decode(NULL, "/x", d));
    talloc_free(d.dptr);
}

static void proto_helpers(void)
{
    struct xsd_sockmsg h = { .len = XENSTORE_PAYLOAD_MAX };

    CHECK_EQ(proto_check_header(&h), 0);
    h.len++;
    CHECK_EQ(proto_check_header(&h), XENSTORE_ERROR_PROTO);
    CHECK_EQ(proto_count_strings("a\0b\0c", 5), 2);
    CHECK(proto_onearg("abc", 4) != NULL);
    CHECK(proto_onearg("abc", 3) == NULL);
    CHECK(proto_onearg("a\0b", 4) == NULL);
    CHECK(proto_onearg("", 0) == NULL);
    CHECK(!strcmp(proto_errname(EAGAIN), "EAGAIN"));
    CHECK(!strcmp(proto_errname(E2BIG), "E2BIG"));
    CHECK(!strcmp(proto_errname(ENOTTY), "EINVAL"));
    CHECK(!strcmp(proto_type_name(XS_DIRECTORY_PART), "DIRECTORY_PART"));
}

/* lu_restore on a memfd holding BUF; the memfd is closed by it. */
static int restore_bytes(const void *buf, size_t len)
{
    int fd = memfd_create("test-lu", 0);

    if (fd < 0 || write(fd, buf, len) != (ssize_t)len)
        return -1;
    return lu_restore(fd);
}

/* Live-update state from another build is refused before anything of the
 * daemon changes: a part version it does not read, a truncated image, an
 * image of something else. */
static void lu_state_refused(void)
{
    struct ss_wr w = { 0 };
    size_t rec;

    rec = ss_begin_record(&w, SS_TYPE(SS_ID_HEADER));
    ss_put_u32(&w, SS_MAGIC);
    ss_put_u32(&w, SS_FORMAT);
    ss_end_record(&w, rec);
    rec = ss_begin_record(&w, SS_TYPE(1));
    ss_put_u32(&w, 2);                  /* the xenstored part, version 2 */
    ss_put_u32(&w, 0);
    ss_put_u64(&w, 12345);
    ss_end_record(&w, rec);
    rec = ss_begin_record(&w, SS_TYPE(SS_ID_END));
    ss_end_record(&w, rec);
    CHECK(!w.failed);
    CHECK_EQ(restore_bytes(w.p, w.len), EPROTO);
    w.p[16 + 8] = 1;                    /* version 1, but no end record */
    CHECK_EQ(restore_bytes(w.p, w.len - 8), EINVAL);
    CHECK_EQ(restore_bytes("XKLU\1\0\0\0", 8), EINVAL);
    ss_wr_free(&w);
}

int main(void)
{
    RUN(paths);
    RUN(perm_strings);
    RUN(perm_decisions);
    RUN(records);
    RUN(proto_helpers);
    RUN(lu_state_refused);
    return CHECK_DONE();
}
