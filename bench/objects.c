/*
 * objects.c — the object benchmarks of issue 3 (bench_objects). Cases:
 *   trees       binary trees of ohm objects (a GC node type with two references):
 *               build depth 18, walk, release the root; 20 times. ns per node.
 *   trees_nogc  the same with automatic collection off.
 *   trees_gcns  the collector's CPU time per object created, trees after the first.
 *   bytes       resident bytes per live node, 1M nodes in a chain.
 *   churn       create+release of int, float, str, tuple(3), list, dict: one at a
 *               time (the free lists serve them: "warm") and in batches of 10,000
 *               live with the free lists emptied after each batch ("cold").
 *   user        create+release of a user GC type, without and with its free list
 *               (ohm_type.freelist_max). ns per op.
 *   incdec N    4N incref+decref pairs in incdec_loop (callgrind counts it), inline
 *   incdec_call N   the same through the out-of-line functions
 *   listget N   N rounds of ohm_list_get + ohm_list_len over 4 items (callgrind), inline
 *   listget_call N  the same through the out-of-line functions
 *   newfree N   N batches of 16 ohm_new + ohm_decref of a 32-byte non-GC object in
 *               newfree_loop (callgrind counts it): the allocator's object fast paths
 */
#include "common.h"
#include "ohm.h"

static ohm_heap *H;
#include "onode.h"

static void case_trees(int argc, char **argv) {
    (void)argc; (void)argv;
    row("obj.trees", "ohm", otrees_run(18, tree_iters(20)));
}

/* The collector's steady-state work on the trees: its CPU time (start/stop callbacks)
 * per object created over the trees after the first, in a process of its own so
 * that the callbacks' clock reads do not weigh on obj.trees. */
static void case_trees_gcns(int argc, char **argv) {
    (void)argc; (void)argv;
    int iters = tree_iters(20) - 1;
    otrees_run(18, 1);
    pauses p = { 0, 0, 0, 0 };
    ohm_gc_stats st0[3], st1[3];
    ohm_gc_get_stats(H, st0);
    if (ohm_gc_add_callback(H, on_gc, &p) < 0) bench_die(ohm_last_error(H));
    otrees_run(18, iters);
    ohm_gc_remove_callback(H, on_gc, &p);
    ohm_gc_get_stats(H, st1);
    double nodes = (double)((1L << 19) - 1) * iters;
    size_t cand = 0;
    for (int g = 0; g < 3; g++) cand += st1[g].candidates - st0[g].candidates;
    fprintf(stderr, "trees_gcns: %zu collections, %.1f ms in gc, %.2f candidates per node\n",
            p.n, p.total / 1e6, (double)cand / nodes);
    row("obj.trees.gc_ns", "ohm", p.total / nodes);
}

static void case_trees_nogc(int argc, char **argv) {
    (void)argc; (void)argv;
    ohm_gc_disable(H);
    row("obj.trees_nogc", "ohm", otrees_run(18, tree_iters(20)));
}

/* RSS growth per node while 1M nodes are alive, each holding the previous one. */
static void case_bytes(int argc, char **argv) {
    (void)argc; (void)argv;
    long n = scaled(1000000);
    size_t base = rss_bytes();
    ohm_object *head = NULL;
    for (long i = 0; i < n; i++) {
        onode *o = onode_new();
        o->ref[0] = head;          /* the chain's reference moves into the new node */
        head = &o->ob;
    }
    size_t after = rss_bytes();
    fprintf(stderr, "bytes: %ld nodes, rss +%zu KiB, ohm_sizeof %zu\n", n, (after - base) >> 10,
            ohm_sizeof(head));
    row("obj.bytes", "ohm", (double)(after - base) / (double)n);
    /* the heap's destruction frees the chain */
}

/* ---- builtin types: one object per op, made and released */
enum { T_INT, T_FLOAT, T_STR, T_TUPLE, T_LIST, T_DICT, T_COUNT };
static const char *const type_names[T_COUNT] = { "int", "float", "str", "tuple", "list", "dict" };
static ohm_object *items[3];

