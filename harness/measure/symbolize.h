/* Unwinding and symbolization of sampled user stacks with elfutils' libdwfl: one address space
 * per process image (its executable mappings, reported to libdwfl as ELF files), unwound with
 * the .eh_frame/.debug_frame CFI of each file from the registers and stack copy of a sample,
 * and program counters named from .symtab (or .dynsym when stripped), C++ names demangled. */
#ifndef FAULTLINE_SYMBOLIZE_H
#define FAULTLINE_SYMBOLIZE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "callchain.h"

#define SYMBOLIZE_MAX_FRAMES 48

struct symbolize_space;

/* A fresh address space for pid (after exec: nothing mapped yet). */
struct symbolize_space *symbolize_space_new(uint32_t pid);
/* A child's copy of parent's mappings (fork). */
struct symbolize_space *symbolize_space_fork(const struct symbolize_space *parent, uint32_t pid);
void symbolize_space_free(struct symbolize_space *sp);

/* An executable mapping of file at addr (file offset pgoff). */
void symbolize_space_map(struct symbolize_space *sp, uint64_t addr, uint64_t pgoff,
                         const char *file);

/* Unwind a sample into program counters, leaf first (callers' return addresses already moved
 * back into the call instruction). Returns how many; at least 1 when the sample has registers. */
unsigned symbolize_unwind(struct symbolize_space *sp, const struct callchain_sample *s,
                          uint64_t *pcs, unsigned max);

/* A frame's function ("big_mapping", a C++ name demangled: "work::big_map(unsigned long)", or
 * "libc.so.6+0x9a3b0" when the file names nothing there) and its file's base name ("" when no
 * mapped file holds pc). */
void symbolize_frame(struct symbolize_space *sp, uint64_t pc, char *func, size_t funclen,
                     char *module, size_t modlen);

#endif
