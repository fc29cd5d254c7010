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
