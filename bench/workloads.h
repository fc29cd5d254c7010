/*
 * workloads.h — the allocator workloads, written once against three macros so the
 * same code runs on ohm and on every peer allocator:
 *     B_MALLOC(n)  B_FREE(p)  B_REALLOC(p, n)
 * The including file defines them (bench/alloc.c per peer, bench/trace.c for ohm
 * under tracing). Each workload returns the CPU nanoseconds of its timed part.
 */
#ifndef BENCH_WORKLOADS_H
#define BENCH_WORKLOADS_H

#include "common.h"

/* ---- churn: `live` slots, random sizes 8..512 B (three quarters <= 128 B), `pairs`
 * free+malloc pairs at random slots. The first bytes of each new block are written,
 * as a program would. Timed: the pairs only (the initial fill is not). */
static inline size_t churn_size(bench_rng *r) {
    uint64_t x = rng_next(r);
    uint32_t pick = (uint32_t)(x >> 40);                 /* 24 random bits */
    if (x & 3)                                           /* 3 in 4: 8..128 */
        return 8 + (((pick & 0xFFFF) * 121u) >> 16);
    return 129 + (((pick & 0xFFFF) * 384u) >> 16);       /* 1 in 4: 129..512 */
}

static BENCH_UNUSED double churn_run(long live, long pairs) {
    void **slot = calloc((size_t)live, sizeof *slot);
    if (!slot) bench_die("out of memory");
    bench_rng r = { BENCH_SEED };
    for (long i = 0; i < live; i++) {
        slot[i] = B_MALLOC(churn_size(&r));
        if (!slot[i]) bench_die("churn: malloc failed");
        *(uint64_t *)slot[i] = (uint64_t)i;
    }
    double t0 = now_ns();
    for (long k = 0; k < pairs; k++) {
        uint32_t i = rng_below(&r, (uint32_t)live);
        B_FREE(slot[i]);
        void *p = B_MALLOC(churn_size(&r));
        *(uint64_t *)p = (uint64_t)k;
        slot[i] = p;
    }
    double t = now_ns() - t0;
    for (long i = 0; i < live; i++) B_FREE(slot[i]);
    free(slot);
    return t;
}

/* ---- batches: `rounds` times, allocate `n` blocks of 16..64 B, then free them in
 * reverse order (lifo != 0) or in the same order. Returns ns for all rounds. */
static BENCH_UNUSED double batch_run(long rounds, int n, int lifo) {
    void **b = malloc((size_t)n * sizeof *b);
    size_t *sz = malloc((size_t)n * sizeof *sz);
    if (!b || !sz) bench_die("out of memory");
    bench_rng r = { BENCH_SEED };
    for (int i = 0; i < n; i++) sz[i] = 16 + rng_below(&r, 49);
    double t0 = now_ns();
    for (long k = 0; k < rounds; k++) {
        for (int i = 0; i < n; i++) { b[i] = B_MALLOC(sz[i]); *(char *)b[i] = (char)i; }
        if (lifo) for (int i = n - 1; i >= 0; i--) B_FREE(b[i]);
        else      for (int i = 0; i < n; i++) B_FREE(b[i]);
    }
    double t = now_ns() - t0;
    free(b); free(sz);
    return t;
}

/* ---- realloc growth: `rounds` times, a block grown 16 B at a time from 16 B to 4 KiB
 * (256 reallocs, each step written to), then freed. Returns ns for all rounds. */
static BENCH_UNUSED double realloc_run(long rounds) {
    double t0 = now_ns();
    for (long k = 0; k < rounds; k++) {
        char *p = B_MALLOC(16);
        p[0] = 1;
        for (size_t n = 32; n <= 4096; n += 16) {
            p = B_REALLOC(p, n);
            p[n - 1] = (char)n;
        }
        bench_sink += (uint64_t)p[4095];
        B_FREE(p);
    }
    return now_ns() - t0;
}

