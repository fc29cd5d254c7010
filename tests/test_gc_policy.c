/* test_gc_policy.c — the young-generation trigger policies (docs/gc.md, "Triggers"):
 * cfg.gc_policy and OHM_GC_POLICY; the adaptive threshold 0 growing while young
 * collections find nothing, up to twice the tracked objects, back to threshold[0]
 * when they find garbage and after every full collection; ohm_gc_set_threshold taking a heap to CPython's rule; CPython's rule
 * keeping threshold 0 fixed. Each heap sets its policy itself (ctest also runs this
 * program with OHM_GC_POLICY=cpython, which must not change what it asserts). */
#include "check.h"
#include "gc_types.h"
#include "api/api.h"

static ohm_heap *heap_with(int policy, unsigned t0) {
    ohm_config cfg;
    ohm_config_init(&cfg);
    cfg.gc_policy = policy;
    cfg.gc_stress = 0;
    cfg.gc_threshold[0] = t0;
    ohm_heap *h = ohm_heap_new(&cfg);
    if (!h) { fprintf(stderr, "heap: %s\n", ohm_last_error(NULL)); exit(1); }
    return h;
}

static unsigned young_threshold(ohm_heap *h) { return ohmi_gc_of(h)->young_threshold; }
static size_t collections(ohm_heap *h, int gen) {
    ohm_gc_stats st[3];
    ohm_gc_get_stats(h, st);
    return st[gen].collections;
}

/* n live nodes into keep[from..from+n) */
static void make_live(ohm_heap *h, ohm_object **keep, size_t from, size_t n) {
    for (size_t i = from; i < from + n; i++) keep[i] = ohm_new(h, &node_type);
}

/* n self-cycles, garbage at once */
static void make_cycles(ohm_heap *h, size_t n) {
    for (size_t i = 0; i < n; i++) {
        node *c = (node *)ohm_new(h, &node_type);
        c->a = &c->ob;             /* the creation reference becomes the cycle's */
    }
}

/* The environment and the configuration. */
static void test_config(void) {
    const char *was = getenv("OHM_GC_POLICY");
    char saved[64] = "";
    if (was) snprintf(saved, sizeof saved, "%s", was);
    ohm_config cfg;
    unsetenv("OHM_GC_POLICY");
    ohm_config_init(&cfg);
    CHECK_EQ_INT(cfg.gc_policy, OHM_GC_POLICY_ADAPTIVE);
    setenv("OHM_GC_POLICY", "cpython", 1);
    ohm_config_init(&cfg);
    CHECK_EQ_INT(cfg.gc_policy, OHM_GC_POLICY_CPYTHON);
    CHECK(cfg.config_error == NULL);
    setenv("OHM_GC_POLICY", "adaptive", 1);
    ohm_config_init(&cfg);
    CHECK_EQ_INT(cfg.gc_policy, OHM_GC_POLICY_ADAPTIVE);
    setenv("OHM_GC_POLICY", "fast", 1);
    ohm_config_init(&cfg);
    CHECK(ohm_heap_new(&cfg) == NULL);
    CHECK(strstr(ohm_last_error(NULL), "OHM_GC_POLICY: expected adaptive or cpython") != NULL);
    if (was) setenv("OHM_GC_POLICY", saved, 1);
    else unsetenv("OHM_GC_POLICY");
    ohm_config_init(&cfg);
    cfg.gc_policy = 7;
    CHECK(ohm_heap_new(&cfg) == NULL);
    CHECK(strstr(ohm_last_error(NULL), "gc_policy must be") != NULL);
}

/* Young collections that find nothing quadruple the threshold, within twice the
 * tracked objects; garbage takes it back to threshold[0], and so does a full
 * collection. */
