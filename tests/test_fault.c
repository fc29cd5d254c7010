/*
 * test_fault.c — the public fault injection (ohm_fault_fail_nth, ohm_fault_cap,
 * ohm_fault_count): exact counts of what each call attempts, exactly the chosen
 * allocation failing (and every later one with persist), the cap, the messages, and a
 * heap that stays consistent and usable after each failure.
 */
#include "ohm.h"
#include "alloc/alloc.h"
#include "check.h"

#include <errno.h>

/* The count is 0 before any call, and counting starts at the first call. */
static void test_count_starts(void) {
    ohm_heap *h = ohm_heap_new(NULL);
    void *p = ohm_malloc(h, 16);
    CHECK_EQ_SIZE(ohm_fault_count(h), 0);
    ohm_free(h, p);
    ohm_fault_fail_nth(h, 0, 0);              /* off: count only */
    CHECK_EQ_SIZE(ohm_fault_count(h), 0);
    void *b[10];
    for (int i = 0; i < 10; i++) b[i] = ohm_malloc(h, 24);
    CHECK_EQ_SIZE(ohm_fault_count(h), 10);    /* ten small blocks: ten */
    for (int i = 0; i < 10; i++) ohm_free(h, b[i]);
    CHECK_EQ_SIZE(ohm_fault_count(h), 10);    /* frees are not allocations */
    void *q = ohm_calloc(h, 4, 8);
    q = ohm_realloc(h, q, 2000);              /* one each, the move to a large block included */
    void *r = ohm_raw_malloc(h, 100);
    CHECK_EQ_SIZE(ohm_fault_count(h), 13);
    ohm_free(h, q);
    ohm_raw_free(h, r);
    ohm_fault_fail_nth(h, 0, 0);              /* each call restarts the count */
    CHECK_EQ_SIZE(ohm_fault_count(h), 0);
    ohm_heap_destroy(h);
}

/* Objects and containers: one per object, one per growth of a list's items. */
static void test_count_objects(void) {
    ohm_heap *h = ohm_heap_new(NULL);
    ohm_fault_fail_nth(h, 0, 0);
    ohm_object *first = ohm_list_new(h);
    CHECK_EQ_SIZE(ohm_fault_count(h), 2);      /* the list, and the youngest generation's vector */
    ohm_fault_fail_nth(h, 0, 0);
    ohm_object *l = ohm_list_new(h);
    CHECK_EQ_SIZE(ohm_fault_count(h), 1);      /* the list object; its items come later */
    ohm_object *s = ohm_str_new(h, "abc", 3);
    CHECK_EQ_SIZE(ohm_fault_count(h), 2);
    CHECK_EQ_INT(ohm_list_append(l, s), 0);   /* the first append allocates the items */
    CHECK_EQ_SIZE(ohm_fault_count(h), 3);
    size_t grows = 0, before = ohm_fault_count(h);
    for (int i = 0; i < 100; i++) {
        size_t c = ohm_fault_count(h);
        CHECK_EQ_INT(ohm_list_append(l, s), 0);
        grows += ohm_fault_count(h) - c;
    }
    CHECK(grows > 0 && grows < 20);            /* growth is geometric: a few reallocs */
    CHECK_EQ_SIZE(ohm_fault_count(h) - before, grows);
    ohm_decref(s);
    ohm_decref(l);
    ohm_decref(first);
    ohm_heap_destroy(h);
}

/* fail_nth(3, 0) fails exactly the third allocation; the heap stays usable. */
static void test_fail_third(void) {
    ohm_heap *h = ohm_heap_new(NULL);
    ohm_fault_fail_nth(h, 3, 0);
    void *b[6];
    for (int i = 0; i < 6; i++) {
        errno = 0;
        b[i] = ohm_malloc(h, 40);
        if (i == 2) {
            CHECK(b[i] == NULL);
            CHECK_EQ_INT(errno, ENOMEM);
            CHECK_EQ_STR(ohm_last_error(h), "out of memory (injected failure: allocation #3)");
        } else {
            CHECK(b[i] != NULL);
        }
    }
    CHECK_EQ_SIZE(ohm_fault_count(h), 6);
    for (int i = 0; i < 6; i++) ohm_free(h, b[i]);
    CHECK_EQ_INT(ohmi_alloc_check(h, stderr), 0);
    ohm_heap_destroy(h);
}

