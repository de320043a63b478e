/* C bindings for Google Benchmark (a thin shim implemented in gbench.cc): register a C function
 * that runs a whole batch of iterations, give it arguments, counters and labels, and run with
 * Google Benchmark's own command-line flags. */
#ifndef FAULTLINE_GBENCH_H
#define FAULTLINE_GBENCH_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The benchmark body runs the measured operation exactly `iters` times. One C call per batch
 * keeps an indirect call out of every operation. */
typedef void (*gbench_fn)(void *ctx, uint64_t iters);

/* Opaque: a registered benchmark (benchmark::internal::Benchmark). */
struct gbench_bench;

enum gbench_counter_kind {
    GBENCH_ABSOLUTE,      /* reported as given */
    GBENCH_PER_ITERATION, /* divided by the iteration count (kAvgIterations) */
    GBENCH_RATE,          /* divided by the elapsed time (kIsRate) */
    GBENCH_TIME_PER,      /* the elapsed time divided by the value: seconds per unit, printed
                           * with a unit ("3.4us"; kIsRate | kInvert) */
};

/* Register fn under name (copied). ctx is passed back unchanged and must outlive the run.
 * Reports and --benchmark_filter use this name as given (no "/manual_time" suffix). */
struct gbench_bench *gbench_register(const char *name, gbench_fn fn, void *ctx);
/* Builder calls, each applied to the benchmark (see benchmark.h for the C++ meanings). */
void gbench_arg(struct gbench_bench *b, int64_t v);
void gbench_args(struct gbench_bench *b, const int64_t *v, unsigned n);
void gbench_repetitions(struct gbench_bench *b, int n);
void gbench_iterations(struct gbench_bench *b, uint64_t n);
void gbench_min_time(struct gbench_bench *b, double seconds);
/* The body reports its own time with gbench_set_iteration_time (e.g. measured in a child). */
void gbench_use_manual_time(struct gbench_bench *b);

/* Inside a body. gbench_range(i) is the i-th argument of the running instance. */
int64_t gbench_range(int i);
/* Set a user counter on the running benchmark. The shim adds minflt and majflt
 * (getrusage of the calling thread around the batch, per iteration) unless the body set
 * counters of those names itself. */
void gbench_counter(const char *name, double value, enum gbench_counter_kind kind);
void gbench_label(const char *label);
/* With manual time: the time the whole batch took, in seconds. */
void gbench_set_iteration_time(double seconds);
/* The CPU time the whole batch used, in seconds (e.g. a child's user + sys): reported as the
 * benchmark's CPU time instead of this thread's. Use with manual time. */
void gbench_set_cpu_time(double seconds);
void gbench_pause(void);
void gbench_resume(void);
/* Mark the running benchmark as failed with a message; the body should return. */
void gbench_error(const char *message);

/* Add a key to the JSON context block (before gbench_main). */
void gbench_context(const char *key, const char *value);
/* Initialize with Google Benchmark's flags (consumed from argv), run the registered benchmarks
 * that match --benchmark_filter and shut down. Returns 0; 1 when the filter matches nothing
 * (one line on stderr); 2 for an unrecognised argument, a bad filter or output format. */
int gbench_main(int *argc, char **argv);

/* Keep the compiler from deleting a computation whose result is otherwise unused (a
 * malloc/memset/free sequence is removed entirely at -O2). */
static inline void gbench_escape(void *p)
{
    __asm__ volatile("" : : "g"(p) : "memory");
}

#ifdef __cplusplus
}
#endif

#endif
