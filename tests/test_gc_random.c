/*
 * test_gc_random.c — random graphs against an independent reachability computation.
 *
 * Each round builds nodes with up to four random edges (to new or surviving nodes),
 * keeps a random subset referenced from "outside" (this program's array), drops the
 * rest and runs a collection of a random generation. The test keeps its own copy of
 * every edge and computes reachability from the outside references by a plain BFS.
 * After a full collection exactly the unreachable nodes are gone and ohm_gc_collect
 * returned how many of them refcounting alone had left alive; after any collection
 * every reachable node is alive with its edges intact. Some nodes have no clear, some
 * finalizers, and weakrefs watch random nodes. Under OHM_GC_STRESS=1 the collector
 * also runs at every allocation of a node (it is off otherwise).
 */
#include "check.h"
#include "api/api.h"

enum { MAXN = 6000, KIDS = 4 };

typedef struct rnode {
    ohm_object ob;
    int id;
    ohm_object *kid[KIDS];
} rnode;

static int alive[MAXN];           /* set at creation, cleared by dealloc */
static int finalized[MAXN];
static int edges[MAXN][KIDS];     /* the test's own copy: node ids, -1 none */
static rnode *ptr[MAXN];          /* valid while alive */
static ohm_object *outside[MAXN]; /* the outside references */
static int nnodes;
static ohm_object *watch[MAXN];   /* weakrefs to some nodes */
static size_t total_collected;

static int rnode_traverse(ohm_object *self, ohm_visit_fn visit, void *arg) {
    rnode *n = (rnode *)self;
    for (int k = 0; k < KIDS; k++)
        if (n->kid[k] && visit(n->kid[k], arg)) return 1;
    return 0;
}
static int rnode_clear(ohm_object *self) {
    rnode *n = (rnode *)self;
    for (int k = 0; k < KIDS; k++) {
        ohm_object *o = n->kid[k];
        n->kid[k] = NULL;
        ohm_xdecref(o);
    }
    return 0;
}
static void rnode_dealloc(ohm_object *self) {
    rnode *n = (rnode *)self;
    alive[n->id] = 0;
    rnode_clear(self);
}
static void rnode_finalize(ohm_object *self) {
    finalized[((rnode *)self)->id]++;
}

static const ohm_type rtype = {
    .name = "rnode", .basicsize = sizeof(rnode), .flags = OHM_TYPE_GC,
    .traverse = rnode_traverse, .clear = rnode_clear, .dealloc = rnode_dealloc,
};
static const ohm_type rtype_fin = {
    .name = "rnode_fin", .basicsize = sizeof(rnode), .flags = OHM_TYPE_GC,
    .traverse = rnode_traverse, .clear = rnode_clear, .finalize = rnode_finalize,
    .dealloc = rnode_dealloc,
};

static uint64_t rng = 0x9E3779B97F4A7C15ull;
static uint32_t rnd(uint32_t n) {
    rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17;
    return (uint32_t)(rng % n);
}

/* Reachable from the outside references, over the test's copy of the edges. */
static void reach(int *mark) {
    static int queue[MAXN];
    int qh = 0, qt = 0;
    for (int i = 0; i < nnodes; i++) {
        mark[i] = 0;
        if (outside[i]) { mark[i] = 1; queue[qt++] = i; }
    }
    while (qh < qt) {
        int i = queue[qh++];
        for (int k = 0; k < KIDS; k++) {
            int j = edges[i][k];
            if (j >= 0 && !mark[j]) { mark[j] = 1; queue[qt++] = j; }
        }
    }
}

static void round_once(ohm_heap *h, int add) {
    int first = nnodes;
    if (nnodes + add > MAXN) add = MAXN - nnodes;
    for (int i = first; i < first + add; i++) {
        const ohm_type *t = rnd(8) == 0 ? &rtype_fin : &rtype;
        rnode *n = (rnode *)ohm_new(h, t);
        n->id = i;
        alive[i] = 1;
        finalized[i] = 0;
        ptr[i] = n;
        outside[i] = &n->ob;
        watch[i] = rnd(5) == 0 ? ohm_weakref_new(h, &n->ob, NULL, NULL) : NULL;
        for (int k = 0; k < KIDS; k++) edges[i][k] = -1;
    }
    nnodes = first + add;
    /* edges from the new nodes, and a few from old live ones, to live nodes */
    for (int i = 0; i < nnodes; i++) {
        if (!alive[i]) continue;
        if (i < first && rnd(10) != 0) continue;
        /* hold i: dropping an old edge may free the cycle that alone keeps i alive */
        ohm_incref(&ptr[i]->ob);
        for (int k = 0; k < KIDS; k++) {
            if (rnd(4) != 0) continue;
            /* mostly near neighbours (small cycles), some anywhere (big ones) */
            int j = rnd(3) ? i - 8 + (int)rnd(16) : (int)rnd((uint32_t)nnodes);
            if (j < 0 || j >= nnodes || !alive[j]) continue;
            /* only edges the test can see from outside state: target alive now */
            ohm_object *old = ptr[i]->kid[k];
            ohm_incref(&ptr[j]->ob);
            ptr[i]->kid[k] = &ptr[j]->ob;
            edges[i][k] = j;
            ohm_xdecref(old);                  /* may free an unreachable acyclic node */
        }
        ohm_decref(&ptr[i]->ob);
    }
    /* drop most outside references */
    for (int i = 0; i < nnodes; i++) {
        if (outside[i] && rnd(8) != 0) {
            ohm_object *o = outside[i];
            outside[i] = NULL;
            ohm_decref(o);
        }
    }
}