/* ---- realloc(NULL, n) against malloc(n): `rounds` times, a batch of RNULL_BATCH
 * blocks of 16..64 B made by malloc and freed newest first, then the same made by
 * realloc(NULL, n) and freed; each phase timed apart (the batch is large enough for
 * the two clock reads to weigh < 1%). Sums in ns; ops: blocks per mode. */
enum { RNULL_BATCH = 4096 };
typedef struct { double malloc, free, ralloc, rfree, ops; } rnull_times;

/* One phase pair: the blocks made (by realloc(NULL, n) when `viarealloc`), then
 * freed; adds each phase's time. */
static void rnull_batch(void **b, const size_t *sz, int viarealloc, double *alloc, double *fre) {
    double t0 = now_ns();
    if (viarealloc) for (int i = 0; i < RNULL_BATCH; i++) { b[i] = B_REALLOC(NULL, sz[i]); *(char *)b[i] = (char)i; }
    else            for (int i = 0; i < RNULL_BATCH; i++) { b[i] = B_MALLOC(sz[i]); *(char *)b[i] = (char)i; }
    double t1 = now_ns();
    for (int i = RNULL_BATCH - 1; i >= 0; i--) B_FREE(b[i]);
    double t2 = now_ns();
    *alloc += t1 - t0;
    *fre += t2 - t1;
}

static BENCH_UNUSED rnull_times rnull_run(long rounds) {
    static void *b[RNULL_BATCH];
    static size_t sz[RNULL_BATCH];
    bench_rng r = { BENCH_SEED };
    for (int i = 0; i < RNULL_BATCH; i++) sz[i] = 16 + rng_below(&r, 49);
    rnull_times t = { 0, 0, 0, 0, 0 };
    double junk = 0;
    rnull_batch(b, sz, 0, &junk, &junk);       /* warm: the pools exist for both */
    for (long k = 0; k < rounds; k++) {        /* the two alternate: a slow spell hits both */
        rnull_batch(b, sz, 0, &t.malloc, &t.free);
        rnull_batch(b, sz, 1, &t.ralloc, &t.rfree);
    }
    t.ops = (double)rounds * RNULL_BATCH;
    return t;
}

/* ---- an interpreter whose every allocation goes through one realloc-style callback,
 * f(p, old, new): p == NULL allocates, new == 0 frees, otherwise resizes (Lua's
 * lua_Alloc, less its user pointer). Called through a pointer, as an interpreter does,
 * so it is not inlined into the workload. The workload is Lua's binarytrees as Lua runs
 * it: each table a 56 B header, an inner node's array part grown 1 -> 2 slots of 16 B
 * by realloc as {left, right} fills it, a leaf holding a string of 17..48 B, a
 * temporary string per inner node made and dropped at once (a concatenation); every
 * object is chained on an all-objects list, and after each tree is walked the "sweep"
 * frees them newest first, as Lua's collector does. A long-lived tree of depth-2
 * stays alive meanwhile. */
typedef void *(*bench_realloc_fn)(void *p, size_t old, size_t n);
static BENCH_UNUSED void *bench_lalloc(void *p, size_t old, size_t n) {
    (void)old;
    if (n == 0) { B_FREE(p); return NULL; }
    return B_REALLOC(p, n);
}
static bench_realloc_fn volatile bench_frealloc BENCH_UNUSED = bench_lalloc;

typedef struct ltable {          /* 56 B, as Lua 5.4's Table */
    struct ltable *next;         /* the all-objects list, newest first */
    void *array, *str;           /* array part (16 B slots); a leaf's string */
    size_t asize, slen;
    uint64_t flags, seq;
} ltable;

