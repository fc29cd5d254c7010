/*
 * test_gc_incr.c — the incremental mode (OHM_GC=incremental, gc_incr.c) driven step by
 * step, with the program changing the graph between steps.
 *
 * The heap is made with gc_incremental = 1 and automatic collection off; the test starts
 * a cycle (ohmi_gc_incr_start) and takes the smallest steps (ohmi_gc_incr_step(h, 0)),
 * and between them moves edges between old objects, adds new ones, drops some and runs
 * young collections. It keeps its own copy of every edge and computes reachability from
 * its outside references: after each cycle no reachable node is gone, and after a cycle
 * that started with garbage already dropped (and nothing dropped during it) exactly
 * that garbage is gone. Also: finalizers (PEP 442, resurrection) and weakrefs through
 * a cycle, ohm_gc_collect(h, 2) in the middle of one (the exact count), a freeze in the
 * middle of one, and the environment variable.
 */
#include "check.h"
#include "gc_types.h"
#include "api/api.h"

enum { MAXN = 4000, KIDS = 3 };

typedef struct inode {
    ohm_object ob;
    int id;
    ohm_object *kid[KIDS];
} inode;

static int alive[MAXN];           /* set at creation, cleared by dealloc */
static int edges[MAXN][KIDS];     /* the test's own copy: node ids, -1 none */
static inode *ptr[MAXN];          /* valid while alive */
static ohm_object *outside[MAXN]; /* this program's references */
static int nnodes;

static int inode_traverse(ohm_object *self, ohm_visit_fn visit, void *arg) {
    inode *n = (inode *)self;
    for (int k = 0; k < KIDS; k++)
        if (n->kid[k] && visit(n->kid[k], arg)) return 1;
    return 0;
}
static int inode_clear(ohm_object *self) {
    inode *n = (inode *)self;
    for (int k = 0; k < KIDS; k++) {
        ohm_object *o = n->kid[k];
        n->kid[k] = NULL;
        ohm_xdecref(o);
    }
    return 0;
}
static void inode_dealloc(ohm_object *self) {
    alive[((inode *)self)->id] = 0;
    inode_clear(self);
}
static const ohm_type itype = {
    .name = "inode", .basicsize = sizeof(inode), .flags = OHM_TYPE_GC,
    .traverse = inode_traverse, .clear = inode_clear, .dealloc = inode_dealloc,
};

static uint64_t rng = 88172645463325252ull;
static unsigned rnd(unsigned n) {
    rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17;
    return (unsigned)(rng % n);
}

static ohm_heap *incr_heap(void) {
    ohm_config cfg;
    ohm_config_init(&cfg);
    cfg.gc_incremental = 1;
    cfg.gc_enabled = 0;   /* the test takes the steps */
    ohm_heap *h = ohm_heap_new(&cfg);
    if (!h) { fprintf(stderr, "%s\n", ohm_last_error(NULL)); abort(); }
    return h;
}

static int new_node(ohm_heap *h) {
    if (nnodes >= MAXN) return -1;
    int id = nnodes++;
    inode *n = (inode *)ohm_new(h, &itype);
    n->id = id;
    alive[id] = 1;
    ptr[id] = n;
    outside[id] = &n->ob;   /* held by this program until dropped */
    for (int k = 0; k < KIDS; k++) edges[id][k] = -1;
    return id;
}

/* edge k of node `from` := node `to` (-1: none), in the heap and in the copy */
static void set_edge(int from, int k, int to) {
    inode *n = ptr[from];
    ohm_object *old = n->kid[k];
    n->kid[k] = to >= 0 ? &ptr[to]->ob : NULL;
    ohm_xincref(n->kid[k]);
    edges[from][k] = to;
    ohm_xdecref(old);
}

static void drop_outside(int id) {
    ohm_object *o = outside[id];
    outside[id] = NULL;
    ohm_decref(o);
}