static void test_adaptive(void) {
    ohm_heap *h = heap_with(OHM_GC_POLICY_ADAPTIVE, 100);
    enum { N = 4000 };
    static ohm_object *keep[N];
    CHECK_EQ_INT(young_threshold(h), 100);
    ohm_gc_disable(h);
    make_live(h, keep, 0, 1000);
    ohm_gc_collect(h, 2);                        /* 1000 old objects */
    ohm_gc_enable(h);
    CHECK_EQ_INT(young_threshold(h), 100);
    make_live(h, keep, 1000, 100);
    CHECK_EQ_SIZE(collections(h, 0), 0);
    make_live(h, keep, 1100, 1);                 /* the 101st: a collection, nothing found */
    CHECK_EQ_SIZE(collections(h, 0), 1);
    CHECK_EQ_INT(young_threshold(h), 400);
    make_live(h, keep, 1101, 400);               /* 400 more: not past 400 yet */
    CHECK_EQ_SIZE(collections(h, 0), 1);
    make_live(h, keep, 1501, 1);                 /* 401: the second, at 1502 tracked */
    CHECK_EQ_SIZE(collections(h, 0), 2);
    CHECK_EQ_INT(young_threshold(h), 1600);
    make_live(h, keep, 1502, 1601);              /* the third, at 3103: 6400 > 2 * 3103 */
    CHECK_EQ_SIZE(collections(h, 0), 3);
    CHECK_EQ_INT(young_threshold(h), 6206);
    CHECK_EQ_INT(ohm_heap_check(h, stderr), 0);

    /* garbage: a collection that finds more than a quarter unreachable takes it back
     * to threshold[0], the floor */
    make_cycles(h, 6207);
    CHECK_EQ_SIZE(collections(h, 0), 4);
    CHECK_EQ_INT(young_threshold(h), 100);
    make_cycles(h, 101);
    CHECK_EQ_SIZE(collections(h, 0), 5);
    CHECK_EQ_INT(young_threshold(h), 100);
    CHECK_EQ_INT(ohm_heap_check(h, stderr), 0);

    /* every full collection starts the threshold again from threshold[0] */
    make_live(h, keep, 3103, 101);
    CHECK_EQ_INT(young_threshold(h), 400);
    for (size_t i = 10; i < 3204; i++) ohm_decref(keep[i]);
    ohm_gc_collect(h, 2);
    CHECK_EQ_INT(young_threshold(h), 100);
    for (size_t i = 0; i < 10; i++) ohm_decref(keep[i]);
    CHECK_EQ_INT(ohm_heap_check(h, stderr), 0);
    ohm_heap_destroy(h);

    /* garbage between 1/64 and 1/4 of the candidates keeps the threshold; under 1/64
     * it grows */
    h = heap_with(OHM_GC_POLICY_ADAPTIVE, 100);
    make_live(h, keep, 0, 98);
    make_cycles(h, 3);        /* the 101st collects before it becomes a cycle: 2 of 101 */
    CHECK_EQ_SIZE(collections(h, 0), 1);
    CHECK_EQ_INT(young_threshold(h), 100);
    make_live(h, keep, 98, 63);
    make_cycles(h, 38);       /* 37 of 101 unreachable */
    CHECK_EQ_SIZE(collections(h, 0), 2);
    CHECK_EQ_INT(young_threshold(h), 100);   /* over 1/4: the floor */
    make_live(h, keep, 161, 101);             /* nothing: quadruples */
    CHECK_EQ_SIZE(collections(h, 0), 3);
    CHECK_EQ_INT(young_threshold(h), 400);
    make_live(h, keep, 262, 398);
    make_cycles(h, 3);                        /* 2 of 401, under 1/64: grows */
    CHECK_EQ_SIZE(collections(h, 0), 4);
    CHECK(young_threshold(h) > 400);
    for (size_t i = 0; i < 660; i++) ohm_decref(keep[i]);
    CHECK_EQ_INT(ohm_heap_check(h, stderr), 0);
    ohm_heap_destroy(h);
}

/* A large structure built and freed over and over (binary trees): once the threshold
 * passed its size, building it costs no collection. */
static ohm_object *tree(ohm_heap *h, int depth) {
    node *n = (node *)ohm_new(h, &node_type);
    if (depth > 0) { n->a = tree(h, depth - 1); n->b = tree(h, depth - 1); }
    return &n->ob;
}

static void test_trees(void) {
    ohm_heap *h = heap_with(OHM_GC_POLICY_ADAPTIVE, 0);   /* 0: the default, 2000 */
    CHECK_EQ_INT(young_threshold(h), 2000);
    ohm_decref(tree(h, 14));                     /* 32767 nodes */
    CHECK_EQ_SIZE(collections(h, 0), 3);         /* past 2000, 4002, 12008 (the caps) */
    CHECK_EQ_INT(young_threshold(h), 36026);     /* twice the 18013 tracked then */
    size_t first = collections(h, 0) + collections(h, 1) + collections(h, 2);
    for (int i = 0; i < 10; i++) ohm_decref(tree(h, 14));
    CHECK_EQ_SIZE(collections(h, 0) + collections(h, 1) + collections(h, 2), first);
    CHECK_EQ_SIZE(ohmi_gc_of(h)->tracked, 0);
    ohm_heap_destroy(h);

    /* CPython's rule: a collection per 2000 nodes */
    h = heap_with(OHM_GC_POLICY_CPYTHON, 0);
    ohm_decref(tree(h, 14));
    CHECK_EQ_SIZE(collections(h, 0) + collections(h, 1) + collections(h, 2), 16);
    CHECK_EQ_INT(young_threshold(h), 2000);
    ohm_heap_destroy(h);
}