static ltable *lt_new(ltable **all, uint64_t seq) {
    ltable *t = bench_frealloc(NULL, 0, sizeof *t);
    if (!t) bench_die("callback: allocation failed");
    t->next = *all; *all = t;
    t->array = t->str = NULL;
    t->asize = t->slen = 0;
    t->flags = 0; t->seq = seq;
    return t;
}
static void lt_append(ltable *t, ltable *v) {       /* the array part grows by one slot */
    void *a = bench_frealloc(t->array, t->asize * 16, (t->asize + 1) * 16);
    if (!a) bench_die("callback: allocation failed");
    ((void **)a)[2 * t->asize] = v;
    t->array = a;
    t->asize++;
}
static void *lt_string(size_t n, uint64_t seq) {
    char *s = bench_frealloc(NULL, 0, n);
    if (!s) bench_die("callback: allocation failed");
    s[0] = (char)seq; s[n - 1] = 0;
    return s;
}
static ltable *lt_tree(ltable **all, int depth, uint64_t *seq) {
    uint64_t k = ++*seq;
    if (depth == 0) {
        ltable *t = lt_new(all, k);
        t->slen = 17 + ((k * 7) & 31);
        t->str = lt_string(t->slen, k);
        return t;
    }
    ltable *l = lt_tree(all, depth - 1, seq), *r = lt_tree(all, depth - 1, seq);
    ltable *t = lt_new(all, k);
    lt_append(t, l);
    lt_append(t, r);
    size_t n = 24 + (k & 15);
    bench_frealloc(lt_string(n, k), n, 0);           /* a temporary, dropped at once */
    return t;
}
static long lt_walk(const ltable *t) {
    if (!t->asize) return 1;
    void *const *a = t->array;
    return 1 + lt_walk(a[0]) + lt_walk(a[2]);
}
static void lt_sweep(ltable *t) {
    while (t) {
        ltable *next = t->next;
        if (t->array) bench_frealloc(t->array, t->asize * 16, 0);
        if (t->str) bench_frealloc(t->str, t->slen, 0);
        bench_frealloc(t, sizeof *t, 0);
        t = next;
    }
}
/* ns per node: `iters` trees of the given depth next to a long-lived one. */
static BENCH_UNUSED double callback_run(int depth, int iters) {
    ltable *keep_all = NULL, *all = NULL;
    uint64_t seq = 0;
    long nodes = 0;
    double t0 = now_ns();
    nodes += lt_walk(lt_tree(&keep_all, depth - 2, &seq));
    for (int i = 0; i < iters; i++) {
        all = NULL;
        nodes += lt_walk(lt_tree(&all, depth, &seq));
        lt_sweep(all);
    }
    lt_sweep(keep_all);
    double t = now_ns() - t0;
    bench_sink += (uint64_t)nodes;
    return t / (double)nodes;
}

/* ---- binary trees: a full tree of the given depth (2^(depth+1) - 1 nodes of two
 * pointers), malloc per node, walked, then freed node by node. */
typedef struct tnode { struct tnode *left, *right; } tnode;

static tnode *tree_make(int depth) {
    tnode *n = B_MALLOC(sizeof *n);
    if (!n) bench_die("trees: malloc failed");
    if (depth > 0) { n->left = tree_make(depth - 1); n->right = tree_make(depth - 1); }
    else n->left = n->right = NULL;
    return n;
}
static long tree_walk(const tnode *n) {
    return n->left ? 1 + tree_walk(n->left) + tree_walk(n->right) : 1;
}
static BENCH_UNUSED void tree_free(tnode *n) {
    if (n->left) { tree_free(n->left); tree_free(n->right); }
    B_FREE(n);
}
/* Returns ns per node over `iters` trees; *nodes gets the node count of one tree. */
static BENCH_UNUSED double trees_run(int depth, int iters) {
    long nodes = 0;
    double t0 = now_ns();
    for (int i = 0; i < iters; i++) {
        tnode *root = tree_make(depth);
        nodes += tree_walk(root);
#ifdef B_NO_FREE
        root = NULL;                /* a collector finds it dead */
#else
        tree_free(root);
#endif
    }
    double t = now_ns() - t0;
    bench_sink += (uint64_t)nodes;
    return t / (double)nodes;
}

#endif
