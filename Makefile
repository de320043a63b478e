# Thin driver over CMake. `make bench` and `make test` do their own setup (make deps).
BUILD      ?= build
BUILD_TYPE ?= Release
CMAKE_ARGS ?=
JOBS       ?= $(shell nproc 2>/dev/null || echo 2)
QUICK      ?= 0
DIR        ?=
FUZZ_SECONDS ?= 60

.PHONY: twinfuzz all build deps test fuzz bench bench-overhead bench-exec bench-callsites bench-false-alarms bench-whatif report regress baseline format clean

all: build

$(BUILD)/CMakeCache.txt:
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) $(CMAKE_ARGS)

build: $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j $(JOBS)

deps:
	@bash ci/deps.sh

test: deps build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS) $(CTEST_ARGS)

# libFuzzer targets (tests/fuzz/), FUZZ_SECONDS each (default 60), clang + ASan + UBSan
fuzz: deps
	@FUZZ_SECONDS=$(FUZZ_SECONDS) bash ci/fuzz.sh

bench: deps build
	@QUICK=$(QUICK) BUILD=$(BUILD) bash ci/bench.sh

# measurement overhead: the same cells with and without --no-measure, interleaved
bench-overhead: deps build
	@BUILD=$(BUILD) bash ci/overhead.sh

# real programs (sort, gzip, python3, sqlite3) under every backend, ratios to glibc
bench-exec: deps build
	@BUILD=$(BUILD) bash ci/exec-bench.sh

# cost and accuracy of `faultline exec --callsites` on sort of 50 MB (needs root)
bench-callsites: deps build
	@BUILD=$(BUILD) bash ci/callsites-bench.sh

# ten clean `make regress` runs on an unchanged tree: the gate's false-alarm count
bench-false-alarms: deps build
	@BUILD=$(BUILD) NO_BUILD=1 bash ci/regress-false-alarms.sh

# `faultline whatif` over 113 settings of the sort trace vs real glibc replays (time ratio)
bench-whatif: build
	@BUILD=$(BUILD) bash ci/whatif-bench.sh

report: build
	@test -n "$(DIR)" || { echo "make report: set DIR=<results directory>" >&2; exit 2; }
	$(BUILD)/faultline report $(DIR)

regress: deps build
	@BUILD=$(BUILD) bash ci/regress.sh

baseline: deps build
	@BUILD=$(BUILD) bash ci/regress.sh --refresh-baseline

format:
	clang-format -i $$(git ls-files '*.c' '*.h' '*.cc')

clean:
	rm -rf $(BUILD)

# differential fuzzer: 1000 seeded sequences per setting, glibc vs the hybrid twin (ptrace)
twinfuzz: build
	$(BUILD)/twinfuzz/twinfuzz --driver $(BUILD)/twinfuzz/twinfuzz-driver \
	    --preload $(BUILD)/libfaultline-hybrid.so --seqs $(or $(SEQS),1000) --min-rate 99