static int reach[MAXN], queue[MAXN];
static void compute_reach(void) {
    int qn = 0;
    memset(reach, 0, sizeof reach);
    for (int i = 0; i < nnodes; i++)
        if (outside[i]) { reach[i] = 1; queue[qn++] = i; }
    for (int qi = 0; qi < qn; qi++)
        for (int k = 0; k < KIDS; k++) {
            int t = edges[queue[qi]][k];
            if (t >= 0 && !reach[t]) { reach[t] = 1; queue[qn++] = t; }
        }
}

/* a random node this program may still touch: reachable (so alive) */
static int some_reachable(void) {
    for (int tries = 0; tries < 64; tries++) {
        int i = (int)rnd((unsigned)nnodes);
        if (reach[i]) return i;
    }
    for (int i = 0; i < nnodes; i++) if (reach[i]) return i;
    return -1;
}

static size_t count_alive(void) {
    size_t n = 0;
    for (int i = 0; i < nnodes; i++) n += (size_t)alive[i];
    return n;
}

static int reachable_all_alive(void) {
    compute_reach();
    for (int i = 0; i < nnodes; i++)
        if (reach[i] && (!alive[i] || ptr[i]->id != i)) return 0;
    for (int i = 0; i < nnodes; i++)   /* and their edges intact */
        for (int k = 0; reach[i] && k < KIDS; k++) {
            int t = edges[i][k];
            if ((t < 0 ? NULL : &ptr[t]->ob) != ptr[i]->kid[k]) return 0;
        }
    return 1;
}

static int cycle_running(ohm_heap *h) { return ohmi_gc_of(h)->incr.phase != GC_INCR_IDLE; }

static void reset_graph(void) {
    nnodes = 0;
    memset(alive, 0, sizeof alive);
    memset(outside, 0, sizeof outside);
}

/* A graph of n nodes, random edges, a few held from outside, all made old. */
static void build_old_graph(ohm_heap *h, int n, int held) {
    reset_graph();
    for (int i = 0; i < n; i++) new_node(h);
    for (int i = 0; i < n; i++)
        for (int k = 0; k < KIDS; k++) set_edge(i, k, rnd(4) ? (int)rnd((unsigned)n) : -1);
    for (int i = held; i < n; i++) drop_outside(i);
    ohm_gc_collect(h, 2);   /* the garbage among them goes; the rest is old */
    CHECK(reachable_all_alive());
}

/* 1. A cycle with no mutation frees exactly the old garbage there was at its start. */
static void test_exact_quiet(void) {
    ohm_heap *h = incr_heap();
    build_old_graph(h, 2000, 20);
    size_t before = count_alive();
    /* drop a few outside references: what only they kept is now old garbage */
    for (int i = 0; i < 10; i++) drop_outside(i);
    compute_reach();
    size_t want = 0;
    for (int i = 0; i < nnodes; i++) want += (size_t)(alive[i] && !reach[i]);
    size_t freed_by_rc = before - count_alive();
    ohmi_gc_incr_start(h);
    CHECK(cycle_running(h));
    size_t steps = 0;
    while (cycle_running(h)) { ohmi_gc_incr_step(h, 0); steps++; }
    CHECK(steps > 3);   /* it did go by steps */
    CHECK(reachable_all_alive());
    CHECK_EQ_SIZE(before - freed_by_rc - count_alive(), want);   /* exactly the garbage */
    CHECK_EQ_INT(ohm_heap_check(h, stderr), 0);
    CHECK_EQ_SIZE(ohm_gc_collect(h, 2), 0);   /* nothing left for a full collection */
    ohm_heap_destroy(h);
}

/* 1b. The close collects the candidates in groups closed under reachability among
 * them: with the program quiet the candidates are exactly the old garbage, so each
 * garbage structure is one group, however large, and the smallest steps take a few
 * groups each (INCR_MIN_UNITS), not all of them at once. */