static inline ohm_object *make(int t, long i) {
    ohm_object *o = NULL;
    switch (t) {
    case T_INT: o = ohm_int_new(H, 1000 + (i & 1023)); break;     /* outside the cache */
    case T_FLOAT: o = ohm_float_new(H, (double)i * 0.5); break;
    case T_STR: o = ohm_str_new(H, "benchmarks", 10); break;
    case T_TUPLE:
        o = ohm_tuple_new(H, 3);
        if (o) for (size_t k = 0; k < 3; k++) ohm_tuple_set(o, k, items[k]);
        break;
    case T_LIST: o = ohm_list_new(H); break;
    case T_DICT: o = ohm_dict_new(H); break;
    }
    if (!o) { fprintf(stderr, "bench: %s: %s\n", type_names[t], ohm_last_error(H)); exit(2); }
    return o;
}

static void case_churn(int argc, char **argv) {
    (void)argc; (void)argv;
    long n = scaled(2000000);
    enum { BATCH = 10000 };
    static ohm_object *batch[BATCH];
    char key[64];
    items[0] = ohm_int_new(H, 1); items[1] = ohm_int_new(H, 2); items[2] = ohm_int_new(H, 3);
    for (int t = 0; t < T_COUNT; t++) {
        for (long i = 0; i < 1000; i++) ohm_decref(make(t, i));         /* warm up */
        long rounds = n / BATCH > 0 ? n / BATCH : 1;
        double t0 = now_ns();
        for (long i = 0; i < n; i++) ohm_decref(make(t, i));
        double warm = (now_ns() - t0) / (double)n;

        double c = 0;
        for (long k = 0; k < rounds; k++) {
            ohm_clear_freelists(H);
            t0 = now_ns();
            for (long i = 0; i < BATCH; i++) batch[i] = make(t, i);
            for (long i = 0; i < BATCH; i++) ohm_decref(batch[i]);
            c += now_ns() - t0;
        }
        double cold = c / (double)(rounds * BATCH);
        snprintf(key, sizeof key, "obj.%s.warm", type_names[t]);
        row(key, "ohm", warm);
        snprintf(key, sizeof key, "obj.%s.cold", type_names[t]);
        row(key, "ohm", cold);
    }
    for (int k = 0; k < 3; k++) ohm_decref(items[k]);
}

/* ---- a user type: create+release of a 2-reference GC node, with and without the
 * type's own free list (ohm_type.freelist_max), one at a time */
static const ohm_type onode_fl_type = {
    .name = "node_fl", .basicsize = sizeof(onode), .flags = OHM_TYPE_GC,
    .traverse = onode_traverse, .clear = onode_clear, .dealloc = onode_dealloc,
    .freelist_max = 100,
};

static double user_churn(const ohm_type *t, long n) {
    double t0 = now_ns();
    for (long i = 0; i < n; i++) {
        ohm_object *o = ohm_new(H, t);
        if (!o) { fprintf(stderr, "bench: ohm_new: %s\n", ohm_last_error(H)); exit(2); }
        ohm_decref(o);
    }
    return (now_ns() - t0) / (double)n;
}

static void case_user(int argc, char **argv) {
    (void)argc; (void)argv;
    long n = scaled(4000000);
    user_churn(&onode_type, 1000);      /* warm up: the pools, and the free list */
    user_churn(&onode_fl_type, 1000);
    row("obj.user.plain", "ohm", user_churn(&onode_type, n));
    row("obj.user.freelist", "ohm", user_churn(&onode_fl_type, n));
}

/* The reference-counting fast path as callgrind sees it. */
void incdec_loop(ohm_object *o, long n);
void incdec_call_loop(ohm_object *o, long n);
/* Each iteration makes 4 pairs, so the loop's own 3 instructions weigh < 1 per pair;
 * the barriers make each count be loaded and stored as in real code. */
#define INCDEC_PAIR(o) do { ohm_incref(o); BENCH_BARRIER(); ohm_decref(o); BENCH_BARRIER(); } while (0)
BENCH_NOINLINE void incdec_loop(ohm_object *o, long n) {
    for (long i = 0; i < n; i++) { INCDEC_PAIR(o); INCDEC_PAIR(o); INCDEC_PAIR(o); INCDEC_PAIR(o); }
}
#define INCDEC_CALL(o) do { (ohm_incref)(o); (ohm_decref)(o); } while (0)  /* () skip the macros */
BENCH_NOINLINE void incdec_call_loop(ohm_object *o, long n) {
    for (long i = 0; i < n; i++) { INCDEC_CALL(o); INCDEC_CALL(o); INCDEC_CALL(o); INCDEC_CALL(o); }
}

