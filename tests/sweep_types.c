/*
 * sweep_types.c — fault sweeps (sweep.h) of the builtin types, ported from test_dict,
 * test_int_float_str, test_tuple_list and test_reentrancy: a dict's growth, deletion,
 * iteration and value-semantics keys; ints, floats and strs with their singletons and
 * interning; list set/append/pop and iteration over lists and tuples; a user `equal`
 * that grows the dict being searched.
 *
 * The contract checked on each failure: NULL or -1 with a non-empty ohm_last_error,
 * and a failed store leaves its container as it was (length, the items or values
 * already there, the key absent).
 */
#include "sweep.h"

#include <stdio.h>
#include <string.h>

/* -------------------------------------------------------------- dicts */

static int sc_dict(ohm_heap *h) {
    ohm_object *d = NULL, *k = NULL, *v = NULL, *it = NULL, *t1 = NULL, *t2 = NULL;
    int r = -1;
    if (!(d = ohm_dict_new(h))) goto oom;
    /* growth through several tables: int keys 300..379, values their strs */
    for (int i = 0; i < 80; i++) {
        char buf[16];
        int n = snprintf(buf, sizeof buf, "v%d", i);
        if (!(k = ohm_int_new(h, 300 + i)) || !(v = ohm_str_new(h, buf, (size_t)n))) goto oom;
        if (ohm_dict_set(d, k, v) < 0) {
            SWEEP_OOM(h);
            CHECK_EQ_SIZE(ohm_dict_len(d), (size_t)i);   /* unchanged, the key absent */
            CHECK(ohm_dict_get(d, k) == NULL);
            CHECK_EQ_STR(ohm_last_error(h), "");
            if (i > 0) {
                ohm_object *k0 = ohm_int_new(h, 300);
                if (k0) CHECK_EQ_STR(ohm_str_data(ohm_dict_get(d, k0)), "v0");
                ohm_xdecref(k0);
            }
            goto out;
        }
        ohm_decref(k);
        ohm_decref(v);
        k = v = NULL;
    }
    /* value semantics: 300.0 is the key 300 (the first key object is kept) */
    if (!(k = ohm_float_new(h, 300.0)) || !(v = ohm_str_new(h, "replaced", 8))) goto oom;
    if (ohm_dict_set(d, k, v) < 0) goto oom;
    CHECK_EQ_SIZE(ohm_dict_len(d), 80);
    CHECK(ohm_dict_get(d, k) == v);
    ohm_decref(k);
    ohm_decref(v);
    k = v = NULL;
    /* tuple keys: (1, "ab") and (1.0, "ab") are one key */
    if (!(t1 = ohm_tuple_new(h, 2)) || !(t2 = ohm_tuple_new(h, 2))) goto oom;
    if (!(k = ohm_int_new(h, 1)) || !(v = ohm_str_new(h, "ab", 2))) goto oom;
    ohm_tuple_set(t1, 0, k);
    ohm_tuple_set(t1, 1, v);
    ohm_decref(k);
    k = NULL;
    if (!(k = ohm_float_new(h, 1.0))) goto oom;
    ohm_tuple_set(t2, 0, k);
    ohm_tuple_set(t2, 1, v);
    ohm_decref(k);
    k = NULL;
    if (ohm_dict_set(d, t1, v) < 0) {
        SWEEP_OOM(h);
        CHECK_EQ_SIZE(ohm_dict_len(d), 80);
        goto out;
    }
    CHECK(ohm_dict_get(d, t2) == v);
    CHECK_EQ_SIZE(ohm_dict_len(d), 81);
    ohm_decref(v);
    v = NULL;
    /* deletion of every other int key, then growth again into the holes */
    for (int i = 0; i < 80; i += 2) {
        if (!(k = ohm_int_new(h, 300 + i))) goto oom;
        CHECK_EQ_INT(ohm_dict_del(d, k), 0);
        CHECK_EQ_INT(ohm_dict_del(d, k), -1);          /* absent now */
        ohm_decref(k);
        k = NULL;
    }
    CHECK_EQ_SIZE(ohm_dict_len(d), 41);
    for (int i = 0; i < 40; i++) {
        size_t before = ohm_dict_len(d);
        if (!(k = ohm_int_new(h, 1000 + i))) goto oom;
        if (ohm_dict_set(d, k, k) < 0) {
            SWEEP_OOM(h);
            CHECK_EQ_SIZE(ohm_dict_len(d), before);
            goto out;
        }
        ohm_decref(k);
        k = NULL;
    }
    CHECK_EQ_SIZE(ohm_dict_len(d), 81);
    /* iteration: ohm_dict_next in insertion order, and an iterator over the keys */
    size_t pos = 0, n = 0;
    ohm_object *key, *val;
    int64_t last = 0;
    while (ohm_dict_next(d, &pos, &key, &val)) {
        if (ohm_type_of(key) == &ohm_int_type) {
            if (ohm_int_value(key) >= 1000) CHECK(ohm_int_value(key) == last + 1 || last < 1000);
            last = ohm_int_value(key);
        }
        n++;
    }
    CHECK_EQ_SIZE(n, 81);
    if (!(it = ohm_iter(d))) goto oom;
    n = 0;
    for (ohm_object *x; (x = ohm_iter_next(it)) != NULL; n++) ohm_decref(x);
    if (ohm_last_error(h)[0]) goto oom;
    CHECK_EQ_SIZE(n, 81);
    r = 0;
    goto out;
oom:
    SWEEP_OOM(h);
out:
    ohm_xdecref(it);
    ohm_xdecref(k);
    ohm_xdecref(v);
    ohm_xdecref(t1);
    ohm_xdecref(t2);
    ohm_xdecref(d);
    return r;
}