static void test_groups(void) {
    ohm_heap *h = incr_heap();
    reset_graph();
    int live = new_node(h);                    /* a live node pointing into a ring */
    for (int r = 0; r < 100; r++) {            /* 100 garbage rings of 3 */
        int a = new_node(h), b = new_node(h), c = new_node(h);
        set_edge(a, 0, b); set_edge(b, 0, c); set_edge(c, 0, a);
    }
    int first = nnodes;                        /* and one of 1000, live at first */
    for (int i = 0; i < 1000; i++) new_node(h);
    for (int i = 0; i < 1000; i++) set_edge(first + i, 0, first + (i + 1) % 1000);
    set_edge(live, 0, first);
    ohm_gc_collect(h, 2);                      /* all old */
    for (int i = 1; i < nnodes; i++) drop_outside(i);
    CHECK_EQ_SIZE(count_alive(), 1 + 300 + 1000);
    ohmi_gc_incr_start(h);
    size_t close_steps = 0;
    while (cycle_running(h)) {
        close_steps += ohmi_gc_of(h)->incr.phase == GC_INCR_CLOSE;
        ohmi_gc_incr_step(h, 0);
    }
    CHECK_EQ_SIZE(count_alive(), 1 + 1000);    /* the rings of 3 are gone */
    CHECK_EQ_SIZE(ohmi_gc_of(h)->incr.demoted, 300);
    CHECK_EQ_SIZE(ohmi_gc_of(h)->incr.groups, 100);
    CHECK_EQ_SIZE(ohmi_gc_of(h)->incr.largest, 3);
    CHECK(close_steps >= 100 / 4);             /* four groups per smallest step */
    CHECK_EQ_INT(ohm_heap_check(h, stderr), 0);

    /* the ring of 1000 dropped: one group of 1000, freed whole */
    set_edge(live, 0, -1);
    ohmi_gc_incr_start(h);
    while (cycle_running(h)) ohmi_gc_incr_step(h, 0);
    CHECK_EQ_SIZE(count_alive(), 1);
    CHECK_EQ_SIZE(ohmi_gc_of(h)->incr.groups, 1);
    CHECK_EQ_SIZE(ohmi_gc_of(h)->incr.largest, 1000);
    ohm_gc_stats st[3];
    ohm_gc_get_stats(h, st);
    CHECK_EQ_SIZE(st[2].collections, 3);       /* the full one and the two cycles */
    CHECK_EQ_SIZE(st[2].collected, 300 + 1000);
    CHECK_EQ_SIZE(st[1].collections, 0);       /* no generation-1 collection closes them */
    CHECK_EQ_INT(ohm_heap_check(h, stderr), 0);
    drop_outside(live);
    ohm_heap_destroy(h);
}

/* 2. The graph changes between every two steps: edges moved between old objects (the
 * lost-object pattern: an edge copied into a node the cycle has passed, then removed
 * from the one it has not), new nodes linked in, outside references dropped, young
 * collections promoting into the old generation. Nothing reachable is ever freed; a
 * second cycle, with the program quiet, and a full collection then free exactly the
 * rest. */
static void test_mutate_between_steps(unsigned seed) {
    ohm_heap *h = incr_heap();
    rng = 88172645463325252ull + seed;
    build_old_graph(h, 1500, 40);
    compute_reach();
    for (int round = 0; round < 3; round++) {
        ohmi_gc_incr_start(h);
        CHECK(cycle_running(h));
        while (cycle_running(h)) {
            for (int m = 0; m < 4; m++) {
                int a = some_reachable(), b = some_reachable();
                if (a < 0 || b < 0) break;
                int k = (int)rnd(KIDS), k2 = (int)rnd(KIDS);
                switch (rnd(6)) {
                case 0: case 1: {   /* move: b gets a's referent, a loses it */
                    int t = edges[a][k];
                    ohm_object *hold = &ptr[a]->ob;   /* b's old edge may have been a's last */
                    ohm_incref(hold);
                    set_edge(b, k2, t);
                    set_edge(a, k, -1);
                    ohm_decref(hold);
                    break;
                }
                case 2: set_edge(a, k, b); break;
                case 3: {           /* a new node, linked in, dropped from outside */
                    int n = new_node(h);
                    if (n < 0) break;
                    set_edge(n, 0, b);
                    set_edge(a, k, n);
                    drop_outside(n);
                    break;
                }
                case 4:             /* an outside reference dropped (a held one kept) */
                    for (int i = 0; i < nnodes; i++)
                        if (outside[i] && i != 0 && rnd(4) == 0) { drop_outside(i); break; }
                    break;
                default:
                    ohm_gc_collect(h, (int)rnd(2));   /* promotes, mid-cycle */
                }
                compute_reach();
            }
            ohmi_gc_incr_step(h, 0);
            if (!reachable_all_alive()) { CHECK(!"a reachable node was freed"); goto out; }
        }
        CHECK_EQ_INT(ohm_heap_check(h, stderr), 0);
    }
    /* quiet now: garbage left from the mutations goes in at most two more cycles */
    for (int c = 0; c < 2; c++) {
        ohmi_gc_incr_start(h);
        while (cycle_running(h)) ohmi_gc_incr_step(h, 0);
    }
    compute_reach();
    for (int i = 0; i < nnodes; i++) if (!reach[i] && alive[i]) { CHECK(!"garbage left"); break; }
    CHECK(reachable_all_alive());
    CHECK_EQ_SIZE(ohm_gc_collect(h, 2), 0);
out:
    ohm_heap_destroy(h);
}

