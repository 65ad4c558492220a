/* Xen's migration stream as xenkvm writes and reads it (hvm/mig_stream.c,
 * hvm/mig_hvmctx.c, lib/xl_savefile.c; docs/migration.md): xl's header
 * byte for byte, the record sequence and its framing, zero and ballooned
 * pages, a round trip into a fresh VM, every truncation refused, a
 * stream without xenkvm's records (as Xen writes it), and Xen's HVM
 * context to and from a real KVM vCPU (skipped without /dev/kvm). */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/wait.h>

#include <xen/hvm/save.h>

#include "check.h"
#include "kvm_box.h"
#include "hvm/mig_format.h"
#include "hvm/mig_hvmctx.h"
#include "hvm/mig_stream.h"
#include "hvm/save.h"
#include "vm_fixture.h"
#include "xl_savefile.h"

static char msg[SS_MSG_LEN];

static void write_seed(const char *name, const void *p, size_t len)
{
    const char *dir = getenv("XK_WRITE_SEEDS");
    char path[4096];
    FILE *f;

    if (!dir)
        return;
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    f = fopen(path, "wb");
    if (!f || fwrite(p, 1, len, f) != len)
        CHECK(!"cannot write a seed");
    if (f)
        fclose(f);
}

static void xl_header_bytes(void)
{
    size_t len, used;
    uint8_t *b = xl_savefile_build("{}\n", "name=\"x\"\n", "R\tdata\tt\n",
                                   "vbd/51712/state\t4\n", &len);
    struct xl_savefile sf;
    uint32_t v;
    char m[256];

    CHECK(b != NULL);
    CHECK(!memcmp(b, "Xen saved domain, xl format\n \0 \r", 32));
    memcpy(&v, b + 32, 4);
    CHECK_EQ(v, 0x01020304);
    memcpy(&v, b + 36, 4);
    CHECK_EQ(v, XL_MANDATORY_JSON | XL_MANDATORY_STREAMV2);
    memcpy(&v, b + 44, 4);
    CHECK_EQ(v, len - 48);
    memcpy(&v, b + 48, 4);
    CHECK_EQ(v, 4);                      /* "{}\n" and its NUL */
    CHECK(!memcmp(b + 52, "{}\n", 4));
    CHECK_EQ(xl_savefile_parse(b, len, &sf, &used, m, sizeof(m)), 0);
    CHECK_EQ(used, len);
    CHECK(sf.config && !strcmp(sf.config, "{}\n"));
    CHECK(sf.xk_config && !strcmp(sf.xk_config, "name=\"x\"\n"));
    CHECK(sf.xk_watches && !strcmp(sf.xk_watches, "R\tdata\tt\n"));
    CHECK(sf.xk_devices && !strcmp(sf.xk_devices, "vbd/51712/state\t4\n"));
    xl_savefile_free(&sf);
    for (size_t n = 0; n < len; n++) {
        CHECK_EQ(xl_savefile_parse(b, n, &sf, &used, m, sizeof(m)), -EINVAL);
        xl_savefile_free(&sf);
    }
    b[36] |= 0x80;
    CHECK_EQ(xl_savefile_parse(b, len, &sf, &used, m, sizeof(m)), -EPROTO);
    CHECK(strstr(m, "mandatory flag(s) 0x80") != NULL);
    b[36] = XL_MANDATORY_JSON;
    CHECK_EQ(xl_savefile_parse(b, len, &sf, &used, m, sizeof(m)), -EPROTO);
    CHECK(strstr(m, "legacy") != NULL);
    b[36] = 3;
    b[32] = 9;
    CHECK_EQ(xl_savefile_parse(b, len, &sf, &used, m, sizeof(m)), -EPROTO);
    CHECK(!strcmp(m, "File has wrong byte order"));
    b[32] = 4;
    b[5] = 'X';
    CHECK_EQ(xl_savefile_parse(b, len, &sf, &used, m, sizeof(m)), -EPROTO);
    CHECK(strstr(m, "wrong magic") != NULL);
    free(b);
}

