// The C++ side of the Google Benchmark C bindings (gbench.h): each registered C function runs
// one batch per KeepRunningBatch, and the calls a body makes reach the running benchmark::State
// through a thread-local pointer.
#include "gbench.h"

#include <sys/resource.h>

#include <vector>

#include <benchmark/benchmark.h>
#include <cstdio>

namespace
{

thread_local benchmark::State *gbench_state = nullptr;

benchmark::internal::Benchmark *gbench_cast(struct gbench_bench *b)
{
    return reinterpret_cast<benchmark::internal::Benchmark *>(b);
}

void gbench_run(benchmark::State &st, gbench_fn fn, void *ctx)
{
    gbench_state = &st;
    struct rusage r0, r1;
    getrusage(RUSAGE_THREAD, &r0);
    const benchmark::IterationCount n = st.max_iterations;
    // One call per batch: the timer covers exactly n iterations and no per-op indirection.
    while (st.KeepRunningBatch(n))
        fn(ctx, static_cast<uint64_t>(n));
    getrusage(RUSAGE_THREAD, &r1);
    // Faults of this thread, unless the body measured them elsewhere (e.g. in a child).
    if (st.counters.find("minflt") == st.counters.end())
        st.counters["minflt"] = benchmark::Counter(static_cast<double>(r1.ru_minflt - r0.ru_minflt),
                                                   benchmark::Counter::kAvgIterations);
    if (st.counters.find("majflt") == st.counters.end())
        st.counters["majflt"] = benchmark::Counter(static_cast<double>(r1.ru_majflt - r0.ru_majflt),
                                                   benchmark::Counter::kAvgIterations);
    gbench_state = nullptr;
}

} // namespace

extern "C" {

struct gbench_bench *gbench_register(const char *name, gbench_fn fn, void *ctx)
{
    benchmark::internal::Benchmark *b = benchmark::RegisterBenchmark(
        name, [fn, ctx](benchmark::State &st) { gbench_run(st, fn, ctx); });
    return reinterpret_cast<struct gbench_bench *>(b);
}

void gbench_arg(struct gbench_bench *b, int64_t v)
{
    gbench_cast(b)->Arg(v);
}

void gbench_args(struct gbench_bench *b, const int64_t *v, unsigned n)
{
    gbench_cast(b)->Args(std::vector<int64_t>(v, v + n));
}

void gbench_repetitions(struct gbench_bench *b, int n)
{
    gbench_cast(b)->Repetitions(n);
}

void gbench_iterations(struct gbench_bench *b, uint64_t n)
{
    gbench_cast(b)->Iterations(static_cast<benchmark::IterationCount>(n));
}

void gbench_min_time(struct gbench_bench *b, double seconds)
{
    gbench_cast(b)->MinTime(seconds);
}

void gbench_use_manual_time(struct gbench_bench *b)
{
    gbench_cast(b)->UseManualTime();
}

int64_t gbench_range(int i)
{
    return gbench_state ? gbench_state->range(static_cast<std::size_t>(i)) : 0;
}

void gbench_counter(const char *name, double value, enum gbench_counter_kind kind)
{
    if (!gbench_state)
        return;
    benchmark::Counter::Flags flags = benchmark::Counter::kDefaults;
    if (kind == GBENCH_PER_ITERATION)
        flags = benchmark::Counter::kAvgIterations;
    else if (kind == GBENCH_RATE)
        flags = benchmark::Counter::kIsRate;
    gbench_state->counters[name] = benchmark::Counter(value, flags);
}

void gbench_label(const char *label)
{
    if (gbench_state)
        gbench_state->SetLabel(label);
}

void gbench_set_iteration_time(double seconds)
{
    if (gbench_state)
        gbench_state->SetIterationTime(seconds);
}

void gbench_pause(void)
{
    if (gbench_state)
        gbench_state->PauseTiming();
}

void gbench_resume(void)
{
    if (gbench_state)
        gbench_state->ResumeTiming();
}

void gbench_error(const char *message)
{
    if (gbench_state)
        gbench_state->SkipWithError(message);
}

void gbench_context(const char *key, const char *value)
{
    benchmark::AddCustomContext(key, value);
}

int gbench_main(int *argc, char **argv)
{
    benchmark::Initialize(argc, argv);
    if (benchmark::ReportUnrecognizedArguments(*argc, argv))
        return 1;
    size_t ran = benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    if (ran == 0) { /* a filter that matches nothing is a mistake, not a clean run */
        std::fprintf(stderr, "faultline-gbench: no benchmark matched --benchmark_filter (names "
                             "are BACKEND/WORKLOAD/manual_time; --benchmark_list_tests=true lists "
                             "them)\n");
        return 1;
    }
    return 0;
}

} // extern "C"
