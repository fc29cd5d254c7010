/* test_tuple_list.c — tuples (empty singleton, per-length free lists), lists
 * (over-allocating growth, free list), iteration and ranges: the ownership rule of
 * every function (counts before/after) and every error. */
#include "check.h"
#include "ohm.h"

#include "api/api.h"   /* ohmi_obj_untrack_candidate, the tracked flag, ohmi_gc_on_release */

/* Until the collector's public functions are merged: the flag, and its untrack hook. */
static int tracked(const ohm_object *o) { return (o->ohm_bits & OHM_F_TRACKED) != 0; }
static void untrack(ohm_object *o) { ohmi_gc_on_release(o); }

static int stress;   /* OHM_GC_STRESS=1: full collections empty the free lists at any time */
static ohm_heap *heap(void) {
    ohm_config cfg;
    ohm_config_init(&cfg);
    cfg.gc_enabled = stress = cfg.gc_stress;   /* collections at every allocation under stress */
    return ohm_heap_new(&cfg);
}

static void test_tuple(void) {
    ohm_heap *h = heap();
    ohm_object *e = ohm_tuple_new(h, 0), *e2 = ohm_tuple_new(h, 0);
    CHECK(e == e2);
    CHECK(ohm_is_immortal(e));
    CHECK_EQ_SIZE(ohm_tuple_len(e), 0);
    ohm_object *t = ohm_tuple_new(h, 3);
    CHECK_EQ_SIZE(ohm_refcount(t), 1);
    CHECK_EQ_SIZE(ohm_tuple_len(t), 3);
    CHECK(tracked(t));
    CHECK(ohm_tuple_get(t, 0) == NULL);              /* unset */
    CHECK_EQ_STR(ohm_last_error(h), "ohm_tuple_get: item 0 is not set");
    ohm_object *a = ohm_int_new(h, 1000), *b = ohm_str_new(h, "bee", 3);
    CHECK_EQ_INT(ohm_tuple_set(t, 0, a), 0);
    CHECK_EQ_SIZE(ohm_refcount(a), 2);               /* the tuple's own reference */
    CHECK_EQ_INT(ohm_tuple_set(t, 1, b), 0);
    CHECK_EQ_INT(ohm_tuple_set(t, 2, a), 0);
    CHECK_EQ_SIZE(ohm_refcount(a), 3);
    CHECK(ohm_tuple_get(t, 0) == a);
    CHECK_EQ_SIZE(ohm_refcount(a), 3);               /* get: borrowed */
    CHECK_EQ_INT(ohm_tuple_set(t, 2, b), 0);         /* replace: the old one released */
    CHECK_EQ_SIZE(ohm_refcount(a), 2);
    CHECK_EQ_SIZE(ohm_refcount(b), 3);
    /* errors change nothing */
    CHECK_EQ_INT(ohm_tuple_set(t, 3, a), -1);
    CHECK_EQ_STR(ohm_last_error(h), "ohm_tuple_set: index 3 out of range (len 3)");
    CHECK(ohm_tuple_get(t, 7) == NULL);
    CHECK_EQ_STR(ohm_last_error(h), "ohm_tuple_get: index 7 out of range (len 3)");
    CHECK_EQ_INT(ohm_tuple_set(t, 0, NULL), -1);
    CHECK_EQ_STR(ohm_last_error(h), "ohm_tuple_set: item is NULL");
    CHECK_EQ_INT(ohm_tuple_set(a, 0, b), -1);
    CHECK_EQ_STR(ohm_last_error(h), "ohm_tuple_set: expected a tuple, got 'int'");
    CHECK(ohm_tuple_get(b, 0) == NULL);
    CHECK_EQ_STR(ohm_last_error(h), "ohm_tuple_get: expected a tuple, got 'str'");
    CHECK_EQ_SIZE(ohm_tuple_len(a), 0);
    CHECK_EQ_STR(ohm_last_error(h), "ohm_tuple_len: expected a tuple, got 'int'");
    CHECK_EQ_SIZE(ohm_refcount(a), 2);
    CHECK_EQ_SIZE(ohm_refcount(b), 3);
    CHECK(ohm_tuple_get(t, 0) == a);
    /* equality and hashing by value */
    ohm_object *u = ohm_tuple_new(h, 3), *a2 = ohm_int_new(h, 1000), *b2 = ohm_str_new(h, "bee", 3);
    ohm_tuple_set(u, 0, a2); ohm_tuple_set(u, 1, b2); ohm_tuple_set(u, 2, b2);
    CHECK(ohm_equal(t, u));
    uint64_t x, y;
    CHECK_EQ_INT(ohm_hash(t, &x), 0);
    CHECK_EQ_INT(ohm_hash(u, &y), 0);
    CHECK(x == y);
    ohm_decref(a2); ohm_decref(b2); ohm_decref(u);
    /* release drops the items */
    ohm_decref(t);
    CHECK_EQ_SIZE(ohm_refcount(a), 1);
    CHECK_EQ_SIZE(ohm_refcount(b), 1);
    /* per-length free lists: a freed 3-tuple comes back for the next 3-tuple */
    ohm_object *t3 = ohm_tuple_new(h, 3);
    CHECK(t3 == t);
    CHECK_EQ_SIZE(ohm_refcount(t3), 1);
    CHECK(ohm_tuple_get(t3, 0) == NULL);              /* cleared */
    ohm_object *t4 = ohm_tuple_new(h, 4);
    CHECK(t4 != t);
    ohm_decref(t3);
    ohm_decref(t4);
    ohm_object *big = ohm_tuple_new(h, 100);          /* beyond 20: no free list */
    CHECK_EQ_SIZE(ohm_tuple_len(big), 100);
    CHECK(ohm_sizeof(big) >= 16 + 8 + 100 * 8);
    ohm_decref(big);
    size_t cleared = ohm_clear_freelists(h);
    if (!stress) CHECK_EQ_SIZE(cleared, 4);           /* two 3-tuples, a 4-tuple, an int */
    ohm_object *huge = ohm_tuple_new(h, SIZE_MAX / 4);
    CHECK(huge == NULL);
    CHECK_CONTAINS(ohm_last_error(h), "ohm_tuple_new");
    ohm_decref(a);
    ohm_decref(b);
    CHECK_EQ_INT(ohm_heap_check(h, stderr), 0);
    ohm_heap_destroy(h);
}