/* 3. ohm_gc_collect(h, 2) in the middle of a cycle: a complete collection with the
 * exact count; the cycle is dropped, the invariants hold. */
static void test_full_mid_cycle(void) {
    ohm_heap *h = incr_heap();
    build_old_graph(h, 1000, 10);
    size_t before = count_alive();
    for (int i = 0; i < 10; i++) drop_outside(i);   /* everything is garbage now */
    size_t left = count_alive();
    CHECK(left > 0);
    ohmi_gc_incr_start(h);
    for (int s = 0; s < 5 && cycle_running(h); s++) ohmi_gc_incr_step(h, 0);
    CHECK(cycle_running(h));
    CHECK_EQ_SIZE(ohm_gc_collect(h, 2), left);
    CHECK(!cycle_running(h));
    CHECK_EQ_SIZE(count_alive(), 0);
    CHECK(before >= left);
    CHECK_EQ_INT(ohm_heap_check(h, stderr), 0);
    ohm_heap_destroy(h);
}

/* 4. Finalizers and weakrefs: a garbage cycle with a finalizer and a weakref with a
 * callback is finalized once, the weakref cleared and called back; a resurrecting
 * finalizer's object survives the cycle and is not finalized again. */
static int wr_called;
static void wr_cb(ohm_object *ref, void *arg) { (void)ref; (void)arg; wr_called++; }

static void run_cycle(ohm_heap *h) {
    ohmi_gc_incr_start(h);
    while (cycle_running(h)) ohmi_gc_incr_step(h, 0);
}

static void test_finalizers_weakrefs(void) {
    ohm_heap *h = incr_heap();
    counters_reset();
    wr_called = 0;
    node *a = node_new(h, &fin_type), *b = node_new(h, &node_type);
    node_set_a(a, &b->ob);
    node_set_a(b, &a->ob);
    ohm_object *wr = ohm_weakref_new(h, &b->ob, wr_cb, NULL);
    resurrect_slot = NULL;
    node *z = node_new(h, &resurrect_type);
    node_set_a(z, &z->ob);
    ohm_gc_collect(h, 2);   /* all old, nothing garbage yet */
    CHECK_EQ_INT(nodes_freed, 0);
    ohm_decref(&a->ob);
    ohm_decref(&b->ob);
    ohm_decref(&z->ob);
    run_cycle(h);
    CHECK_EQ_INT(finalized_count, 2);
    CHECK_EQ_INT(nodes_freed, 2);
    CHECK_EQ_INT(wr_called, 1);
    CHECK(ohm_weakref_get(wr) == NULL);
    CHECK(resurrect_slot == &z->ob);   /* resurrected: alive, finalized once */
    run_cycle(h);
    CHECK_EQ_INT(finalized_count, 2);
    ohm_object *r = resurrect_slot;
    resurrect_slot = NULL;
    ohm_decref(r);          /* garbage again; its finalizer has run: freed, not finalized */
    run_cycle(h);
    CHECK_EQ_INT(finalized_count, 2);
    CHECK_EQ_INT(nodes_freed, 3);
    ohm_decref(wr);
    CHECK_EQ_INT(ohm_heap_check(h, stderr), 0);
    ohm_heap_destroy(h);
}

