/* test_dict.c — dict semantics: insertion order, deletion, resize, collisions,
 * equal-but-distinct keys, tuple keys, int/float equal keys, user types with and
 * without hash/equal, unhashable keys, counts before/after every call, the free list. */
#include "check.h"
#include "ohm.h"

static ohm_heap *heap(void) {
    ohm_config cfg;
    ohm_config_init(&cfg);
    cfg.gc_enabled = cfg.gc_stress;   /* collections at every allocation under OHM_GC_STRESS=1 */
    return ohm_heap_new(&cfg);
}

/* A user type whose hash is constant: every key collides. */
typedef struct ckey { ohm_object ob; int id; } ckey;
static uint64_t ckey_hash(const ohm_object *o) { (void)o; return 42; }
static int ckey_equal(const ohm_object *a, const ohm_object *b) {
    return ohm_type_of(b) == ohm_type_of(a) && ((const ckey *)a)->id == ((const ckey *)b)->id;
}
static const ohm_type ckey_type = {
    .name = "ckey", .basicsize = sizeof(ckey), .hash = ckey_hash, .equal = ckey_equal,
};
static const ohm_type ident_type = { .name = "ident", .basicsize = sizeof(ckey) };

static ohm_object *ckey_new(ohm_heap *h, const ohm_type *t, int id) {
    ckey *k = (ckey *)ohm_new(h, t);
    k->id = id;
    return &k->ob;
}

static void test_basic(void) {
    ohm_heap *h = heap();
    ohm_object *d = ohm_dict_new(h);
    CHECK_EQ_SIZE(ohm_dict_len(d), 0);
    CHECK_EQ_SIZE(ohm_refcount(d), 1);
    CHECK(ohm_type_of(d) == &ohm_dict_type);
    ohm_object *k = ohm_str_new(h, "key", 3), *v = ohm_int_new(h, 1234), *w = ohm_float_new(h, 2.5);
    CHECK_EQ_INT(ohm_dict_set(d, k, v), 0);
    CHECK_EQ_SIZE(ohm_refcount(k), 2);
    CHECK_EQ_SIZE(ohm_refcount(v), 2);
    CHECK_EQ_SIZE(ohm_dict_len(d), 1);
    CHECK(ohm_dict_get(d, k) == v);
    CHECK_EQ_SIZE(ohm_refcount(v), 2);                 /* borrowed */
    /* an equal but distinct key finds the entry; the first key object stays */
    ohm_object *k2 = ohm_str_new(h, "key", 3);
    CHECK(k2 != k);
    CHECK(ohm_dict_get(d, k2) == v);
    CHECK_EQ_INT(ohm_dict_set(d, k2, w), 0);
    CHECK_EQ_SIZE(ohm_dict_len(d), 1);
    CHECK_EQ_SIZE(ohm_refcount(k2), 1);                /* not stored */
    CHECK_EQ_SIZE(ohm_refcount(k), 2);
    CHECK_EQ_SIZE(ohm_refcount(v), 1);                 /* replaced: released */
    CHECK_EQ_SIZE(ohm_refcount(w), 2);
    size_t pos = 0;
    ohm_object *kk, *vv;
    CHECK_EQ_INT(ohm_dict_next(d, &pos, &kk, &vv), 1);
    CHECK(kk == k && vv == w);
    CHECK_EQ_SIZE(ohm_refcount(k), 2);                 /* next: borrowed */
    CHECK_EQ_SIZE(ohm_refcount(w), 2);
    CHECK_EQ_INT(ohm_dict_next(d, &pos, &kk, &vv), 0);
    /* absent: NULL with no error */
    ohm_object *other = ohm_str_new(h, "other", 5);
    ohm_dict_del(d, other);
    CHECK_CONTAINS(ohm_last_error(h), "ohm_dict_del: key not found");
    CHECK(ohm_dict_get(d, other) == NULL);
    CHECK_EQ_STR(ohm_last_error(h), "");
    /* delete */
    CHECK_EQ_INT(ohm_dict_del(d, k2), 0);
    CHECK_EQ_SIZE(ohm_dict_len(d), 0);
    CHECK_EQ_SIZE(ohm_refcount(k), 1);
    CHECK_EQ_SIZE(ohm_refcount(w), 1);
    CHECK(ohm_dict_get(d, k) == NULL);
    CHECK_EQ_INT(ohm_dict_del(d, k), -1);
    /* release drops keys and values */
    ohm_dict_set(d, k, v);
    ohm_dict_set(d, v, w);
    CHECK_EQ_SIZE(ohm_refcount(v), 3);
    ohm_decref(d);
    CHECK_EQ_SIZE(ohm_refcount(k), 1);
    CHECK_EQ_SIZE(ohm_refcount(v), 1);
    CHECK_EQ_SIZE(ohm_refcount(w), 1);
    ohm_object *d2 = ohm_dict_new(h);                  /* from the free list */
    CHECK(d2 == d);
    CHECK_EQ_SIZE(ohm_dict_len(d2), 0);
    CHECK(ohm_dict_get(d2, k) == NULL);
    ohm_decref(d2);
    ohm_decref(k); ohm_decref(k2); ohm_decref(v); ohm_decref(w); ohm_decref(other);
    CHECK_EQ_INT(ohm_heap_check(h, stderr), 0);
    ohm_heap_destroy(h);
}

