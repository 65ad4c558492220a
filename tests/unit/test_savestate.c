/* Unit tests for the saved-state encoding (lib/savestate.c) and the
 * domain's savable parts (hvm/save*.c): the encoding's edge cases, then
 * per part a round trip into a fresh VM, a wrong version, truncated
 * payloads and an out-of-range value, then the whole registry, and the
 * vCPU part's KVM state through a real KVM VM where /dev/kvm exists. */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>

#include <xen/hvm/params.h>

#include "check.h"
#include "kvm_box.h"
#include "hvm/grant.h"
#include "hvm/save.h"
#include "hvm/shinfo.h"
#include "hvm/timer.h"
#include "hvm/vcpu.h"
#include "hvm/vm.h"
#include "savestate.h"
#include "util.h"
#include "vm_fixture.h"
#include "vmm_socket_proto.h"

static int pirq_port;     /* the pirq port the filled VM bound */
static char msg[SS_MSG_LEN];

/* ---- the encoding ---------------------------------------------------- */

static void encoding_fields(void)
{
    struct ss_wr w = { 0 };
    struct ss_rd r;
    const uint8_t *p;
    uint8_t *buf;
    uint32_t n;
    bool null;
    size_t len;

    ss_put_u8(&w, 0x12);
    ss_put_u16(&w, 0x3456);
    ss_put_u32(&w, 0x789abcde);
    ss_put_u64(&w, 0x0102030405060708ULL);
    ss_put_str(&w, "ab");
    ss_put_str(&w, NULL);
    ss_put_str(&w, "");
    ss_put_blob(&w, "xyz", 3);
    buf = ss_wr_take(&w, &len);
    CHECK(buf != NULL);
    CHECK_EQ(len, 1 + 2 + 4 + 8 + 6 + 4 + 4 + 7);
    /* Little-endian whatever the host. */
    CHECK_EQ(buf[1], 0x56);
    CHECK_EQ(buf[2], 0x34);
    CHECK_EQ(buf[3], 0xde);
    CHECK_EQ(buf[7], 0x08);
    CHECK_EQ(buf[14], 0x01);
    r = ss_rd_init(buf, len);
    CHECK_EQ(ss_get_u8(&r), 0x12);
    CHECK_EQ(ss_get_u16(&r), 0x3456);
    CHECK_EQ(ss_get_u32(&r), 0x789abcde);
    CHECK_EQ(ss_get_u64(&r), 0x0102030405060708ULL);
    p = (const uint8_t *)ss_get_strn(&r, &n, &null);
    CHECK(p && n == 2 && !null && !memcmp(p, "ab", 2));
    CHECK(!ss_get_strn(&r, &n, &null) && null && !r.bad);
    p = (const uint8_t *)ss_get_strn(&r, &n, &null);
    CHECK(p && n == 0 && !null);
    p = ss_get_blob(&r, &n);
    CHECK(p && n == 3 && !memcmp(p, "xyz", 3));
    CHECK(ss_done(&r));
    /* Past the end: zero, marked bad, and bad stays. */
    CHECK_EQ(ss_get_u8(&r), 0);
    CHECK(r.bad && !ss_done(&r));
    r = ss_rd_init(buf, 3);
    CHECK_EQ(ss_get_u32(&r), 0);        /* 3 bytes do not make a u32 */
    CHECK(r.bad);
    CHECK_EQ(ss_get_u8(&r), 0);         /* nothing after a bad read */
    /* A blob whose length runs past the end. */
    r = ss_rd_init("\xff\xff\xff\x7f" "ab", 6);
    CHECK(!ss_get_blob(&r, &n) && n == 0 && r.bad);
    free(buf);
}

static void encoding_writers(void)
{
    uint8_t small[6];
    struct ss_wr w = ss_wr_fixed(small, sizeof(small));
    struct ss_wr m = ss_wr_fixed(NULL, 0);
    size_t len;

    ss_put_u32(&w, 1);
    CHECK(!w.failed);
    ss_put_u32(&w, 2);                  /* does not fit */
    CHECK(w.failed);
    CHECK_EQ(w.len, 8);                 /* counts what it would need */
    CHECK(!ss_wr_take(&w, &len));       /* a fixed buffer is not handed over */
    ss_put_u64(&m, 1);
    ss_put_str(&m, "hello");
    CHECK(!m.failed);                   /* measuring is not failing */
    CHECK_EQ(m.len, 8 + 4 + 5);
    /* A growing writer across many reallocations. */
    w = (struct ss_wr){ 0 };
    for (unsigned i = 0; i < 100000; i++)
        ss_put_u32(&w, i);
    CHECK(!w.failed && w.len == 400000);
    CHECK_EQ(w.p[4 * 99999 + 1], (99999 >> 8) & 0xff);
    ss_wr_free(&w);
}

