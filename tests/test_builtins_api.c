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

/* ------------------------------------------------------------------ ohm_compare */

/* All six answers of a op b, as a string of 0/1: "<, <=, ==, !=, >, >=". */
static const char *cmp6(ohm_object *a, ohm_object *b) {
    static char out[7];
    for (int op = OHM_LT; op <= OHM_GE; op++) {
        int r = ohm_compare(a, b, op);
        out[op] = r < 0 ? 'E' : (char)('0' + r);
    }
    out[6] = '\0';
    return out;
}

static ohm_object *list_of(ohm_heap *h, int n, ohm_object **items) {
    ohm_object *l = ohm_list_new(h);
    for (int i = 0; i < n; i++) ohm_list_append(l, items[i]);
    return l;
}

static ohm_object *tuple_of(ohm_heap *h, int n, ohm_object **items) {
    ohm_object *t = ohm_tuple_new(h, (size_t)n);
    for (int i = 0; i < n; i++) ohm_tuple_set(t, (size_t)i, items[i]);
    return t;
}

static void test_compare(void) {
    ohm_heap *h = heap();
    ohm_object *i1 = ohm_int_new(h, 1), *i2 = ohm_int_new(h, 2), *f15 = ohm_float_new(h, 1.5);
    ohm_object *f1 = ohm_float_new(h, 1.0), *nan = ohm_float_new(h, NAN);
    ohm_object *big = ohm_int_new(h, (1LL << 53) + 1), *fbig = ohm_float_new(h, 9007199254740992.0);
    ohm_object *imax = ohm_int_new(h, INT64_MAX), *f63 = ohm_float_new(h, 9223372036854775808.0);
    ohm_object *imin = ohm_int_new(h, INT64_MIN), *fm63 = ohm_float_new(h, -9223372036854775808.0);
    ohm_object *inf = ohm_float_new(h, INFINITY), *ninf = ohm_float_new(h, -INFINITY);
    ohm_object *fm = ohm_float_new(h, -0.5), *zero = ohm_int_new(h, 0);
    /*                          <  <= == != >  >= */
    CHECK_EQ_STR(cmp6(i1, i2),  "110100");
    CHECK_EQ_STR(cmp6(i2, i1),  "000111");
    CHECK_EQ_STR(cmp6(i1, i1),  "011001");
    CHECK_EQ_STR(cmp6(i1, f1),  "011001");           /* 1 == 1.0 */
    CHECK_EQ_STR(cmp6(f15, i1), "000111");
    CHECK_EQ_STR(cmp6(i1, f15), "110100");
    CHECK_EQ_STR(cmp6(big, fbig), "000111");         /* exact: 2^53 + 1 > 2.0^53 */
    CHECK_EQ_STR(cmp6(fbig, big), "110100");
    CHECK_EQ_STR(cmp6(imax, f63), "110100");         /* 2^63 - 1 < 2.0^63 */
    CHECK_EQ_STR(cmp6(imin, fm63), "011001");        /* -2^63 == -2.0^63 */
    CHECK_EQ_STR(cmp6(imax, inf), "110100");
    CHECK_EQ_STR(cmp6(imin, ninf), "000111");
    CHECK_EQ_STR(cmp6(zero, fm), "000111");          /* 0 > -0.5: truncation is not floor */
    CHECK_EQ_STR(cmp6(fm, zero), "110100");
    CHECK_EQ_STR(cmp6(nan, nan), "000100");          /* NaN: only != holds, even for itself */
    CHECK_EQ_STR(cmp6(nan, i1), "000100");
    CHECK_EQ_STR(cmp6(i1, nan), "000100");
    CHECK_EQ_STR(cmp6(ohm_true(h), i1), "011001");   /* True == 1 */
    CHECK_EQ_STR(cmp6(ohm_false(h), ohm_true(h)), "110100");
    CHECK_EQ_STR(cmp6(ohm_true(h), f15), "110100");
    /* strs: code point order is byte order in UTF-8 */
    ohm_object *a = S(h, "a"), *ab = S(h, "ab"), *b = S(h, "b"), *e = S(h, ""), *ae = S(h, "\xc3\xa9");
    ohm_object *a0 = ohm_str_new(h, "a\0", 2);
    CHECK_EQ_STR(cmp6(a, ab), "110100");
    CHECK_EQ_STR(cmp6(ab, b), "110100");
    CHECK_EQ_STR(cmp6(e, a), "110100");
    CHECK_EQ_STR(cmp6(b, ae), "110100");             /* U+0062 < U+00E9 */
    CHECK_EQ_STR(cmp6(a, a0), "110100");             /* an embedded NUL counts */
    ohm_object *ab2 = S(h, "ab");
    CHECK_EQ_STR(cmp6(ab, ab2), "011001");
    /* sequences */
    ohm_object *l12 = list_of(h, 2, (ohm_object *[]){ i1, i2 }), *l1 = list_of(h, 1, (ohm_object *[]){ i1 });
    ohm_object *l1f = list_of(h, 2, (ohm_object *[]){ f1, f15 }), *t12 = tuple_of(h, 2, (ohm_object *[]){ i1, i2 });
    ohm_object *t1b = tuple_of(h, 2, (ohm_object *[]){ i1, b }), *t1a = tuple_of(h, 2, (ohm_object *[]){ i1, a });
    ohm_object *lnan = list_of(h, 1, (ohm_object *[]){ nan }), *lnan2 = list_of(h, 1, (ohm_object *[]){ nan });
    ohm_object *lnest = list_of(h, 2, (ohm_object *[]){ l12, l1 }), *lnest2 = list_of(h, 2, (ohm_object *[]){ l12, l1f });
    CHECK_EQ_STR(cmp6(l1, l12), "110100");           /* a prefix is smaller */
    CHECK_EQ_STR(cmp6(l12, l1f), "000111");          /* [1, 2] > [1.0, 1.5]: 2 > 1.5 decides */
    CHECK_EQ_STR(cmp6(t1a, t1b), "110100");
    CHECK_EQ_STR(cmp6(lnan, lnan2), "011001");       /* the same NaN object: equal items */
    CHECK_EQ_STR(cmp6(lnest, lnest2), "110100");     /* [[1,2],[1]] < [[1,2],[1.0,1.5]]: a prefix */
    CHECK_EQ_STR(cmp6(t12, l12), "EE01EE");          /* tuple vs list: never equal, unordered */
    CHECK_EQ_STR(ohm_last_error(h), "ohm_compare: '>=' not supported between 'tuple' and 'list'");
    CHECK_EQ_STR(cmp6(t1a, t12), "EE01EE");          /* 'a' vs 2 */
    CHECK_EQ_STR(ohm_last_error(h), "ohm_compare: '>=' not supported between 'str' and 'int'");
    /* dicts: equality by content, no order */
    ohm_object *d1 = ohm_dict_new(h), *d2 = ohm_dict_new(h), *d3 = ohm_dict_new(h);
    ohm_dict_set(d1, a, i1); ohm_dict_set(d1, b, l12);
    ohm_dict_set(d2, b, lnest2); ohm_dict_set(d2, a, f1);
    ohm_dict_set(d3, b, l12); ohm_dict_set(d3, ab, f1);
    CHECK_EQ_INT(ohm_compare(d1, d2, OHM_EQ), 0);    /* l12 != lnest2 */
    ohm_dict_set(d2, b, l1f);
    CHECK_EQ_INT(ohm_compare(d1, d2, OHM_EQ), 0);    /* [1, 2] != [1.0, 1.5] */
    ohm_object *l12b = list_of(h, 2, (ohm_object *[]){ f1, i2 });
    ohm_dict_set(d2, b, l12b);
    CHECK_EQ_INT(ohm_compare(d1, d2, OHM_EQ), 1);    /* {a: 1, b: [1, 2]} == {b: [1.0, 2], a: 1.0} */
    CHECK_EQ_INT(ohm_compare(d1, d2, OHM_NE), 0);
    CHECK_EQ_INT(ohm_compare(d1, d3, OHM_EQ), 0);    /* another key */
    CHECK_EQ_INT(ohm_compare(d1, d2, OHM_LT), -1);
    CHECK_EQ_STR(ohm_last_error(h), "ohm_compare: '<' not supported between 'dict' and 'dict'");
    CHECK_EQ_INT(ohm_compare(d1, i1, OHM_LT), -1);
    CHECK_EQ_STR(ohm_last_error(h), "ohm_compare: '<' not supported between 'dict' and 'int'");
    CHECK_EQ_INT(ohm_compare(d1, i1, OHM_EQ), 0);    /* == works on any pair */
    CHECK_EQ_INT(ohm_compare(ohm_none(h), ohm_none(h), OHM_EQ), 1);
    CHECK_EQ_INT(ohm_compare(ohm_none(h), i1, OHM_GT), -1);
    CHECK_EQ_STR(ohm_last_error(h), "ohm_compare: '>' not supported between 'NoneType' and 'int'");
    /* errors */
    size_t rc = ohm_refcount(l12);
    CHECK_EQ_INT(ohm_compare(NULL, i1, OHM_EQ), -1);
    CHECK_EQ_STR(ohm_last_error(NULL), "ohm_compare: expected an object, got NULL");
    CHECK_EQ_INT(ohm_compare(i1, NULL, OHM_EQ), -1);
    CHECK_EQ_STR(ohm_last_error(NULL), "ohm_compare: expected an object, got NULL");
    CHECK_EQ_INT(ohm_compare(l12, i1, 6), -1);
    CHECK_EQ_STR(ohm_last_error(h), "ohm_compare: unknown operator 6 (OHM_LT..OHM_GE)");
    CHECK_EQ_INT(ohm_compare(l12, i1, -1), -1);
    ohm_object *tu = ohm_tuple_new(h, 2), *tu2 = ohm_tuple_new(h, 2);
    ohm_tuple_set(tu, 0, i1);
    ohm_tuple_set(tu2, 0, i1);
    CHECK_EQ_INT(ohm_compare(tu, tu2, OHM_EQ), -1);
    CHECK_EQ_STR(ohm_last_error(h), "ohm_compare: tuple item 1 is not set");
    /* self-containing lists: the same list is equal to itself; two such lists nest
     * forever, and stop at the depth limit */
    ohm_object *s1 = ohm_list_new(h), *s2 = ohm_list_new(h);
    ohm_list_append(s1, s1);
    ohm_list_append(s2, s2);
    CHECK_EQ_STR(cmp6(s1, s1), "011001");
    CHECK_EQ_INT(ohm_compare(s1, s2, OHM_EQ), -1);
    CHECK_EQ_STR(ohm_last_error(h), "ohm_compare: containers nested too deep to compare (over 1000 levels)");
    CHECK_EQ_SIZE(ohm_refcount(l12), rc);            /* comparing holds nothing after */
    CHECK_EQ_SIZE(ohm_refcount(s1), 2);
    ohm_list_pop(s1); ohm_decref(s1);                /* the pop's reference */
    ohm_object *p = ohm_list_pop(s2); ohm_decref(p);
    ohm_object *all[] = { i1, i2, f15, f1, nan, big, fbig, imax, f63, imin, fm63, inf, ninf, fm, zero,
                          a, ab, b, e, ae, a0, ab2, l12, l1, l1f, t12, t1b, t1a, lnan, lnan2, lnest,
                          lnest2, d1, d2, d3, l12b, tu, tu2, s1, s2 };
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) ohm_decref(all[i]);
    done(h);
}

int main(void) {
    unsetenv("OHM_MALLOC");
    test_none_bool();
    test_first_use_oom();
    test_is_true();
    test_compare();
    return check_done();
}