/* ------------------------------------------------- ints, floats, strs */

static int sc_scalars(ohm_heap *h) {
    ohm_object *o[12] = { 0 };
    int r = -1;
    /* singletons: no allocation, the same object, immortal */
    ohm_object *a = ohm_int_new(h, 7), *b = ohm_int_new(h, 7);
    CHECK(a != NULL && a == b && ohm_is_immortal(a));
    ohm_object *e1 = ohm_str_new(h, "", 0), *e2 = ohm_str_new(h, NULL, 0);
    CHECK(e1 != NULL && e1 == e2 && ohm_is_immortal(e1));
    ohm_object *c1 = ohm_str_new(h, "x", 1), *c2 = ohm_str_new(h, "x", 1);
    CHECK(c1 != NULL && c1 == c2 && ohm_is_immortal(c1));
    /* mortal values */
    if (!(o[0] = ohm_int_new(h, 257))) goto oom;
    CHECK(!ohm_is_immortal(o[0]));
    if (!(o[1] = ohm_int_new(h, INT64_MIN))) goto oom;
    CHECK(ohm_int_value(o[1]) == INT64_MIN);
    if (!(o[2] = ohm_float_new(h, -0.5))) goto oom;
    CHECK(ohm_float_value(o[2]) == -0.5);
    if (!(o[3] = ohm_str_new(h, "nul\0inside", 10))) goto oom;
    CHECK_EQ_SIZE(ohm_str_len(o[3]), 10);
    CHECK(memcmp(ohm_str_data(o[3]), "nul\0inside", 11) == 0);
    char big[600];
    memset(big, 'z', sizeof big);
    if (!(o[4] = ohm_str_new(h, big, sizeof big))) goto oom;   /* a large block */
    CHECK_EQ_SIZE(ohm_str_len(o[4]), sizeof big);
    /* interning: one object per text; a str made apart is equal but not it */
    if (!(o[5] = ohm_str_intern(h, "interned", 8))) goto oom;
    if (!(o[6] = ohm_str_intern(h, "interned", 8))) goto oom;
    CHECK(o[5] == o[6]);
    if (!(o[7] = ohm_str_new(h, "interned", 8))) goto oom;
    CHECK(o[7] != o[5] && ohm_equal(o[7], o[5]));
    for (int i = 0; i < 30; i++) {                 /* the interning table grows */
        char buf[16];
        int n = snprintf(buf, sizeof buf, "name%d", i);
        ohm_object *s = ohm_str_intern(h, buf, (size_t)n);
        if (!s) goto oom;
        ohm_decref(s);                             /* mortal: gone again */
    }
    if (!(o[8] = ohm_str_intern(h, "x", 1))) goto oom;   /* a singleton's text */
    CHECK(o[8] == c1);
    /* the hashes dicts use: ints and floats agree */
    uint64_t h1, h2;
    CHECK_EQ_INT(ohm_hash(o[0], &h1), 0);
    if (!(o[9] = ohm_float_new(h, 257.0))) goto oom;
    CHECK_EQ_INT(ohm_hash(o[9], &h2), 0);
    CHECK(h1 == h2 && ohm_equal(o[0], o[9]));
    r = 0;
    goto out;
oom:
    SWEEP_OOM(h);
out:
    for (int i = 0; i < 12; i++) ohm_xdecref(o[i]);
    ohm_xdecref(a); ohm_xdecref(b); ohm_xdecref(e1); ohm_xdecref(e2); ohm_xdecref(c1); ohm_xdecref(c2);
    return r;
}