/* persist: the n-th and every one after it. */
static void test_persist(void) {
    ohm_heap *h = ohm_heap_new(NULL);
    ohm_fault_fail_nth(h, 2, 1);
    void *a = ohm_malloc(h, 8);
    CHECK(a != NULL);
    CHECK(ohm_malloc(h, 8) == NULL);
    CHECK(ohm_calloc(h, 1, 8) == NULL);
    CHECK(ohm_raw_malloc(h, 8) == NULL);
    CHECK(ohm_list_new(h) == NULL);
    CHECK(ohm_str_new(h, "x", 1) == NULL);
    CHECK_CONTAINS(ohm_last_error(h), "out of memory");
    void *r = ohm_realloc(h, a, 4000);
    CHECK(r == NULL);                          /* a untouched */
    CHECK_EQ_SIZE(ohm_fault_count(h), 7);
    ohm_fault_fail_nth(h, 0, 0);
    CHECK((r = ohm_realloc(h, a, 4000)) != NULL);
    ohm_free(h, r);
    CHECK_EQ_INT(ohmi_alloc_check(h, stderr), 0);
    ohm_heap_destroy(h);
}

/* The cap fails what would take the heap's arenas and large blocks past it. */
static void test_cap(void) {
    ohm_heap *h = ohm_heap_new(NULL);
    ohm_fault_cap(h, 100000);
    void *p = ohm_malloc(h, 60000);            /* a large block: fits */
    CHECK(p != NULL);
    errno = 0;
    CHECK(ohm_malloc(h, 60000) == NULL);       /* 120000 > 100000 */
    CHECK_EQ_INT(errno, ENOMEM);
    CHECK_CONTAINS(ohm_last_error(h), "out of memory");
    CHECK(ohm_malloc(h, 16) == NULL);          /* a pool needs a whole arena: past the cap */
    CHECK_EQ_SIZE(ohm_fault_count(h), 3);
    ohm_fault_cap(h, 0);
    void *q = ohm_malloc(h, 16);
    CHECK(q != NULL);
    ohm_free(h, q);
    ohm_free(h, p);
    CHECK_EQ_INT(ohmi_alloc_check(h, stderr), 0);
    ohm_heap_destroy(h);
}

/* Tracing: the tracer's own tables count, and failing them loses a trace, never the
 * user's block. A snapshot's building counts; taking one fails with a message. */
static void test_tracer(void) {
    ohm_heap *h = ohm_heap_new(NULL);
    CHECK_EQ_INT(ohm_trace_start(h, 1), 0);
    ohm_fault_fail_nth(h, 0, 0);
    void *p = ohm_malloc(h, 100);
    size_t per = ohm_fault_count(h);
    CHECK(per >= 2);                           /* the block, and the tracer's first tables */
    ohm_fault_fail_nth(h, 0, 0);
    ohm_snapshot *s = ohm_snapshot_take(h);
    CHECK(s != NULL);
    size_t take = ohm_fault_count(h);
    CHECK(take >= 2);
    ohm_snapshot_free(s);
    for (size_t k = 1; k <= take; k++) {
        ohm_fault_fail_nth(h, k, 0);
        s = ohm_snapshot_take(h);
        CHECK(s == NULL);
        CHECK_CONTAINS(ohm_last_error(h), "out of memory");
    }
    ohm_fault_fail_nth(h, 0, 0);
    ohm_free(h, p);
    ohm_trace_stop(h);
    ohm_heap_destroy(h);
}

/* Regression (found by sweep_objects): a weakref callback was skipped when the vector
 * of callbacks to run could not grow, by refcount and in a collection. */
static int wr_calls;
static void wr_cb(ohm_object *ref, void *arg) { (void)ref; (void)arg; wr_calls++; }

