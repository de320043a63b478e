/* The binary malloc trace format written by libfaultline-trace.so and read by
 * workloads/trace_file.c (for the replay workload, `faultline trace` and `faultline whatif`): a
 * fixed header, then fixed-size little-endian records, plus the header and per-record checks the
 * reader applies before trusting a field. */
#ifndef FAULTLINE_TRACE_FORMAT_H
#define FAULTLINE_TRACE_FORMAT_H

#include <stdint.h>
#include <string.h>

#define TRACE_FORMAT_MAGIC   "FLTRACE" /* 8 bytes with its NUL */
#define TRACE_FORMAT_VERSION 1u

/* Bounds a reader enforces, so a garbage file can never size an array or a request. */
#define TRACE_FORMAT_MAX_THREADS 1024u
#define TRACE_FORMAT_MAX_SIZE    (1ull << 40) /* largest successful request replayed */
#define TRACE_FORMAT_MAX_ALIGN   (1u << 30)
#define TRACE_FORMAT_MAX_RECORDS 0xfffffff0u /* ids fit in 32 bits in memory */

/* 32 bytes at offset 0. */
struct trace_format_header {
    char magic[8];        /* "FLTRACE\0" */
    uint32_t version;     /* TRACE_FORMAT_VERSION */
    uint32_t header_size; /* sizeof(struct trace_format_header): records start here */
    uint32_t record_size; /* sizeof(struct trace_format_record) */
    uint32_t pid;         /* traced process (information only) */
    uint64_t reserved;    /* 0 */
};

enum trace_format_op {
    TRACE_OP_MALLOC = 1,
    TRACE_OP_FREE,
    TRACE_OP_CALLOC,
    TRACE_OP_REALLOC,
    TRACE_OP_MEMALIGN,
    TRACE_OP_POSIX_MEMALIGN,
    TRACE_OP_ALIGNED_ALLOC,
    TRACE_OP_VALLOC,
    TRACE_OP_PVALLOC,
    TRACE_OP_REALLOCARRAY,
    TRACE_OP_END /* first invalid value */
};

/* 48 bytes. Blocks are named by ids, not addresses: the tracer hands out 1, 2, 3... to every
 * successful allocation in the order they happen, so a replay never depends on where the traced
 * process's allocator put things. Within one thread, records appear in program order; seq is
 * the global order (one counter shared by all threads). */
struct trace_format_record {
    uint8_t op;        /* enum trace_format_op */
    uint8_t flags;     /* 0 */
    uint16_t reserved; /* 0 */
    uint32_t thread;   /* 0 for the first thread that called the malloc family, then 1, 2... */
    uint64_t seq;      /* global order, strictly increasing within a thread */
    uint64_t size;     /* bytes requested (calloc, reallocarray: the product, saturated) */
    uint64_t addr;     /* id of the block passed in (free, realloc), 0 for none/NULL */
    uint64_t result;   /* id of the block returned, 0 when the call returned NULL/failed */
    uint32_t align;    /* memalign family: the alignment asked for, else 0 */
    uint32_t reserved2;
};

_Static_assert(sizeof(struct trace_format_header) == 32, "trace header layout");
_Static_assert(sizeof(struct trace_format_record) == 48, "trace record layout");

static inline const char *trace_format_op_name(unsigned op)
{
    static const char *const names[TRACE_OP_END] = {
        NULL,      "malloc",   "free",           "calloc",
        "realloc", "memalign", "posix_memalign", "aligned_alloc",
        "valloc",  "pvalloc",  "reallocarray",
    };
    return op > 0 && op < TRACE_OP_END ? names[op] : "?";
}

static inline int trace_format_is_aligned_op(unsigned op)
{
    return op >= TRACE_OP_MEMALIGN && op <= TRACE_OP_PVALLOC;
}

static inline int trace_format_is_realloc_op(unsigned op)
{
    return op == TRACE_OP_REALLOC || op == TRACE_OP_REALLOCARRAY;
}

/* The bytes a replay requests and accounts for the record: pvalloc rounds up to whole pages. */
static inline uint64_t trace_format_effective_size(const struct trace_format_record *r)
{
    if (r->op == TRACE_OP_PVALLOC)
        return r->size ? (r->size + 4095) & ~(uint64_t)4095 : 4096;
    return r->size;
}

/* The alignment a replay asks for: glibc's memalign accepts any value and rounds it up to a
 * power of two (0 and 1 mean none), so a successful traced call may carry such a value. */
static inline uint32_t trace_format_replay_align(uint32_t align)
{
    uint32_t a = 1;
    while (a < align && a < TRACE_FORMAT_MAX_ALIGN)
        a <<= 1;
    return a;
}

/* A realloc that returned NULL for size 0 freed its block (glibc); for any other size it failed
 * and the block is still live. */
static inline int trace_format_realloc_freed(const struct trace_format_record *r)
{
    return trace_format_is_realloc_op(r->op) && r->result == 0 && r->size == 0 && r->addr != 0;
}

/* Header check: NULL if fine, else what is wrong (the reader adds the file name and offset). */
static inline const char *trace_format_check_header(const struct trace_format_header *h,
                                                    uint64_t *bad_offset)
{
    *bad_offset = 0;
    if (memcmp(h->magic, TRACE_FORMAT_MAGIC, 8) != 0)
        return "bad magic (not a faultline trace)";
    *bad_offset = 8;
    if (h->version != TRACE_FORMAT_VERSION)
        return "unsupported trace format version";
    *bad_offset = 12;
    if (h->header_size != sizeof(struct trace_format_header))
        return "unexpected header size";
    *bad_offset = 16;
    if (h->record_size != sizeof(struct trace_format_record))
        return "unexpected record size";
    return NULL;
}

/* Field checks on one record in isolation (ids against the record count n, which bounds them:
 * every id is produced by exactly one record). NULL if fine, else the reason. */
static inline const char *trace_format_check_record(const struct trace_format_record *r, uint64_t n)
{
    if (r->op == 0 || r->op >= TRACE_OP_END)
        return "invalid op";
    if (r->thread >= TRACE_FORMAT_MAX_THREADS)
        return "thread index out of range";
    if (r->addr > n || r->result > n)
        return "block id out of range";
    if (r->op == TRACE_OP_FREE) {
        if (r->addr == 0 || r->result != 0 || r->size != 0)
            return "free with a bad id or size";
        return NULL;
    }
    if (!trace_format_is_realloc_op(r->op) && r->addr != 0)
        return "allocation with an input block";
    if (r->result != 0 && trace_format_effective_size(r) > TRACE_FORMAT_MAX_SIZE)
        return "size out of range";
    if (r->result != 0 && r->addr != 0 && r->result == r->addr)
        return "realloc result id equals its input id";
    if (trace_format_is_aligned_op(r->op)) {
        if (r->result != 0 && r->align > TRACE_FORMAT_MAX_ALIGN)
            return "alignment out of range";
    } else if (r->align != 0) {
        return "alignment on a non-aligned op";
    }
    return NULL;
}

#endif