static void encoding_records(void)
{
    struct ss_wr w = { 0 };
    struct ss_rd r, body;
    uint32_t type;
    size_t rec;

    rec = ss_begin_record(&w, SS_TYPE(7));
    ss_put_u8(&w, 0xaa);
    ss_end_record(&w, rec);
    CHECK_EQ(w.len, 16);                /* 8 + 1, padded to 8 */
    CHECK_EQ(w.p[3], 0x80);             /* bit 31: optional in Xen's stream */
    CHECK_EQ(w.p[4], 1);                /* the body length, not padded */
    r = ss_rd_init(w.p, w.len);
    CHECK_EQ(ss_next_record(&r, &type, &body), 0);
    CHECK_EQ(type, SS_TYPE(7));
    CHECK_EQ(body.len, 1);
    CHECK(ss_done(&r));
    /* Padding must be zero; a record may not run past the input. */
    w.p[12] = 1;
    r = ss_rd_init(w.p, w.len);
    CHECK_EQ(ss_next_record(&r, &type, &body), -EINVAL);
    w.p[12] = 0;
    for (size_t cut = 0; cut < w.len; cut++) {
        r = ss_rd_init(w.p, cut);
        CHECK_EQ(ss_next_record(&r, &type, &body), -EINVAL);
    }
    /* A huge length is refused, not trusted. */
    w.p[4] = w.p[5] = w.p[6] = w.p[7] = 0xff;
    r = ss_rd_init(w.p, w.len);
    CHECK_EQ(ss_next_record(&r, &type, &body), -EINVAL);
    ss_wr_free(&w);
}

/* A toy object with two parts, for the registry's own rules. */
struct toy { uint32_t a; uint64_t b; };

static int toy_a_save(void *o, struct ss_wr *w) { ss_put_u32(w, ((struct toy *)o)->a); return 0; }
static int toy_a_restore(void *o, struct ss_rd *r, uint32_t v, char *m)
{
    (void)m;
    ((struct toy *)o)->a = ss_get_u32(r);
    if (v >= 2)
        ss_get_u32(r);          /* version 2 added a field */
    return 0;
}
static int toy_b_save(void *o, struct ss_wr *w) { ss_put_u64(w, ((struct toy *)o)->b); return 0; }
static int toy_b_restore(void *o, struct ss_rd *r, uint32_t v, char *m)
{
    uint64_t b = ss_get_u64(r);

    (void)v;
    if (!ss_check(r, b != 666)) {
        snprintf(m, SS_MSG_LEN, "b out of range");
        return -EINVAL;
    }
    ((struct toy *)o)->b = b;
    return 0;
}

static const struct ss_part toy_a = { "toy-a", 1, 1, toy_a_save, toy_a_restore };
static const struct ss_part toy_b = { "toy-b", 2, 1, toy_b_save, toy_b_restore };
static const struct ss_part toy_a2 = { "toy-a", 1, 2, toy_a_save, toy_a_restore };
static const struct ss_part *const toy_parts[] = { &toy_a, &toy_b };
static const struct ss_part *const toy_parts_v2[] = { &toy_a2, &toy_b };
static const struct ss_part *const toy_parts_more[] = { &toy_a, &toy_b, &toy_a };

