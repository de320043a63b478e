/* Unwinding and symbolization with elfutils' libdwfl (Debian: libdw-dev). Why libdwfl and not
 * libunwind: libdwfl unwinds a foreign stack copy through a small callback interface (memory
 * reads and initial registers), reads CFI and symbols from the same ELF handles, finds separate
 * debuginfo by build id when installed, and falls back to frame pointers where a file has no
 * CFI (its x86_64 backend); libunwind's remote interface needs its own accessors for every
 * one of those and a second library for names. perf's own DWARF unwinder offers the same two.
 * C++ names are demangled with libiberty's cplus_demangle (Debian: libiberty-dev, static, C),
 * the demangler of binutils and GDB: libdw has none, and abi::__cxa_demangle would make the
 * harness a C++ program, loading libstdc++ (whose start-up allocates its exception pool with
 * malloc) into the measured runner too. */
#define _GNU_SOURCE
#include "symbolize.h"

#include <elfutils/libdwfl.h>
#include <libiberty/demangle.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct symbolize_map {
    char *file;
    uint64_t base; /* address - file offset: where the file's offset 0 sits */
};

struct symbolize_space {
    uint32_t pid;
    struct symbolize_map *maps;
    unsigned nmaps, cap, reported;
    Dwfl *dwfl;
    bool attached;
    const struct callchain_sample *cur; /* the sample being unwound */
};

static char *symbolize_strdup(const char *s)
{
    char *d = strdup(s);
    if (!d)
        abort();
    return d;
}

struct symbolize_space *symbolize_space_new(uint32_t pid)
{
    struct symbolize_space *sp = calloc(1, sizeof *sp);
    if (!sp)
        abort();
    sp->pid = pid;
    return sp;
}

struct symbolize_space *symbolize_space_fork(const struct symbolize_space *parent, uint32_t pid)
{
    struct symbolize_space *sp = symbolize_space_new(pid);
    for (unsigned i = 0; parent && i < parent->nmaps; i++)
        symbolize_space_map(sp, parent->maps[i].base, 0, parent->maps[i].file);
    return sp;
}

void symbolize_space_free(struct symbolize_space *sp)
{
    if (!sp)
        return;
    if (sp->dwfl)
        dwfl_end(sp->dwfl);
    for (unsigned i = 0; i < sp->nmaps; i++)
        free(sp->maps[i].file);
    free(sp->maps);
    free(sp);
}

void symbolize_space_map(struct symbolize_space *sp, uint64_t addr, uint64_t pgoff,
                         const char *file)
{
    uint64_t base = addr - pgoff;
    for (unsigned i = 0; i < sp->nmaps; i++)
        if (sp->maps[i].base == base && !strcmp(sp->maps[i].file, file))
            return; /* another segment of a file already known */
    if (sp->nmaps == sp->cap) {
        sp->cap = sp->cap ? 2 * sp->cap : 16;
        sp->maps = realloc(sp->maps, sp->cap * sizeof *sp->maps);
        if (!sp->maps)
            abort();
    }
    sp->maps[sp->nmaps].file = symbolize_strdup(file);
    sp->maps[sp->nmaps].base = base;
    sp->nmaps++;
}

/* ---- libdwfl callbacks -------------------------------------------------------------------- */

static const Dwfl_Callbacks symbolize_dwfl_callbacks = {
    .find_elf = dwfl_build_id_find_elf,
    .find_debuginfo = dwfl_standard_find_debuginfo,
};

static pid_t symbolize_next_thread(Dwfl *dwfl, void *arg, void **thread_argp)
{
    (void)dwfl, (void)arg, (void)thread_argp;
    return 0; /* threads are only ever asked for by id */
}

static bool symbolize_get_thread(Dwfl *dwfl, pid_t tid, void *arg, void **thread_argp)
{
    (void)dwfl, (void)tid;
    *thread_argp = arg;
    return true;
}

/* Only the copied stack is readable: that is all CFI unwinding of user frames needs. */
static bool symbolize_memory_read(Dwfl *dwfl, Dwarf_Addr addr, Dwarf_Word *result, void *arg)
{
    (void)dwfl;
    const struct symbolize_space *sp = arg;
    const struct callchain_sample *s = sp->cur;
    uint64_t sp0 = s->regs[7];
    if (!s->stack || addr < sp0 || addr - sp0 + 8 > s->stack_len)
        return false;
    memcpy(result, s->stack + (addr - sp0), 8);
    return true;
}

