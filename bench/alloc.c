/*
 * alloc.c — the allocator benchmarks of issue 2, built once per allocator:
 *   bench_alloc           ohm_malloc/ohm_free on one heap         (BENCH_OHM)
 *   bench_alloc_glibc     the C library's malloc
 *   bench_alloc_jemalloc  malloc, with libjemalloc linked in (it replaces malloc)
 *   bench_alloc_mimalloc  mi_malloc/mi_free                       (BENCH_MIMALLOC)
 *   bench_alloc_boehm     GC_MALLOC, never freed: trees only      (BENCH_BOEHM)
 * BENCH_IMPL names the allocator in the rows. Cases (one per process):
 *   churn lifo fifo realloc trees frag   print rows
 *   rnull      realloc(NULL, n) and the free of its block against malloc and free
 *   callback   an interpreter-shaped workload whose every allocation goes through one
 *              realloc-style callback, as Lua's lua_Alloc (bench/workloads.h)
 *   fastpath N                           N batches of 16 x 32 B malloc, then free, in
 *                                        fastpath_loop (callgrind counts that function)
 */
#include "common.h"

#if defined(BENCH_OHM)
#  include "ohm.h"
static ohm_heap *H;
#  define B_MALLOC(n) ohm_malloc(H, (n))
#  define B_FREE(p) ohm_free(H, (p))
#  define B_REALLOC(p, n) ohm_realloc(H, (p), (n))
#elif defined(BENCH_MIMALLOC)
#  include <mimalloc.h>
#  define B_MALLOC(n) mi_malloc(n)
#  define B_FREE(p) mi_free(p)
#  define B_REALLOC(p, n) mi_realloc((p), (n))
#elif defined(BENCH_BOEHM)
#  include <gc.h>
#  define B_MALLOC(n) GC_MALLOC(n)
#  define B_FREE(p) ((void)(p))
#  define B_REALLOC(p, n) GC_REALLOC((p), (n))
#  define B_NO_FREE 1
#else
#  include <dlfcn.h>
#  define B_MALLOC(n) malloc(n)
#  define B_FREE(p) free(p)
#  define B_REALLOC(p, n) realloc((p), (n))
#endif

#ifndef BENCH_IMPL
#  define BENCH_IMPL "glibc"
#endif

#include "workloads.h"

static void case_churn(int argc, char **argv) {
    (void)argc; (void)argv;
    long pairs = scaled(20000000);
    row("alloc.churn", BENCH_IMPL, churn_run(10000, pairs) / (double)pairs);
}

static void case_lifo(int argc, char **argv) {
    (void)argc; (void)argv;
    long rounds = scaled(5000);
    row("alloc.lifo", BENCH_IMPL, batch_run(rounds, 1000, 1) / (double)(rounds * 1000));
}

static void case_fifo(int argc, char **argv) {
    (void)argc; (void)argv;
    long rounds = scaled(5000);
    row("alloc.fifo", BENCH_IMPL, batch_run(rounds, 1000, 0) / (double)(rounds * 1000));
}

static void case_realloc(int argc, char **argv) {
    (void)argc; (void)argv;
    long rounds = scaled(20000);
    row("alloc.realloc", BENCH_IMPL, realloc_run(rounds) / (double)(rounds * 255));
}

/* realloc(NULL, n) against malloc(n), and the free of the blocks it gave against the
 * free of malloc's: each as a ratio of the same process's malloc/free figures. */
static void case_rnull(int argc, char **argv) {
    (void)argc; (void)argv;
    rnull_times t = rnull_run(scaled(2000));
    row("alloc.rnull.pair", BENCH_IMPL, (t.malloc + t.free) / t.ops);
    row("alloc.rnull.alloc", BENCH_IMPL, t.ralloc / t.malloc);
    row("alloc.rnull.free", BENCH_IMPL, t.rfree / t.free);
}

static void case_callback(int argc, char **argv) {
    (void)argc; (void)argv;
#if defined(B_NO_FREE)
    row_na("alloc.callback", BENCH_IMPL);
#else
    row("alloc.callback", BENCH_IMPL, callback_run(16, tree_iters(40)));
#endif
}

/* The trees, the first one of the fresh heap also alone (it pays for the heap's
 * growth: fresh pages, and a first large release). */
