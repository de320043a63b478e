/* The per-backend lock: a small test-and-test-and-set spinlock that never allocates, so it is
 * safe inside malloc during dynamic loading and pthread start-up (a pthread mutex is too, but
 * spinlocks need no initialisation order). Contention yields to keep 2-core machines moving. */
#ifndef FAULTLINE_LOCK_H
#define FAULTLINE_LOCK_H

#include <sched.h>
#include <stdatomic.h>

struct lock {
    atomic_flag flag;
};

#define LOCK_INIT                                                                                  \
    {                                                                                              \
        ATOMIC_FLAG_INIT                                                                           \
    }

static inline void lock_acquire(struct lock *l)
{
    while (atomic_flag_test_and_set_explicit(&l->flag, memory_order_acquire))
        sched_yield();
}

static inline void lock_release(struct lock *l)
{
    atomic_flag_clear_explicit(&l->flag, memory_order_release);
}

/* After fork only the calling thread exists; whoever held the lock is gone. */
static inline void lock_reset(struct lock *l)
{
    atomic_flag_clear_explicit(&l->flag, memory_order_relaxed);
}

#endif
