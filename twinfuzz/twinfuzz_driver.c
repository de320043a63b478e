/* The differential fuzzer's driver: runs one op sequence (a .ops file) through whatever malloc
 * the process has - glibc's, or the hybrid twin when libfaultline-hybrid.so is preloaded - and
 * marks each op with lseek(-77, op_index) so a tracer can attribute every memory syscall to the
 * op that made it. It never allocates by itself (no stdio), so the malloc family sees only the
 * sequence. Blocks get a tag at both ends that is checked before free and realloc: a twin that
 * corrupts memory fails with exit status 3 instead of silently agreeing. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#define DRIVER_SLOTS   256
#define DRIVER_MAX_OPS 100000
#define DRIVER_MARK_FD (-77)

static char driver_text[4 << 20];
static void *driver_ptr[DRIVER_SLOTS];
static size_t driver_len[DRIVER_SLOTS];

static void driver_mark(long op)
{
    syscall(SYS_lseek, DRIVER_MARK_FD, op, SEEK_SET);
}

static void driver_die(int code, const char *msg)
{
    ssize_t n = write(2, msg, strlen(msg));
    (void)n;
    _exit(code);
}

static void driver_tag(int slot)
{
    unsigned char *p = driver_ptr[slot];
    size_t n = driver_len[slot];
    if (!p || n == 0)
        return;
    if (n > 1)
        p[0] = (unsigned char)slot;
    p[n - 1] = (unsigned char)(slot ^ 0x5a);
}

static void driver_verify(int slot)
{
    unsigned char *p = driver_ptr[slot];
    size_t n = driver_len[slot];
    if (!p || n == 0)
        return;
    if ((n > 1 && p[0] != (unsigned char)slot) || p[n - 1] != (unsigned char)(slot ^ 0x5a))
        driver_die(3, "twinfuzz-driver: block contents changed behind the program's back\n");
}

/* Next unsigned number on the line (decimal); advances *s. */
static unsigned long long driver_num(char **s)
{
    while (**s == ' ')
        (*s)++;
    return strtoull(*s, s, 10);
}

static void driver_op(char *line)
{
    char *s = line;
    char op = *s;
    while (*s && *s != ' ')
        s++;
    int slot = 0;
    size_t a = 0, b = 0;
    switch (op) {
    case 'm': /* m SLOT SIZE (malloc) | M PARAM VALUE (mallopt, below) */
        slot = (int)(driver_num(&s) % DRIVER_SLOTS);
        a = driver_num(&s);
        driver_ptr[slot] = malloc(a);
        driver_len[slot] = driver_ptr[slot] ? a : 0;
        driver_tag(slot);
        break;
    case 'c': /* c SLOT N SIZE */
        slot = (int)(driver_num(&s) % DRIVER_SLOTS);
        a = driver_num(&s);
        b = driver_num(&s);
        driver_ptr[slot] = calloc(a, b);
        driver_len[slot] = driver_ptr[slot] ? a * b : 0;
        driver_tag(slot);
        break;
    case 'r': /* r SLOT SIZE */
        slot = (int)(driver_num(&s) % DRIVER_SLOTS);
        a = driver_num(&s);
        driver_verify(slot);
        {
            size_t old = driver_len[slot];
            void *q = realloc(driver_ptr[slot], a);
            if (q || a == 0) {
                if (q && old > 1 && a > 1 && *(unsigned char *)q != (unsigned char)slot)
                    driver_die(3, "twinfuzz-driver: realloc lost the block's contents\n");
                driver_ptr[slot] = q;
                driver_len[slot] = q ? a : 0;
                driver_tag(slot);
            }
        }
        break;
    case 'f': /* f SLOT */
        slot = (int)(driver_num(&s) % DRIVER_SLOTS);
        driver_verify(slot);
        free(driver_ptr[slot]);
        driver_ptr[slot] = NULL;
        driver_len[slot] = 0;
        break;
    case 'a': /* a SLOT ALIGN SIZE (memalign) */
    case 'p': /* p SLOT ALIGN SIZE (posix_memalign) */
        slot = (int)(driver_num(&s) % DRIVER_SLOTS);
        a = driver_num(&s);
        b = driver_num(&s);
        if (op == 'a') {
            driver_ptr[slot] = memalign(a, b);
        } else {
            void *q = NULL;
            driver_ptr[slot] = posix_memalign(&q, a, b) == 0 ? q : NULL;
        }
        driver_len[slot] = driver_ptr[slot] ? b : 0;
        driver_tag(slot);
        break;
    case 't': /* t PAD (malloc_trim) */
        malloc_trim(driver_num(&s));
        break;
    case 'M': { /* M PARAM VALUE, both signed */
        while (*s == ' ')
            s++;
        long param = strtol(s, &s, 10);
        long value = strtol(s, &s, 10);
        mallopt((int)param, (int)value);
        break;
    }
    default:
        break;
    }
}

/* Where the kernel places the next mmap (top-down, below the lowest mapping) differs between
 * the two runs by the size of the preloaded library, and memalign's split of an mmapped chunk
 * depends on that address modulo the alignment. A PROT_NONE filler down to the next 2 MiB
 * boundary makes both runs place their mappings at the same addresses modulo 2 MiB. */
static void driver_align_mmap_base(void)
{
    const size_t probe = 1u << 20, align = 2u << 20;
    void *p = mmap(NULL, probe, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return;
    uintptr_t end = (uintptr_t)p + probe;
    munmap(p, probe);
    size_t fill = end & (align - 1);
    if (fill)
        mmap(NULL, fill, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
}

int main(int argc, char **argv)
{
    if (argc != 2)
        driver_die(2, "usage: twinfuzz-driver FILE.ops\n");
    int fd = open(argv[1], O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        driver_die(2, "twinfuzz-driver: cannot open the ops file\n");
    size_t got = 0;
    ssize_t n;
    while (got < sizeof driver_text - 1 &&
           (n = read(fd, driver_text + got, sizeof driver_text - 1 - got)) > 0)
        got += (size_t)n;
    close(fd);
    driver_text[got] = '\0';
    driver_align_mmap_base();
    long op = 0;
    for (char *line = driver_text; *line && op < DRIVER_MAX_OPS;) {
        char *end = strchr(line, '\n');
        if (end)
            *end = '\0';
        if (*line && *line != '#') {
            driver_mark(op++);
            driver_op(line);
        }
        line = end ? end + 1 : line + strlen(line);
    }
    driver_mark(op);
    _exit(0);
}