static void test_untrack_candidates(void) {
    ohm_heap *h = heap();
    ohm_object *t = ohm_tuple_new(h, 2), *i = ohm_int_new(h, 5), *s = ohm_str_new(h, "s1", 2);
    CHECK(!ohmi_obj_untrack_candidate(t));                /* NULL items */
    ohm_tuple_set(t, 0, i);
    ohm_tuple_set(t, 1, s);
    CHECK(ohmi_obj_untrack_candidate(t));
    ohm_object *l = ohm_list_new(h);
    CHECK(!ohmi_obj_untrack_candidate(l));                /* lists never */
    ohm_tuple_set(t, 1, l);
    CHECK(!ohmi_obj_untrack_candidate(t));
    ohm_object *d = ohm_dict_new(h);
    CHECK(ohmi_obj_untrack_candidate(d));
    ohm_dict_set(d, s, i);
    CHECK(ohmi_obj_untrack_candidate(d));
    ohm_dict_set(d, i, l);
    CHECK(!ohmi_obj_untrack_candidate(d));
    /* an untracked tuple that receives a GC item is tracked again */
    ohm_object *u = ohm_tuple_new(h, 1);
    ohm_tuple_set(u, 0, i);
    untrack(u);
    CHECK(!tracked(u));
    ohm_tuple_set(u, 0, l);
    CHECK(tracked(u));
    ohm_object *d2 = ohm_dict_new(h);
    ohm_dict_set(d2, i, i);
    untrack(d2);
    ohm_dict_set(d2, s, i);
    CHECK(!tracked(d2));
    ohm_dict_set(d2, s, l);
    CHECK(tracked(d2));
    ohm_decref(d2); ohm_decref(u); ohm_decref(d); ohm_decref(t); ohm_decref(l);
    ohm_decref(i); ohm_decref(s);
    CHECK_EQ_INT(ohm_heap_check(h, stderr), 0);
    ohm_heap_destroy(h);
}

