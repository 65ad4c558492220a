/* The shared info part: the page itself (event pending and mask bits,
 * the first 32 vcpu_info, wallclock), where the guest placed it, the
 * latched guest width, and per vCPU where its vcpu_info, time record and
 * runstate area live, with the runstate accounting so far. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "abi.h"
#include "save.h"
#include "util.h"

#define VERSION 1

static int save(void *obj, struct ss_wr *w)
{
    struct vm *vm = obj;

    pthread_mutex_lock(&vm->lock);
    ss_put_u64(w, vm->shared_info_gfn);
    ss_put_u8(w, vm->shinfo_32);
    ss_put_bytes(w, vm_xenpage(vm, XENPAGE_SHARED_INFO), XK_PAGE_SIZE);
    ss_put_u32(w, vm->nr_vcpus);
    for (unsigned i = 0; i < vm->nr_vcpus; i++) {
        const struct vcpu *v = &vm->vcpus[i];
        ss_put_u8(w, v->vcpu_info_registered);
        ss_put_u64(w, v->vcpu_info_gpa);
        ss_put_u64(w, v->time_area_gva);
        ss_put_u64(w, v->runstate_gva);
        ss_put_u32(w, (uint32_t)v->runstate.state);
        ss_put_u64(w, v->runstate.state_entry_time);
        for (unsigned t = 0; t < 4; t++)
            ss_put_u64(w, v->runstate.time[t]);
    }
    pthread_mutex_unlock(&vm->lock);
    return 0;
}

struct saved_vcpu {
    bool registered;
    uint64_t info_gpa, time_gva, runstate_gva;
    struct vcpu_runstate_info rs;
};

static int restore(void *obj, struct ss_rd *r, uint32_t version, char *msg)
{
    struct vm *vm = obj;
    uint64_t gfn = ss_get_u64(r), mpage;
    uint8_t is32 = ss_get_u8(r);
    const void *page = ss_get_bytes(r, XK_PAGE_SIZE);
    struct saved_vcpu *sv;
    enum pm_kind kind;
    bool placed;

    (void)version;
    if (!ss_check(r, is32 <= 1) || !save_vcpus_match(vm, r, msg))
        return -EINVAL;
    /* The physmap part put the page's overlay back: it must be there. */
    pthread_rwlock_rdlock(&vm->pm.lock);
    placed = gfn < PHYSMAP_MAX_GFN && physmap_lookup(&vm->pm, gfn, &mpage, &kind, NULL) &&
             kind == PM_SHARED_INFO;
    pthread_rwlock_unlock(&vm->pm.lock);
    if (!ss_check(r, gfn == XK_INVALID_GFN || placed))
        return -EINVAL;
    sv = calloc(vm->nr_vcpus, sizeof(*sv));
    if (!sv)
        return -ENOMEM;
    for (unsigned i = 0; i < vm->nr_vcpus; i++) {
        struct saved_vcpu *s = &sv[i];
        uint8_t reg = ss_get_u8(r);
        size_t sz = abi_size(&abi_vcpu_info, is32);
        s->registered = reg;
        s->info_gpa = ss_get_u64(r);
        s->time_gva = ss_get_u64(r);
        s->runstate_gva = ss_get_u64(r);
        s->rs.state = (int)ss_get_u32(r);
        s->rs.state_entry_time = ss_get_u64(r);
        for (unsigned t = 0; t < 4; t++)
            s->rs.time[t] = ss_get_u64(r);
        if (!ss_check(r, reg <= 1 && s->rs.state >= 0 && s->rs.state <= RUNSTATE_offline &&
                         (reg ? (s->info_gpa & (is32 ? 3 : 7)) == 0 &&
                                (s->info_gpa & (XK_PAGE_SIZE - 1)) <= XK_PAGE_SIZE - sz
                              : s->info_gpa == 0)))
            goto bad;
        if (reg) {
            /* It is in populated guest RAM, as map_vcpu_info required. */
            void *p;
            pthread_rwlock_rdlock(&vm->pm.lock);
            p = physmap_lookup(&vm->pm, s->info_gpa >> XK_PAGE_SHIFT, &mpage, &kind, NULL) &&
                kind == PM_RAM ? vm_gpa_ptr(vm, s->info_gpa, sz) : NULL;
            pthread_rwlock_unlock(&vm->pm.lock);
            if (!p) {
                snprintf(msg, SS_MSG_LEN, "vCPU %u: vcpu_info at %#llx is not guest RAM", i,
                         (unsigned long long)s->info_gpa);
                r->bad = true;
                goto bad;
            }
        }
    }
    if (r->bad)
        goto bad;

    pthread_mutex_lock(&vm->lock);
    vm->shared_info_gfn = gfn;
    vm->shinfo_32 = is32;
    memcpy(vm_xenpage(vm, XENPAGE_SHARED_INFO), page, XK_PAGE_SIZE);
    for (unsigned i = 0; i < vm->nr_vcpus; i++) {
        struct vcpu *v = &vm->vcpus[i];
        v->vcpu_info_registered = sv[i].registered;
        v->vcpu_info_gpa = sv[i].info_gpa;
        v->time_area_gva = sv[i].time_gva;
        v->runstate_gva = sv[i].runstate_gva;
        v->runstate = sv[i].rs;
        v->areas_changed = true;    /* publish time and runstate on entry */
    }
    pthread_mutex_unlock(&vm->lock);
    free(sv);
    return 0;
bad:
    free(sv);
    return -EINVAL;
}

const struct ss_part vm_part_shinfo = { "shared-info", VM_PART_SHINFO, VERSION, save, restore };