/* A fixture VM with one page of data, one ballooned-out page. */
static void setup_vm(struct vm *vm)
{
    vm_fixture_setup(vm, 16, 1);
    memset(vm->mem + 5 * 4096, 0xa5, 4096);
    vm->ram_state[7] &= (unsigned char)~RAM_POPULATED;
    vm->tot_pages--;
    vm->params[HVM_PARAM_STORE_EVTCHN] = 1;
}

static size_t save_vm(struct vm *vm, struct ss_wr *w, unsigned flags, struct mig_stats *st)
{
    struct mig_out out = { .fd = -1, .w = w };

    CHECK_EQ(mig_save(vm, &out, flags, st, msg), 0);
    CHECK(!w->failed);
    return w->len;
}

struct rec { uint32_t type, len; size_t off; };

/* The records of a stream: libxl's and libxc's, flattened. */
static unsigned walk(const uint8_t *p, size_t len, struct rec *r, unsigned max, size_t *end)
{
    size_t off = 16;
    unsigned n = 0;
    bool libxc = false;

    while (off + 8 <= len && n < max) {
        memcpy(&r[n].type, p + off, 4);
        memcpy(&r[n].len, p + off + 4, 4);
        r[n].off = off;
        off += 8 + ((r[n].len + 7u) & ~7u);
        if (!libxc && r[n].type == LIBXL_REC_LIBXC_CONTEXT) {
            off += LIBXC_IHDR_LEN + LIBXC_DHDR_LEN;
            libxc = true;
        } else if (libxc && r[n].type == LIBXC_REC_END) {
            libxc = false;
        } else if (!libxc && r[n].type == LIBXL_REC_END) {
            n++;
            break;
        }
        n++;
    }
    *end = off;
    return n;
}

static void stream_layout(void)
{
    struct vm a;
    struct ss_wr w = { 0 };
    struct mig_stats st;
    struct rec r[64];
    size_t end;
    unsigned n, i = 0, data_pages = 0;
    uint64_t ident;
    uint32_t v, libxc_at;

    setup_vm(&a);
    save_vm(&a, &w, MIG_XENKVM_STATE, &st);
    memcpy(&ident, w.p, 8);
    CHECK_EQ(be64toh(ident), LIBXL_IDENT);
    memcpy(&v, w.p + 8, 4);
    CHECK_EQ(be32toh(v), 2);
    n = walk(w.p, w.len, r, 64, &end);
    CHECK_EQ(r[i++].type, LIBXL_REC_LIBXC_CONTEXT);
    libxc_at = (uint32_t)(r[0].off + 8);
    memcpy(&v, w.p + libxc_at + 8, 4);
    CHECK_EQ(be32toh(v), LIBXC_ID);
    memcpy(&v, w.p + libxc_at + 12, 4);
    CHECK_EQ(be32toh(v), 3);
    memcpy(&v, w.p + libxc_at + 24, 4);
    CHECK_EQ(v, LIBXC_DOM_X86_HVM);
    CHECK_EQ(r[i++].type, LIBXC_REC_X86_CPUID_POLICY);
    CHECK_EQ(r[i].len, 2 * MSR_ENTRY_LEN);
    CHECK_EQ(r[i++].type, LIBXC_REC_X86_MSR_POLICY);
    CHECK_EQ(r[i++].type, LIBXC_REC_STATIC_DATA_END);
    while (i < n && r[i].type == LIBXC_REC_PAGE_DATA) {
        uint32_t count;
        memcpy(&count, w.p + r[i].off + 8, 4);
        CHECK(count >= 1 && count <= PAGE_DATA_MAX_BATCH);
        for (uint32_t k = 0; k < count; k++) {
            uint64_t pfn;
            memcpy(&pfn, w.p + r[i].off + 16 + 8 * k, 8);
            if ((pfn & PAGE_DATA_PFN_MASK) == 5)
                CHECK_EQ(pfn >> 60, PAGE_TYPE_NOTAB);
            if ((pfn & PAGE_DATA_PFN_MASK) == 6)
                CHECK_EQ(pfn >> 60, PAGE_TYPE_XALLOC);
            if ((pfn & PAGE_DATA_PFN_MASK) == 7)
                CHECK_EQ(pfn >> 60, PAGE_TYPE_XTAB);
            data_pages += (pfn >> 60) == PAGE_TYPE_NOTAB;
        }
        i++;
    }
    CHECK_EQ(data_pages, st.pages_data);
    CHECK_EQ(st.pages_absent, 1);
    CHECK(st.pages_zero > 4000);             /* zero pages cost no data */
    CHECK_EQ(r[i].len, TSC_INFO_LEN);
    CHECK_EQ(r[i++].type, LIBXC_REC_X86_TSC_INFO);
    CHECK_EQ(r[i++].type, LIBXC_REC_HVM_PARAMS);
    CHECK_EQ(r[i++].type, LIBXC_REC_HVM_CONTEXT);
    CHECK_EQ(r[i++].type, LIBXC_REC_END);
    CHECK_EQ(r[i++].type, LIBXL_REC_END);
    CHECK_EQ(i, n);
    /* xenkvm's records after the libxl END. */
    memcpy(&v, w.p + end, 4);
    CHECK_EQ(v, SS_TYPE(SS_ID_HEADER));
    CHECK_EQ(st.bytes, w.len);
    write_seed("stream", w.p, w.len);
    ss_wr_free(&w);
    vm_fixture_teardown(&a);
}