static void test_list(void) {
    ohm_heap *h = heap();
    ohm_object *l = ohm_list_new(h);
    CHECK_EQ_SIZE(ohm_list_len(l), 0);
    CHECK_EQ_SIZE(ohm_refcount(l), 1);
    CHECK(tracked(l));
    size_t empty_size = ohm_sizeof(l);
    ohm_object *x = ohm_int_new(h, 4242);
    for (int i = 0; i < 1000; i++) CHECK_EQ_INT(ohm_list_append(l, x), 0);
    CHECK_EQ_SIZE(ohm_refcount(x), 1001);
    CHECK_EQ_SIZE(ohm_list_len(l), 1000);
    CHECK(ohm_sizeof(l) >= empty_size + 1000 * sizeof(void *));
    ohm_object *y = ohm_str_new(h, "why", 3);
    CHECK_EQ_INT(ohm_list_set(l, 500, y), 0);
    CHECK_EQ_SIZE(ohm_refcount(x), 1000);
    CHECK_EQ_SIZE(ohm_refcount(y), 2);
    CHECK(ohm_list_get(l, 500) == y);
    CHECK_EQ_SIZE(ohm_refcount(y), 2);                /* borrowed */
    CHECK(ohm_list_get(l, 999) == x);
    /* pop: the list's reference goes to the caller */
    ohm_object *p = ohm_list_pop(l);
    CHECK(p == x);
    CHECK_EQ_SIZE(ohm_refcount(x), 1000);
    CHECK_EQ_SIZE(ohm_list_len(l), 999);
    ohm_decref(p);
    CHECK_EQ_SIZE(ohm_refcount(x), 999);
    while (ohm_list_len(l) > 1) ohm_decref(ohm_list_pop(l));
    CHECK_EQ_SIZE(ohm_refcount(x), 2);
    CHECK(ohm_sizeof(l) < empty_size + 100 * sizeof(void *));   /* shrank */
    ohm_decref(ohm_list_pop(l));
    CHECK_EQ_SIZE(ohm_refcount(x), 1);
    CHECK(ohm_list_pop(l) == NULL);
    CHECK_EQ_STR(ohm_last_error(h), "ohm_list_pop: pop from empty list");
    /* errors change nothing */
    ohm_list_append(l, y);
    CHECK(ohm_list_get(l, 5) == NULL);
    CHECK_EQ_STR(ohm_last_error(h), "ohm_list_get: index 5 out of range (len 1)");
    CHECK_EQ_INT(ohm_list_set(l, 1, x), -1);
    CHECK_EQ_STR(ohm_last_error(h), "ohm_list_set: index 1 out of range (len 1)");
    CHECK_EQ_INT(ohm_list_set(l, 0, NULL), -1);
    CHECK_EQ_STR(ohm_last_error(h), "ohm_list_set: item is NULL");
    CHECK_EQ_INT(ohm_list_append(l, NULL), -1);
    CHECK_EQ_STR(ohm_last_error(h), "ohm_list_append: item is NULL");
    CHECK_EQ_INT(ohm_list_append(x, y), -1);
    CHECK_EQ_STR(ohm_last_error(h), "ohm_list_append: expected a list, got 'int'");
    CHECK_EQ_INT(ohm_list_set(y, 0, x), -1);
    CHECK_EQ_STR(ohm_last_error(h), "ohm_list_set: expected a list, got 'str'");
    CHECK(ohm_list_get(x, 0) == NULL);
    CHECK_EQ_STR(ohm_last_error(h), "ohm_list_get: expected a list, got 'int'");
    CHECK(ohm_list_pop(x) == NULL);
    CHECK_EQ_STR(ohm_last_error(h), "ohm_list_pop: expected a list, got 'int'");
    CHECK_EQ_SIZE(ohm_list_len(x), 0);
    CHECK_EQ_STR(ohm_last_error(h), "ohm_list_len: expected a list, got 'int'");
    CHECK_EQ_INT(ohm_list_append(NULL, x), -1);
    CHECK_EQ_STR(ohm_last_error(NULL), "ohm_list_append: expected a list, got NULL");
    CHECK_EQ_SIZE(ohm_list_len(l), 1);
    CHECK_EQ_SIZE(ohm_refcount(x), 1);
    CHECK_EQ_SIZE(ohm_refcount(y), 2);
    /* release drops items; the list object goes to the free list */
    ohm_decref(l);
    CHECK_EQ_SIZE(ohm_refcount(y), 1);
    ohm_object *l2 = ohm_list_new(h);
    CHECK(l2 == l);
    CHECK_EQ_SIZE(ohm_list_len(l2), 0);
    CHECK(tracked(l2));
    ohm_decref(l2);
    /* the free list holds 80 */
    ohm_object *many[100];
    for (int i = 0; i < 100; i++) many[i] = ohm_list_new(h);
    for (int i = 0; i < 100; i++) ohm_decref(many[i]);
    CHECK_EQ_SIZE(ohm_clear_freelists(h), 80);
    ohm_decref(x);
    ohm_decref(y);
    CHECK_EQ_INT(ohm_heap_check(h, stderr), 0);
    ohm_heap_destroy(h);
}

