// The C++ side of the Google Benchmark C bindings (gbench.h): each registered C function runs
// one batch per KeepRunningBatch, and the calls a body makes reach the running benchmark::State
// through a thread-local pointer. Registration waits for gbench_main, which selects by the
// names as registered (no "/manual_time" suffix) and reports through a reporter that puts a
// body's own CPU time (e.g. a child's) in the CPU column and leaves out NaN counters.
#include "gbench.h"

#include <sys/resource.h>

#include <cmath>
#include <cstdio>
#include <memory>
#include <regex>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

// Flags the library parses in Initialize; exported by libbenchmark but not declared in its
// header. Read after Initialize: the file reporter and --benchmark_list_tests are ours.
namespace benchmark
{
extern std::string FLAGS_benchmark_out;
extern std::string FLAGS_benchmark_out_format;
extern bool FLAGS_benchmark_list_tests;
} // namespace benchmark

// A registration kept until gbench_main: the builder calls are replayed on it then.
struct gbench_bench {
    std::string name;
    gbench_fn fn;
    void *ctx;
    std::vector<std::vector<int64_t>> args;
    int repetitions = 0;
    uint64_t iterations = 0;
    double min_time = 0;
    bool manual_time = false;
};

namespace
{

// Hidden per-iteration counters: the body's CPU time and its manual time, both in seconds.
// The reporter maps the CPU one through the library's own real-time scaling (their ratio),
// so iteration rows and every aggregate (mean, median, stddev, cv) come out right.
const char gbench_cpu_key[] = "__gbench_cpu_s";
const char gbench_real_key[] = "__gbench_real_s";

thread_local benchmark::State *gbench_state = nullptr;
thread_local double gbench_cpu_s, gbench_real_s;
thread_local bool gbench_cpu_set;

std::vector<std::unique_ptr<gbench_bench>> gbench_all;

void gbench_run(benchmark::State &st, gbench_fn fn, void *ctx)
{
    gbench_state = &st;
    gbench_cpu_s = gbench_real_s = 0;
    gbench_cpu_set = false;
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
    if (gbench_cpu_set && !st.error_occurred()) {
        st.counters[gbench_cpu_key] =
            benchmark::Counter(gbench_cpu_s, benchmark::Counter::kAvgIterations);
        st.counters[gbench_real_key] =
            benchmark::Counter(gbench_real_s, benchmark::Counter::kAvgIterations);
    }
    gbench_state = nullptr;
}

// Forwards to the reporter the flags chose, after fixing each run: the name as registered,
// the body's CPU time, no counter that is not a finite number (a cv over a counter whose mean
// is 0 is 0/0; JSON has no NaN).
class gbench_reporter : public benchmark::BenchmarkReporter
{
  public:
    // owned: false for CreateDefaultDisplayReporter's, which the library keeps.
    gbench_reporter(benchmark::BenchmarkReporter *inner, bool owned)
        : inner_(inner), owned_(owned ? inner : nullptr)
    {
    }

    bool ReportContext(const Context &context) override
    {
        // The library set our streams (the --benchmark_out file for the file reporter).
        inner_->SetOutputStream(&GetOutputStream());
        inner_->SetErrorStream(&GetErrorStream());
        return inner_->ReportContext(context);
    }

    void ReportRuns(const std::vector<Run> &reports) override
    {
        std::vector<Run> fixed(reports);
        for (Run &r : fixed)
            fix(r);
        inner_->ReportRuns(fixed);
    }

    void Finalize() override
    {
        inner_->Finalize();
    }

  private:
    static void fix(Run &r)
    {
        r.run_name.time_type.clear();
        auto cpu = r.counters.find(gbench_cpu_key);
        auto real = r.counters.find(gbench_real_key);
        if (cpu != r.counters.end() && real != r.counters.end()) {
            // real_accumulated_time = scale * (the per-iteration statistic of the body's
            // time); the CPU statistic gets the same scale. A zero spread has no ratio: the
            // plain per-iteration scale (iterations) holds for iteration and time rows.
            double scale = static_cast<double>(r.iterations);
            if (real->second.value > 0)
                scale = r.real_accumulated_time / real->second.value;
            r.cpu_accumulated_time = cpu->second.value * scale;
        }
        if (cpu != r.counters.end())
            r.counters.erase(cpu);
        if (real != r.counters.end())
            r.counters.erase(real);
        for (auto it = r.counters.begin(); it != r.counters.end();)
            it = std::isfinite(it->second.value) ? std::next(it) : r.counters.erase(it);
    }