static void registry_rules(void)
{
    struct toy in = { 7, 0x1122334455667788ULL }, out = { 0 };
    struct ss_wr w = { 0 };
    uint8_t *img, *bad;
    size_t len;

    CHECK_EQ(ss_save_parts(toy_parts, 2, &in, &w, msg), 0);
    img = ss_wr_take(&w, &len);
    CHECK(img != NULL);
    /* header 16, toy-a 8+8+4 -> 24, toy-b 8+8+8 -> 24, end 8 */
    CHECK_EQ(len, 16 + 24 + 24 + 8);
    CHECK_EQ(ss_restore_parts(toy_parts, 2, &out, img, len, msg), 0);
    CHECK(out.a == 7 && out.b == in.b);
    /* A newer build reads the older version. */
    CHECK_EQ(ss_restore_parts(toy_parts_v2, 2, &out, img, len, msg), 0);
    bad = malloc(len);
    /* Versions this build does not read: newer, and 0. */
    memcpy(bad, img, len);
    bad[16 + 8] = 2;
    out.a = 0;
    CHECK_EQ(ss_restore_parts(toy_parts, 2, &out, bad, len, msg), -EPROTO);
    CHECK(strstr(msg, "toy-a") && strstr(msg, "version 2"));
    CHECK_EQ(out.a, 0);                 /* checked before any part ran */
    bad[16 + 8] = 0;
    CHECK_EQ(ss_restore_parts(toy_parts, 2, &out, bad, len, msg), -EPROTO);
    /* The reserved word is zero. */
    memcpy(bad, img, len);
    bad[16 + 12] = 1;
    CHECK_EQ(ss_restore_parts(toy_parts, 2, &out, bad, len, msg), -EINVAL);
    /* Bad magic, another format. */
    memcpy(bad, img, len);
    bad[8] ^= 1;
    CHECK_EQ(ss_restore_parts(toy_parts, 2, &out, bad, len, msg), -EINVAL);
    memcpy(bad, img, len);
    bad[12] = 9;
    CHECK_EQ(ss_restore_parts(toy_parts, 2, &out, bad, len, msg), -EPROTO);
    /* Parts in another order, a part missing, one too many, trailing
     * bytes. */
    memcpy(bad, img, len);
    bad[16] = 2;
    CHECK_EQ(ss_restore_parts(toy_parts, 2, &out, bad, len, msg), -EPROTO);
    CHECK_EQ(ss_restore_parts(toy_parts_more, 3, &out, img, len, msg), -EPROTO);
    CHECK(strstr(msg, "toy-a") != NULL);
    CHECK_EQ(ss_restore_parts(toy_parts, 1, &out, img, len, msg), -EPROTO);
    CHECK_EQ(ss_restore_parts(toy_parts, 2, &out, img, len - 8, msg), -EINVAL);
    /* Every truncation is refused before any part runs. */
    for (size_t cut = 0; cut < len; cut++) {
        out.a = 0;
        CHECK(ss_restore_parts(toy_parts, 2, &out, img, cut, msg) < 0);
        CHECK(msg[0] != 0);
        CHECK_EQ(out.a, 0);
    }
    /* A value the part refuses, with its reason. */
    in.b = 666;
    w = (struct ss_wr){ 0 };
    CHECK_EQ(ss_save_parts(toy_parts, 2, &in, &w, msg), 0);
    CHECK_EQ(ss_restore_parts(toy_parts, 2, &out, w.p, w.len, msg), -EINVAL);
    CHECK(strstr(msg, "toy-b: b out of range") != NULL);
    ss_wr_free(&w);
    free(bad);
    free(img);
}

/* ---- the domain's parts ---------------------------------------------- */

#define STORE_PFN   (XK_SPECIAL_END_PFN - XK_NR_SPECIAL + SPECIAL_XENSTORE)
#define CONSOLE_PFN (XK_SPECIAL_END_PFN - XK_NR_SPECIAL + SPECIAL_CONSOLE)
#define SHINFO_GFN  0xf00ULL
#define VINFO_GPA   0x5040ULL

static void vm_setup(struct vm *vm)
{
    vm_fixture_setup(vm, 16, 1);
    vm->params[HVM_PARAM_STORE_PFN] = STORE_PFN;
    vm->params[HVM_PARAM_CONSOLE_PFN] = CONSOLE_PFN;
}

static void vm_teardown(struct vm *vm)
{
    vm_fixture_teardown(vm);
}