/* Probes: once the threshold has grown past 128 times threshold[0] (a structure built
 * with no garbage), every threshold/16 net allocations the newest threshold[0] objects
 * of generation 0 are collected alone, so cycles dropped after the build wait for at
 * most threshold/16 allocations, not a whole threshold. */
static void test_probes(void) {
    ohm_heap *h = heap_with(OHM_GC_POLICY_ADAPTIVE, 100);
    enum { N = 20000 };
    static ohm_object *keep[N];
    make_live(h, keep, 0, N);
    /* collections at 101, 304, 913, 2740 and 8221 tracked (thresholds 202, 608, 1826,
     * 5480, then 16442, whose 1/16 is 1027 >= 8 * 100): probes from then on, at
     * count[0] 1028, 2056, ..., 11308 (11779 allocated since), none finding garbage */
    CHECK_EQ_INT(young_threshold(h), 16442);
    CHECK_EQ_SIZE(collections(h, 0), 5 + 11);
    CHECK_EQ_SIZE(collections(h, 1), 0);
    CHECK_EQ_SIZE(ohmi_gc_of(h)->tracked, N);
    CHECK_EQ_SIZE(ohmi_gc_of(h)->young[0].len, 11779);   /* probes move nothing */
    CHECK_EQ_INT(ohm_heap_check(h, stderr), 0);

    make_cycles(h, 12335 - 11779);             /* up to the next probe, at 12336 */
    CHECK_EQ_SIZE(collections(h, 0), 16);
    make_cycles(h, 1);   /* its window: the newest 100, 99 cycles and the node just made */
    CHECK_EQ_SIZE(collections(h, 0), 17);
    CHECK_EQ_INT(young_threshold(h), 100);
    CHECK_EQ_SIZE(ohmi_gc_of(h)->tracked, N + 557 - 99);
    CHECK_EQ_SIZE(ohmi_gc_of(h)->young[0].len, 11779 + 557 - 99);
    CHECK_EQ_INT(ohm_heap_check(h, stderr), 0);
    make_cycles(h, 1);   /* past threshold 100: generation 0 whole, its 458 cycles */
    CHECK_EQ_SIZE(collections(h, 0), 18);
    CHECK_EQ_SIZE(ohmi_gc_of(h)->tracked, N + 1);
    CHECK_EQ_SIZE(ohmi_gc_of(h)->young[0].len, 0);     /* the new node was collected too */
    CHECK_EQ_SIZE(ohmi_gc_of(h)->young[1].len, N + 1);   /* every survivor so far */
    CHECK_EQ_INT(young_threshold(h), 100);      /* 458 of 12238: stays */
    for (size_t i = 0; i < N; i++) ohm_decref(keep[i]);
    ohm_heap_destroy(h);

    /* a window with 1/64 to 1/4 garbage divides the threshold by 4 (and 4110 / 16 is
     * under 8 windows: no more probes) */
    h = heap_with(OHM_GC_POLICY_ADAPTIVE, 100);
    static ohm_object *more[547];
    make_live(h, keep, 0, N);
    make_live(h, more, 0, 457);
    for (size_t k = 0; k < 10; k++) {          /* the window: 10 cycles among 100 */
        make_cycles(h, 1);
        make_live(h, more, 457 + 9 * k, 9);    /* the last one made is the 557th */
    }
    CHECK_EQ_SIZE(collections(h, 0), 17);
    CHECK_EQ_INT(young_threshold(h), 16442 / 4);
    CHECK_EQ_SIZE(ohmi_gc_of(h)->tracked, N + 547);
    CHECK_EQ_SIZE(ohmi_gc_of(h)->probe_at, SIZE_MAX);
    CHECK_EQ_INT(ohm_heap_check(h, stderr), 0);
    for (size_t i = 0; i < N; i++) ohm_decref(keep[i]);
    for (size_t i = 0; i < 547; i++) ohm_decref(more[i]);
    ohm_gc_collect(h, 2);
    CHECK_EQ_SIZE(ohmi_gc_of(h)->tracked, 0);
    ohm_heap_destroy(h);
}

/* What a probe frees and keeps: the rules of any collection, with the rest of
 * generation 0 outside the set (its references make roots). */
static int probe_callbacks;
static void probe_cb(ohm_object *ref, void *arg) { (void)ref; (void)arg; probe_callbacks++; }