static void test_order_resize(void) {
    ohm_heap *h = heap();
    ohm_object *d = ohm_dict_new(h);
    size_t empty = ohm_sizeof(d);
    enum { N = 20000 };
    for (int i = 0; i < N; i++) {
        ohm_object *k = ohm_int_new(h, (int64_t)i * 7919 % N - 5000), *v = ohm_int_new(h, i);
        CHECK_EQ_INT(ohm_dict_set(d, k, v), 0);
        ohm_decref(k);
        ohm_decref(v);
    }
    CHECK_EQ_SIZE(ohm_dict_len(d), N);
    CHECK(ohm_sizeof(d) >= empty + N * 3 * sizeof(void *));
    /* insertion order survives every resize */
    size_t pos = 0;
    ohm_object *k, *v;
    int i = 0, ok = 1;
    while (ohm_dict_next(d, &pos, &k, &v)) {
        if (ohm_int_value(v) != i || ohm_int_value(k) != (int64_t)i * 7919 % N - 5000) ok = 0;
        i++;
    }
    CHECK(ok);
    CHECK_EQ_INT(i, N);
    /* delete the even values, then look everything up */
    for (i = 0; i < N; i += 2) {
        ohm_object *key = ohm_int_new(h, (int64_t)i * 7919 % N - 5000);
        CHECK_EQ_INT(ohm_dict_del(d, key), 0);
        ohm_decref(key);
    }
    CHECK_EQ_SIZE(ohm_dict_len(d), N / 2);
    ok = 1;
    for (i = 0; i < N; i++) {
        ohm_object *key = ohm_int_new(h, (int64_t)i * 7919 % N - 5000);
        ohm_object *got = ohm_dict_get(d, key);
        if (i % 2 ? !got || ohm_int_value(got) != i : got != NULL) ok = 0;
        ohm_decref(key);
    }
    CHECK(ok);
    /* re-insert a deleted key: it goes to the end */
    ohm_object *k0 = ohm_int_new(h, -5000), *v0 = ohm_int_new(h, -1);
    ohm_dict_set(d, k0, v0);
    pos = 0;
    ohm_object *lastk = NULL;
    while (ohm_dict_next(d, &pos, &k, &v)) lastk = k;
    CHECK(ohm_equal(lastk, k0));
    /* delete down to one entry, then insert: the table shrinks */
    size_t big = ohm_sizeof(d);
    for (i = 1; i < N; i += 2) {
        ohm_object *key = ohm_int_new(h, (int64_t)i * 7919 % N - 5000);
        ohm_dict_del(d, key);
        ohm_decref(key);
    }
    for (i = 0; i < 10; i++) {
        ohm_object *key = ohm_int_new(h, 1000000 + i);
        ohm_dict_set(d, key, key);
        ohm_decref(key);
    }
    CHECK_EQ_SIZE(ohm_dict_len(d), 11);
    CHECK(ohm_dict_get(d, k0) == v0);
    CHECK(ohm_sizeof(d) <= big);
    ohm_decref(k0); ohm_decref(v0);
    ohm_decref(d);
    CHECK_EQ_INT(ohm_heap_check(h, stderr), 0);
    ohm_heap_destroy(h);
}

