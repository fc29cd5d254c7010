/*
 * onode.h — the user-defined object the object and collector benchmarks are built
 * from: a GC type holding two references (left/right, or prev/next), with traverse,
 * clear and dealloc, as a C user of ohm writes one. Its Python twin is a class with
 * __slots__ = ('a', 'b').
 *
 * Needs a global `ohm_heap *H` defined before inclusion.
 */
#ifndef BENCH_ONODE_H
#define BENCH_ONODE_H

#include "ohm.h"
#include "common.h"

typedef struct onode {
    ohm_object ob;
    ohm_object *ref[2];
} onode;

static int onode_traverse(ohm_object *self, ohm_visit_fn visit, void *arg) {
    onode *n = (onode *)self;
    for (int i = 0; i < 2; i++)
        if (n->ref[i]) { int r = visit(n->ref[i], arg); if (r) return r; }
    return 0;
}
static int onode_clear(ohm_object *self) {
    onode *n = (onode *)self;
    for (int i = 0; i < 2; i++) {
        ohm_object *t = n->ref[i];
        n->ref[i] = NULL;
        ohm_xdecref(t);
    }
    return 0;
}
static void onode_dealloc(ohm_object *self) {
    onode *n = (onode *)self;
    ohm_xdecref(n->ref[0]);
    ohm_xdecref(n->ref[1]);
}
static const ohm_type onode_type = {
    .name = "node", .basicsize = sizeof(onode), .itemsize = 0, .flags = OHM_TYPE_GC,
    .traverse = onode_traverse, .clear = onode_clear, .finalize = NULL,
    .dealloc = onode_dealloc, .hash = NULL, .equal = NULL,
};

static onode *onode_new(void) {
    onode *n = (onode *)ohm_new(H, &onode_type);
    if (!n) { fprintf(stderr, "bench: ohm_new: %s\n", ohm_last_error(H)); exit(2); }
    return n;
}

/* The collector's pauses, in CPU time, from its start and stop callbacks:
 * ohm_gc_add_callback(H, on_gc, &p) with a zeroed `pauses p`. */
typedef struct { double start, total, longest; size_t n; } pauses;
static BENCH_UNUSED void on_gc(ohm_heap *h, int phase, const ohm_gc_info *info, void *arg) {
    (void)h; (void)info;
    pauses *p = arg;
    if (phase == OHM_GC_START) { p->start = now_ns(); return; }
    double d = now_ns() - p->start;
    p->total += d;
    if (d > p->longest) p->longest = d;
    p->n++;
}

/* Object trees: a full tree of the given depth, each node owning its two children
 * (the new references are stored as they are). */
static BENCH_UNUSED ohm_object *otree_make(int depth) {
    onode *n = onode_new();
    if (depth > 0) { n->ref[0] = otree_make(depth - 1); n->ref[1] = otree_make(depth - 1); }
    return &n->ob;
}
static BENCH_UNUSED long otree_walk(const ohm_object *o) {
    const onode *n = (const onode *)o;
    return n->ref[0] ? 1 + otree_walk(n->ref[0]) + otree_walk(n->ref[1]) : 1;
}
/* Build, walk and release `iters` trees: ns per node. */
static BENCH_UNUSED double otrees_run(int depth, int iters) {
    long nodes = 0;
    double t0 = now_ns();
    for (int i = 0; i < iters; i++) {
        ohm_object *root = otree_make(depth);
        nodes += otree_walk(root);
        ohm_decref(root);
    }
    double t = now_ns() - t0;
    bench_sink += (uint64_t)nodes;
    return t / (double)nodes;
}

#endif