static void round_trip(void)
{
    struct vm a, b;
    struct ss_wr w = { 0 }, r1 = { 0 }, r2 = { 0 };
    struct mig_in in = { .fd = -1 };
    struct mig_restored res;
    uint8_t page[4096];

    setup_vm(&a);
    save_vm(&a, &w, MIG_XENKVM_STATE, NULL);
    vm_fixture_setup(&b, 16, 1);
    memset(b.mem + 9 * 4096, 0x77, 4096);   /* what the fresh VM had goes */
    in.p = w.p;
    in.len = w.len;
    CHECK_EQ(mig_restore(&b, &in, &res, msg), 0);
    if (msg[0])
        printf("  %s\n", msg);
    CHECK(res.xenkvm_state);
    memset(page, 0xa5, sizeof(page));
    CHECK(!memcmp(b.mem + 5 * 4096, page, 4096));
    memset(page, 0, sizeof(page));
    CHECK(!memcmp(b.mem + 9 * 4096, page, 4096));
    CHECK(!(b.ram_state[7] & RAM_POPULATED));
    CHECK_EQ(b.tot_pages, a.tot_pages);
    /* The registry saves the same state from both. */
    CHECK_EQ(vm_save(&a, &r1, msg), 0);
    CHECK_EQ(vm_save(&b, &r2, msg), 0);
    CHECK(r1.len == r2.len && !memcmp(r1.p, r2.p, r1.len));
    mig_in_free(&in);
    ss_wr_free(&w);
    ss_wr_free(&r1);
    ss_wr_free(&r2);
    vm_fixture_teardown(&b);
    vm_fixture_teardown(&a);
}

/* From a pipe written in odd-sized pieces: page data arrives split
 * anywhere (the direct readv path and its short reads). */
static void restore_from_a_pipe(void)
{
    struct vm a, b;
    struct ss_wr w = { 0 };
    struct mig_restored res;
    uint8_t page[4096];
    int p[2], st;
    pid_t pid;

    setup_vm(&a);
    for (unsigned i = 0; i < 300; i++)
        memset(a.mem + (64 + i) * 4096, (int)(i & 0xff) | 1, 4096);
    save_vm(&a, &w, MIG_XENKVM_STATE, NULL);
    CHECK_EQ(pipe(p), 0);
    pid = fork();
    if (pid == 0) {
        close(p[0]);
        for (size_t off = 0; off < w.len;) {
            size_t n = w.len - off < 1021 ? w.len - off : 1021;
            if (write(p[1], w.p + off, n) != (ssize_t)n)
                _exit(1);
            off += n;
        }
        _exit(0);
    }
    close(p[1]);
    vm_fixture_setup(&b, 16, 1);
    {
        struct mig_in in = { .fd = p[0] };
        CHECK_EQ(mig_restore(&b, &in, &res, msg), 0);
        mig_in_free(&in);
    }
    close(p[0]);
    CHECK_EQ(waitpid(pid, &st, 0), pid);
    CHECK(res.xenkvm_state);
    CHECK_EQ(res.st.pages_data, 301);
    memset(page, 0xa5, sizeof(page));
    CHECK(!memcmp(b.mem + 5 * 4096, page, 4096));
    CHECK(!memcmp(a.mem + 64 * 4096, b.mem + 64 * 4096, 300 * 4096));
    ss_wr_free(&w);
    vm_fixture_teardown(&b);
    vm_fixture_teardown(&a);
}