static void case_trees(int argc, char **argv) {
    (void)argc; (void)argv;
    int iters = tree_iters(20);
    double first = trees_run(18, 1);
    double ns = (first + trees_run(18, iters - 1) * (iters - 1)) / iters;
    row("alloc.trees", BENCH_IMPL, ns);
    row("alloc.trees.first", BENCH_IMPL, first);
#if !defined(BENCH_OHM)
    /* the peer columns of the object-trees rows (a collector's, with collection on) */
    row("obj.trees", BENCH_IMPL, ns);
#  if !defined(B_NO_FREE)
    row("obj.trees_nogc", BENCH_IMPL, ns);
#  endif
#endif
}

/* 1M blocks of 32 B, then all freed but a random 0.1%: resident memory kept, as a
 * percentage of what the blocks raised it to. The pointer array is allocated and
 * touched before the baseline. */
static void case_frag(int argc, char **argv) {
    (void)argc; (void)argv;
#if defined(BENCH_BOEHM)
    row_na("alloc.frag", BENCH_IMPL);
#else
    long n = scaled(1000000);
    void **p = malloc((size_t)n * sizeof *p);
    if (!p) bench_die("out of memory");
    /* Make the array resident before the baseline. Not with zeros: the compiler would
     * turn malloc+memset(0) into calloc, whose fresh pages stay untouched. */
    memset(p, 0xFF, (size_t)n * sizeof *p);
    size_t base = rss_bytes();
    for (long i = 0; i < n; i++) {
        p[i] = B_MALLOC(32);
        if (!p[i]) bench_die("frag: malloc failed");
        memset(p[i], 0x5A, 32);
    }
    size_t peak = rss_bytes();
    bench_rng r = { BENCH_SEED };
    long kept = 0;
    for (long i = 0; i < n; i++) {
        if (rng_below(&r, 1000) == 0) { kept++; continue; }
        B_FREE(p[i]);
        p[i] = NULL;
    }
    size_t after = rss_bytes();
    fprintf(stderr, "frag %s: base %zu KiB, peak +%zu KiB, after +%zu KiB, %ld kept\n",
            BENCH_IMPL, base >> 10, (peak - base) >> 10, (after - base) >> 10, kept);
    row("alloc.frag", BENCH_IMPL, peak > base ? 100.0 * (double)(after - base) / (double)(peak - base) : 0);
    for (long i = 0; i < n; i++) B_FREE(p[i]);
    free(p);
#endif
}

/* The fast path as callgrind sees it: run.sh counts the instructions inside this
 * function for two values of `batches` and divides the difference by the pairs. */
void fastpath_loop(long batches);
BENCH_NOINLINE void fastpath_loop(long batches) {
    void *b[16];
    for (long k = 0; k < batches; k++) {
        for (int i = 0; i < 16; i++) {
            b[i] = B_MALLOC(32);
            __asm__ __volatile__("" : : "r"(b[i]) : "memory");  /* keep the pair */
        }
        for (int i = 0; i < 16; i++) B_FREE(b[i]);
    }
}

static void case_fastpath(int argc, char **argv) {
    long batches = argc > 0 ? atol(argv[0]) : 1000;
    fastpath_loop(16);   /* warm: the first batch takes the slow paths */
    fastpath_loop(batches);
}

static const bench_case cases[] = {
    { "churn", case_churn }, { "lifo", case_lifo }, { "fifo", case_fifo },
    { "realloc", case_realloc }, { "trees", case_trees }, { "frag", case_frag },
    { "rnull", case_rnull }, { "callback", case_callback },
    { "fastpath", case_fastpath }, { NULL, NULL }
};

int main(int argc, char **argv) {
#if defined(BENCH_OHM)
    H = ohm_heap_new(NULL);
    if (!H) { fprintf(stderr, "bench_alloc: %s\n", ohm_last_error(NULL)); return 2; }
#elif defined(BENCH_BOEHM)
    GC_INIT();
#elif defined(BENCH_JEMALLOC)
    /* Debian's jemalloc replaces malloc itself; make sure it did. */
    if (!dlsym(RTLD_DEFAULT, "mallctl")) bench_die("jemalloc is not the malloc in this process");
#endif
    int rc = bench_main(cases, argc, argv);
#if defined(BENCH_OHM)
    ohm_heap_destroy(H);
#endif
    return rc;
}