static void test_iter(void) {
    ohm_heap *h = heap();
    ohm_object *l = ohm_list_new(h);
    for (int i = 0; i < 5; i++) { ohm_object *v = ohm_int_new(h, i * 1000 + 1000); ohm_list_append(l, v); ohm_decref(v); }
    ohm_object *it = ohm_iter(l);
    CHECK(it != NULL);
    CHECK_EQ_SIZE(ohm_refcount(it), 1);
    CHECK(ohm_type_of(it) == &ohm_iter_type);
    CHECK_EQ_SIZE(ohm_refcount(l), 2);                /* the iterator holds the list */
    CHECK(ohm_iter(it) == it);
    CHECK_EQ_SIZE(ohm_refcount(it), 2);
    ohm_decref(it);
    int64_t sum = 0;
    int n = 0;
    ohm_object *v;
    while ((v = ohm_iter_next(it))) {
        CHECK_EQ_SIZE(ohm_refcount(v), 2);            /* a new reference */
        sum += ohm_int_value(v);
        ohm_decref(v);
        n++;
    }
    CHECK_EQ_INT(n, 5);
    CHECK_EQ_INT(sum, 15000);
    CHECK_EQ_STR(ohm_last_error(h), "");              /* a clean end */
    CHECK_EQ_SIZE(ohm_refcount(l), 1);                /* exhausted: let go of the list */
    CHECK(ohm_iter_next(it) == NULL);
    ohm_decref(it);
    /* tuple */
    ohm_object *t = ohm_tuple_new(h, 2), *s = ohm_str_new(h, "ab", 2);
    ohm_tuple_set(t, 0, s);
    it = ohm_iter(t);
    v = ohm_iter_next(it);
    CHECK(v == s);
    ohm_decref(v);
    CHECK(ohm_iter_next(it) == NULL);
    CHECK_EQ_STR(ohm_last_error(h), "ohm_iter_next: tuple item 1 is not set");
    ohm_decref(it);
    /* dict: keys in insertion order; a size change is an error */
    ohm_object *d = ohm_dict_new(h);
    for (int i = 10; i > 0; i--) { ohm_object *k = ohm_int_new(h, i); ohm_dict_set(d, k, s); }
    it = ohm_iter(d);
    for (int i = 10; i > 0; i--) {
        v = ohm_iter_next(it);
        CHECK_EQ_INT(ohm_int_value(v), i);
        ohm_decref(v);
    }
    CHECK(ohm_iter_next(it) == NULL);
    CHECK_EQ_STR(ohm_last_error(h), "");
    ohm_decref(it);
    it = ohm_iter(d);
    ohm_object *k = ohm_int_new(h, 99);
    ohm_dict_set(d, k, s);
    CHECK(ohm_iter_next(it) == NULL);
    CHECK_EQ_STR(ohm_last_error(h), "ohm_iter_next: dict changed size during iteration");
    ohm_decref(it);
    /* range: lazy, both directions, empty, extreme */
    ohm_object *r = ohm_range_new(h, 0, 10, 3);
    CHECK_EQ_SIZE(ohm_refcount(r), 1);
    CHECK(ohm_type_of(r) == &ohm_range_type);
    size_t small = ohm_sizeof(r);
    it = ohm_iter(r);
    int64_t want[] = { 0, 3, 6, 9 };
    for (int i = 0; i < 4; i++) { v = ohm_iter_next(it); CHECK_EQ_INT(ohm_int_value(v), want[i]); ohm_decref(v); }
    CHECK(ohm_iter_next(it) == NULL);
    ohm_decref(it);
    ohm_decref(r);
    r = ohm_range_new(h, 0, INT64_MAX, 1);
    CHECK_EQ_SIZE(ohm_sizeof(r), small);              /* the length costs nothing */
    ohm_decref(r);
    r = ohm_range_new(h, 5, -5, -4);
    it = ohm_iter(r);
    int64_t down[] = { 5, 1, -3 };
    for (int i = 0; i < 3; i++) { v = ohm_iter_next(it); CHECK_EQ_INT(ohm_int_value(v), down[i]); ohm_decref(v); }
    CHECK(ohm_iter_next(it) == NULL);
    ohm_decref(it);
    ohm_decref(r);
    r = ohm_range_new(h, 5, 5, 1);
    it = ohm_iter(r);
    CHECK(ohm_iter_next(it) == NULL);
    ohm_decref(it);
    ohm_decref(r);
    r = ohm_range_new(h, INT64_MIN, INT64_MAX, INT64_MAX);
    it = ohm_iter(r);
    int64_t ext[] = { INT64_MIN, -1, INT64_MAX - 1 };
    for (int i = 0; i < 3; i++) { v = ohm_iter_next(it); CHECK_EQ_INT(ohm_int_value(v), ext[i]); ohm_decref(v); }
    CHECK(ohm_iter_next(it) == NULL);
    ohm_decref(it);
    ohm_decref(r);
    /* errors */
    CHECK(ohm_range_new(h, 0, 1, 0) == NULL);
    CHECK_EQ_STR(ohm_last_error(h), "ohm_range_new: step must not be zero");
    CHECK(ohm_iter(s) == NULL);
    CHECK_EQ_STR(ohm_last_error(h), "ohm_iter: 'str' object is not iterable");
    CHECK(ohm_iter_next(l) == NULL);
    CHECK_EQ_STR(ohm_last_error(h), "ohm_iter_next: expected an iterator, got 'list'");
    /* an iterator is a GC container: a list holding its own iterator is a cycle the
     * collector finds through the iterator's traverse and breaks with its clear */
    ohm_object *cyc = ohm_list_new(h);
    it = ohm_iter(cyc);
    ohm_list_append(cyc, it);
    CHECK_EQ_SIZE(ohm_refcount(cyc), 2);
    ohm_decref(it);
    ohm_decref(cyc);
    CHECK_EQ_SIZE(ohm_gc_collect(h, 2), 2);
    ohm_decref(k); ohm_decref(d); ohm_decref(t); ohm_decref(s); ohm_decref(l);
    CHECK_EQ_INT(ohm_heap_check(h, stderr), 0);
    ohm_heap_destroy(h);
}

