/* Pre-phase touching (see prefault.h). Why each part:
 *  - the run record (memfd, MAP_SHARED): the step, timeline and histogram pages were first
 *    written inside the phase and counted as the workload's minor faults;
 *  - code of every loaded object (read): the timing wrappers and the glibc backend's wrapper
 *    faulted in on first call; a read of each page maps it (file-backed, fault-around);
 *  - not the writable data of any object: the backends' own state lives there (a brk or
 *    hybrid backend's statics, glibc's main_arena), and its first-write faults are the
 *    allocator's. The harness's statics that the phase writes are touched by their owners
 *    (lat_warm, the timeline);
 *  - the stack: with ASLR the phase's stack frames start at a random offset within a page, so
 *    they crossed into a new page in some runs and not others (+-1-2 faults run to run). */
#define _GNU_SOURCE
#include "prefault.h"

#include <link.h>
#include <stdint.h>
#include <sys/mman.h>

#include "os.h"

#define PREFAULT_STACK (256u * 1024u)

__attribute__((no_sanitize("address", "undefined"))) static void
prefault_range(uintptr_t from, uintptr_t to, int write)
{
    size_t page = os_page_size();
    from &= ~(uintptr_t)(page - 1);
    for (uintptr_t a = from; a < to; a += page) {
        volatile unsigned char *c = (volatile unsigned char *)a;
        unsigned char v = *c;
        if (write)
            *c = v;
    }
}

void prefault_write(void *p, size_t len)
{
    if (p && len)
        prefault_range((uintptr_t)p, (uintptr_t)p + len, 1);
}

void *prefault_private(size_t len)
{
    void *p =
        mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
    if (p == MAP_FAILED)
        return NULL;
    (void)madvise(p, len, MADV_WIPEONFORK); /* Linux 4.14+; without it only shm's count moves */
    prefault_write(p, len);
    return p;
}

static int prefault_object(struct dl_phdr_info *info, size_t size, void *data)
{
    (void)size;
    (void)data;
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type == PT_LOAD && (ph->p_flags & PF_X)) {
            uintptr_t lo = info->dlpi_addr + ph->p_vaddr;
            prefault_range(lo, lo + ph->p_memsz, 0);
        }
    }
    return 0;
}

__attribute__((noinline)) static void prefault_stack(void)
{
    volatile unsigned char buf[PREFAULT_STACK];
    for (size_t i = 0; i < sizeof buf; i += 1024)
        buf[i] = 0;
    __asm__ volatile("" : : "r"(buf) : "memory");
}

void prefault_harness(void *rec, size_t rec_len)
{
    prefault_write(rec, rec_len);
    dl_iterate_phdr(prefault_object, NULL);
    prefault_stack();
}
