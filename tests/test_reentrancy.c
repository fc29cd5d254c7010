/* test_reentrancy.c — code that runs in the middle of an operation: weakref callbacks
 * during a deferred (trashcan) release, a user `equal` that mutates the dict being
 * searched, and a range iterator whose allocation fails. */
#include "check.h"
#include "api/api.h"

/* ---------------------------------------------- weakrefs and the trashcan */

static ohm_object *keep;
static int callbacks;

static void keep_ref(ohm_object *ref, void *arg) {
    (void)arg;
    callbacks++;
    ohm_list_append(keep, ref);   /* a callback may keep its weakref alive */
}

/* inner = [T, W0, W] under `wrap` nested lists, released at once: around the trashcan
 * depth some of these die deferred. Every callback that ran must have kept a live
 * weakref that now reports its target dead; no weakref may be used after its death. */
static void test_weakrefs_in_deep_release(void) {
    for (int wrap = 40; wrap <= 60; wrap++) {
        ohm_heap *h = ohm_heap_new(NULL);
        keep = ohm_list_new(h);
        callbacks = 0;
        ohm_object *t = ohm_list_new(h);
        ohm_object *w0 = ohm_weakref_new(h, t, keep_ref, NULL);
        ohm_object *w1 = ohm_weakref_new(h, t, keep_ref, NULL);
        ohm_object *inner = ohm_list_new(h);
        ohm_list_append(inner, t);
        ohm_list_append(inner, w0);
        ohm_list_append(inner, w1);
        ohm_decref(t); ohm_decref(w0); ohm_decref(w1);
        ohm_object *outer = inner;
        for (int i = 0; i < wrap; i++) {
            ohm_object *l = ohm_list_new(h);
            ohm_list_append(l, outer);
            ohm_decref(outer);
            outer = l;
        }
        ohm_decref(outer);
        CHECK_EQ_SIZE(ohm_list_len(keep), (size_t)callbacks);
        for (size_t i = 0; i < ohm_list_len(keep); i++) {
            ohm_object *w = ohm_list_get(keep, i);
            CHECK(ohm_type_of(w) == &ohm_weakref_type);
            CHECK(ohm_weakref_get(w) == NULL);
            CHECK_EQ_SIZE(ohm_refcount(w), 1);
        }
        ohm_decref(keep);
        ohm_gc_collect(h, 2);
        ohm_heap_destroy(h);
    }
}

/* --------------------------------------------- a dict mutated by `equal` */

typedef struct { ohm_object ob; int id; } key_obj;
static ohm_object *mut_dict;
static int mutations;

static uint64_t key_hash(const ohm_object *o) { (void)o; return 42; }
static int key_equal(const ohm_object *a, const ohm_object *b) {
    if (mutations > 0) {   /* grow the dict being searched: its table is rebuilt */
        mutations--;
        ohm_heap *h = ohm_heap_of(a);
        for (int i = 0; i < 40; i++) {
            ohm_object *k = ohm_int_new(h, 1000 + 40 * mutations + i);
            ohm_dict_set(mut_dict, k, k);
            ohm_decref(k);
        }
    }
    return ohm_type_of(b) == ohm_type_of(a) && ((const key_obj *)a)->id == ((const key_obj *)b)->id;
}
static const ohm_type key_type = { .name = "key", .basicsize = sizeof(key_obj),
                                   .hash = key_hash, .equal = key_equal };

static void test_equal_mutates_dict(void) {
    ohm_heap *h = ohm_heap_new(NULL);
    mut_dict = ohm_dict_new(h);
    key_obj *k1 = (key_obj *)ohm_new(h, &key_type), *k2 = (key_obj *)ohm_new(h, &key_type);
    key_obj *k1b = (key_obj *)ohm_new(h, &key_type);
    k1->id = 1; k2->id = 2; k1b->id = 1;
    ohm_object *v = ohm_str_new(h, "v", 1);
    CHECK_EQ_INT(ohm_dict_set(mut_dict, &k1->ob, v), 0);
    mutations = 3;   /* the next lookups rebuild the table under the comparison */
    CHECK_EQ_INT(ohm_dict_set(mut_dict, &k2->ob, v), 0);
    CHECK_EQ_INT(mutations, 0);
    CHECK_EQ_SIZE(ohm_dict_len(mut_dict), 2 + 3 * 40);
    CHECK(ohm_dict_get(mut_dict, &k1b->ob) == v);   /* equal-but-distinct key found */
    CHECK(ohm_dict_get(mut_dict, &k2->ob) == v);
    CHECK_EQ_SIZE(ohm_refcount(&k1->ob), 2);        /* ours and the dict's: no leak */
    CHECK_EQ_SIZE(ohm_refcount(&k2->ob), 2);
    CHECK_EQ_INT(ohm_dict_del(mut_dict, &k1b->ob), 0);
    CHECK_EQ_SIZE(ohm_refcount(&k1->ob), 1);
    ohm_decref(mut_dict);
    ohm_decref(&k1->ob); ohm_decref(&k2->ob); ohm_decref(&k1b->ob); ohm_decref(v);
    ohm_heap_destroy(h);
}

/* ------------------------------------------- a failed next leaves the range */

static void test_range_next_failure(void) {
    ohm_heap *h = ohm_heap_new(NULL);
    ohm_object *r = ohm_range_new(h, 1000, 1003, 1);   /* beyond the small ints */
    ohm_object *it = ohm_iter(r);
    ohm_object *a = ohm_iter_next(it);
    CHECK_EQ_INT(ohm_int_value(a), 1000);
    ohm_decref(a);
    ohm_clear_freelists(h);
    ohmi_alloc_fail_after(h, 0);
    CHECK(ohm_iter_next(it) == NULL);
    CHECK(ohm_last_error(h)[0] != '\0');   /* an error, not the end */
    ohmi_alloc_fail_after(h, -1);
    ohm_object *b = ohm_iter_next(it);      /* 1001 was not skipped */
    CHECK(b != NULL);
    if (b) CHECK_EQ_INT(ohm_int_value(b), 1001);
    ohm_xdecref(b);
    ohm_decref(it);
    ohm_decref(r);
    ohm_heap_destroy(h);
}

int main(void) {
    test_weakrefs_in_deep_release();
    test_equal_mutates_dict();
    test_range_next_failure();
    return check_done();
}
