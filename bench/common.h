/*
 * common.h — what every benchmark program shares: a fixed-seed generator, a clock,
 * resident-set readings, the workload scale, and the one output format.
 *
 * Output: each measured case prints one line
 *     ROW <tab> key <tab> impl <tab> value
 * where key names the case (bench/run.sh holds its label and unit), impl the
 * implementation measured ("ohm", "glibc", "mimalloc", ...), value a number, or "-"
 * when the case does not apply to this build (shown as n/a). Everything else a program
 * prints goes to stderr. A program runs the cases named on its command line, one
 * process per case so that resident-set readings start clean.
 *
 * Time is CPU time of the process (CLOCK_PROCESS_CPUTIME_ID: user + system), so a
 * machine shared with compilers still gives steady figures: time spent waiting for the
 * CPU is not counted, page faults and madvise are.
 */
#ifndef BENCH_COMMON_H
#define BENCH_COMMON_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#if defined(__GNUC__)
#  define BENCH_NOINLINE __attribute__((noinline))
#  define BENCH_UNUSED __attribute__((unused))
#  define BENCH_BARRIER() __asm__ __volatile__("" ::: "memory")
#else
#  define BENCH_NOINLINE
#  define BENCH_UNUSED
#  define BENCH_BARRIER() ((void)0)
#endif

/* Results are written here so the compiler cannot drop the work that made them. */
static volatile uint64_t bench_sink BENCH_UNUSED;

/* xorshift64*: fast enough not to weigh on an allocator's fast path. */
typedef struct { uint64_t s; } bench_rng;
static inline BENCH_UNUSED uint64_t rng_next(bench_rng *r) {
    uint64_t x = r->s;
    x ^= x >> 12; x ^= x << 25; x ^= x >> 27;
    r->s = x;
    return x * 0x2545F4914F6CDD1DULL;
}
/* Uniform in [0, n) for n < 2^32, by multiply-shift (no division). */
static inline BENCH_UNUSED uint32_t rng_below(bench_rng *r, uint32_t n) {
    return (uint32_t)(((rng_next(r) >> 32) * (uint64_t)n) >> 32);
}
#define BENCH_SEED 0x0DDB1A5E5BAD5EEDULL

/* CPU time in nanoseconds. */
static inline BENCH_UNUSED double now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* Resident set in bytes (/proc/self/statm), 0 where /proc is absent. */
static BENCH_UNUSED size_t rss_bytes(void) {
    FILE *f = fopen("/proc/self/statm", "r");
    unsigned long size = 0, resident = 0;
    if (!f) return 0;
    if (fscanf(f, "%lu %lu", &size, &resident) != 2) resident = 0;
    fclose(f);
    return (size_t)resident * (size_t)sysconf(_SC_PAGESIZE);
}

/* OHM_BENCH_QUICK=1: every workload a tenth of its size, for development runs. */
static BENCH_UNUSED int bench_quick(void) {
    const char *q = getenv("OHM_BENCH_QUICK");
    return q && *q && strcmp(q, "0") != 0;
}
static BENCH_UNUSED long scaled(long full) {
    return bench_quick() ? (full / 10 > 0 ? full / 10 : 1) : full;
}

/* Each case measures once: bench/run.sh runs it in five processes alternated with its
 * peers' and takes the median (docs/benchmarks.md). */
static inline BENCH_UNUSED double min_d(double a, double b) { return a < b ? a : b; }

/* Iterations of the tree workloads: 20 (quick: 4, so the first tree's page faults do
 * not dominate). */
static BENCH_UNUSED int tree_iters(int full) {
    return bench_quick() ? (full >= 4 ? 4 : full) : full;
}

static BENCH_UNUSED void row(const char *key, const char *impl, double value) {
    printf("ROW\t%s\t%s\t%.6g\n", key, impl, value);
    fflush(stdout);
}
static BENCH_UNUSED void row_na(const char *key, const char *impl) {
    printf("ROW\t%s\t%s\t-\n", key, impl);
    fflush(stdout);
}

/* A cell that is not a figure: "failed: why" (the reason shows in the table). */
static BENCH_UNUSED void row_text(const char *key, const char *impl, const char *text) {
    printf("ROW\t%s\t%s\t%s\n", key, impl, text);
    fflush(stdout);
}

static BENCH_UNUSED void bench_die(const char *what) {
    fprintf(stderr, "bench: %s\n", what);
    exit(2);
}

/* Dispatch: run each case named in argv; an unknown name is an error. */
typedef struct { const char *name; void (*run)(int argc, char **argv); } bench_case;
static BENCH_UNUSED int bench_main(const bench_case *cases, int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: %s case [args]\ncases:", argv[0]);
        for (const bench_case *c = cases; c->name; c++) fprintf(stderr, " %s", c->name);
        fputc('\n', stderr);
        return 2;
    }
    for (const bench_case *c = cases; c->name; c++)
        if (!strcmp(c->name, argv[1])) { c->run(argc - 2, argv + 2); return 0; }
    fprintf(stderr, "%s: unknown case %s\n", argv[0], argv[1]);
    return 2;
}

#endif