/* Give VM state in every part that differs from a fresh VM's. */
static void vm_dirty(struct vm *vm)
{
    struct vcpu *v = &vm->vcpus[0];
    uint64_t now = xen_clock_now(&vm->clock), mpage;

    /* physmap: a hole, a ballooned-out frame, shared info moved, ring
     * contents. */
    pthread_rwlock_wrlock(&vm->pm.lock);
    physmap_clear(&vm->pm, 0x100, 4);
    for (unsigned i = 0; i < 4; i++)
        vm->ram_state[0x100 + i] = 0;
    vm->ram_state[0x200] = RAM_MAPPED;
    vm->tot_pages -= 5;
    vm->unmapped_pages = 2;
    shinfo_map_locked(vm, SHINFO_GFN);
    pthread_rwlock_unlock(&vm->pm.lock);
    memcpy((uint8_t *)vm_xenpage(vm, SPECIAL_CONSOLE) + 100, "console bytes", 13);
    /* shared info and placement */
    vm->shinfo_32 = true;
    memset((uint8_t *)vm_xenpage(vm, XENPAGE_SHARED_INFO) + 2048, 0x5a, 64);
    v->vcpu_info_registered = true;
    v->vcpu_info_gpa = VINFO_GPA;
    v->time_area_gva = 0x40001000;
    v->runstate_gva = 0x40002000;
    v->runstate.state = RUNSTATE_blocked;
    v->runstate.state_entry_time = 12345;
    v->runstate.time[RUNSTATE_running] = 999;
    /* params */
    vm->params[HVM_PARAM_CALLBACK_IRQ] = (2ULL << 56) | 0xf3;
    vm->params[HVM_PARAM_TIMER_MODE] = 1;
    /* grant table: version 2, a second frame mapped where RAM was */
    gnt_set_version(&vm->gnttab->view, 2);
    if (vm_gnttab_frame_page(vm, 1, &mpage) == 0) {
        pthread_rwlock_wrlock(&vm->pm.lock);
        physmap_clear(&vm->pm, 0x900, 1);
        vm->ram_state[0x900] = RAM_POPULATED;
        vm_gnttab_map_frame_locked(vm, 1, mpage, 0x900);
        pthread_rwlock_unlock(&vm->pm.lock);
    }
    /* event channels and vectors */
    evtchn_alloc_unbound(&vm->evtchn, 3);
    evtchn_bind_virq(&vm->evtchn, VIRQ_TIMER, 0);
    /* hvm_pirq: GSI 22 mapped as a pirq and bound (a binding that must
     * survive save/restore and live update with the ports). */
    {
        int pirq = -1;
        evtchn_pirq_map_gsi(&vm->evtchn, 22, &pirq);
        pirq_port = evtchn_bind_pirq(&vm->evtchn, (uint32_t)pirq);
    }
    atomic_store(&v->upcall_vector, 0x40);
    /* timers: far enough not to fire, periodic slow enough not to tick */
    timer_singleshot(v, now + 3600ULL * 1000000000ULL);
    pthread_mutex_lock(&vm->timer_lock);
    v->periodic_last = now;
    pthread_mutex_unlock(&vm->timer_lock);
    timer_periodic(v, 10ULL * 1000000000ULL);
    /* attachment */
    vm->reattach.xenstore = vm->reattach.console = true;
    /* vCPU, Xen side */
    v->state = VCPU_DOWN;
    v->initialised = true;
    v->ctx_pending = true;
    v->init_ctx.mode = VCPU_HVM_MODE_64B;
    v->init_ctx.cpu_regs.x86_64.rip = 0x1234567;
    v->init_ctx.cpu_regs.x86_64.cr0 = 0x80000011;
    /* control */
    vm->ctl_pause_count = 3;
}

/* Did part K come back?  Field by field, so a part that saved nothing
 * cannot pass. */
static void check_part(unsigned k, struct vm *a, struct vm *b)
{
    struct vcpu *va = &a->vcpus[0], *vb = &b->vcpus[0];
    struct evtchn_status st;

    switch (vm_parts[k]->id) {
    case VM_PART_PHYSMAP:
        CHECK_EQ(b->tot_pages, a->tot_pages);
        CHECK_EQ(b->unmapped_pages, 2);
        CHECK_EQ(b->ram_state[0x100], 0);
        CHECK_EQ(b->ram_state[0x200], RAM_MAPPED);
        CHECK(vm_ram_page(b, 0x100) == NULL);
        CHECK_EQ(b->pm.n, a->pm.n);
        for (unsigned i = 0; i < a->pm.n && i < b->pm.n; i++)
            CHECK(b->pm.r[i].gfn == a->pm.r[i].gfn && b->pm.r[i].nr == a->pm.r[i].nr &&
                  b->pm.r[i].mpage == a->pm.r[i].mpage && b->pm.r[i].kind == a->pm.r[i].kind);
        CHECK(!memcmp((uint8_t *)vm_xenpage(b, SPECIAL_CONSOLE) + 100, "console bytes", 13));
        break;
    case VM_PART_SHINFO:
        CHECK_EQ(b->shared_info_gfn, SHINFO_GFN);
        CHECK_EQ(b->shinfo_32, true);
        CHECK_EQ(((uint8_t *)vm_xenpage(b, XENPAGE_SHARED_INFO))[2048 + 63], 0x5a);
        CHECK(vb->vcpu_info_registered && vb->vcpu_info_gpa == VINFO_GPA);
        CHECK_EQ(vb->runstate_gva, 0x40002000);
        CHECK_EQ(vb->runstate.state, RUNSTATE_blocked);
        CHECK_EQ(vb->runstate.time[RUNSTATE_running], 999);
        break;
    case VM_PART_PARAMS:
        CHECK_EQ(b->params[HVM_PARAM_CALLBACK_IRQ], a->params[HVM_PARAM_CALLBACK_IRQ]);
        CHECK_EQ(b->params[HVM_PARAM_TIMER_MODE], 1);
        break;
    case VM_PART_GNTTAB:
        CHECK_EQ(gnt_version(&b->gnttab->view), 2);
        CHECK_EQ(gnt_nr_frames(&b->gnttab->view), 2);
        CHECK_EQ(vm_gnttab_frame_gfn(b, false, 1), 0x900);
        break;
    case VM_PART_EVTCHN:
        CHECK_EQ(evtchn_status(&b->evtchn, 3, &st), 0);
        CHECK_EQ(st.status, EVTCHNSTAT_unbound);
        CHECK_EQ(evtchn_bind_virq(&b->evtchn, VIRQ_TIMER, 0), -EEXIST);
        CHECK_EQ(atomic_load(&vb->upcall_vector), 0x40);
        CHECK(pirq_port > 0);
        CHECK_EQ(evtchn_pirq_of_gsi(&b->evtchn, 22), 16);
        CHECK_EQ(evtchn_status(&b->evtchn, (uint32_t)pirq_port, &st), 0);
        CHECK_EQ(st.status, EVTCHNSTAT_pirq);
        CHECK_EQ(st.u.pirq, 16);
        CHECK_EQ(evtchn_bind_pirq(&b->evtchn, 16), -EEXIST);
        break;
    case VM_PART_TIMERS:
        CHECK_EQ(b->clock.tsc_base, a->clock.tsc_base);
        CHECK_EQ(vb->singleshot_deadline, va->singleshot_deadline);
        CHECK_EQ(vb->periodic_period, 10ULL * 1000000000ULL);
        break;
    case VM_PART_ATTACH:
        CHECK(b->reattach.xenstore && b->reattach.console);
        break;
    case VM_PART_VCPUS:
        CHECK(vb->initialised && vb->ctx_pending && vb->state == VCPU_DOWN);
        CHECK_EQ(vb->init_ctx.cpu_regs.x86_64.rip, 0x1234567);
        break;
    case VM_PART_CONTROL:
        CHECK_EQ(b->ctl_pause_count, 3);
        break;
    default:
        CHECK(!"a part this test does not know: add its checks");
    }
}

