/* Python frames of a stopped thread (see pystack.h). Why read memory rather than ask the
 * interpreter: the thread is stopped at a syscall in the middle of malloc, where calling into
 * it (or running Python's own profiling hooks) could allocate, collect garbage or deadlock; and
 * CPython 3.11 keeps its frames in heap chunks, not on the C stack, so perf's user-stack copy
 * never holds them. Why libelf for the symbol: _PyRuntime and Py_Version are in .dynsym of
 * the executable (Debian's python3.11) or of libpython (a --enable-shared build); libelf is
 * already here with libdw. */
#define _GNU_SOURCE
#include "pystack.h"

#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "pyoffsets.h"

#define PYSTACK_MAX_TRIES   256 /* map scans per image before deciding it is not Python */
#define PYSTACK_MAX_THREADS 4096
#define PYSTACK_NAME_MAX    160

const char *pystack_unavailable(void)
{
    const struct pyoffsets *o = pyoffsets_get();
    return o->valid ? "" : o->why;
}

static bool pystack_mem(pid_t pid, uintptr_t addr, void *buf, size_t n)
{
    struct iovec local = {buf, n}, remote = {(void *)addr, n};
    return addr && process_vm_readv(pid, &local, 1, &remote, 1, 0) == (ssize_t)n;
}

static uintptr_t pystack_ptr(pid_t pid, uintptr_t addr)
{
    uintptr_t v = 0;
    return pystack_mem(pid, addr, &v, sizeof v) ? v : 0;
}

/* Values of _PyRuntime and Py_Version in file's symbol tables, and its first PT_LOAD's page
 * (the load bias is the mapping of file offset 0 minus it). */