/* 5. A freeze in the middle of a cycle drops it; the frozen are never collected. */
static void test_freeze_mid_cycle(void) {
    ohm_heap *h = incr_heap();
    build_old_graph(h, 500, 5);
    ohmi_gc_incr_start(h);
    ohmi_gc_incr_step(h, 0);
    ohm_gc_freeze(h);
    CHECK(!cycle_running(h));
    CHECK_EQ_INT(ohm_heap_check(h, stderr), 0);
    for (int i = 0; i < 5; i++) drop_outside(i);
    size_t left = count_alive();
    run_cycle(h);
    CHECK_EQ_SIZE(count_alive(), left);   /* frozen: kept */
    ohm_gc_unfreeze(h);
    CHECK_EQ_SIZE(ohm_gc_collect(h, 2), left);
    ohm_heap_destroy(h);
}

/* 6. Automatic: a program that allocates with the collector on; under incremental
 * mode the full collections go by steps, and the old garbage still goes. */
static void test_automatic(void) {
    ohm_config cfg;
    ohm_config_init(&cfg);
    cfg.gc_incremental = 1;
    cfg.gc_budget_us = 50;
    ohm_heap *h = ohm_heap_new(&cfg);
    counters_reset();
    node *keep = node_new(h, &node_type);
    ohm_object *old = ohm_list_new(h);   /* a long-lived heap: cycles take many steps */
    for (int i = 0; i < 100000; i++) {
        node *n = node_new(h, &node_type);
        ohm_list_append(old, &n->ob);
        ohm_decref(&n->ob);
    }
    ohm_gc_stats st[3];
    long made = 0;   /* until a cycle has ended (steps are timed: slower builds take more) */
    for (int i = 0; i < 200000 || (ohm_gc_get_stats(h, st), !st[2].collections && i < 20000000); i++) {
        made++;
        node *a = node_new(h, &node_type), *b = node_new(h, &node_type);
        node_set_a(a, &b->ob);
        node_set_a(b, &a->ob);
        if (i % 3 == 0) node_set_b(keep, &a->ob);   /* old garbage once replaced */
        ohm_decref(&a->ob);
        ohm_decref(&b->ob);
    }
    ohm_gc_get_stats(h, st);
    CHECK(st[2].collections > 0);
    CHECK(ohmi_gc_of(h)->incr.steps > st[2].collections);
    CHECK_EQ_INT(ohm_heap_check(h, stderr), 0);
    ohm_decref(&keep->ob);
    ohm_decref(old);
    ohm_gc_collect(h, 2);
    CHECK_EQ_INT(nodes_freed, 100001 + 2 * made);
    ohm_heap_destroy(h);
}

static void test_env(void) {
    ohm_config cfg;
    setenv("OHM_GC", "incremental", 1);
    ohm_config_init(&cfg);
    CHECK_EQ_INT(cfg.gc_incremental, 1);
    setenv("OHM_GC", "generational", 1);
    ohm_config_init(&cfg);
    CHECK_EQ_INT(cfg.gc_incremental, 0);
    setenv("OHM_GC", "sometimes", 1);
    ohm_config_init(&cfg);
    CHECK(ohm_heap_new(&cfg) == NULL);
    CHECK_CONTAINS(ohm_last_error(NULL), "OHM_GC");
    unsetenv("OHM_GC");
}

int main(void) {
    test_exact_quiet();
    test_groups();
    for (unsigned s = 0; s < 6; s++) test_mutate_between_steps(s);
    test_full_mid_cycle();
    test_finalizers_weakrefs();
    test_freeze_mid_cycle();
    test_automatic();
    test_env();
    return check_done();
}