/* The payload of the record of part ID in IMG (offset), or 0. */
static size_t payload_at(const uint8_t *img, size_t len, uint8_t id, size_t *plen)
{
    struct ss_rd r = ss_rd_init(img, len), body;
    uint32_t type;

    while (!ss_next_record(&r, &type, &body))
        if (type == SS_TYPE(id)) {
            *plen = body.len - 8;
            return (size_t)(body.p - img) + 8;
        }
    return 0;
}

/* IMG with part ID's payload cut short by CUT bytes, framing intact. */
static uint8_t *cut_payload(const uint8_t *img, size_t len, uint8_t id, size_t cut, size_t *out)
{
    struct ss_rd r = ss_rd_init(img, len), body;
    struct ss_wr w = { 0 };
    uint32_t type;

    while (!ss_next_record(&r, &type, &body)) {
        size_t rec = ss_begin_record(&w, type);
        ss_put_bytes(&w, body.p, body.len - (type == SS_TYPE(id) ? cut : 0));
        ss_end_record(&w, rec);
    }
    return ss_wr_take(&w, out);
}

/* With XK_WRITE_SEEDS=DIR, the images go to DIR as the fuzz harness's
 * seed corpus (tests/fuzz/corpus/savestate was made so). */
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

/* One out-of-range value per part: offset in the payload, width, value. */
static const struct { uint8_t id; size_t off; unsigned bytes; uint64_t value; } out_of_range[] = {
    { VM_PART_PHYSMAP, 24, 8, 1 },              /* tot_pages off the page states */
    { VM_PART_SHINFO, 8, 1, 2 },                /* a width that is neither */
    { VM_PART_PARAMS, 4 + 8 * HVM_PARAM_STORE_EVTCHN, 8, 1ULL << 40 },
    { VM_PART_GNTTAB, 8, 4, 3 },                /* grant table version 3 */
    { VM_PART_EVTCHN, 4, 1, 0x05 },             /* an upcall vector below 0x10 */
    { VM_PART_TIMERS, 40, 8, 1 },               /* a 1 ns period */
    { VM_PART_ATTACH, 0, 1, 2 },                /* neither attached nor not */
    { VM_PART_VCPUS, 4, 1, 7 },                 /* up is 0 or 1 */
    { VM_PART_CONTROL, 0, 4, XK_LINK_MAX_PAUSE + 1 },
};

