/* test_release.c — deep release chains (the trashcan): a 10M-long chain of user
 * objects, 1M-deep nested lists, a wide fan of chains, and a finalizer running in
 * the middle of a deep release. None may overflow the C stack. */
#include "check.h"
#include "ohm.h"

typedef struct chain_link { ohm_object ob; ohm_object *next; } chain_link;
static size_t freed;
static void link_dealloc(ohm_object *self) {
    freed++;
    ohm_object *n = ((chain_link *)self)->next;
    if (n) ohm_decref(n);
}
static const ohm_type link_type = { .name = "chain_link", .basicsize = sizeof(chain_link), .dealloc = link_dealloc };
static int glink_traverse(ohm_object *self, ohm_visit_fn visit, void *arg) {
    chain_link *l = (chain_link *)self;
    return l->next ? visit(l->next, arg) : 0;
}
static int glink_clear(ohm_object *self) {
    chain_link *l = (chain_link *)self;
    ohm_object *n = l->next;
    l->next = NULL;
    if (n) ohm_decref(n);
    return 0;
}
static const ohm_type glink_type = {
    .name = "glink", .basicsize = sizeof(chain_link), .flags = OHM_TYPE_GC,
    .traverse = glink_traverse, .clear = glink_clear, .dealloc = link_dealloc,
};

/* A chain of n links; returns the head (the only reference to the rest). */
static ohm_object *make_chain(ohm_heap *h, const ohm_type *t, size_t n) {
    ohm_object *head = NULL;
    for (size_t i = 0; i < n; i++) {
        chain_link *l = (chain_link *)ohm_new(h, t);
        l->next = head;              /* the new chain_link takes our reference */
        head = &l->ob;
    }
    return head;
}

static size_t live_count(ohm_heap *h) {
    char buf[4096] = "";
    FILE *f = fmemopen(buf, sizeof buf - 1, "w");
    ohm_report_live(h, f);
    fclose(f);
    const char *t = strstr(buf, "total");
    return t ? strtoul(t + 5, NULL, 10) : (size_t)-1;
}

static void test_long_chain(void) {
    ohm_config cfg;
    ohm_config_init(&cfg);
    cfg.gc_enabled = 0;
    ohm_heap *h = ohm_heap_new(&cfg);
    size_t n = 10 * 1000 * 1000;
    ohm_object *head = make_chain(h, &link_type, n);
    freed = 0;
    ohm_decref(head);
    CHECK_EQ_SIZE(freed, n);
    CHECK_EQ_SIZE(live_count(h), 0);
    CHECK_EQ_INT(ohm_heap_check(h, stderr), 0);
    ohm_heap_destroy(h);
}

static void test_gc_chain(void) {
    ohm_config cfg;
    ohm_config_init(&cfg);
    cfg.gc_enabled = 0;
    ohm_heap *h = ohm_heap_new(&cfg);
    size_t n = 1000 * 1000;
    ohm_object *head = make_chain(h, &glink_type, n);
    freed = 0;
    ohm_decref(head);
    CHECK_EQ_SIZE(freed, n);
    CHECK_EQ_SIZE(live_count(h), 0);
    CHECK_EQ_INT(ohm_heap_check(h, stderr), 0);
    ohm_heap_destroy(h);
}

static void test_nested_lists(void) {
    ohm_config cfg;
    ohm_config_init(&cfg);
    cfg.gc_enabled = 0;
    ohm_heap *h = ohm_heap_new(&cfg);
    size_t n = 1000 * 1000;
    ohm_object *outer = ohm_list_new(h);
    ohm_object *cur = outer;
    for (size_t i = 0; i < n; i++) {
        ohm_object *inner = ohm_list_new(h);
        ohm_list_append(cur, inner);
        ohm_decref(inner);           /* cur holds it */
        cur = inner;
    }
    ohm_object *leaf = ohm_int_new(h, 123456789);
    ohm_list_append(cur, leaf);
    CHECK_EQ_SIZE(ohm_refcount(leaf), 2);
    CHECK_EQ_SIZE(live_count(h), n + 2);
    ohm_decref(outer);
    CHECK_EQ_SIZE(ohm_refcount(leaf), 1);
    CHECK_EQ_SIZE(live_count(h), 1);
    ohm_decref(leaf);
    /* nested tuples and dicts too */
    ohm_object *t = ohm_tuple_new(h, 1);
    ohm_object *top = t;
    for (size_t i = 0; i < 200000; i++) {
        ohm_object *d = ohm_dict_new(h), *k = ohm_int_new(h, 1), *t2 = ohm_tuple_new(h, 1);
        ohm_tuple_set(t, 0, d);
        ohm_dict_set(d, k, t2);
        ohm_decref(d); ohm_decref(k); ohm_decref(t2);
        t = t2;
    }
    ohm_decref(top);
    CHECK_EQ_SIZE(live_count(h), 0);
    CHECK_EQ_INT(ohm_heap_check(h, stderr), 0);
    ohm_heap_destroy(h);
}

