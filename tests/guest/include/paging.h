/*
 * Page tables where virtual differs from physical.  The first 1 GiB is
 * identity-mapped; VMAP_BASE starts a 2 MiB window of 4 KiB pages that
 * tests point at arbitrary (non-contiguous) physical frames, so buffers
 * handed to hypercalls must be translated page by page.
 */
#ifndef GUEST_PAGING_H
#define GUEST_PAGING_H

#include <stdint.h>
#include <stdbool.h>

#define VMAP_BASE  0x40000000ul
#define VMAP_PAGES 512

enum paging_mode { PAGING_NONE, PAGING_LONG, PAGING_PAE, PAGING_2LEVEL };

/* 64-bit: hooks the window into the boot tables.  32-bit: builds the
 * tables and turns on PAE paging, else 2-level, else stays unpaged
 * (PAGING_NONE) if the platform refuses both. */
void paging_init(void);
enum paging_mode paging_mode(void);
const char *paging_mode_name(void);
#ifndef __x86_64__
/* Switch between PAE, 2-level and no paging (the window keeps its
 * mappings); false, and unpaged, if setting CR0.PG faulted. */
bool paging_set_mode(enum paging_mode m);
#endif

/* Map / unmap one 4 KiB page of the window (va must be inside it). */
void vmap_set(unsigned long va, uint64_t pa);
void vmap_clear(unsigned long va);

/* Fixed pages at the top of the window for the libraries (the vmap tests
 * use its start). */
#define VMAP_SLOT_IOAPIC   (VMAP_PAGES - 1)
#define VMAP_SLOT_LAPIC    (VMAP_PAGES - 2)
#define VMAP_SLOT_XENSTORE (VMAP_PAGES - 3)
#define VMAP_SLOT_CONSOLE  (VMAP_PAGES - 4)
#define VMAP_SLOT_VA(slot) (VMAP_BASE + (unsigned long)(slot) * PAGE_SIZE)

/* A pointer to the 4 KiB page at physical address pa: the identity map
 * below 1 GiB (or anywhere when unpaged), else the window's page slot. */
void *phys_page(uint64_t pa, unsigned int slot);

#endif