static void parts_each(void)
{
    static struct vm a, b;

    vm_setup(&a);
    vm_dirty(&a);
    for (unsigned k = 0; k < vm_nr_parts; k++) {
        const struct ss_part *p = vm_parts[k];
        struct ss_wr w = { 0 }, w2 = { 0 };
        uint8_t *img, *bad;
        size_t len, plen = 0, off, blen;
        bool found = false;

        /* The parts up to K: K may depend on those before it. */
        CHECK_EQ(ss_save_parts(vm_parts, k + 1, &a, &w, msg), 0);
        img = ss_wr_take(&w, &len);
        if (!img)
            continue;
        off = payload_at(img, len, p->id, &plen);
        CHECK(off != 0);
        vm_setup(&b);
        /* A wrong version: refused before anything changes. */
        bad = malloc(len);
        memcpy(bad, img, len);
        bad[off - 8] = (uint8_t)(p->version + 1);
        CHECK_EQ(ss_restore_parts(vm_parts, k + 1, &b, bad, len, msg), -EPROTO);
        CHECK(strstr(msg, p->name) != NULL);
        /* Truncated payloads (every cut of the small parts, a sample of
         * the large). */
        for (size_t cut = 1; cut <= plen; cut += plen > 512 ? 97 : 1) {
            uint8_t *t = cut_payload(img, len, p->id, cut, &blen);
            int rc = ss_restore_parts(vm_parts, k + 1, &b, t, blen, msg);
            CHECK(rc == -EINVAL);
            if (rc != -EINVAL)
                printf("  %s cut by %zu: %d %s\n", p->name, cut, rc, msg);
            free(t);
        }
        vm_teardown(&b);

        /* An out-of-range value. */
        for (unsigned i = 0; i < ARRAY_SIZE(out_of_range); i++) {
            if (out_of_range[i].id != p->id)
                continue;
            found = true;
            vm_setup(&b);
            memcpy(bad, img, len);
            for (unsigned j = 0; j < out_of_range[i].bytes; j++)
                bad[off + out_of_range[i].off + j] = (uint8_t)(out_of_range[i].value >> (8 * j));
            CHECK_EQ(ss_restore_parts(vm_parts, k + 1, &b, bad, len, msg), -EINVAL);
            CHECK(strstr(msg, p->name) != NULL);
            vm_teardown(&b);
        }
        CHECK(found);

        /* The fuzz harness's seed for this part: 'P', its index, the
         * payload. */
        {
            uint8_t *seed = malloc(plen + 2);
            char name[64];
            if (seed) {
                seed[0] = 'P';
                seed[1] = (uint8_t)k;
                memcpy(seed + 2, img + off, plen);
                snprintf(name, sizeof(name), "part_%s", p->name);
                write_seed(name, seed, plen + 2);
                free(seed);
            }
        }

        /* The round trip: restored, the fields are back, and the VM saves
         * the same bytes. */
        vm_setup(&b);
        CHECK_EQ(ss_restore_parts(vm_parts, k + 1, &b, img, len, msg), 0);
        if (msg[0])
            printf("  %s: %s\n", p->name, msg);
        check_part(k, &a, &b);
        CHECK_EQ(ss_save_parts(vm_parts, k + 1, &b, &w2, msg), 0);
        CHECK_EQ(w2.len, len);
        CHECK(w2.p && !memcmp(w2.p, img, len));
        ss_wr_free(&w2);
        vm_teardown(&b);
        free(bad);
        free(img);
    }
    vm_teardown(&a);
}

/* A grant a backend still holds stops the save, as Xen's migration
 * wants backends disconnected; the message names the part. */
static void busy_grants_refuse_save(void)
{
    static struct vm a;
    struct ss_wr w = { 0 };
    struct gnt_handle h;
    grant_entry_v1_t *e;

    vm_setup(&a);
    e = (grant_entry_v1_t *)gnt_shared_frame(&a.gnttab->view, 0) + 9;
    e->domid = 0;
    e->frame = 0x20;
    e->flags = GTF_permit_access;
    CHECK_EQ(gnt_take(&a.gnttab->view, 0, 9, GNT_READ, &h), GNTST_okay);
    CHECK_EQ(vm_save(&a, &w, msg), -EBUSY);
    CHECK(strstr(msg, "grant-table") != NULL);
    ss_wr_free(&w);
    gnt_release(&h);
    CHECK_EQ(vm_save(&a, &w, msg), 0);
    ss_wr_free(&w);
    vm_teardown(&a);
}

/* The whole registry, and random damage to the image: refused or taken,
 * never a crash (the sanitizer build checks the "never"). */
static void registry_whole(void)
{
    static struct vm a, b;
    struct ss_wr w = { 0 };
    uint8_t *img, *mut;
    size_t len;

    vm_setup(&a);
    vm_dirty(&a);
    CHECK_EQ(vm_save(&a, &w, msg), 0);
    img = ss_wr_take(&w, &len);
    vm_teardown(&a);
    if (!img)
        return;
    write_seed("whole_dirty", img, len);
    vm_setup(&a);
    w = (struct ss_wr){ 0 };
    CHECK_EQ(vm_save(&a, &w, msg), 0);
    write_seed("whole_fresh", w.p, w.len);
    ss_wr_free(&w);
    vm_teardown(&a);
    vm_setup(&b);
    CHECK_EQ(vm_restore(&b, img, len, msg), 0);
    CHECK_EQ(b.ctl_pause_count, 3);
    CHECK_EQ(b.shared_info_gfn, SHINFO_GFN);
    mut = malloc(len);
    srand(7);
    for (int i = 0; i < 400; i++) {
        memcpy(mut, img, len);
        for (int k = 0; k < 1 + rand() % 4; k++)
            mut[rand() % len] = (uint8_t)rand();
        int rc = vm_restore(&b, mut, len, msg);
        CHECK(rc == 0 || rc == -EINVAL || rc == -EPROTO || rc == -EBUSY || rc == -ENOSPC);
    }
    vm_teardown(&b);
    free(mut);
    free(img);
}