static void every_truncation_refused(void)
{
    struct vm a, b;
    struct ss_wr w = { 0 };
    size_t len;

    setup_vm(&a);
    len = save_vm(&a, &w, MIG_XENKVM_STATE, NULL);
    vm_fixture_setup(&b, 16, 1);
    for (size_t n = 0; n < len; n += n < 8192 ? 1 : 509) {
        struct mig_in in = { .fd = -1, .p = w.p, .len = n };
        struct mig_restored res;
        int rc = mig_restore(&b, &in, &res, msg);
        mig_in_free(&in);
        if (rc != -EINVAL || !msg[0]) {
            printf("  at %zu of %zu: %d %s\n", n, len, rc, msg);
            CHECK(!"a truncated stream was not refused");
            break;
        }
    }
    ss_wr_free(&w);
    vm_fixture_teardown(&b);
    vm_fixture_teardown(&a);
}

static void xen_stream_without_xenkvm_records(void)
{
    struct vm a, b;
    struct ss_wr w = { 0 };
    struct mig_in in = { .fd = -1 };
    struct mig_restored res;
    uint8_t page[4096];

    setup_vm(&a);
    a.params[HVM_PARAM_CONSOLE_PFN] = 0xfeff9;
    save_vm(&a, &w, 0, NULL);
    write_seed("xen-stream", w.p, w.len);
    vm_fixture_setup(&b, 16, 1);
    in.p = w.p;
    in.len = w.len;
    CHECK_EQ(mig_restore(&b, &in, &res, msg), 0);
    CHECK(!res.xenkvm_state);
    CHECK_EQ(b.params[HVM_PARAM_CONSOLE_PFN], 0xfeff9);
    memset(page, 0xa5, sizeof(page));
    CHECK(!memcmp(b.mem + 5 * 4096, page, 4096));
    /* Also behind xl's header, as a save file. */
    {
        size_t hlen;
        uint8_t *h = xl_savefile_build("{}\n", NULL, NULL, NULL, &hlen);
        uint8_t *f = malloc(hlen + w.len);
        CHECK(h && f);
        if (h && f) {
            memcpy(f, h, hlen);
            memcpy(f + hlen, w.p, w.len);
            write_seed("xl-file", f, hlen + w.len);
        }
        free(h);
        free(f);
    }
    mig_in_free(&in);
    ss_wr_free(&w);
    vm_fixture_teardown(&b);
    vm_fixture_teardown(&a);
}

/* An unknown mandatory libxc record is refused; an optional one skipped. */
static void unknown_records(void)
{
    struct vm a, b;
    struct ss_wr w = { 0 };
    struct rec r[64];
    size_t end;

    setup_vm(&a);
    save_vm(&a, &w, MIG_XENKVM_STATE, NULL);
    walk(w.p, w.len, r, 64, &end);
    for (int optional = 0; optional < 2; optional++) {
        uint32_t t = optional ? 0x8000007eu : 0x7eu;
        struct mig_in in = { .fd = -1, .p = w.p, .len = w.len };
        struct mig_restored res;
        memcpy(w.p + r[2].off, &t, 4);      /* the MSR policy record */
        vm_fixture_setup(&b, 16, 1);
        CHECK_EQ(mig_restore(&b, &in, &res, msg), optional ? 0 : -EPROTO);
        if (!optional)
            CHECK(strstr(msg, "mandatory record 0x7e") != NULL);
        mig_in_free(&in);
        vm_fixture_teardown(&b);
    }
    ss_wr_free(&w);
    vm_fixture_teardown(&a);
}