static bool pystack_elf(const char *file, uintptr_t *runtime, uintptr_t *version, uintptr_t *base,
                        bool *pie)
{
    int fd = open(file, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    elf_version(EV_CURRENT);
    Elf *e = elf_begin(fd, ELF_C_READ, NULL);
    GElf_Ehdr eh;
    bool ok = e && gelf_getehdr(e, &eh);
    *runtime = *version = *base = 0;
    if (ok) {
        *pie = eh.e_type == ET_DYN;
        for (size_t i = 0; i < eh.e_phnum; i++) {
            GElf_Phdr ph;
            if (gelf_getphdr(e, (int)i, &ph) && ph.p_type == PT_LOAD) {
                *base = ph.p_vaddr & ~(uintptr_t)0xfff;
                break;
            }
        }
        for (Elf_Scn *s = NULL; (s = elf_nextscn(e, s));) {
            GElf_Shdr sh;
            if (!gelf_getshdr(s, &sh) || (sh.sh_type != SHT_DYNSYM && sh.sh_type != SHT_SYMTAB))
                continue;
            Elf_Data *d = elf_getdata(s, NULL);
            size_t n = sh.sh_entsize ? sh.sh_size / sh.sh_entsize : 0;
            for (size_t k = 0; d && k < n; k++) {
                GElf_Sym sym;
                if (!gelf_getsym(d, (int)k, &sym) || !sym.st_value)
                    continue;
                const char *name = elf_strptr(e, sh.sh_link, sym.st_name);
                if (name && !strcmp(name, "_PyRuntime"))
                    *runtime = sym.st_value;
                else if (name && !strcmp(name, "Py_Version"))
                    *version = sym.st_value;
            }
        }
    }
    if (e)
        elf_end(e);
    close(fd);
    return ok && *runtime;
}

/* Whether a mapped file's name says it may hold the interpreter. */
static bool pystack_candidate(const char *path)
{
    const char *b = strrchr(path, '/');
    b = b ? b + 1 : path;
    return !strncmp(b, "python", 6) || !strncmp(b, "libpython", 9);
}

void pystack_find(struct pystack_proc *p)
{
    const struct pyoffsets *o = pyoffsets_get();
    if (p->runtime || p->settled)
        return;
    if (!o->valid || ++p->tries > PYSTACK_MAX_TRIES) {
        p->settled = true;
        return;
    }
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/maps", (int)p->pid);
    FILE *f = fopen(path, "re");
    if (!f) {
        p->settled = true; /* the process is gone */
        return;
    }
    char line[4352];
    while (!p->runtime && !p->settled && fgets(line, sizeof line, f)) {
        unsigned long start, off;
        int name_at = 0;
        if (sscanf(line, "%lx-%*x %*s %lx %*s %*u %n", &start, &off, &name_at) < 2 || !name_at)
            continue;
        char *file = line + name_at;
        file[strcspn(file, "\n")] = '\0';
        if (off != 0 || file[0] != '/' || !pystack_candidate(file))
            continue;
        uintptr_t rt, ver, base;
        bool pie;
        if (!pystack_elf(file, &rt, &ver, &base, &pie))
            continue;
        uintptr_t bias = pie ? start - base : 0;
        unsigned long v = 0;
        /* Py_Version (3.11+) must name the headers' minor version: the offsets are theirs */
        if (!ver || !pystack_mem(p->pid, ver + bias, &v, sizeof v) ||
            (v >> 16) != (o->version_hex >> 16)) {
            p->settled = true;
            break;
        }
        p->runtime = rt + bias;
    }
    fclose(f);
}

/* An ASCII str object's text ("?" for anything else: other kinds are rare in names). */
static void pystack_str(pid_t pid, uintptr_t obj, char *out, size_t len)
{
    const struct pyoffsets *o = pyoffsets_get();
    snprintf(out, len, "?");
    uint32_t state = 0;
    int64_t n = 0;
    if (!pystack_mem(pid, obj + o->str_state, &state, sizeof state) ||
        !pystack_mem(pid, obj + o->str_length, &n, sizeof n))
        return;
    if (!(state & o->state_compact) || !(state & o->state_ascii) || n <= 0)
        return;
    size_t k = (size_t)n < len - 1 ? (size_t)n : len - 1;
    if (!pystack_mem(pid, obj + o->ascii_size, out, k))
        return;
    out[k] = '\0';
    for (char *c = out; *c; c++) /* the folded format's separators */
        if (*c == ';' || *c == '\n' || *c == '\r' || *c == '\t' || (unsigned char)*c < 0x20)
            *c = '_';
}

static uintptr_t pystack_thread(const struct pystack_proc *p, pid_t tid)
{
    const struct pyoffsets *o = pyoffsets_get();
    uintptr_t interp = pystack_ptr(p->pid, p->runtime + o->runtime_interp_head);
    uintptr_t ts = interp ? pystack_ptr(p->pid, interp + o->interp_threads_head) : 0;
    for (unsigned i = 0; ts && i < PYSTACK_MAX_THREADS; i++) {
        unsigned long native = 0;
        if (!pystack_mem(p->pid, ts + o->tstate_native_tid, &native, sizeof native))
            return 0;
        if (native == (unsigned long)tid)
            return ts;
        ts = pystack_ptr(p->pid, ts + o->tstate_next);
    }
    return 0;
}

unsigned pystack_read(const struct pystack_proc *p, pid_t tid, char *out, size_t len)
{
    const struct pyoffsets *o = pyoffsets_get();
    if (len)
        out[0] = '\0';
    if (!p->runtime || !len)
        return 0;
    uintptr_t ts = pystack_thread(p, tid);
    uintptr_t cf = ts ? pystack_ptr(p->pid, ts + o->tstate_cframe) : 0;
    uintptr_t fr = cf ? pystack_ptr(p->pid, cf + o->cframe_current) : 0;
    static char names[PYSTACK_MAX_FRAMES][PYSTACK_NAME_MAX + 64];
    unsigned n = 0;
    for (; fr && n < PYSTACK_MAX_FRAMES; fr = pystack_ptr(p->pid, fr + o->frame_previous)) {
        uintptr_t code = pystack_ptr(p->pid, fr + o->frame_code);
        if (!code)
            break;
        char name[PYSTACK_NAME_MAX], file[PYSTACK_NAME_MAX];
        int line = 0;
        pystack_str(p->pid, pystack_ptr(p->pid, code + o->code_qualname), name, sizeof name);
        pystack_str(p->pid, pystack_ptr(p->pid, code + o->code_filename), file, sizeof file);
        pystack_mem(p->pid, code + o->code_firstlineno, &line, sizeof line);
        const char *base = strrchr(file, '/');
        snprintf(names[n++], sizeof names[0], "%s (%s:%d)", name, base ? base + 1 : file, line);
    }
    size_t used = 0;
    for (unsigned i = n; i-- > 0;) {
        int w = snprintf(out + used, len - used, "%s%s", i + 1 == n ? "" : ";", names[i]);
        if (w < 0 || (size_t)w >= len - used) {
            out[used] = '\0';
            break;
        }
        used += (size_t)w;
    }
    return n;
}