/* ---- the vCPU's KVM state through a real KVM ------------------------- */

static const struct { uint32_t index; uint64_t value; } test_msrs[] = {
    { 0x174, 0x10 }, { 0x175, 0xffff888000001000ULL }, { 0x176, 0xffffffff81001000ULL },
    { 0xc0000081, 0x0023001000000000ULL }, { 0xc0000082, 0xffffffff81a00000ULL },
    { 0xc0000084, 0x47700 }, { 0xc0000102, 0xffff888012345000ULL }, { 0xc0000103, 5 },
    { 0x277, 0x0007010600070106ULL },
};

static void kvm_vcpu_round_trip(void)
{
    struct kvm_box a, b;
    struct kvm_regs regs;
    struct kvm_sregs sregs;
    struct ss_wr w1 = { 0 }, w2 = { 0 };
    struct ss_rd r;
    struct {
        struct kvm_msrs h;
        struct kvm_msr_entry e[ARRAY_SIZE(test_msrs)];
    } msrs;
    int n;

    if (!kvm_box_open(&a, false)) {
        kvm_box_close(&a);
        CHECK(!"KVM went away");
        return;
    }
    /* Distinct values everywhere a guest keeps state. */
    CHECK_EQ(ioctl(a.vcpu, KVM_GET_REGS, &regs), 0);
    regs.rax = 0x1111; regs.rbx = 0x2222; regs.r15 = 0xf0f0f0f0f0f0ULL;
    regs.rip = 0xfff0 + 0x10; regs.rflags = 0x202; regs.rsp = 0x7000;
    CHECK_EQ(ioctl(a.vcpu, KVM_SET_REGS, &regs), 0);
    CHECK_EQ(ioctl(a.vcpu, KVM_GET_SREGS, &sregs), 0);
    sregs.ds.selector = 0x10;
    sregs.ds.base = 0x100;
    sregs.gdt.base = 0x8000;
    sregs.gdt.limit = 0x27;
    sregs.cr2 = 0xdead000;
    CHECK_EQ(ioctl(a.vcpu, KVM_SET_SREGS, &sregs), 0);
    memset(&msrs, 0, sizeof(msrs));
    msrs.h.nmsrs = ARRAY_SIZE(test_msrs);
    for (unsigned i = 0; i < ARRAY_SIZE(test_msrs); i++) {
        msrs.e[i].index = test_msrs[i].index;
        msrs.e[i].data = test_msrs[i].value;
    }
    n = ioctl(a.vcpu, KVM_SET_MSRS, &msrs);
    if (n != (int)ARRAY_SIZE(test_msrs))
        printf("  note: KVM_SET_MSRS took %d of %zu (MSR %#x refused)\n", n,
               ARRAY_SIZE(test_msrs), n >= 0 && n < (int)ARRAY_SIZE(test_msrs) ?
               test_msrs[n].index : 0);

    CHECK_EQ(vcpu_kvm_save(a.vcpu, &w1), 0);
    CHECK(!w1.failed);
    CHECK(kvm_box_open(&b, false));
    r = ss_rd_init(w1.p, w1.len);
    msg[0] = 0;
    CHECK_EQ(vcpu_kvm_restore(b.vcpu, &r, msg), 0);
    if (msg[0])
        printf("  restore: %s\n", msg);
    CHECK(ss_done(&r));
    /* Read back from the second VM: the same bytes. */
    CHECK_EQ(ioctl(b.vcpu, KVM_GET_REGS, &regs), 0);
    CHECK_EQ(regs.rax, 0x1111);
    CHECK_EQ(regs.r15, 0xf0f0f0f0f0f0ULL);
    CHECK_EQ(regs.rip, 0xfff0 + 0x10);
    CHECK_EQ(ioctl(b.vcpu, KVM_GET_SREGS, &sregs), 0);
    CHECK_EQ(sregs.ds.base, 0x100);
    CHECK_EQ(sregs.gdt.base, 0x8000);
    CHECK_EQ(sregs.cr2, 0xdead000);
    memset(&msrs, 0, sizeof(msrs));
    msrs.h.nmsrs = 1;
    msrs.e[0].index = 0xc0000082;
    CHECK_EQ(ioctl(b.vcpu, KVM_GET_MSRS, &msrs), 1);
    CHECK_EQ(msrs.e[0].data, 0xffffffff81a00000ULL);
    CHECK_EQ(vcpu_kvm_save(b.vcpu, &w2), 0);
    CHECK_EQ(w2.len, w1.len);
    if (w2.len == w1.len && memcmp(w1.p, w2.p, w1.len)) {
        for (size_t i = 0; i < w1.len; i++)
            if (w1.p[i] != w2.p[i]) {
                printf("  first difference at byte %zu of %zu\n", i, w1.len);
                break;
            }
        CHECK(!"the restored vCPU saves other bytes");
    }
    /* Damaged: a segment type past 15, an unknown MSR, truncation. */
    for (size_t cut = 0; cut < w1.len; cut += 61) {
        r = ss_rd_init(w1.p, cut);
        CHECK_EQ(vcpu_kvm_restore(b.vcpu, &r, msg), -EINVAL);
    }
    w1.p[18 * 8 + 14] = 16;             /* cs.type */
    r = ss_rd_init(w1.p, w1.len);
    CHECK_EQ(vcpu_kvm_restore(b.vcpu, &r, msg), -EINVAL);
    ss_wr_free(&w1);
    ss_wr_free(&w2);
    kvm_box_close(&a);
    kvm_box_close(&b);
}