/* The release path pushes tuples, lists and dicts on their free lists after their
 * deallocs emptied them: the recycled memory comes back as a fresh, empty object. */
static void test_recycled(void) {
    ohm_heap *h = heap();
    ohm_object *x = ohm_int_new(h, 5000), *l0 = ohm_list_new(h);
    ohm_object *t = ohm_tuple_new(h, 3);
    ohm_tuple_set(t, 0, x);
    ohm_tuple_set(t, 2, l0);
    CHECK_EQ_SIZE(ohm_refcount(x), 2);
    ohm_object *was = t;
    ohm_decref(t);
    CHECK_EQ_SIZE(ohm_refcount(x), 1);               /* the items were dropped */
    CHECK_EQ_SIZE(ohm_refcount(l0), 1);
    t = ohm_tuple_new(h, 3);
    CHECK(t == was);                                  /* the same memory, recycled */
    CHECK_EQ_SIZE(ohm_refcount(t), 1);
    CHECK(tracked(t));
    for (size_t i = 0; i < 3; i++) CHECK(ohm_tuple_get(t, i) == NULL);
    ohm_decref(t);

    ohm_object *l = ohm_list_new(h);
    for (int i = 0; i < 10; i++) ohm_list_append(l, x);
    was = l;
    ohm_decref(l);
    CHECK_EQ_SIZE(ohm_refcount(x), 1);
    l = ohm_list_new(h);
    CHECK(l == was);
    CHECK_EQ_SIZE(ohm_list_len(l), 0);
    CHECK(tracked(l));
    CHECK_EQ_INT(ohm_list_append(l, x), 0);
    CHECK(ohm_list_get(l, 0) == x);
    ohm_decref(l);

    /* dicts start untracked (CPython: gc.is_tracked({}) is False) and are tracked
     * when they store a GC key or value */
    ohm_object *d = ohm_dict_new(h), *k = ohm_str_new(h, "key", 3);
    CHECK(!tracked(d));
    ohm_dict_set(d, k, x);
    CHECK(!tracked(d));
    ohm_dict_set(d, x, l0);
    CHECK(tracked(d));
    was = d;
    ohm_decref(d);
    CHECK_EQ_SIZE(ohm_refcount(x), 1);
    CHECK_EQ_SIZE(ohm_refcount(l0), 1);
    d = ohm_dict_new(h);
    CHECK(d == was);
    CHECK(!tracked(d));
    CHECK_EQ_SIZE(ohm_dict_len(d), 0);
    CHECK(ohm_dict_get(d, k) == NULL);
    ohm_decref(d);

    /* free lists off: the memory goes back to the pools, nothing is kept */
    CHECK_EQ_INT(ohm_set_freelists(h, 0), 1);
    CHECK_EQ_SIZE(ohm_clear_freelists(h), 0);
    ohm_decref(ohm_tuple_new(h, 3));
    ohm_decref(ohm_list_new(h));
    ohm_decref(ohm_dict_new(h));
    CHECK_EQ_SIZE(ohm_clear_freelists(h), 0);
    CHECK_EQ_INT(ohm_set_freelists(h, 1), 0);
    ohm_decref(ohm_tuple_new(h, 3));
    ohm_decref(ohm_list_new(h));
    ohm_decref(ohm_dict_new(h));
    CHECK_EQ_SIZE(ohm_clear_freelists(h), 3);
    ohm_decref(k); ohm_decref(l0); ohm_decref(x);
    CHECK_EQ_INT(ohm_heap_check(h, stderr), 0);
    ohm_heap_destroy(h);
}

int main(void) {
    unsetenv("OHM_MALLOC");
    test_recycled();
    test_tuple();
    test_untrack_candidates();
    test_list();
    test_iter();
    return check_done();
}