static void test_key_semantics(void) {
    ohm_heap *h = heap();
    ohm_object *d = ohm_dict_new(h);
    ohm_object *one = ohm_int_new(h, 1), *onef = ohm_float_new(h, 1.0), *x = ohm_str_new(h, "x1", 2);
    ohm_object *bigi = ohm_int_new(h, 1LL << 40), *bigf = ohm_float_new(h, 1099511627776.0);
    /* ints and floats that compare equal are one key */
    ohm_dict_set(d, one, x);
    CHECK(ohm_dict_get(d, onef) == x);
    ohm_dict_set(d, bigf, x);
    CHECK(ohm_dict_get(d, bigi) == x);
    CHECK_EQ_SIZE(ohm_dict_len(d), 2);
    ohm_object *half = ohm_float_new(h, 1.5);
    CHECK(ohm_dict_get(d, half) == NULL);
    /* tuple keys by value, nested */
    ohm_object *t1 = ohm_tuple_new(h, 2), *t2 = ohm_tuple_new(h, 2), *inner = ohm_tuple_new(h, 1);
    ohm_object *s1 = ohm_str_new(h, "ab", 2), *s2 = ohm_str_new(h, "ab", 2);
    ohm_tuple_set(inner, 0, onef);
    ohm_tuple_set(t1, 0, s1); ohm_tuple_set(t1, 1, inner);
    ohm_object *inner2 = ohm_tuple_new(h, 1);
    ohm_tuple_set(inner2, 0, one);                     /* (1,) == (1.0,) */
    ohm_tuple_set(t2, 0, s2); ohm_tuple_set(t2, 1, inner2);
    ohm_dict_set(d, t1, half);
    CHECK(ohm_dict_get(d, t2) == half);
    CHECK_EQ_SIZE(ohm_refcount(t1), 2);
    CHECK_EQ_SIZE(ohm_refcount(t2), 1);
    /* unhashable: lists, dicts, tuples holding them, tuples with unset items */
    ohm_object *l = ohm_list_new(h), *t3 = ohm_tuple_new(h, 1), *t4 = ohm_tuple_new(h, 1);
    ohm_tuple_set(t3, 0, l);
    size_t len = ohm_dict_len(d);
    CHECK_EQ_INT(ohm_dict_set(d, l, x), -1);
    CHECK_EQ_STR(ohm_last_error(h), "ohm_dict_set: unhashable type: 'list'");
    CHECK_EQ_INT(ohm_dict_set(d, d, x), -1);
    CHECK_EQ_STR(ohm_last_error(h), "ohm_dict_set: unhashable type: 'dict'");
    CHECK_EQ_INT(ohm_dict_set(d, t3, x), -1);
    CHECK_EQ_STR(ohm_last_error(h), "ohm_dict_set: unhashable type: 'tuple'");
    CHECK_EQ_INT(ohm_dict_set(d, t4, x), -1);
    CHECK(ohm_dict_get(d, l) == NULL);
    CHECK_EQ_STR(ohm_last_error(h), "ohm_dict_get: unhashable type: 'list'");
    CHECK_EQ_INT(ohm_dict_del(d, l), -1);
    CHECK_EQ_STR(ohm_last_error(h), "ohm_dict_del: unhashable type: 'list'");
    uint64_t hv;
    CHECK_EQ_INT(ohm_hash(l, &hv), -1);
    CHECK_EQ_STR(ohm_last_error(h), "ohm_hash: unhashable type: 'list'");
    CHECK_EQ_SIZE(ohm_dict_len(d), len);
    CHECK_EQ_SIZE(ohm_refcount(l), 2);
    CHECK_EQ_SIZE(ohm_refcount(x), 3);
    /* wrong types and NULLs */
    CHECK_EQ_INT(ohm_dict_set(l, x, x), -1);
    CHECK_EQ_STR(ohm_last_error(h), "ohm_dict_set: expected a dict, got 'list'");
    CHECK_EQ_INT(ohm_dict_set(d, NULL, x), -1);
    CHECK_EQ_STR(ohm_last_error(h), "ohm_dict_set: key is NULL");
    CHECK_EQ_INT(ohm_dict_set(d, x, NULL), -1);
    CHECK_EQ_STR(ohm_last_error(h), "ohm_dict_set: value is NULL");
    CHECK(ohm_dict_get(x, x) == NULL);
    CHECK_EQ_STR(ohm_last_error(h), "ohm_dict_get: expected a dict, got 'str'");
    CHECK_EQ_INT(ohm_dict_del(x, x), -1);
    CHECK_EQ_STR(ohm_last_error(h), "ohm_dict_del: expected a dict, got 'str'");
    CHECK_EQ_SIZE(ohm_dict_len(x), 0);
    CHECK_EQ_STR(ohm_last_error(h), "ohm_dict_len: expected a dict, got 'str'");
    size_t pos = 0;
    CHECK_EQ_INT(ohm_dict_next(x, &pos, NULL, NULL), 0);
    CHECK_EQ_STR(ohm_last_error(h), "ohm_dict_next: expected a dict, got 'str'");
    CHECK_EQ_SIZE(ohm_dict_len(d), len);
    ohm_decref(t3); ohm_decref(t4); ohm_decref(l);
    ohm_decref(t1); ohm_decref(t2); ohm_decref(inner); ohm_decref(inner2); ohm_decref(s1); ohm_decref(s2);
    ohm_decref(d);
    ohm_decref(one); ohm_decref(onef); ohm_decref(x); ohm_decref(bigi); ohm_decref(bigf); ohm_decref(half);
    CHECK_EQ_INT(ohm_heap_check(h, stderr), 0);
    ohm_heap_destroy(h);
}

