/* Sequence generation and files for the differential fuzzer (see twinfuzz_seq.h). */
#include "twinfuzz_seq.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* M_TRIM_THRESHOLD -1, M_TOP_PAD -2, M_MMAP_THRESHOLD -3, M_MMAP_MAX -4 (glibc <malloc.h>) */
const struct twinfuzz_setting twinfuzz_seq_settings[] = {
    {"default", "", "glibc defaults (sliding threshold on)"},
    {"thr64k", "-3 65536", "fixed 64 KiB mmap threshold"},
    {"trim0", "-1 0;-2 0", "trim_threshold 0 and top_pad 0"},
    {"mmapmax0", "-4 0", "mmap_max 0 (no mmapped chunks)"},
    {"toppad4m", "-2 4194304", "top_pad 4 MiB"},
};
const size_t twinfuzz_seq_nsettings =
    sizeof twinfuzz_seq_settings / sizeof twinfuzz_seq_settings[0];

const struct twinfuzz_setting *twinfuzz_seq_setting(const char *name)
{
    for (size_t i = 0; i < twinfuzz_seq_nsettings; i++)
        if (strcmp(twinfuzz_seq_settings[i].name, name) == 0)
            return &twinfuzz_seq_settings[i];
    return NULL;
}

int twinfuzz_seq_add(struct twinfuzz_seq *s, const char *line)
{
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 64;
        void *l = realloc(s->line, cap * sizeof *s->line);
        if (!l)
            return -1;
        s->line = l;
        s->cap = cap;
    }
    snprintf(s->line[s->n++], TWINFUZZ_SEQ_MAX_LINE, "%s", line);
    return 0;
}

