/* The callback vector acknowledged without an in-service bit, through
 * KVM's Hyper-V SynIC auto-EOI (autoeoi.c). */
#ifndef XK_AUTOEOI_H
#define XK_AUTOEOI_H

#include <stdbool.h>
#include <stdint.h>

struct vcpu;

/* On V's own thread: make VECTOR (16-255) V's auto-EOI vector, or none
 * (0).  True when KVM acks VECTOR without setting ISR; false where KVM
 * has no SynIC or refused (the VMM then clears ISR itself, irq.c). */
bool autoeoi_set(struct vcpu *v, uint8_t vector);

#endif