/* Postcopy's pending list (xenkvm's own optional record): read into the
 * restore's list, and refused when malformed or naming no RAM page. */
static void postcopy_pending_record(void)
{
    static const struct { uint32_t count; uint64_t pages[3]; int rc; const char *why; } c[] = {
        { 3, { 1, 2, 3 }, 0, NULL },
        { 4, { 1, 2, 3 }, -EINVAL, "postcopy pending record malformed" },
        { 3, { 1, 2, 1u << 30 }, -EINVAL, "is not guest RAM" },
    };
    struct vm a, b;
    struct ss_wr w = { 0 };
    struct rec r[64];
    size_t end;

    setup_vm(&a);
    save_vm(&a, &w, MIG_XENKVM_STATE, NULL);
    walk(w.p, w.len, r, 64, &end);
    CHECK_EQ(r[2].type, LIBXC_REC_X86_MSR_POLICY);
    CHECK_EQ(r[2].len, 32);
    for (unsigned i = 0; i < 3; i++) {
        uint32_t t = XK_REC_PC_PENDING, zero = 0;
        struct mig_in in = { .fd = -1, .p = w.p, .len = w.len };
        struct mig_restored res;
        uint8_t *body = w.p + r[2].off + 8;
        memcpy(w.p + r[2].off, &t, 4);      /* in place of the MSR policy */
        memcpy(body, &c[i].count, 4);
        memcpy(body + 4, &zero, 4);
        memcpy(body + 8, c[i].pages, 24);
        vm_fixture_setup(&b, 16, 1);
        CHECK_EQ(mig_restore(&b, &in, &res, msg), c[i].rc);
        if (c[i].rc)
            CHECK(strstr(msg, c[i].why) != NULL);
        else
            CHECK(res.st.npending == 3 && res.st.pending[0] == 1 && res.st.pending[2] == 3);
        free(res.st.pending);
        mig_in_free(&in);
        vm_fixture_teardown(&b);
    }
    ss_wr_free(&w);
    vm_fixture_teardown(&a);
}

/* ---- Xen's HVM context and KVM ---- */