static void test_probe_semantics(void) {
    ohm_heap *h = heap_with(OHM_GC_POLICY_ADAPTIVE, 100);
    enum { N = 20000 };
    static ohm_object *keep[N + 1024];
    size_t nkeep = N;
    make_live(h, keep, 0, N);                   /* threshold 16442: probes (above) */
    CHECK(ohmi_gc_of(h)->probe_at != SIZE_MAX);
    size_t cnt[3];
    for (ohm_gc_get_count(h, cnt); cnt[0] + 30 < ohmi_gc_of(h)->probe_at; ohm_gc_get_count(h, cnt))
        if (nkeep < N + 900) make_live(h, keep, nkeep++, 1);
        else { CHECK(!"the probe at 12336 came"); break; }
    node *pre = (node *)keep[nkeep - 1];        /* in generation 0, outside the window */
    counters_reset();
    resurrect_slot = NULL;
    probe_callbacks = 0;
    /* held from outside the window: a self-cycle that pre and keep[0] point to */
    node *x = node_new(h, &node_type);
    node_set_a(x, &x->ob);
    node_set_a(pre, &x->ob);
    node_set_b((node *)keep[0], &x->ob);
    ohm_decref(&x->ob);
    /* garbage: two finalized nodes in a cycle, one pointing out to keep[5] */
    node *f1 = node_new(h, &fin_type), *f2 = node_new(h, &fin_type);
    node_set_a(f1, &f2->ob);
    node_set_a(f2, &f1->ob);
    node_set_b(f1, keep[5]);
    ohm_decref(&f1->ob);
    ohm_decref(&f2->ob);
    /* garbage that resurrects itself */
    node *r = node_new(h, &resurrect_type);
    node_set_a(r, &r->ob);
    ohm_decref(&r->ob);
    /* garbage with a live weakref (and callback) to it */
    node *w = node_new(h, &node_type);
    node_set_a(w, &w->ob);
    ohm_object *ref = ohm_weakref_new(h, &w->ob, probe_cb, NULL);
    CHECK(ref != NULL);
    ohm_decref(&w->ob);
    size_t before = collections(h, 0), tracked = ohmi_gc_of(h)->tracked, made = nkeep;
    while (collections(h, 0) == before && nkeep < N + 1024) make_live(h, keep, nkeep++, 1);
    CHECK_EQ_INT(young_threshold(h), 16442 / 4);   /* 4 of 100 unreachable: over 1/64 */
    CHECK_EQ_INT(finalized_count, 3);           /* f1, f2, and r (resurrected) */
    CHECK_EQ_INT(nodes_freed, 3);               /* f1, f2, w */
    CHECK_EQ_INT(probe_callbacks, 1);
    CHECK(ohm_weakref_get(ref) == NULL);
    CHECK(resurrect_slot == &r->ob);
    CHECK_EQ_SIZE(ohmi_gc_of(h)->tracked, tracked + (nkeep - made) - 3);
    CHECK_EQ_INT(ohm_refcount(&x->ob), 3);      /* itself, pre, keep[0] */
    CHECK(((node *)keep[0])->b == &x->ob && pre->a == &x->ob);
    CHECK_EQ_INT(ohm_refcount(keep[5]), 1);     /* f1's reference dropped */
    CHECK_EQ_INT(ohm_heap_check(h, stderr), 0);
    ohm_decref(ref);
    ohm_decref(resurrect_slot);                 /* a cycle again: the full one frees it */
    resurrect_slot = NULL;
    for (size_t i = 0; i < nkeep; i++) ohm_decref(keep[i]);
    ohm_gc_collect(h, 2);
    CHECK_EQ_SIZE(ohmi_gc_of(h)->tracked, 0);
    ohm_heap_destroy(h);
}

/* ohm_gc_set_threshold: exactly those thresholds from then on, as CPython. */
static void test_set_threshold_pins(void) {
    ohm_heap *h = heap_with(OHM_GC_POLICY_ADAPTIVE, 100);
    static ohm_object *keep[1000];
    make_live(h, keep, 0, 101);
    CHECK_EQ_INT(young_threshold(h), 202);       /* 400, capped at twice 101 */
    ohm_gc_set_threshold(h, 50, 10, 10);
    CHECK_EQ_INT(ohmi_gc_of(h)->policy, OHM_GC_POLICY_CPYTHON);
    CHECK_EQ_INT(young_threshold(h), 50);
    size_t before = collections(h, 0);
    make_live(h, keep, 101, 51 * 4);             /* nothing found each time: stays 50 */
    CHECK_EQ_SIZE(collections(h, 0) - before, 4);
    CHECK_EQ_INT(young_threshold(h), 50);
    for (size_t i = 0; i < 101 + 51 * 4; i++) ohm_decref(keep[i]);
    ohm_heap_destroy(h);
}

int main(void) {
    test_config();
    test_adaptive();
    test_trees();
    test_probes();
    test_probe_semantics();
    test_set_threshold_pins();
    return check_done();
}
