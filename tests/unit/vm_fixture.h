/* A VM without KVM for unit tests: guest memory and its map (vm_mem_init
 * + vm_mem_map_only), NR vCPUs with calloc'd kvm_run structures whose
 * sync registers play a 32-bit guest with paging off (gva == gpa). */
#ifndef XK_TEST_VM_FIXTURE_H
#define XK_TEST_VM_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>

#include "hvm/events.h"
#include "hvm/vm.h"

static void fixture_vm_init(struct vm *vm, uint64_t mib, unsigned nr, bool acpi)
{
    int rc = vm_mem_init(vm, mib, nr);

    vm->acpi = acpi;
    if (!rc)
        rc = vm_mem_map_only(vm);
    vm->vcpus = calloc(nr, sizeof(struct vcpu));
    if (rc || !vm->vcpus) {
        fprintf(stderr, "VM setup failed: %d\n", rc);
        exit(2);
    }
    for (unsigned i = 0; i < nr; i++) {
        struct vcpu *v = &vm->vcpus[i];
        v->vm = vm;
        v->id = i;
        v->fd = -1;
        v->run = calloc(1, sizeof(struct kvm_run));
        if (!v->run)
            exit(2);
        pthread_cond_init(&v->cond, NULL);
        v->run->s.regs.sregs.cr0 = 1;   /* protected mode, no paging */
    }
    xen_clock_init(&vm->clock, 2000000, 0);
    vm->max_evtchn_port = EVTCHN_DEFAULT_MAX_PORT;
    if (events_init(vm)) {
        fprintf(stderr, "event channel setup failed\n");
        exit(2);
    }
}

static void fixture_vm_free(struct vm *vm)
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