static uint64_t twinfuzz_seq_rand(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static size_t twinfuzz_seq_between(uint64_t *r, size_t lo, size_t hi)
{
    return lo + (size_t)(twinfuzz_seq_rand(r) % (hi - lo + 1));
}

/* tiny (fastbin/tcache), small (tcache/small bins), medium (large bins), large (around the
 * threshold), huge (mmapped, up to past the 32 MiB cap of the sliding threshold). */
static size_t twinfuzz_seq_size(uint64_t *r)
{
    unsigned c = (unsigned)(twinfuzz_seq_rand(r) % 100);
    if (c < 30)
        return twinfuzz_seq_between(r, 0, 128);
    if (c < 55)
        return twinfuzz_seq_between(r, 129, 1100);
    if (c < 75)
        return twinfuzz_seq_between(r, 1101, 64 << 10);
    if (c < 93)
        return twinfuzz_seq_between(r, 64 << 10, 1 << 20);
    return twinfuzz_seq_between(r, 1 << 20, 34 << 20);
}

static void twinfuzz_seq_mallopt(uint64_t *r, char *buf, size_t len)
{
    static const int params[] = {-1, -2, -3, -4, 1};
    static const long values[] = {0, 4096, 65536, 131072, 1 << 20, 4 << 20};
    int p = params[twinfuzz_seq_rand(r) % 5];
    long v = p == 1    ? (long)(twinfuzz_seq_rand(r) % 161)
             : p == -4 ? (long)(twinfuzz_seq_rand(r) % 4)
                       : values[twinfuzz_seq_rand(r) % 6];
    snprintf(buf, len, "M %d %ld", p, v);
}

/* Slots 0-15 hold long-lived blocks (3 in 4 chances to be kept when picked), 16-127 short-lived
 * ones. An empty slot gets malloc (80 %), calloc or an aligned allocation; a live one realloc
 * (30 %, sometimes to 0) or free; 2 % malloc_trim, 2 % mallopt. */
static void twinfuzz_seq_op(uint64_t *r, char *live, char *buf, size_t len)
{
    static const size_t al[] = {8, 16, 32, 64, 256, 4096, 65536, 48};
    for (;;) {
        unsigned c = (unsigned)(twinfuzz_seq_rand(r) % 100);
        unsigned slot = twinfuzz_seq_rand(r) % 5 == 0 ? (unsigned)(twinfuzz_seq_rand(r) % 16)
                                                      : 16 + (unsigned)(twinfuzz_seq_rand(r) % 112);
        if (c >= 98) {
            twinfuzz_seq_mallopt(r, buf, len);
            return;
        }
        if (c >= 96) {
            snprintf(buf, len, "t %zu", twinfuzz_seq_rand(r) % 2 ? (size_t)0 : (size_t)65536);
            return;
        }
        if (!live[slot]) {
            if (c < 77)
                snprintf(buf, len, "m %u %zu", slot, twinfuzz_seq_size(r));
            else if (c < 87)
                snprintf(buf, len, "c %u %zu %zu", slot, twinfuzz_seq_between(r, 1, 8),
                         twinfuzz_seq_size(r) / 4);
            else
                snprintf(buf, len, "%c %u %zu %zu", twinfuzz_seq_rand(r) % 2 ? 'a' : 'p', slot,
                         al[twinfuzz_seq_rand(r) % 8], twinfuzz_seq_size(r));
            live[slot] = 1;
            return;
        }
        if (slot < 16 && twinfuzz_seq_rand(r) % 4 != 0)
            continue;
        if (c < 30) {
            size_t n = twinfuzz_seq_rand(r) % 40 == 0 ? 0 : twinfuzz_seq_size(r);
            snprintf(buf, len, "r %u %zu", slot, n);
            live[slot] = n != 0;
            return;
        }
        snprintf(buf, len, "f %u", slot);
        live[slot] = 0;
        return;
    }
}

int twinfuzz_seq_generate(struct twinfuzz_seq *s, const struct twinfuzz_setting *set, uint64_t seed,
                          size_t nops)
{
    memset(s, 0, sizeof *s);
    char buf[TWINFUZZ_SEQ_MAX_LINE];
    const char *m = set->mallopts;
    while (*m) {
        int p = 0;
        long v = 0;
        int used = 0;
        if (sscanf(m, "%d %ld%n", &p, &v, &used) != 2)
            break;
        snprintf(buf, sizeof buf, "M %d %ld", p, v);
        if (twinfuzz_seq_add(s, buf) != 0)
            return -1;
        m += used;
        if (*m == ';')
            m++;
    }
    s->fixed = s->n;
    uint64_t r = seed * 0x2545f4914f6cdd1dull + 1;
    char live[128] = {0};
    for (size_t i = 0; i < nops; i++) {
        twinfuzz_seq_op(&r, live, buf, sizeof buf);
        if (twinfuzz_seq_add(s, buf) != 0)
            return -1;
    }
    return 0;
}

int twinfuzz_seq_load(struct twinfuzz_seq *s, const char *path)
{
    memset(s, 0, sizeof *s);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    char buf[256];
    while (fgets(buf, sizeof buf, f)) {
        buf[strcspn(buf, "\n")] = '\0';
        unsigned long fx;
        if (sscanf(buf, "# fixed %lu", &fx) == 1)
            s->fixed = fx;
        if (buf[0] == '#' || buf[0] == '\0')
            continue;
        if (twinfuzz_seq_add(s, buf) != 0) {
            fclose(f);
            return -1;
        }
    }
    fclose(f);
    return 0;
}

int twinfuzz_seq_write(const struct twinfuzz_seq *s, const unsigned char *keep, const char *path,
                       const char *header)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    if (header)
        fputs(header, f);
    size_t fixed = 0;
    for (size_t i = 0; i < s->fixed; i++)
        fixed += !keep || keep[i];
    if (header)
        fprintf(f, "# fixed %zu\n", fixed);
    for (size_t i = 0; i < s->n; i++)
        if (!keep || keep[i])
            fprintf(f, "%s\n", s->line[i]);
    return fclose(f) == 0 ? 0 : -1;
}

void twinfuzz_seq_free(struct twinfuzz_seq *s)
{
    free(s->line);
    memset(s, 0, sizeof *s);
}
