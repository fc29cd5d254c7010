/*
 * gc.c — the cycle-collector benchmarks of issue 4 (bench_gc). Each case has a twin
 * in bench/bench_gc.py measured in the same run. Cases:
 *   garbage    100k rings of 10 doubly-linked nodes made unreachable (automatic
 *              collection off), one full collection: ns per collected object.
 *   live       100k lists of 10 nodes each (1.1M tracked objects) all reachable; after
 *              one full collection, a second full collection (finding nothing) is
 *              timed: ns per tracked object and the pause in ms.
 *   pyperf_collect    pyperformance gc_collect: 100 rings of 21 nodes, made and
 *              dropped, then a full collection timed; repeated. us per collection.
 *   pyperf_traversal  pyperformance gc_traversal: 1000 lists, list n holding n
 *              references to list n-1; a full collection timed; repeated. ms each.
 *   steady     a 1M-node long-lived heap (as in live), then 3-node cycles made and
 *              dropped in a loop with automatic collection on: the share of the
 *              loop's time spent collecting (start/stop callbacks) and the longest
 *              pause.
 */
#include "common.h"
#include "ohm.h"

static ohm_heap *H;
#include "onode.h"

static void link2(onode *a, onode *b) {   /* a.next = b, b.prev = a */
    ohm_incref(&b->ob); a->ref[1] = &b->ob;
    ohm_incref(&a->ob); b->ref[0] = &a->ob;
}

/* A ring of n nodes; returns the first, whose creation reference the caller holds. */
static ohm_object *ring_new(int n, int doubly) {
    onode *first = onode_new(), *prev = first;
    for (int i = 1; i <= n; i++) {
        onode *cur = i < n ? onode_new() : first;
        if (doubly) link2(prev, cur);
        else { ohm_incref(&cur->ob); prev->ref[1] = &cur->ob; }
        if (prev != first) ohm_decref(&prev->ob);   /* its neighbours hold it now */
        prev = cur;
    }
    return &first->ob;
}

static int count_fn(ohm_object *o, void *arg) { (void)o; ++*(size_t *)arg; return 0; }
static size_t tracked_objects(void) {
    size_t n = 0;
    ohm_gc_get_objects(H, -1, count_fn, &n);
    return n;
}

static void case_garbage(int argc, char **argv) {
    (void)argc; (void)argv;
    long rings = scaled(100000);
    ohm_gc_disable(H);
    ohm_gc_collect(H, 2);
    ohm_object **head = malloc((size_t)rings * sizeof *head);
    if (!head) bench_die("out of memory");
    for (long i = 0; i < rings; i++) head[i] = ring_new(10, 1);
    for (long i = 0; i < rings; i++) ohm_decref(head[i]);
    free(head);
    double t0 = now_ns();
    size_t found = ohm_gc_collect(H, 2);
    double t = now_ns() - t0;
    fprintf(stderr, "garbage: %zu unreachable of %ld, %.1f ms\n", found, rings * 10, t / 1e6);
    if (found != (size_t)rings * 10) fprintf(stderr, "garbage: WRONG COUNT (expected %ld)\n", rings * 10);
    row("gc.garbage", "ohm", found ? t / (double)found : 0);
}

/* 100k lists of 10 nodes, held by one list; returns the holder. */
static ohm_object *live_heap(long lists) {
    ohm_object *top = ohm_list_new(H);
    for (long i = 0; i < lists; i++) {
        ohm_object *l = ohm_list_new(H);
        for (int k = 0; k < 10; k++) {
            onode *n = onode_new();
            if (ohm_list_append(l, &n->ob) < 0) bench_die(ohm_last_error(H));
            ohm_decref(&n->ob);
        }
        if (ohm_list_append(top, l) < 0) bench_die(ohm_last_error(H));
        ohm_decref(l);
    }
    return top;
}