/* The hot accessors as callgrind sees them: per item, a list get and a len (the loop
 * condition), inline (ohm.h's default) or through the functions. */
long listget_loop(ohm_object *l, long n);
long listget_call_loop(ohm_object *l, long n);
BENCH_NOINLINE long listget_loop(ohm_object *l, long n) {
    long s = 0;
    for (long k = 0; k < n; k++)
        for (size_t i = 0; i < ohm_list_len(l); i++) { s += (long)(uintptr_t)ohm_list_get(l, i); BENCH_BARRIER(); }
    return s;
}
BENCH_NOINLINE long listget_call_loop(ohm_object *l, long n) {
    long s = 0;
    for (long k = 0; k < n; k++)
        for (size_t i = 0; i < (ohm_list_len)(l); i++) { s += (long)(uintptr_t)(ohm_list_get)(l, i); BENCH_BARRIER(); }
    return s;
}

/* argv[0]: rounds over a list of 4 items */
static void case_listget(int argc, char **argv) {
    long n = argc > 0 ? atol(argv[0]) : 1000;
    int call = argc > 1 && !strcmp(argv[1], "call");
    ohm_object *l = ohm_list_new(H);
    for (int i = 0; i < 4; i++) ohm_list_append(l, items[0] ? items[0] : l);
    bench_sink += (uint64_t)(call ? listget_call_loop(l, n) : listget_loop(l, n));
    ohm_decref(l);
}
static void case_listget_call(int argc, char **argv) {
    char *args[2] = { argc > 0 ? argv[0] : (char *)"1000", (char *)"call" };
    case_listget(2, args);
}

static void case_incdec(int argc, char **argv) {
    long n = argc > 0 ? atol(argv[0]) : 1000;
    ohm_object *o = ohm_float_new(H, 1.5);
    incdec_loop(o, 16);
    incdec_loop(o, n);
    bench_sink += ohm_refcount(o);
    ohm_decref(o);
}

static void case_incdec_call(int argc, char **argv) {
    long n = argc > 0 ? atol(argv[0]) : 1000;
    ohm_object *o = ohm_float_new(H, 1.5);
    incdec_call_loop(o, 16);
    incdec_call_loop(o, n);
    bench_sink += ohm_refcount(o);
    ohm_decref(o);
}

/* Object memory's fast paths as callgrind sees them: ohm_new (ohmi_alloc_object) and
 * the release of the last reference (ohmi_alloc_object_free) of a user type without
 * free list, dealloc or finalizer, in batches of 16 as fastpath_loop does for blocks. */
static const ohm_type newfree_type = { .name = "newfree", .basicsize = 32 };
void newfree_loop(long batches);
BENCH_NOINLINE void newfree_loop(long batches) {
    ohm_object *b[16];
    for (long k = 0; k < batches; k++) {
        for (int i = 0; i < 16; i++) {
            b[i] = ohm_new(H, &newfree_type);
            __asm__ __volatile__("" : : "r"(b[i]) : "memory");  /* keep the pair */
        }
        for (int i = 0; i < 16; i++) ohm_decref(b[i]);
    }
}

static void case_newfree(int argc, char **argv) {
    long batches = argc > 0 ? atol(argv[0]) : 1000;
    newfree_loop(16);   /* warm: the first batch takes the slow paths */
    newfree_loop(batches);
}

static const bench_case cases[] = {
    { "trees", case_trees }, { "trees_nogc", case_trees_nogc }, { "trees_gcns", case_trees_gcns }, { "bytes", case_bytes },
    { "churn", case_churn }, { "user", case_user }, { "incdec", case_incdec },
    { "incdec_call", case_incdec_call }, { "listget", case_listget },
    { "listget_call", case_listget_call }, { "newfree", case_newfree }, { NULL, NULL }
};

int main(int argc, char **argv) {
    H = ohm_heap_new(NULL);
    if (!H) { fprintf(stderr, "bench_objects: %s\n", ohm_last_error(NULL)); return 2; }
    int rc = bench_main(cases, argc, argv);
    ohm_heap_destroy(H);
    return rc;
}
