/* A VM without KVM for host-side tests and fuzz harnesses: its memory and
 * guest-physical map (vm_mem_init, vm_mem_map_only), vCPUs with calloc'd
 * kvm_run areas whose sync registers play the guest's state, a clock and
 * the event channels and timers (events_init, timers_init).  Exits with status 2 when the host
 * cannot build it. */
#ifndef XK_TEST_VM_FIXTURE_H
#define XK_TEST_VM_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>

#include "hvm/events.h"
#include "hvm/timer.h"
#include "hvm/vm.h"

/* ACPI: the domain has ACPI tables (hvm/acpi.c), which the initial map
 * must know before it is built. */
static inline void vm_fixture_setup_acpi(struct vm *vm, uint64_t mib, unsigned nr_vcpus,
                                         bool acpi)
{
    int rc = vm_mem_init(vm, mib, nr_vcpus);

    vm->acpi = acpi;
    if (!rc)
        rc = vm_mem_map_only(vm);
    vm->vcpus = calloc(nr_vcpus, sizeof(struct vcpu));
    if (rc || !vm->vcpus) {
        fprintf(stderr, "VM setup failed: %d\n", rc);
        exit(2);
    }
    for (unsigned i = 0; i < nr_vcpus; i++) {
        struct vcpu *v = &vm->vcpus[i];
        v->vm = vm;
        v->id = i;
        v->fd = -1;
        v->run = calloc(1, sizeof(struct kvm_run));
        if (!v->run) {
            perror("calloc");
            exit(2);
        }
        pthread_cond_init(&v->cond, NULL);
    }
    xen_clock_init(&vm->clock, 2000000, 0);
    vm->max_evtchn_port = EVTCHN_DEFAULT_MAX_PORT;
    if (events_init(vm) || timers_init(vm)) {
        fprintf(stderr, "event channel setup failed\n");
        exit(2);
    }
}

static inline void vm_fixture_setup(struct vm *vm, uint64_t mib, unsigned nr_vcpus)
{
    vm_fixture_setup_acpi(vm, mib, nr_vcpus, false);
}

static inline void vm_fixture_teardown(struct vm *vm)
{
    events_destroy(vm);
    for (unsigned i = 0; i < vm->nr_vcpus; i++) {
        pthread_cond_destroy(&vm->vcpus[i].cond);
        free(vm->vcpus[i].run);
    }
    free(vm->vcpus);
    vm_destroy(vm);
}

#endif
