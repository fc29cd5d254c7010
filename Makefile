# Thin wrapper over CMake. `make demo` and `make test` are the two commands to know.
CMAKE   ?= cmake
JOBS    ?= $(shell nproc 2>/dev/null || echo 2)
PREFIX  ?= /usr/local
CMFLAGS ?=

.PHONY: all build test demo bench asan tsan install clean
.PHONY: check-expensive
.PHONY: fuzz
FUZZ_SECONDS ?= 60
.PHONY: matrix coverage
.PHONY: screenshots
.PHONY: cpython-test cpython-test-quick

all build:
	$(CMAKE) -S . -B build -DCMAKE_BUILD_TYPE=Release $(CMFLAGS)
	$(CMAKE) --build build -j $(JOBS)

test: build
	cd build && ctest --output-on-failure -j $(JOBS)

# The tour (examples/tour.c), the word counter (examples/wordfreq.c) and ohm-prof's
# reports on what they wrote into build/out/ (examples/demo.sh), then the Lisp demo.
demo: build
	sh examples/demo.sh build build/out
	@printf '\n== 15. A language on ohm: examples/lisp/demo.scm, run with --stats ==\n'
	cd examples/lisp && ../../build/examples/lisp/lisp --stats demo.scm

BENCH_BUILD = $(CMAKE) -S . -B build-bench -DCMAKE_BUILD_TYPE=Release -DOHM_BUILD_TESTS=OFF -DOHM_BUILD_BENCH=ON $(CMFLAGS) \
	&& $(CMAKE) --build build-bench -j $(JOBS)

bench:
	$(BENCH_BUILD)
	./bench/run.sh build-bench

# One run of each row, every workload a tenth of its size: for development, not for
# quoting (docs/benchmarks.md). About a minute.
.PHONY: bench-quick
bench-quick:
	$(BENCH_BUILD)
	OHM_BENCH_QUICK=1 OHM_BENCH_ROUNDS=1 ./bench/run.sh build-bench

# The Python workloads of issue 12 alone (bench/python/run.py; part of `make bench`):
# pymalloc, glibc, jemalloc, mimalloc and ohm-python, medians of 5 alternated runs.
# OHM_BENCH_QUICK=1 for a quick run. Tables in build-bench/bench-python.md.
.PHONY: bench-python
bench-python:
	$(BENCH_BUILD)
	python3 bench/python/run.py build-bench

# The steady-state benchmark of issue 15 (bench/gc_steady.c, bench/gc_steady.py,
# bench/steady.sh): longest and p99 pause, time in the collector, peak RSS and the
# garbage left at each second, for generational ohm, incremental ohm and CPython, with
# 1M and 10M long-lived objects (10 s and 40 s); medians of STEADY_RUNS (3) alternated
# runs. bench-scale: `gc_steady scale N` at 1M, 10M, 100M (creation, full collection,
# incremental cycle, release: ns/object; collector bytes/object; about 7 GB; not in CI).
.PHONY: bench-steady bench-scale
STEADY_BUILD = $(CMAKE) -S . -B build-steady -DCMAKE_BUILD_TYPE=Release -DOHM_BUILD_TESTS=OFF $(CMFLAGS) \
	&& $(CMAKE) --build build-steady -j $(JOBS) --target ohm_static
bench-steady:
	$(STEADY_BUILD)
	sh bench/steady.sh build-steady
bench-scale:
	$(STEADY_BUILD)
	STEADY_SCALE="1000000 10000000 100000000" STEADY_SIZES=" " sh bench/steady.sh build-steady

asan:
	$(CMAKE) -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug "-DOHM_SANITIZE=address;undefined" -DOHM_DEBUG_LEVEL=2 $(CMFLAGS)
	$(CMAKE) --build build-asan -j $(JOBS)
	cd build-asan && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 ctest --output-on-failure -j $(JOBS)

tsan:
	$(CMAKE) -S . -B build-tsan -DCMAKE_BUILD_TYPE=Debug -DOHM_SANITIZE=thread $(CMFLAGS)
	$(CMAKE) --build build-tsan -j $(JOBS)
	cd build-tsan && ctest --output-on-failure -j $(JOBS)

# The one-way layers, from the source text alone (tools/check-layers says what it checks).
.PHONY: check-layers
check-layers:
	tools/check-layers

# The fault sweeps (tests/sweep_*.c, tests/sweep.h): each scenario rerun failing each
# of its allocations in turn, under ASan and its leak checker. SWEEP_STRIDE=n fails
# only every n-th allocation (and the last): CI's fixed fast subset.
SWEEP_STRIDE ?= 1
.PHONY: faultsweep
faultsweep:
	$(CMAKE) -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug "-DOHM_SANITIZE=address;undefined" -DOHM_DEBUG_LEVEL=2 $(CMFLAGS)
	$(CMAKE) --build build-asan -j $(JOBS)
	cd build-asan && OHM_SWEEP_STRIDE=$(SWEEP_STRIDE) ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 ctest --output-on-failure -L faultsweep -j $(JOBS)

# The whole suite with every assertion compiled in, the expensive walks included.
check-expensive:
	$(CMAKE) -S . -B build-expensive -DCMAKE_BUILD_TYPE=Debug -DOHM_DEBUG_LEVEL=3 $(CMFLAGS)
	$(CMAKE) --build build-expensive -j $(JOBS)
	cd build-expensive && ctest --output-on-failure -j $(JOBS)

# Each libFuzzer target for FUZZ_SECONDS seconds (clang; skipped without it): fuzz/run.sh.
fuzz:
	FUZZ_SECONDS=$(FUZZ_SECONDS) JOBS=$(JOBS) CMAKE=$(CMAKE) CMFLAGS="$(CMFLAGS)" fuzz/run.sh

# Every compiler, level, sanitizer and memcheck over the whole suite, then a table
# (tools/matrix says what each configuration is); `tools/matrix NAME...` runs some.
matrix:
	tools/matrix

# Line coverage of src/ by the suite, gcc --coverage and gcovr (tools/coverage).
coverage:
	tools/coverage

# The pictures of docs/tools.md: ohm-prof's pages opened in headless Chromium
# (tests/prof/screenshots.py; Debian's chromium package), saved into docs/img/.
screenshots: build
	python3 tests/prof/screenshots.py build docs/img
	python3 tests/python/screenshots.py build docs/img

# CPython's own regression suite, twice: plainly and under ohm-python (tools/cpython-test
# says how it compares them). A test that passes plainly and fails under ohm is a failure;
# the summary goes to stdout and build/cpython-test/summary.txt. Debian's interpreter and
# suite by default: apt-get install libpython3.11-testsuite. CPYTHON_TEST_FLAGS adds
# options (--python PATH, -j N, --timeout S, test names).
CPYTHON_TEST_FLAGS ?=
cpython-test: build
	tools/cpython-test --build build $(CPYTHON_TEST_FLAGS)

# CI's fixed subset of it (tests/cpython/quick.txt), both ways, in a few minutes.
cpython-test-quick: build
	tools/cpython-test --build build --quick $(CPYTHON_TEST_FLAGS)

install: build
	$(CMAKE) --install build --prefix $(PREFIX)

# Install to a temporary prefix and build examples/hello.c against it through
# pkg-config (shared, static) and find_package(ohm), running each (tools/check-install).
.PHONY: check-install
check-install: build
	tools/check-install build

clean:
	rm -rf build build-asan build-tsan build-bench
	rm -rf build-expensive
	rm -rf build-fuzz
	rm -rf build-matrix build-coverage
