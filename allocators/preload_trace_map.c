/* preload_trace_map: the tracer's pointer -> id map (sharded open addressing over mmap'd tables),
 * so a free or realloc record names the allocation it ends. Never calls malloc. */
#define _GNU_SOURCE
#include "preload_trace_map.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/mman.h> /* the tracer's own tables; it is not a backend and links no os.c */

#define TRACE_SHARDS     16
#define TRACE_SHARD_INIT 1024

struct preload_trace_map_slot {
    uintptr_t key; /* 0 = empty */
    uint64_t id;
};

struct preload_trace_map_shard {
    pthread_mutex_t mu;
    struct preload_trace_map_slot *slot;
    size_t cap, count; /* cap a power of two */
};

static struct preload_trace_map_shard preload_trace_map_shard[TRACE_SHARDS];
static atomic_uint_fast64_t preload_trace_map_next_id = 1;

static uint64_t preload_trace_map_hash(uintptr_t k)
{
    uint64_t h = (uint64_t)k * 0x9e3779b97f4a7c15ull;
    return h ^ (h >> 29);
}

static struct preload_trace_map_shard *preload_trace_map_shard_of(uintptr_t k)
{
    return &preload_trace_map_shard[preload_trace_map_hash(k) >> 60];
}

static struct preload_trace_map_slot *preload_trace_map_table(size_t cap)
{
    void *p = mmap(NULL, cap * sizeof(struct preload_trace_map_slot), PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    return p == MAP_FAILED ? NULL : p;
}

static void preload_trace_map_put(struct preload_trace_map_slot *t, size_t cap, uintptr_t k,
                                  uint64_t id)
{
    size_t i = (size_t)preload_trace_map_hash(k) & (cap - 1);
    while (t[i].key)
        i = (i + 1) & (cap - 1);
    t[i].key = k;
    t[i].id = id;
}

/* Caller holds s->mu. Returns 0, or -1 when the table cannot grow (the block goes untracked). */
static int preload_trace_map_grow(struct preload_trace_map_shard *s)
{
    size_t cap = s->cap ? s->cap * 2 : TRACE_SHARD_INIT;
    struct preload_trace_map_slot *t = preload_trace_map_table(cap);
    if (!t)
        return -1;
    for (size_t i = 0; i < s->cap; i++)
        if (s->slot[i].key)
            preload_trace_map_put(t, cap, s->slot[i].key, s->slot[i].id);
    if (s->slot)
        munmap(s->slot, s->cap * sizeof *s->slot);
    s->slot = t;
    s->cap = cap;
    return 0;
}

/* A new id for p, or 0 when p could not be tracked. */
uint64_t preload_trace_map_insert(void *p)
{
    uintptr_t k = (uintptr_t)p;
    struct preload_trace_map_shard *s = preload_trace_map_shard_of(k);
    pthread_mutex_lock(&s->mu);
    uint64_t id = 0;
    if ((s->count + 1) * 4 <= s->cap * 3 || preload_trace_map_grow(s) == 0) {
        id = atomic_fetch_add(&preload_trace_map_next_id, 1);
        preload_trace_map_put(s->slot, s->cap, k, id);
        s->count++;
    }
    pthread_mutex_unlock(&s->mu);
    return id;
}

/* Removes p and returns its id, or 0 if p was never tracked. Backward-shift deletion keeps the
 * probe sequences intact without tombstones. */
uint64_t preload_trace_map_remove(void *p)
{
    uintptr_t k = (uintptr_t)p;
    struct preload_trace_map_shard *s = preload_trace_map_shard_of(k);
    uint64_t id = 0;
    pthread_mutex_lock(&s->mu);
    if (s->cap) {
        size_t mask = s->cap - 1, i = (size_t)preload_trace_map_hash(k) & mask;
        while (s->slot[i].key && s->slot[i].key != k)
            i = (i + 1) & mask;
        if (s->slot[i].key == k) {
            id = s->slot[i].id;
            size_t hole = i;
            for (size_t j = (i + 1) & mask; s->slot[j].key; j = (j + 1) & mask) {
                size_t home = (size_t)preload_trace_map_hash(s->slot[j].key) & mask;
                /* j may move into the hole when its home is not cyclically in (hole, j]. */
                if (((j - home) & mask) >= ((j - hole) & mask)) {
                    s->slot[hole] = s->slot[j];
                    hole = j;
                }
            }
            s->slot[hole].key = 0;
            s->count--;
        }
    }
    pthread_mutex_unlock(&s->mu);
    return id;
}

/* Puts back an id taken by preload_trace_map_remove (a realloc that failed keeps its block). */
void preload_trace_map_reinsert(void *p, uint64_t id)
{
    uintptr_t k = (uintptr_t)p;
    struct preload_trace_map_shard *s = preload_trace_map_shard_of(k);
    pthread_mutex_lock(&s->mu);
    if ((s->count + 1) * 4 <= s->cap * 3 || preload_trace_map_grow(s) == 0) {
        preload_trace_map_put(s->slot, s->cap, k, id);
        s->count++;
    }
    pthread_mutex_unlock(&s->mu);
}