static int self_traverse(ohm_object *self, ohm_visit_fn visit, void *arg) {
    ohm_object **slot = (ohm_object **)(self + 1);
    return *slot ? visit(*slot, arg) : 0;
}
static int self_clear(ohm_object *self) {
    ohm_object **slot = (ohm_object **)(self + 1), *o = *slot;
    *slot = NULL;
    ohm_xdecref(o);
    return 0;
}
static const ohm_type selfref_type = {
    .name = "selfref", .basicsize = sizeof(ohm_object) + sizeof(ohm_object *),
    .flags = OHM_TYPE_GC, .traverse = self_traverse, .clear = self_clear,
};
static ohm_object *selfref_new(ohm_heap *h) {
    ohm_object *o = ohm_new(h, &selfref_type);
    *(ohm_object **)(o + 1) = o;
    ohm_incref(o);
    return o;
}

static void test_weakref_callback_without_memory(void) {
    ohm_heap *h = ohm_heap_new(NULL);
    ohm_object *a = ohm_list_new(h);
    ohm_object *w = ohm_weakref_new(h, a, wr_cb, NULL);
    wr_calls = 0;
    ohm_fault_fail_nth(h, 1, 1);              /* no memory from here on */
    ohm_decref(a);
    CHECK_EQ_INT(wr_calls, 1);
    CHECK(ohm_weakref_get(w) == NULL);
    ohm_fault_fail_nth(h, 0, 0);
    ohm_decref(w);

    /* in a collection: warm its vectors up first, so that only the callbacks need memory */
    ohm_object *g = selfref_new(h);
    ohm_decref(g);
    ohm_gc_collect(h, 2);
    g = selfref_new(h);
    w = ohm_weakref_new(h, g, wr_cb, NULL);
    ohm_decref(g);
    wr_calls = 0;
    ohm_fault_fail_nth(h, 1, 1);
    CHECK_EQ_SIZE(ohm_gc_collect(h, 2), 1);
    CHECK_EQ_INT(wr_calls, 1);
    CHECK(ohm_weakref_get(w) == NULL);
    ohm_fault_fail_nth(h, 0, 0);
    ohm_decref(w);
    CHECK_EQ_INT(ohmi_alloc_check(h, stderr), 0);
    ohm_heap_destroy(h);
}

/* Regression (found by sweep_objects): a full collection that ran out of memory freed
 * nothing and said nothing; it now says why, and the next collection frees the garbage. */
static void test_gc_out_of_memory_says_so(void) {
    ohm_heap *h = ohm_heap_new(NULL);
    ohm_object *a = selfref_new(h), *b = selfref_new(h);
    ohm_decref(a);
    ohm_decref(b);
    ohmi_error_clear(h);
    ohm_fault_fail_nth(h, 1, 0);             /* the unreachable set's first growth */
    CHECK_EQ_SIZE(ohm_gc_collect(h, 2), 0);
    CHECK_CONTAINS(ohm_last_error(h), "ohm_gc_collect: out of memory; nothing collected");
    ohm_fault_fail_nth(h, 0, 0);
    CHECK_EQ_SIZE(ohm_gc_collect(h, 2), 2);
    CHECK_EQ_INT(ohmi_alloc_check(h, stderr), 0);
    ohm_heap_destroy(h);
}

/* Regression (found by sweep_objects): ohm_gc_get_referents out of memory listed
 * nothing and left ohm_last_error empty. */
static int listed;
static int list_one(ohm_object *o, void *arg) { (void)o; (void)arg; listed++; return 0; }

static void test_referents_out_of_memory_says_so(void) {
    ohm_heap *h = ohm_heap_new(NULL);
    ohm_object *l = ohm_list_new(h), *m = ohm_list_new(h);
    CHECK_EQ_INT(ohm_list_append(l, m), 0);
    ohmi_error_clear(h);
    ohm_fault_fail_nth(h, 1, 0);
    listed = 0;
    ohm_gc_get_referents(l, list_one, NULL);
    CHECK_EQ_INT(listed, 0);
    CHECK_EQ_STR(ohm_last_error(h), "ohm_gc_get_referents: out of memory");
    ohm_fault_fail_nth(h, 0, 0);
    ohm_gc_get_referents(l, list_one, NULL);
    CHECK_EQ_INT(listed, 1);
    ohm_decref(m);
    ohm_decref(l);
    ohm_heap_destroy(h);
}

int main(void) {
    test_count_starts();
    test_count_objects();
    test_fail_third();
    test_persist();
    test_cap();
    test_tracer();
    test_weakref_callback_without_memory();
    test_gc_out_of_memory_says_so();
    test_referents_out_of_memory_says_so();
    return check_done();
}