static int check_survivors(const int *mark) {
    int bad = 0;
    for (int i = 0; i < nnodes; i++) {
        if (!mark[i]) continue;
        if (!alive[i]) { bad++; continue; }
        rnode *n = ptr[i];
        if (n->id != i) bad++;
        for (int k = 0; k < KIDS; k++) {
            int j = edges[i][k];
            if ((j < 0 && n->kid[k]) || (j >= 0 && n->kid[k] != &ptr[j]->ob)) bad++;
        }
    }
    return bad;
}

static void run(unsigned seed, int rounds) {
    rng = 0x9E3779B97F4A7C15ull ^ seed;
    ohm_config cfg;
    ohm_config_init(&cfg);
    cfg.gc_enabled = cfg.gc_stress;   /* OHM_GC_STRESS=1: at every allocation */
    ohm_heap *h = ohm_heap_new(&cfg);
    static int mark[MAXN];
    nnodes = 0;
    for (int r = 0; r < rounds; r++) {
        round_once(h, 200 + (int)rnd(400));
        int gen = (int)rnd(3);
        /* an edge can be dropped by refcounting inside the test's copy only when its
         * source died: forget the edges of dead nodes */
        for (int i = 0; i < nnodes; i++)
            if (!alive[i]) for (int k = 0; k < KIDS; k++) edges[i][k] = -1;
        reach(mark);
        size_t alive_unreachable = 0;
        for (int i = 0; i < nnodes; i++) if (alive[i] && !mark[i]) alive_unreachable++;
        size_t got = ohm_gc_collect(h, gen);
        for (int i = 0; i < nnodes; i++)
            if (!alive[i]) for (int k = 0; k < KIDS; k++) edges[i][k] = -1;
        CHECK_EQ_INT(check_survivors(mark), 0);
        int wbad = 0;
        for (int i = 0; i < nnodes; i++) {
            if (!watch[i]) continue;
            ohm_object *t = ohm_weakref_get(watch[i]);
            if ((t != NULL) != alive[i] || (t && t != &ptr[i]->ob)) wbad++;
            ohm_xdecref(t);
        }
        CHECK_EQ_INT(wbad, 0);
        if (gen == 2) {
            CHECK_EQ_SIZE(got, alive_unreachable);
            int left = 0;
            for (int i = 0; i < nnodes; i++) if (alive[i] && !mark[i]) left++;
            CHECK_EQ_INT(left, 0);
        }
        int twice = 0;
        for (int i = 0; i < nnodes; i++) if (finalized[i] > 1) twice++;
        CHECK_EQ_INT(twice, 0);
        CHECK_EQ_INT(ohm_heap_check(h, stderr), 0);   /* after every collection */
        if (nnodes >= MAXN) break;
    }
    /* the end: drop everything; a full collection frees all that is left */
    for (int i = 0; i < nnodes; i++)
        if (outside[i]) { ohm_object *o = outside[i]; outside[i] = NULL; ohm_decref(o); }
    ohm_gc_stats st[3];                /* the rounds' collections, and stress mode's */
    ohm_gc_get_stats(h, st);
    for (int g = 0; g < 3; g++) total_collected += st[g].collected;
    ohm_gc_collect(h, 2);
    for (int i = 0; i < nnodes; i++)
        if (watch[i]) { CHECK(ohm_weakref_get(watch[i]) == NULL); ohm_decref(watch[i]); watch[i] = NULL; }
    int left = 0;
    for (int i = 0; i < nnodes; i++) left += alive[i];
    CHECK_EQ_INT(left, 0);
    CHECK_EQ_INT(ohm_heap_check(h, stderr), 0);
    ohm_heap_destroy(h);
}

int main(void) {
    for (unsigned seed = 1; seed <= 40; seed++) run(seed, 14);
    CHECK(total_collected > 20000);   /* the graphs do make cyclic garbage */
    printf("collected %zu objects in all\n", total_collected);
    return check_done();
}