/* The whole registry on VMs built as the VMM builds them (KVM memslots
 * under the physmap, real vCPUs): the restored VM saves the same bytes. */
static bool kvm_vm_setup(struct vm *vm)
{
    if (vm_mem_init(vm, 16, 1) || vm_kvm_init(vm))
        return false;
    vm->vcpus = calloc(1, sizeof(struct vcpu));
    if (!vm->vcpus || vcpu_create(vm, 0))
        return false;
    xen_clock_init(&vm->clock, 2000000, 0);
    vm->max_evtchn_port = EVTCHN_DEFAULT_MAX_PORT;
    if (events_init(vm) || timers_init(vm))
        return false;
    vm->params[HVM_PARAM_STORE_PFN] = STORE_PFN;
    vm->params[HVM_PARAM_CONSOLE_PFN] = CONSOLE_PFN;
    return true;
}

static void kvm_vm_teardown(struct vm *vm)
{
    events_destroy(vm);
    vcpus_destroy(vm);
    vm_destroy(vm);
}

static void kvm_vm_round_trip(void)
{
    static struct vm a, b;
    struct ss_wr w1 = { 0 }, w2 = { 0 };
    struct kvm_regs regs;

    CHECK(kvm_vm_setup(&a));
    CHECK(kvm_vm_setup(&b));
    if (check_case_failed)
        goto out;
    vm_dirty(&a);
    CHECK_EQ(ioctl(a.vcpus[0].fd, KVM_GET_REGS, &regs), 0);
    regs.rax = 0xabcdef;
    regs.rip = 0x100000;
    CHECK_EQ(ioctl(a.vcpus[0].fd, KVM_SET_REGS, &regs), 0);
    /* A hypercall result still in the sync area reaches the image. */
    a.vcpus[0].run->s.regs.regs = regs;
    a.vcpus[0].run->s.regs.regs.rax = 0x77;
    a.vcpus[0].run->kvm_dirty_regs |= KVM_SYNC_X86_REGS;
    CHECK_EQ(vm_save(&a, &w1, msg), 0);
    CHECK_EQ(vm_restore(&b, w1.p, w1.len, msg), 0);
    if (msg[0])
        printf("  restore: %s\n", msg);
    CHECK_EQ(ioctl(b.vcpus[0].fd, KVM_GET_REGS, &regs), 0);
    CHECK_EQ(regs.rax, 0x77);
    CHECK_EQ(regs.rip, 0x100000);
    CHECK(vm_ram_page(&b, 0x100) == NULL);      /* the hole came back */
    CHECK(vm_ram_page(&b, 0x101 + 3) != NULL);
    CHECK_EQ(vm_save(&b, &w2, msg), 0);
    CHECK_EQ(w2.len, w1.len);
    CHECK(w1.p && w2.p && !memcmp(w1.p, w2.p, w1.len));
out:
    ss_wr_free(&w1);
    ss_wr_free(&w2);
    kvm_vm_teardown(&a);
    kvm_vm_teardown(&b);
}

int main(void)
{
    RUN(encoding_fields);
    RUN(encoding_writers);
    RUN(encoding_records);
    RUN(registry_rules);
    RUN(parts_each);
    RUN(registry_whole);
    RUN(busy_grants_refuse_save);
    if (access("/dev/kvm", R_OK | W_OK) == 0)
    {
        RUN(kvm_vcpu_round_trip);
        RUN(kvm_vm_round_trip);
    } else {
        printf("SKIP: kvm_vcpu_round_trip: no usable /dev/kvm\n");
        printf("SKIP: kvm_vm_round_trip: no usable /dev/kvm\n");
    }
    return CHECK_DONE();
}