static void hvm_context_kvm_round_trip(void)
{
    struct vm a, b;
    struct kvm_box ka, kb;
    struct ss_wr c1 = { 0 }, c2 = { 0 };
    struct kvm_regs regs;
    struct kvm_sregs sregs;
    size_t off = 0;
    unsigned cpu_records = 0;

    vm_fixture_setup(&a, 16, 1);
    vm_fixture_setup(&b, 16, 1);
    CHECK(kvm_box_open(&ka, false) && kvm_box_open(&kb, false));
    a.vcpus[0].fd = ka.vcpu;
    b.vcpus[0].fd = kb.vcpu;
    a.vcpus[0].state = VCPU_UP;
    CHECK_EQ(ioctl(ka.vcpu, KVM_GET_REGS, &regs), 0);
    regs.rax = 0x1111; regs.r15 = 0xf0f0f0f0f0f0ULL; regs.rip = 0x1234; regs.rflags = 0x202;
    CHECK_EQ(ioctl(ka.vcpu, KVM_SET_REGS, &regs), 0);
    CHECK_EQ(ioctl(ka.vcpu, KVM_GET_SREGS, &sregs), 0);
    sregs.ds.selector = 0x10; sregs.ds.base = 0x100; sregs.cr2 = 0xdead000;
    sregs.gdt.base = 0x8000; sregs.gdt.limit = 0x27;
    CHECK_EQ(ioctl(ka.vcpu, KVM_SET_SREGS, &sregs), 0);

    CHECK_EQ(hvmctx_save(&a, &c1, msg), 0);
    /* Xen's order: HEADER first, END last; one CPU record for the up vCPU. */
    while (off + 8 <= c1.len) {
        uint16_t code;
        uint32_t len;
        memcpy(&code, c1.p + off, 2);
        memcpy(&len, c1.p + off + 4, 4);
        if (off == 0)
            CHECK_EQ(code, HVM_SAVE_CODE(HEADER));
        if (code == HVM_SAVE_CODE(CPU)) {
            CHECK_EQ(len, sizeof(struct hvm_hw_cpu));
            cpu_records++;
        }
        if (code == HVM_SAVE_CODE(LAPIC_REGS))
            CHECK_EQ(len, 1024);
        off += 8 + len;
        if (code == 0)
            break;
    }
    CHECK_EQ(off, c1.len);
    CHECK_EQ(cpu_records, 1);
    CHECK_EQ(hvmctx_load(&b, c1.p, c1.len, HVMCTX_APPLY, msg), 0);
    if (msg[0])
        printf("  %s\n", msg);
    CHECK_EQ(b.vcpus[0].state, VCPU_UP);
    CHECK_EQ(ioctl(kb.vcpu, KVM_GET_REGS, &regs), 0);
    CHECK_EQ(regs.rax, 0x1111);
    CHECK_EQ(regs.r15, 0xf0f0f0f0f0f0ULL);
    CHECK_EQ(regs.rip, 0x1234);
    CHECK_EQ(ioctl(kb.vcpu, KVM_GET_SREGS, &sregs), 0);
    CHECK_EQ(sregs.ds.selector, 0x10);
    CHECK_EQ(sregs.ds.base, 0x100);
    CHECK_EQ(sregs.cr2, 0xdead000);
    CHECK_EQ(sregs.gdt.base, 0x8000);
    /* Saved again from the second vCPU: the same context but for the TSC,
     * which moved on. */
    CHECK_EQ(hvmctx_save(&b, &c2, msg), 0);
    CHECK_EQ(c1.len, c2.len);
    /* A down vCPU has no CPU record. */
    a.vcpus[0].state = VCPU_DOWN;
    ss_wr_free(&c2);
    c2 = (struct ss_wr){ 0 };
    CHECK_EQ(hvmctx_save(&a, &c2, msg), 0);
    CHECK_EQ(c2.len, c1.len - 8 - sizeof(struct hvm_hw_cpu));
    /* Damaged contexts: a record's length, an unknown type, no END. */
    c1.p[8 + sizeof(struct hvm_save_header) + 4] ^= 1;   /* the CPU record's length */
    CHECK_EQ(hvmctx_load(&b, c1.p, c1.len, HVMCTX_CHECK, msg), -EINVAL);
    c1.p[8 + sizeof(struct hvm_save_header) + 4] ^= 1;
    c1.p[8 + sizeof(struct hvm_save_header)] = 99;
    CHECK_EQ(hvmctx_load(&b, c1.p, c1.len, HVMCTX_CHECK, msg), -EPROTO);
    CHECK(strstr(msg, "unknown entry typecode 99") != NULL);
    c1.p[8 + sizeof(struct hvm_save_header)] = HVM_SAVE_CODE(CPU);
    CHECK_EQ(hvmctx_load(&b, c1.p, c1.len - 8, HVMCTX_CHECK, msg), -EINVAL);
    a.vcpus[0].fd = b.vcpus[0].fd = -1;
    kvm_box_close(&ka);
    kvm_box_close(&kb);
    ss_wr_free(&c1);
    ss_wr_free(&c2);
    vm_fixture_teardown(&b);
    vm_fixture_teardown(&a);
}

int main(void)
{
    int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);

    RUN(xl_header_bytes);
    RUN(stream_layout);
    RUN(round_trip);
    RUN(restore_from_a_pipe);
    RUN(every_truncation_refused);
    RUN(xen_stream_without_xenkvm_records);
    RUN(unknown_records);
    RUN(postcopy_pending_record);
    if (kvm >= 0) {
        close(kvm);
        RUN(hvm_context_kvm_round_trip);
    } else {
        printf("SKIP: hvm_context_kvm_round_trip: no usable /dev/kvm\n");
    }
    return CHECK_DONE();
}
