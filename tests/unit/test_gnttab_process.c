/* A backend in another process: the child maps the same memfd, attaches a
 * view with gnt_flat_ram_ptr and takes the parent's (the guest's) grant;
 * the pins and flags it sets are what the parent sees, so the guest's end
 * of access fails while the child holds the grant and succeeds after. */
#include <errno.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "gnttab/gnttab.h"

#define RAM_PAGES 8
#define REGION_PAGES GNT_REGION_PAGES(GNT_MAX_FRAMES_LIMIT)
#define SIZE ((size_t)(RAM_PAGES + REGION_PAGES) * GNT_PAGE_SIZE)

static uint8_t *map_memfd(int fd)
{
    void *p = mmap(NULL, SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    return p == MAP_FAILED ? NULL : p;
}

/* The backend: take ref 8 for writing, write, report, wait, release. */
static int child(int fd, int to_parent, int from_parent)
{
    uint8_t *mem = map_memfd(fd), c = 0;
    struct gnt_flat_ram ram = { mem, RAM_PAGES, RAM_PAGES };
    struct gnt_view v;
    struct gnt_handle h;

    if (!mem || gnt_view_init(&v, mem + RAM_PAGES * GNT_PAGE_SIZE, 1,
                              gnt_flat_ram_ptr, &ram))
        return 1;
    if (gnt_take(&v, 0, 8, GNT_WRITE, &h) != GNTST_okay)
        return 2;
    memcpy(h.ptr, "from the backend", 17);
    if (write(to_parent, "t", 1) != 1 || read(from_parent, &c, 1) != 1)
        return 3;
    gnt_release(&h);
    /* A ref past the table. */
    if (gnt_take(&v, 0, 512, GNT_READ, &h) != GNTST_bad_gntref)
        return 4;
    return write(to_parent, "r", 1) == 1 ? 0 : 5;
}

static void backend_in_another_process(void)
{
    int fd = memfd_create("gnt-test", MFD_CLOEXEC), up[2], down[2], status = -1;
    uint8_t *mem;
    grant_entry_v1_t *e;
    char c = 0;
    pid_t pid;

    CHECK(fd >= 0);
    CHECK_EQ(ftruncate(fd, (off_t)SIZE), 0);
    mem = map_memfd(fd);
    CHECK(mem != NULL);
    if (!mem)
        return;
    CHECK_EQ(gnt_table_init(mem + RAM_PAGES * GNT_PAGE_SIZE, 4), 0);
    e = (grant_entry_v1_t *)(mem + (RAM_PAGES + 1) * GNT_PAGE_SIZE) + 8;
    e->domid = 0;
    e->frame = 5;
    __atomic_store_n(&e->flags, GTF_permit_access, __ATOMIC_RELEASE);
    CHECK_EQ(pipe(up), 0);
    CHECK_EQ(pipe(down), 0);
    pid = fork();
    if (pid == 0)
        _exit(child(fd, up[1], down[0]));
    CHECK_EQ(read(up[0], &c, 1), 1);
    CHECK_EQ(c, 't');
    /* Held in the other process: busy for the guest, data in place. */
    CHECK_EQ(e->flags, GTF_permit_access | GTF_reading | GTF_writing);
    CHECK(!memcmp(mem + 5 * GNT_PAGE_SIZE, "from the backend", 17));
    CHECK_EQ(write(down[1], "g", 1), 1);
    CHECK_EQ(read(up[0], &c, 1), 1);
    CHECK_EQ(c, 'r');
    CHECK_EQ(e->flags, GTF_permit_access);
    CHECK_EQ(waitpid(pid, &status, 0), pid);
    CHECK(WIFEXITED(status));
    CHECK_EQ(WEXITSTATUS(status), 0);
    munmap(mem, SIZE);
    close(fd);
}

static void flat_ram_layout(void)
{
    static uint8_t base[6 * GNT_PAGE_SIZE];
    /* 4 pages below the hole, 2 from 4 GiB. */
    struct gnt_flat_ram r = { base, 4, 6 };
    uint64_t g4 = 0x100000000ULL >> 12;

    CHECK(gnt_flat_ram_ptr(&r, 0) == base);
    CHECK(gnt_flat_ram_ptr(&r, 3) == base + 3 * GNT_PAGE_SIZE);
    CHECK(gnt_flat_ram_ptr(&r, 4) == NULL);
    CHECK(gnt_flat_ram_ptr(&r, g4 - 1) == NULL);
    CHECK(gnt_flat_ram_ptr(&r, g4) == base + 4 * GNT_PAGE_SIZE);
    CHECK(gnt_flat_ram_ptr(&r, g4 + 1) == base + 5 * GNT_PAGE_SIZE);
    CHECK(gnt_flat_ram_ptr(&r, g4 + 2) == NULL);
    CHECK(gnt_flat_ram_ptr(&r, ~0ULL) == NULL);
}

int main(void)
{
    RUN(backend_in_another_process);
    RUN(flat_ram_layout);
    return CHECK_DONE();
}