/* A wide tree of chains: many deferred objects at once. */
static void test_fan(void) {
    ohm_heap *h = ohm_heap_new(NULL);
    ohm_object *root = ohm_list_new(h);
    for (int i = 0; i < 1000; i++) {
        ohm_object *c = make_chain(h, &link_type, 1000);
        ohm_list_append(root, c);
        ohm_decref(c);
    }
    freed = 0;
    ohm_decref(root);
    CHECK_EQ_SIZE(freed, 1000 * 1000);
    CHECK_EQ_SIZE(live_count(h), 0);
    CHECK_EQ_INT(ohm_heap_check(h, stderr), 0);
    ohm_heap_destroy(h);
}

/* Finalizers deep in a chain run, may resurrect, and the rest is still freed. */
typedef struct flink { ohm_object ob; ohm_object *next; int id; } flink;
static ohm_object *rescued;
static size_t nfinal;
static void flink_finalize(ohm_object *self) {
    nfinal++;
    if (((flink *)self)->id == 500) { ohm_incref(self); rescued = self; }
}
static void flink_dealloc(ohm_object *self) {
    freed++;
    ohm_object *n = ((flink *)self)->next;
    if (n) ohm_decref(n);
}
static const ohm_type flink_type = {
    .name = "flink", .basicsize = sizeof(flink), .finalize = flink_finalize, .dealloc = flink_dealloc,
};

static void test_finalize_in_chain(void) {
    ohm_heap *h = ohm_heap_new(NULL);
    ohm_object *head = NULL;
    for (int i = 1000; i >= 1; i--) {
        flink *l = (flink *)ohm_new(h, &flink_type);
        l->next = head;
        l->id = i;
        head = &l->ob;
    }
    freed = nfinal = 0;
    rescued = NULL;
    ohm_decref(head);
    CHECK_EQ_SIZE(nfinal, 500);      /* 1..500 finalized; 500 resurrected */
    CHECK_EQ_SIZE(freed, 499);
    CHECK(rescued && ((flink *)rescued)->id == 500);
    CHECK_EQ_SIZE(live_count(h), 501);
    ohm_decref(rescued);             /* no second finalize for 500 */
    CHECK_EQ_SIZE(nfinal, 1000);
    CHECK_EQ_SIZE(freed, 1000);
    CHECK_EQ_SIZE(live_count(h), 0);
    CHECK_EQ_INT(ohm_heap_check(h, stderr), 0);
    ohm_heap_destroy(h);
}

/* Deallocs that allocate GC objects while releases are deferred: with a low
 * threshold the collector runs in the middle of the drain, walking the heap while
 * deferred objects sit in it. */
static ohm_heap *churn_heap;
static void churn_dealloc(ohm_object *self) {
    freed++;
    ohm_object *l = ohm_list_new(churn_heap), *l2 = ohm_list_new(churn_heap);
    ohm_list_append(l, l2);
    ohm_list_append(l2, l);          /* a cycle for the collector */
    ohm_decref(l);
    ohm_decref(l2);
    glink_clear(self);
}
static const ohm_type churn_type = {
    .name = "churn", .basicsize = sizeof(chain_link), .flags = OHM_TYPE_GC,
    .traverse = glink_traverse, .clear = glink_clear, .dealloc = churn_dealloc,
};

static void test_collect_during_release(void) {
    ohm_config cfg;
    ohm_config_init(&cfg);
    cfg.gc_threshold[0] = 50;
    churn_heap = ohm_heap_new(&cfg);
    ohm_object *head = make_chain(churn_heap, &churn_type, 20000);
    freed = 0;
    ohm_decref(head);
    CHECK_EQ_SIZE(freed, 20000);
    CHECK_EQ_INT(ohm_heap_check(churn_heap, stderr), 0);
    ohm_heap_destroy(churn_heap);
}

int main(void) {
    unsetenv("OHM_MALLOC");
    test_long_chain();
    test_gc_chain();
    test_nested_lists();
    test_fan();
    test_finalize_in_chain();
    test_collect_during_release();
    return check_done();
}
