/* test_builtins_api.c — the builtin types' C API an interpreter needs (issue 10, item 4):
 * None and the bools, truth, list insert/del/slices/extend/reverse/sort/copy,
 * ohm_compare, tuple pack, dict contains/copy/clear/keys/values/items, str concat,
 * compare, format and interning, ohm_repr and ohm_str, and the identity dict. For each
 * function: the result, every error with its exact message and nothing changed, the
 * reference counts before and after, and no object left alive at the end. */
#include "check.h"
#include "ohm.h"

#include <math.h>

static ohm_heap *heap(void) {
    ohm_config cfg;
    ohm_config_init(&cfg);
    ohm_heap *h = ohm_heap_new(&cfg);
    if (!h) { fprintf(stderr, "ohm_heap_new: %s\n", ohm_last_error(NULL)); abort(); }
    return h;
}

/* The end of each test: nothing mortal left, every invariant holds. */
static void done(ohm_heap *h) {
    ohm_gc_collect(h, 2);
    CHECK_EQ_SIZE(check_live_objects(h), 0);
    CHECK_EQ_INT(ohm_heap_check(h, stderr), 0);
    ohm_heap_destroy(h);
}

static ohm_object *S(ohm_heap *h, const char *s) { return ohm_str_new(h, s, strlen(s)); }

/* ------------------------------------------------------------ None, bools, truth */

static void test_none_bool(void) {
    ohm_heap *h = heap();
    ohm_object *n = ohm_none(h), *t = ohm_true(h), *f = ohm_false(h);
    CHECK(n && t && f);
    CHECK(ohm_none(h) == n && ohm_true(h) == t && ohm_false(h) == f);
    CHECK(ohm_bool_new(h, 7) == t && ohm_bool_new(h, 0) == f && ohm_bool_new(h, -1) == t);
    CHECK(ohm_is_immortal(n) && ohm_is_immortal(t) && ohm_is_immortal(f));
    size_t rc = ohm_refcount(t);
    ohm_decref(t);                                   /* immortal: counts do nothing */
    ohm_incref(n);
    CHECK_EQ_SIZE(ohm_refcount(t), rc);
    CHECK(ohm_type_of(n) == &ohm_none_type && ohm_type_of(t) == &ohm_bool_type);
    CHECK_EQ_STR(ohm_none_type.name, "NoneType");
    CHECK_EQ_STR(ohm_bool_type.name, "bool");
    CHECK(ohm_heap_of(n) == h);
    /* a bool is an int: value, hash, equality, dict key */
    CHECK_EQ_INT(ohm_int_value(t), 1);
    CHECK_EQ_INT(ohm_int_value(f), 0);
    ohm_object *one = ohm_int_new(h, 1), *fone = ohm_float_new(h, 1.0);
    uint64_t h1, h2;
    CHECK(ohm_hash(t, &h1) == 0 && ohm_hash(one, &h2) == 0 && h1 == h2);
    CHECK(ohm_equal(t, one) && ohm_equal(one, t) && ohm_equal(t, fone) && !ohm_equal(f, one));
    CHECK(!ohm_equal(n, f));
    ohm_object *d = ohm_dict_new(h);
    CHECK_EQ_INT(ohm_dict_set(d, one, n), 0);
    CHECK(ohm_dict_get(d, t) == n);                  /* {1: None}[True] */
    CHECK_EQ_INT(ohm_dict_set(d, t, f), 0);          /* keeps the key 1, replaces the value */
    CHECK_EQ_SIZE(ohm_dict_len(d), 1);
    CHECK(ohm_dict_get(d, one) == f);
    ohm_decref(d);
    /* another heap has its own */
    ohm_heap *h2p = heap();
    CHECK(ohm_none(h2p) != n && ohm_heap_of(ohm_none(h2p)) == h2p);
    done(h2p);
    /* errors */
    CHECK(ohm_none(NULL) == NULL);
    CHECK_EQ_STR(ohm_last_error(NULL), "ohm_none: heap is NULL");
    CHECK(ohm_bool_new(NULL, 1) == NULL);
    CHECK_EQ_STR(ohm_last_error(NULL), "ohm_bool_new: heap is NULL");
    ohm_decref(one);
    ohm_decref(fone);
    done(h);
}

static void test_first_use_oom(void) {
    ohm_heap *h = heap();
    ohm_fault_fail_nth(h, 1, 0);
    CHECK(ohm_true(h) == NULL);
    CHECK_EQ_STR(ohm_last_error(h), "ohm_true: out of memory");
    CHECK(ohm_true(h) != NULL);                      /* the next call makes it */
    ohm_fault_fail_nth(h, 1, 1);
    CHECK(ohm_true(h) != NULL);                      /* made: no allocation any more */
    CHECK(ohm_none(h) == NULL);
    CHECK_EQ_STR(ohm_last_error(h), "ohm_none: out of memory");
    ohm_fault_fail_nth(h, 0, 0);
    done(h);
}

static void test_is_true(void) {
    ohm_heap *h = heap();
    struct { ohm_object *o; int want; } cases[] = {
        { ohm_none(h), 0 }, { ohm_false(h), 0 }, { ohm_true(h), 1 },
        { ohm_int_new(h, 0), 0 }, { ohm_int_new(h, -3), 1 }, { ohm_int_new(h, 100000), 1 },
        { ohm_float_new(h, 0.0), 0 }, { ohm_float_new(h, -0.0), 0 }, { ohm_float_new(h, 0.5), 1 },
        { ohm_float_new(h, NAN), 1 }, { S(h, ""), 0 }, { S(h, "x"), 1 }, { ohm_str_new(h, "\0", 1), 1 },
        { ohm_tuple_new(h, 0), 0 }, { ohm_tuple_new(h, 2), 1 }, { ohm_list_new(h), 0 },
        { ohm_dict_new(h), 0 }, { ohm_range_new(h, 0, 0, 1), 0 }, { ohm_range_new(h, 0, 5, 2), 1 },
        { ohm_range_new(h, 5, 0, 1), 0 },
    };
    ohm_object *nonempty = ohm_list_new(h);
    ohm_list_append(nonempty, ohm_none(h));
    CHECK_EQ_INT(ohm_is_true(nonempty), 1);
    ohm_object *dd = ohm_dict_new(h);
    ohm_dict_set(dd, ohm_none(h), ohm_none(h));
    CHECK_EQ_INT(ohm_is_true(dd), 1);
    ohm_object *it = ohm_iter(nonempty);
    CHECK_EQ_INT(ohm_is_true(it), 1);                /* other objects: true */
    ohm_object *w = ohm_weakref_new(h, nonempty, NULL, NULL);
    CHECK_EQ_INT(ohm_is_true(w), 1);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        if (ohm_is_true(cases[i].o) != cases[i].want) {
            fprintf(stderr, "ohm_is_true case %zu\n", i);
            CHECK(0);
        } else {
            CHECK(1);
        }
        ohm_decref(cases[i].o);
    }
    CHECK_EQ_INT(ohm_is_true(NULL), -1);
    CHECK_EQ_STR(ohm_last_error(NULL), "ohm_is_true: expected an object, got NULL");
    ohm_decref(w);
    ohm_decref(it);
    ohm_decref(dd);
    ohm_decref(nonempty);
    done(h);
}

int main(void) {
    unsetenv("OHM_MALLOC");
    test_none_bool();
    test_first_use_oom();
    test_is_true();
    return check_done();
}