static void case_live(int argc, char **argv) {
    (void)argc; (void)argv;
    ohm_gc_disable(H);
    ohm_object *top = live_heap(scaled(100000));
    ohm_gc_collect(H, 2);
    size_t objs = tracked_objects();
    double t0 = now_ns();
    size_t found = ohm_gc_collect(H, 2);
    double t = now_ns() - t0;
    fprintf(stderr, "live: %zu tracked, %zu found, %.2f ms\n", objs, found, t / 1e6);
    row("gc.live.ns", "ohm", objs ? t / (double)objs : 0);
    row("gc.live.pause", "ohm", t / 1e6);
    ohm_decref(top);
}

static void case_pyperf_collect(int argc, char **argv) {
    (void)argc; (void)argv;
    long loops = scaled(200);
    ohm_object *cycles[100];
    double total = 0;
    for (long k = 0; k < loops; k++) {
        ohm_gc_collect(H, 2);
        for (int i = 0; i < 100; i++) cycles[i] = ring_new(21, 0);
        for (int i = 0; i < 100; i++) ohm_decref(cycles[i]);
        double t0 = now_ns();
        ohm_gc_collect(H, 2);
        total += now_ns() - t0;
    }
    row("gc.pyperf_collect", "ohm", total / (double)loops / 1e3);
}

static void case_pyperf_traversal(int argc, char **argv) {
    (void)argc; (void)argv;
    long loops = scaled(20);
    ohm_object *cur = ohm_list_new(H);
    for (int n = 0; n < 1000; n++) {
        ohm_object *next = ohm_list_new(H);
        for (int i = 0; i < n; i++)
            if (ohm_list_append(next, cur) < 0) bench_die(ohm_last_error(H));
        ohm_decref(cur);
        cur = next;
    }
    double total = 0;
    for (long k = 0; k < loops; k++) {
        ohm_gc_collect(H, 2);
        double t0 = now_ns();
        size_t found = ohm_gc_collect(H, 2);
        total += now_ns() - t0;
        if (found) fprintf(stderr, "pyperf_traversal: found %zu (expected 0)\n", found);
    }
    row("gc.pyperf_traversal", "ohm", total / (double)loops / 1e6);
    ohm_decref(cur);
}

static void case_steady(int argc, char **argv) {
    (void)argc; (void)argv;
    ohm_object *top = live_heap(scaled(100000));
    ohm_gc_collect(H, 2);
    pauses p = { 0, 0, 0, 0 };
    if (ohm_gc_add_callback(H, on_gc, &p) < 0) bench_die(ohm_last_error(H));
    long iters = scaled(1000000);
    double t0 = now_ns();
    for (long i = 0; i < iters; i++) ohm_decref(ring_new(3, 1));
    double t = now_ns() - t0;
    ohm_gc_remove_callback(H, on_gc, &p);
    ohm_gc_stats st[3];
    ohm_gc_get_stats(H, st);
    fprintf(stderr, "steady: %.1f ms, %zu collections (%zu/%zu/%zu), %.1f ms in gc, longest %.3f ms\n",
            t / 1e6, p.n, st[0].collections, st[1].collections, st[2].collections,
            p.total / 1e6, p.longest / 1e6);
    row("gc.steady.share", "ohm", t > 0 ? 100.0 * p.total / t : 0);
    row("gc.steady.pause", "ohm", p.longest / 1e6);
    row("gc.steady.ns", "ohm", p.total / (double)(iters * 3));
    ohm_decref(top);
}

static const bench_case cases[] = {
    { "garbage", case_garbage }, { "live", case_live },
    { "pyperf_collect", case_pyperf_collect }, { "pyperf_traversal", case_pyperf_traversal },
    { "steady", case_steady }, { NULL, NULL }
};

int main(int argc, char **argv) {
    H = ohm_heap_new(NULL);
    if (!H) { fprintf(stderr, "bench_gc: %s\n", ohm_last_error(NULL)); return 2; }
    int rc = bench_main(cases, argc, argv);
    ohm_heap_destroy(H);
    return rc;
}