static bool symbolize_set_initial_registers(Dwfl_Thread *thread, void *arg)
{
    const struct symbolize_space *sp = arg;
    Dwarf_Word regs[CALLCHAIN_NREGS];
    for (int i = 0; i < CALLCHAIN_NREGS; i++)
        regs[i] = sp->cur->regs[i];
    return dwfl_thread_state_registers(thread, 0, CALLCHAIN_NREGS, regs);
}

static const Dwfl_Thread_Callbacks symbolize_thread_callbacks = {
    .next_thread = symbolize_next_thread,
    .get_thread = symbolize_get_thread,
    .memory_read = symbolize_memory_read,
    .set_initial_registers = symbolize_set_initial_registers,
};

/* Report the mappings libdwfl does not know yet; attach the unwinding state once. */
static bool symbolize_sync(struct symbolize_space *sp)
{
    if (!sp->dwfl) {
        sp->dwfl = dwfl_begin(&symbolize_dwfl_callbacks);
        if (!sp->dwfl)
            return false;
    }
    if (sp->reported < sp->nmaps) {
        dwfl_report_begin_add(sp->dwfl);
        for (; sp->reported < sp->nmaps; sp->reported++) {
            const struct symbolize_map *m = &sp->maps[sp->reported];
            const char *slash = strrchr(m->file, '/');
            /* NULL when unreadable or overlapping a module already there: frames in it stay
             * unnamed, the rest of the stack is unaffected */
            dwfl_report_elf(sp->dwfl, slash ? slash + 1 : m->file, m->file, -1, m->base, false);
        }
        dwfl_report_end(sp->dwfl, NULL, NULL);
    }
    if (!sp->attached)
        sp->attached =
            dwfl_attach_state(sp->dwfl, NULL, (pid_t)sp->pid, &symbolize_thread_callbacks, sp);
    return sp->attached;
}

struct symbolize_walk {
    uint64_t *pcs;
    unsigned n, max;
};

static int symbolize_frame_cb(Dwfl_Frame *state, void *arg)
{
    struct symbolize_walk *w = arg;
    Dwarf_Addr pc;
    bool activation;
    if (!dwfl_frame_pc(state, &pc, &activation) || pc == 0)
        return DWARF_CB_ABORT;
    w->pcs[w->n++] = activation ? pc : pc - 1; /* a return address points past the call */
    return w->n < w->max ? DWARF_CB_OK : DWARF_CB_ABORT;
}

unsigned symbolize_unwind(struct symbolize_space *sp, const struct callchain_sample *s,
                          uint64_t *pcs, unsigned max)
{
    if (!s->has_regs || max == 0)
        return 0;
    sp->cur = s;
    struct symbolize_walk w = {pcs, 0, max};
    if (symbolize_sync(sp))
        dwfl_getthread_frames(sp->dwfl, (pid_t)s->tid, symbolize_frame_cb, &w);
    /* an error ends the walk where CFI or the stack copy ran out: keep what was found */
    if (w.n == 0)
        pcs[w.n++] = s->regs[16];
    sp->cur = NULL;
    return w.n;
}

void symbolize_frame(struct symbolize_space *sp, uint64_t pc, char *func, size_t funclen,
                     char *module, size_t modlen)
{
    Dwfl_Module *mod = sp->dwfl ? dwfl_addrmodule(sp->dwfl, pc) : NULL;
    if (!mod) {
        snprintf(module, modlen, "%s", "");
        snprintf(func, funclen, "[unknown 0x%llx]", (unsigned long long)pc);
        return;
    }
    Dwarf_Addr start = 0;
    const char *mname = dwfl_module_info(mod, NULL, &start, NULL, NULL, NULL, NULL, NULL);
    snprintf(module, modlen, "%s", mname ? mname : "?");
    GElf_Off off = 0;
    GElf_Sym sym;
    const char *name = dwfl_module_addrinfo(mod, pc, &off, &sym, NULL, NULL, NULL);
    /* Itanium C++ ABI names only: a C name is never taken for a mangled one */
    char *plain = name && !strncmp(name, "_Z", 2)
                      ? cplus_demangle(name, DMGL_PARAMS | DMGL_ANSI | DMGL_GNU_V3)
                      : NULL;
    if (plain)
        snprintf(func, funclen, "%s", plain);
    else if (name && name[0])
        snprintf(func, funclen, "%s", name);
    else
        snprintf(func, funclen, "%s+0x%llx", module, (unsigned long long)(pc - start));
    free(plain);
}