/* ------------------------------------------------------ tuples, lists */

static int sc_sequences(ohm_heap *h) {
    ohm_object *l = NULL, *t = NULL, *x = NULL, *it = NULL;
    int r = -1;
    if (!(l = ohm_list_new(h))) goto oom;
    for (int i = 0; i < 50; i++) {
        if (!(x = ohm_float_new(h, i))) goto oom;
        if (ohm_list_append(l, x) < 0) {
            SWEEP_OOM(h);
            CHECK_EQ_SIZE(ohm_list_len(l), (size_t)i);
            CHECK_EQ_SIZE(ohm_refcount(x), 1);          /* no reference taken */
            if (i > 0) CHECK(ohm_float_value(ohm_list_get(l, (size_t)i - 1)) == i - 1);
            goto out;
        }
        ohm_decref(x);
        x = NULL;
    }
    /* set replaces (no allocation); pop gives the list's reference */
    if (!(x = ohm_str_new(h, "mid", 3))) goto oom;
    CHECK_EQ_INT(ohm_list_set(l, 25, x), 0);
    CHECK(ohm_list_get(l, 25) == x);
    CHECK_EQ_SIZE(ohm_refcount(x), 2);
    ohm_decref(x);
    x = NULL;
    for (int i = 0; i < 30; i++) {
        ohm_object *p = ohm_list_pop(l);
        CHECK(p != NULL);
        if (p && i != 24) CHECK(ohm_float_value(p) == 49 - i);   /* 25 holds "mid" */
        ohm_xdecref(p);
    }
    CHECK_EQ_SIZE(ohm_list_len(l), 20);
    for (int i = 0; i < 40; i++) {                   /* regrow after the shrink */
        if (ohm_list_append(l, l) < 0) { CHECK_EQ_SIZE(ohm_list_len(l), 20 + (size_t)i); goto oom; }
    }
    for (int i = 0; i < 40; i++) {                   /* drop the self-references */
        ohm_object *p = ohm_list_pop(l);
        CHECK(p == l);
        ohm_xdecref(p);
    }
    /* a tuple of the list's items, iterated; a nested tuple */
    if (!(t = ohm_tuple_new(h, 20))) goto oom;
    for (size_t i = 0; i < 20; i++) CHECK_EQ_INT(ohm_tuple_set(t, i, ohm_list_get(l, i)), 0);
    if (!(it = ohm_iter(t))) goto oom;
    size_t n = 0;
    for (ohm_object *y; (y = ohm_iter_next(it)) != NULL; n++) {
        CHECK(y == ohm_list_get(l, n));
        ohm_decref(y);
    }
    if (ohm_last_error(h)[0]) goto oom;
    CHECK_EQ_SIZE(n, 20);
    ohm_decref(it);
    it = NULL;
    if (!(it = ohm_iter(l))) goto oom;
    n = 0;
    for (ohm_object *y; (y = ohm_iter_next(it)) != NULL; n++) ohm_decref(y);
    if (ohm_last_error(h)[0]) goto oom;
    CHECK_EQ_SIZE(n, 20);
    if (!(x = ohm_tuple_new(h, 2))) goto oom;
    CHECK_EQ_INT(ohm_tuple_set(x, 0, t), 0);
    CHECK_EQ_INT(ohm_tuple_set(x, 1, l), 0);
    ohm_object *empty = ohm_tuple_new(h, 0);          /* the singleton */
    CHECK(empty != NULL && ohm_is_immortal(empty));
    ohm_xdecref(empty);
    r = 0;
    goto out;
oom:
    SWEEP_OOM(h);
out:
    ohm_xdecref(it);
    ohm_xdecref(x);
    ohm_xdecref(t);
    ohm_xdecref(l);
    return r;
}