static void test_user_keys(void) {
    ohm_heap *h = heap();
    ohm_object *d = ohm_dict_new(h);
    enum { N = 300 };
    ohm_object *keys[N];
    for (int i = 0; i < N; i++) {                      /* all collide */
        keys[i] = ckey_new(h, &ckey_type, i);
        ohm_object *v = ohm_int_new(h, i);
        ohm_dict_set(d, keys[i], v);
        ohm_decref(v);
    }
    int ok = 1;
    for (int i = 0; i < N; i++) {
        ohm_object *probe = ckey_new(h, &ckey_type, i);  /* equal but distinct */
        ohm_object *v = ohm_dict_get(d, probe);
        if (!v || ohm_int_value(v) != i) ok = 0;
        ohm_decref(probe);
    }
    CHECK(ok);
    for (int i = 0; i < N; i += 2) CHECK_EQ_INT(ohm_dict_del(d, keys[i]), 0);
    ok = 1;
    for (int i = 0; i < N; i++) if ((ohm_dict_get(d, keys[i]) != NULL) != (i % 2 == 1)) ok = 0;
    CHECK(ok);
    for (int i = 0; i < N; i++) CHECK_EQ_SIZE(ohm_refcount(keys[i]), i % 2 ? 2 : 1);
    /* identity keys: a distinct object with the same contents is another key */
    ohm_object *a = ckey_new(h, &ident_type, 1), *b = ckey_new(h, &ident_type, 1);
    ohm_dict_set(d, a, a);
    CHECK(ohm_dict_get(d, a) == a);
    CHECK(ohm_dict_get(d, b) == NULL);
    CHECK_EQ_SIZE(ohm_refcount(a), 3);
    ohm_decref(d);
    CHECK_EQ_SIZE(ohm_refcount(a), 1);
    for (int i = 0; i < N; i++) CHECK_EQ_SIZE(ohm_refcount(keys[i]), 1);
    for (int i = 0; i < N; i++) ohm_decref(keys[i]);
    ohm_decref(a); ohm_decref(b);
    CHECK_EQ_INT(ohm_heap_check(h, stderr), 0);
    ohm_heap_destroy(h);
}

static void test_freelist(void) {
    ohm_heap *h = heap();
    ohm_object *many[100];
    for (int i = 0; i < 100; i++) many[i] = ohm_dict_new(h);
    for (int i = 0; i < 100; i++) ohm_decref(many[i]);
    CHECK_EQ_SIZE(ohm_clear_freelists(h), 80);
    CHECK_EQ_INT(ohm_heap_check(h, stderr), 0);
    ohm_heap_destroy(h);
}

int main(void) {
    unsetenv("OHM_MALLOC");
    test_basic();
    test_order_resize();
    test_key_semantics();
    test_user_keys();
    test_freelist();
    return check_done();
}