    benchmark::BenchmarkReporter *inner_;
    std::unique_ptr<benchmark::BenchmarkReporter> owned_;
};

// The reporter --benchmark_out_format names, or NULL (message printed).
benchmark::BenchmarkReporter *gbench_file_reporter(const std::string &format)
{
    if (format == "json")
        return new benchmark::JSONReporter;
    if (format == "console")
        return new benchmark::ConsoleReporter(benchmark::ConsoleReporter::OO_None);
    if (format == "csv") {
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
        return new benchmark::CSVReporter;
#pragma GCC diagnostic pop
    }
    std::fprintf(stderr,
                 "faultline-gbench: --benchmark_out_format=%s: expected json, console or csv\n",
                 format.c_str());
    return nullptr;
}

// --benchmark_filter as the library reads it (extended regex, searched; "all" or empty for
// every benchmark; a leading '-' negates), applied to the registered names. -1: a bad regex.
int gbench_select(const std::string &spec, std::vector<gbench_bench *> &out)
{
    std::string re_text = spec.empty() || spec == "all" ? "." : spec;
    bool negate = re_text[0] == '-';
    if (negate)
        re_text.erase(0, 1);
    std::regex re;
    try {
        re = std::regex(re_text, std::regex_constants::extended);
    } catch (const std::regex_error &e) {
        std::fprintf(stderr,
                     "faultline-gbench: --benchmark_filter=%s: not a regular expression (%s)\n",
                     spec.c_str(), e.what());
        return -1;
    }
    for (auto &b : gbench_all)
        if (std::regex_search(b->name, re) != negate)
            out.push_back(b.get());
    return 0;
}

void gbench_register_now(gbench_bench *g)
{
    gbench_fn fn = g->fn;
    void *ctx = g->ctx;
    benchmark::internal::Benchmark *b = benchmark::RegisterBenchmark(
        g->name.c_str(), [fn, ctx](benchmark::State &st) { gbench_run(st, fn, ctx); });
    for (const auto &a : g->args)
        b->Args(a);
    if (g->repetitions > 0)
        b->Repetitions(g->repetitions);
    if (g->iterations > 0)
        b->Iterations(static_cast<benchmark::IterationCount>(g->iterations));
    if (g->min_time > 0)
        b->MinTime(g->min_time);
    if (g->manual_time)
        b->UseManualTime();
}

} // namespace

extern "C" {

struct gbench_bench *gbench_register(const char *name, gbench_fn fn, void *ctx)
{
    gbench_all.emplace_back(new gbench_bench);
    gbench_bench *g = gbench_all.back().get();
    g->name = name;
    g->fn = fn;
    g->ctx = ctx;
    return g;
}

void gbench_arg(struct gbench_bench *b, int64_t v)
{
    b->args.push_back({v});
}

void gbench_args(struct gbench_bench *b, const int64_t *v, unsigned n)
{
    b->args.emplace_back(v, v + n);
}

void gbench_repetitions(struct gbench_bench *b, int n)
{
    b->repetitions = n;
}

void gbench_iterations(struct gbench_bench *b, uint64_t n)
{
    b->iterations = n;
}

void gbench_min_time(struct gbench_bench *b, double seconds)
{
    b->min_time = seconds;
}

void gbench_use_manual_time(struct gbench_bench *b)
{
    b->manual_time = true;
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
    else if (kind == GBENCH_TIME_PER)
        flags =
            benchmark::Counter::Flags(benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
    gbench_state->counters[name] = benchmark::Counter(value, flags);
}

void gbench_label(const char *label)
{
    if (gbench_state)
        gbench_state->SetLabel(label);
}

void gbench_set_iteration_time(double seconds)
{
    if (!gbench_state)
        return;
    gbench_state->SetIterationTime(seconds);
    gbench_real_s += seconds;
}

void gbench_set_cpu_time(double seconds)
{
    if (!gbench_state)
        return;
    gbench_cpu_s += seconds;
    gbench_cpu_set = true;
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
        return 2;
    std::vector<gbench_bench *> chosen;
    if (gbench_select(benchmark::GetBenchmarkFilter(), chosen) != 0)
        return 2;
    if (chosen.empty()) { /* a filter that matches nothing is a mistake, not a clean run */
        std::fprintf(stderr,
                     "faultline-gbench: no benchmark matched --benchmark_filter=%s (names "
                     "are BACKEND/WORKLOAD; --benchmark_list_tests=true lists them)\n",
                     benchmark::GetBenchmarkFilter().c_str());
        return 1;
    }
    if (benchmark::FLAGS_benchmark_list_tests) { /* the library would print "/manual_time" */
        for (gbench_bench *g : chosen)
            std::printf("%s\n", g->name.c_str());
        return 0;
    }
    for (gbench_bench *g : chosen)
        gbench_register_now(g);
    std::unique_ptr<benchmark::BenchmarkReporter> display(
        new gbench_reporter(benchmark::CreateDefaultDisplayReporter(), false));
    std::unique_ptr<benchmark::BenchmarkReporter> file;
    if (!benchmark::FLAGS_benchmark_out.empty()) {
        benchmark::BenchmarkReporter *inner =
            gbench_file_reporter(benchmark::FLAGS_benchmark_out_format);
        if (!inner)
            return 2;
        file.reset(new gbench_reporter(inner, true));
    }
    benchmark::RunSpecifiedBenchmarks(display.get(), file.get(), ".");
    benchmark::Shutdown();
    return 0;
}

} // extern "C"