/* ------------------------------------- a user `equal` that grows the dict */

typedef struct { ohm_object ob; int id; } key_obj;
static ohm_object *mut_dict;
static int mutations, mutate_failed;

static uint64_t key_hash(const ohm_object *o) { (void)o; return 42; }
static int key_equal(const ohm_object *a, const ohm_object *b) {
    if (mutations > 0) {   /* grow the dict being searched: its table is rebuilt */
        mutations--;
        ohm_heap *h = ohm_heap_of(a);
        for (int i = 0; i < 20; i++) {
            ohm_object *k = ohm_int_new(h, 1000 + 20 * mutations + i);
            if (!k || ohm_dict_set(mut_dict, k, k) < 0) { SWEEP_OOM(h); mutate_failed = 1; }
            ohm_xdecref(k);
        }
    }
    return ohm_type_of(b) == ohm_type_of(a) && ((const key_obj *)a)->id == ((const key_obj *)b)->id;
}
static const ohm_type key_type = { .name = "key", .basicsize = sizeof(key_obj),
                                   .hash = key_hash, .equal = key_equal };

static int sc_reentrant_equal(ohm_heap *h) {
    int r = -1;
    key_obj *k1 = NULL, *k2 = NULL, *k1b = NULL;
    ohm_object *v = NULL;
    mutations = mutate_failed = 0;
    if (!(mut_dict = ohm_dict_new(h))) goto oom;
    if (!(k1 = (key_obj *)ohm_new(h, &key_type)) || !(k2 = (key_obj *)ohm_new(h, &key_type)) ||
        !(k1b = (key_obj *)ohm_new(h, &key_type)) || !(v = ohm_str_new(h, "value", 5)))
        goto oom;
    k1->id = 1; k2->id = 2; k1b->id = 1;
    if (ohm_dict_set(mut_dict, &k1->ob, v) < 0) goto oom;
    mutations = 3;   /* the next lookups rebuild the table under the comparison */
    if (ohm_dict_set(mut_dict, &k2->ob, v) < 0) {
        SWEEP_OOM(h);
        CHECK(ohm_dict_get(mut_dict, &k2->ob) == NULL);
        goto out;
    }
    if (mutate_failed) goto out;
    CHECK_EQ_INT(mutations, 0);
    CHECK_EQ_SIZE(ohm_dict_len(mut_dict), 2 + 3 * 20);
    CHECK(ohm_dict_get(mut_dict, &k1b->ob) == v);  /* equal-but-distinct key found */
    CHECK(ohm_dict_get(mut_dict, &k2->ob) == v);
    CHECK_EQ_SIZE(ohm_refcount(&k1->ob), 2);       /* ours and the dict's: no leak */
    CHECK_EQ_INT(ohm_dict_del(mut_dict, &k1b->ob), 0);
    CHECK_EQ_SIZE(ohm_refcount(&k1->ob), 1);
    r = 0;
    goto out;
oom:
    SWEEP_OOM(h);
out:
    mutations = 0;
    ohm_xdecref(mut_dict);
    mut_dict = NULL;
    ohm_xdecref(k1 ? &k1->ob : NULL);
    ohm_xdecref(k2 ? &k2->ob : NULL);
    ohm_xdecref(k1b ? &k1b->ob : NULL);
    ohm_xdecref(v);
    return r;
}

/* The singletons the scenarios use, made before the baseline (they live as long as
 * the heap). */
static void warm(ohm_heap *h) {
    ohm_object *o[5] = { ohm_int_new(h, 1), ohm_int_new(h, 7), ohm_str_new(h, "", 0),
                         ohm_str_new(h, "x", 1), ohm_tuple_new(h, 0) };
    for (int i = 0; i < 5; i++) ohm_xdecref(o[i]);
}

int main(void) {
    sweep_prepare = warm;
    sweep_run("types: dict", sc_dict);
    sweep_run("types: int, float, str", sc_scalars);
    sweep_run("types: tuple, list", sc_sequences);
    sweep_run("types: reentrant equal", sc_reentrant_equal);
    return check_done();
}
