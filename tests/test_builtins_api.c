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

/* ------------------------------------------------------------------------ lists */

/* The list's items as ints, e.g. "1 2 3" (non-ints as '?'). */
static const char *ints(ohm_object *l) {
    static char out[512];
    size_t n = 0;
    out[0] = '\0';
    for (size_t i = 0; i < ohm_list_len(l) && n < sizeof out - 24; i++) {
        ohm_object *x = ohm_list_get(l, i);
        if (ohm_type_of(x) == &ohm_int_type)
            n += (size_t)snprintf(out + n, sizeof out - n, "%s%lld", i ? " " : "", (long long)ohm_int_value(x));
        else
            n += (size_t)snprintf(out + n, sizeof out - n, "%s?", i ? " " : "");
    }
    return out;
}

static ohm_object *range_list(ohm_heap *h, int64_t a, int64_t b) {
    ohm_object *l = ohm_list_new(h);
    for (int64_t i = a; i < b; i++) {
        ohm_object *x = ohm_int_new(h, i);
        ohm_list_append(l, x);
        ohm_decref(x);
    }
    return l;
}

static void test_list_insert_del(void) {
    ohm_heap *h = heap();
    ohm_object *l = range_list(h, 0, 3), *x = ohm_int_new(h, 1000), *y = ohm_int_new(h, 99);
    CHECK_EQ_INT(ohm_list_insert(l, 1, y), 0);
    CHECK_EQ_STR(ints(l), "0 99 1 2");
    CHECK_EQ_INT(ohm_list_insert(l, 0, y), 0);
    CHECK_EQ_STR(ints(l), "99 0 99 1 2");
    CHECK_EQ_INT(ohm_list_insert(l, -1, x), 0);      /* before the last */
    CHECK_EQ_STR(ints(l), "99 0 99 1 1000 2");
    CHECK_EQ_SIZE(ohm_refcount(x), 2);
    CHECK_EQ_INT(ohm_list_insert(l, 100, x), 0);     /* clamped: appends */
    CHECK_EQ_INT(ohm_list_insert(l, -100, x), 0);    /* clamped: first */
    CHECK_EQ_INT(ohm_list_insert(l, PTRDIFF_MIN, y), 0);
    CHECK_EQ_INT(ohm_list_insert(l, PTRDIFF_MAX, y), 0);
    CHECK_EQ_STR(ints(l), "99 1000 99 0 99 1 1000 2 1000 99");
    CHECK_EQ_SIZE(ohm_refcount(x), 4);
    ohm_object *e = ohm_list_new(h);
    CHECK_EQ_INT(ohm_list_insert(e, -5, x), 0);      /* into an empty list */
    CHECK_EQ_STR(ints(e), "1000");
    /* del */
    CHECK_EQ_INT(ohm_list_del(l, 1), 0);
    CHECK_EQ_SIZE(ohm_refcount(x), 4);               /* released */
    CHECK_EQ_STR(ints(l), "99 99 0 99 1 1000 2 1000 99");
    CHECK_EQ_INT(ohm_list_del(l, 8), 0);
    CHECK_EQ_STR(ints(l), "99 99 0 99 1 1000 2 1000");
    /* errors change nothing */
    CHECK_EQ_INT(ohm_list_del(l, 8), -1);
    CHECK_EQ_STR(ohm_last_error(h), "ohm_list_del: index 8 out of range (len 8)");
    CHECK_EQ_INT(ohm_list_del(x, 0), -1);
    CHECK_EQ_STR(ohm_last_error(h), "ohm_list_del: expected a list, got 'int'");
    CHECK_EQ_INT(ohm_list_del(NULL, 0), -1);
    CHECK_EQ_STR(ohm_last_error(NULL), "ohm_list_del: expected a list, got NULL");
    CHECK_EQ_INT(ohm_list_insert(l, 0, NULL), -1);
    CHECK_EQ_STR(ohm_last_error(h), "ohm_list_insert: item is NULL");
    CHECK_EQ_INT(ohm_list_insert(x, 0, y), -1);
    CHECK_EQ_STR(ohm_last_error(h), "ohm_list_insert: expected a list, got 'int'");
    ohm_heap *h2 = heap();
    ohm_object *other = ohm_list_new(h2);
    CHECK_EQ_INT(ohm_list_insert(l, 0, other), -1);
    CHECK_EQ_STR(ohm_last_error(h), "ohm_list_insert: item belongs to another heap");
    ohm_decref(other);
    done(h2);
    /* out of memory: the array cannot grow */
    ohm_object *full = range_list(h, 0, 4);          /* capacity 4: full */
    ohm_fault_fail_nth(h, 1, 0);
    CHECK_EQ_INT(ohm_list_insert(full, 0, x), -1);
    CHECK_EQ_STR(ohm_last_error(h), "ohm_list_insert: out of memory (length 4)");
    ohm_fault_fail_nth(h, 0, 0);
    CHECK_EQ_STR(ints(full), "0 1 2 3");
    CHECK_EQ_STR(ints(l), "99 99 0 99 1 1000 2 1000");
    CHECK_EQ_SIZE(ohm_refcount(x), 4);
    ohm_decref(full);
    ohm_decref(e);
    ohm_decref(l);
    CHECK_EQ_SIZE(ohm_refcount(x), 1);
    ohm_decref(x);
    ohm_decref(y);
    done(h);
}

static void test_list_slices(void) {
    ohm_heap *h = heap();
    ohm_object *l = range_list(h, 0, 6), *x = ohm_int_new(h, 1000);
    ohm_list_set(l, 2, x);                           /* 0 1 1000 3 4 5 */
    ohm_object *s = ohm_list_get_slice(l, 1, 4);
    CHECK_EQ_STR(ints(s), "1 1000 3");
    CHECK_EQ_SIZE(ohm_refcount(s), 1);
    CHECK_EQ_SIZE(ohm_refcount(x), 3);               /* the slice's own reference */
    ohm_decref(s);
    CHECK_EQ_SIZE(ohm_refcount(x), 2);
    struct { ptrdiff_t lo, hi; const char *want; } gs[] = {
        { 0, 6, "0 1 1000 3 4 5" }, { -3, 2, "0 1" }, { 4, 100, "4 5" }, { 5, 2, "" },
        { 6, 9, "" }, { PTRDIFF_MIN, PTRDIFF_MAX, "0 1 1000 3 4 5" }, { -1, -1, "" },
    };
    for (size_t i = 0; i < sizeof gs / sizeof gs[0]; i++) {
        s = ohm_list_get_slice(l, gs[i].lo, gs[i].hi);
        CHECK_EQ_STR(ints(s), gs[i].want);
        ohm_decref(s);
    }
    ohm_object *c = ohm_list_copy(l);
    CHECK(c != l);
    CHECK_EQ_STR(ints(c), "0 1 1000 3 4 5");
    CHECK_EQ_SIZE(ohm_refcount(x), 3);
    /* set_slice: replace with more, fewer, delete, insert */
    ohm_object *t = ohm_tuple_new(h, 2), *y = ohm_int_new(h, 1007), *z = ohm_int_new(h, 1008);
    ohm_tuple_set(t, 0, y);
    ohm_tuple_set(t, 1, z);
    CHECK_EQ_INT(ohm_list_set_slice(c, 1, 3, t), 0);           /* 2 for 2 */
    CHECK_EQ_STR(ints(c), "0 1007 1008 3 4 5");
    CHECK_EQ_SIZE(ohm_refcount(x), 2);                         /* the replaced one released */
    ohm_object *three = range_list(h, 10, 13);
    CHECK_EQ_INT(ohm_list_set_slice(c, 0, 1, three), 0);       /* 3 for 1 */
    CHECK_EQ_STR(ints(c), "10 11 12 1007 1008 3 4 5");
    CHECK_EQ_INT(ohm_list_set_slice(c, 3, 100, t), 0);         /* 2 for 5 */
    CHECK_EQ_STR(ints(c), "10 11 12 1007 1008");
    CHECK_EQ_INT(ohm_list_set_slice(c, 1, 3, NULL), 0);        /* delete */
    CHECK_EQ_STR(ints(c), "10 1007 1008");
    CHECK_EQ_INT(ohm_list_set_slice(c, 3, 1, three), 0);       /* hi < lo: an insert at lo */
    CHECK_EQ_STR(ints(c), "10 1007 1008 10 11 12");
    CHECK_EQ_INT(ohm_list_set_slice(c, -5, 1, ohm_tuple_new(h, 0)), 0);
    CHECK_EQ_STR(ints(c), "1007 1008 10 11 12");
    CHECK_EQ_INT(ohm_list_set_slice(c, 1, 2, c), 0);           /* itself: a[1:2] = a */
    CHECK_EQ_STR(ints(c), "1007 1007 1008 10 11 12 10 11 12");
    ohm_object *rg = ohm_range_new(h, 20, 26, 2);
    CHECK_EQ_INT(ohm_list_set_slice(c, 0, 7, rg), 0);          /* any iterable */
    CHECK_EQ_STR(ints(c), "20 22 24 11 12");
    CHECK_EQ_INT(ohm_list_set_slice(c, 0, 100, NULL), 0);
    CHECK_EQ_STR(ints(c), "");
    /* a bigger replaced slice (its buffer from the heap) */
    ohm_object *big = range_list(h, 0, 40);
    CHECK_EQ_INT(ohm_list_set_slice(big, 5, 35, t), 0);
    CHECK_EQ_STR(ints(big), "0 1 2 3 4 1007 1008 35 36 37 38 39");
    CHECK_EQ_SIZE(ohm_refcount(y), 3);                         /* t, big, ours; c dropped its */
    /* errors change nothing */
    CHECK_EQ_INT(ohm_list_set_slice(big, 0, 1, x), -1);
    CHECK_EQ_STR(ohm_last_error(h), "ohm_list_set_slice: 'int' object is not iterable");
    ohm_object *unset = ohm_tuple_new(h, 2);
    ohm_tuple_set(unset, 0, x);
    CHECK_EQ_INT(ohm_list_set_slice(big, 0, 1, unset), -1);
    CHECK_EQ_STR(ohm_last_error(h), "ohm_list_set_slice: tuple item 1 is not set");
    CHECK_EQ_INT(ohm_list_set_slice(x, 0, 1, NULL), -1);
    CHECK_EQ_STR(ohm_last_error(h), "ohm_list_set_slice: expected a list, got 'int'");
    CHECK(ohm_list_get_slice(x, 0, 1) == NULL);
    CHECK_EQ_STR(ohm_last_error(h), "ohm_list_get_slice: expected a list, got 'int'");
    CHECK(ohm_list_copy(NULL) == NULL);
    CHECK_EQ_STR(ohm_last_error(NULL), "ohm_list_copy: expected a list, got NULL");
    ohm_heap *h2 = heap();
    ohm_object *other = range_list(h2, 0, 2);
    CHECK_EQ_INT(ohm_list_set_slice(big, 0, 1, other), -1);
    CHECK_EQ_STR(ohm_last_error(h), "ohm_list_set_slice: items belongs to another heap");
    ohm_decref(other);
    done(h2);
    ohm_fault_fail_nth(h, 1, 0);
    CHECK_EQ_INT(ohm_list_set_slice(big, 0, 12, t), -1);       /* the buffer for 12 */
    CHECK_EQ_STR(ohm_last_error(h), "ohm_list_set_slice: out of memory (12 items replaced)");
    ohm_object *ten = range_list(h, 100, 110);
    ohm_fault_fail_nth(h, 1, 0);
    CHECK_EQ_INT(ohm_list_set_slice(big, 0, 0, ten), -1);      /* the array for 22 */
    CHECK_EQ_STR(ohm_last_error(h), "ohm_list_set_slice: out of memory (length 22)");
    ohm_decref(ten);
    ohm_fault_fail_nth(h, 1, 0);
    CHECK(ohm_list_get_slice(big, 0, 5) == NULL);
    CHECK_CONTAINS(ohm_last_error(h), "ohm_list_get_slice: out of memory");
    ohm_fault_fail_nth(h, 1, 1);
    CHECK(ohm_list_copy(big) == NULL);
    CHECK_CONTAINS(ohm_last_error(h), "ohm_list_copy: out of memory");
    ohm_fault_fail_nth(h, 0, 0);
    CHECK_EQ_STR(ints(big), "0 1 2 3 4 1007 1008 35 36 37 38 39");
    CHECK_EQ_SIZE(ohm_refcount(y), 3);
    CHECK_EQ_SIZE(ohm_refcount(x), 3);                         /* l, unset, ours */
    ohm_object *all[] = { l, x, c, t, y, z, three, rg, big, unset };
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) ohm_decref(all[i]);
    done(h);
}

static void test_list_extend_reverse(void) {
    ohm_heap *h = heap();
    ohm_object *l = range_list(h, 0, 3), *more = range_list(h, 3, 5);
    CHECK_EQ_INT(ohm_list_extend(l, more), 0);
    CHECK_EQ_STR(ints(l), "0 1 2 3 4");
    CHECK_EQ_INT(ohm_list_extend(l, l), 0);                   /* itself */
    CHECK_EQ_STR(ints(l), "0 1 2 3 4 0 1 2 3 4");
    ohm_object *t = ohm_tuple_new(h, 1), *x = ohm_int_new(h, 1000);
    ohm_tuple_set(t, 0, x);
    CHECK_EQ_INT(ohm_list_extend(more, t), 0);
    CHECK_EQ_SIZE(ohm_refcount(x), 3);
    ohm_object *d = ohm_dict_new(h);
    ohm_dict_set(d, x, t);
    CHECK_EQ_INT(ohm_list_extend(more, d), 0);                /* the keys */
    ohm_object *rg = ohm_range_new(h, 9, 6, -1);
    ohm_object *it = ohm_iter(rg);
    CHECK_EQ_INT(ohm_list_extend(more, it), 0);               /* consumes the iterator */
    CHECK_EQ_STR(ints(more), "3 4 1000 1000 9 8 7");
    CHECK(ohm_iter_next(it) == NULL);
    CHECK_EQ_INT(ohm_list_extend(more, ohm_tuple_new(h, 0)), 0);
    CHECK_EQ_INT(ohm_list_reverse(more), 0);
    CHECK_EQ_STR(ints(more), "7 8 9 1000 1000 4 3");
    CHECK_EQ_SIZE(ohm_refcount(x), 5);                        /* t, d, more twice, ours */
    ohm_object *e = ohm_list_new(h);
    CHECK_EQ_INT(ohm_list_reverse(e), 0);
    CHECK_EQ_STR(ints(e), "");
    /* errors change nothing */
    CHECK_EQ_INT(ohm_list_extend(more, x), -1);
    CHECK_EQ_STR(ohm_last_error(h), "ohm_list_extend: 'int' object is not iterable");
    CHECK_EQ_INT(ohm_list_extend(more, NULL), -1);
    CHECK_EQ_STR(ohm_last_error(h), "ohm_list_extend: items is NULL");
    CHECK_EQ_INT(ohm_list_extend(x, more), -1);
    CHECK_EQ_STR(ohm_last_error(h), "ohm_list_extend: expected a list, got 'int'");
    CHECK_EQ_INT(ohm_list_reverse(x), -1);
    CHECK_EQ_STR(ohm_last_error(h), "ohm_list_reverse: expected a list, got 'int'");
    ohm_object *dit = ohm_iter(d);                            /* a dict changed under its iterator */
    ohm_dict_set(d, t, x);
    CHECK_EQ_INT(ohm_list_extend(more, dit), -1);
    CHECK_EQ_STR(ohm_last_error(h), "ohm_list_extend: dict changed size during iteration");
    ohm_fault_fail_nth(h, 1, 0);
    CHECK_EQ_INT(ohm_list_extend(more, rg), -1);              /* the iterator */
    CHECK_EQ_STR(ohm_last_error(h), "ohm_list_extend: out of memory");
    ohm_object *r100 = ohm_range_new(h, 1000, 1100, 1);
    ohm_fault_fail_nth(h, 3, 1);                              /* the items gathered */
    CHECK_EQ_INT(ohm_list_extend(more, r100), -1);
    CHECK_CONTAINS(ohm_last_error(h), "ohm_list_extend: out of memory");
    ohm_fault_fail_nth(h, 0, 0);
    CHECK_EQ_STR(ints(more), "7 8 9 1000 1000 4 3");
    CHECK_EQ_SIZE(ohm_refcount(x), 6);                        /* + d's value */
    ohm_object *all[] = { l, more, t, x, d, rg, it, e, dit, r100 };
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) ohm_decref(all[i]);
    done(h);
}

/* A user type whose `equal` stores into the list being sorted. */
static ohm_object *sorting;
static int meddle_equal(const ohm_object *a, const ohm_object *b) {
    (void)a; (void)b;
    if (sorting) ohm_list_append(sorting, sorting ? ohm_none(ohm_heap_of(sorting)) : NULL);
    return 1;
}
static const ohm_type meddle_type = { .name = "meddle", .basicsize = sizeof(ohm_object), .equal = meddle_equal };

static void test_list_sort(void) {
    ohm_heap *h = heap();
    ohm_object *l = ohm_list_new(h);
    int64_t vals[] = { 5, -3, 1000000, 0, 5, 7, -3, 2, 1 };
    for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++) {
        ohm_object *x = ohm_int_new(h, vals[i]);
        ohm_list_append(l, x);
        ohm_decref(x);
    }
    CHECK_EQ_INT(ohm_list_sort(l), 0);
    CHECK_EQ_STR(ints(l), "-3 -3 0 1 2 5 5 7 1000000");
    /* stable: equal values of different types keep their order */
    ohm_object *one = ohm_int_new(h, 1), *fone = ohm_float_new(h, 1.0), *tr = ohm_true(h);
    ohm_object *two = ohm_int_new(h, 2), *half = ohm_float_new(h, 0.5);
    ohm_object *m = list_of(h, 6, (ohm_object *[]){ two, fone, tr, half, one, fone });
    CHECK_EQ_INT(ohm_list_sort(m), 0);
    CHECK(ohm_list_get(m, 0) == half && ohm_list_get(m, 1) == fone && ohm_list_get(m, 2) == tr &&
          ohm_list_get(m, 3) == one && ohm_list_get(m, 4) == fone && ohm_list_get(m, 5) == two);
    CHECK_EQ_SIZE(ohm_refcount(fone), 3);            /* sorting moves references, no more */
    /* many items: runs and merges; stability checked on (key, position) */
    ohm_object *big = ohm_list_new(h);
    unsigned seed = 12345;
    for (int i = 0; i < 1000; i++) {
        seed = seed * 1103515245u + 12345u;
        ohm_object *k = ohm_int_new(h, (seed >> 16) % 50), *p = ohm_int_new(h, i);
        ohm_object *pair = tuple_of(h, 2, (ohm_object *[]){ k, p });
        ohm_decref(k);
        ohm_decref(p);
        ohm_list_append(big, pair);
        ohm_decref(pair);
    }
    ohm_object *keys = ohm_list_new(h);              /* the keys alone, sorted with it */
    for (int i = 0; i < 1000; i++) ohm_list_append(keys, ohm_tuple_get(ohm_list_get(big, (size_t)i), 0));
    CHECK_EQ_INT(ohm_list_sort(big), 0);
    int sorted = 1;
    for (size_t i = 1; i < 1000; i++) {
        ohm_object *a = ohm_list_get(big, i - 1), *b = ohm_list_get(big, i);
        int64_t ka = ohm_int_value(ohm_tuple_get(a, 0)), kb = ohm_int_value(ohm_tuple_get(b, 0));
        int64_t pa = ohm_int_value(ohm_tuple_get(a, 1)), pb = ohm_int_value(ohm_tuple_get(b, 1));
        if (ka > kb || (ka == kb && pa > pb)) sorted = 0;
    }
    CHECK(sorted);
    CHECK_EQ_INT(ohm_list_sort(keys), 0);
    for (size_t i = 0; i < 1000; i++)
        if (ohm_tuple_get(ohm_list_get(big, i), 0) != ohm_list_get(keys, i)) sorted = 0;
    CHECK(sorted);                                   /* stable: equal ints were the same objects in order */
    /* strs by code point */
    ohm_object *ss = list_of(h, 5, (ohm_object *[]){ S(h, "pear"), S(h, "\xc3\xa9t\xc3\xa9"), S(h, "Zed"),
                                                     S(h, "apple"), S(h, "") });
    for (size_t i = 0; i < 5; i++) ohm_decref(ohm_list_get(ss, i));   /* the list holds them */
    CHECK_EQ_INT(ohm_list_sort(ss), 0);
    CHECK_EQ_STR(ohm_str_data(ohm_list_get(ss, 0)), "");
    CHECK_EQ_STR(ohm_str_data(ohm_list_get(ss, 1)), "Zed");
    CHECK_EQ_STR(ohm_str_data(ohm_list_get(ss, 2)), "apple");
    CHECK_EQ_STR(ohm_str_data(ohm_list_get(ss, 3)), "pear");
    CHECK_EQ_STR(ohm_str_data(ohm_list_get(ss, 4)), "\xc3\xa9t\xc3\xa9");
    /* errors leave the list as it was */
    ohm_object *d = ohm_dict_new(h), *bad = list_of(h, 4, (ohm_object *[]){ two, one, d, half });
    CHECK_EQ_INT(ohm_list_sort(bad), -1);
    CHECK_EQ_STR(ohm_last_error(h), "ohm_list_sort: '<' not supported between 'dict' and 'int'");
    CHECK(ohm_list_get(bad, 0) == two && ohm_list_get(bad, 1) == one && ohm_list_get(bad, 2) == d &&
          ohm_list_get(bad, 3) == half);
    CHECK_EQ_SIZE(ohm_refcount(d), 2);
    ohm_object *mixed = list_of(h, 2, (ohm_object *[]){ one, S(h, "x") });
    ohm_decref(ohm_list_get(mixed, 1));
    CHECK_EQ_INT(ohm_list_sort(mixed), -1);
    CHECK_EQ_STR(ohm_last_error(h), "ohm_list_sort: '<' not supported between 'str' and 'int'");
    CHECK_EQ_INT(ohm_list_sort(d), -1);
    CHECK_EQ_STR(ohm_last_error(h), "ohm_list_sort: expected a list, got 'dict'");
    ohm_fault_fail_nth(h, 1, 0);
    CHECK_EQ_INT(ohm_list_sort(m), -1);
    CHECK_EQ_STR(ohm_last_error(h), "ohm_list_sort: out of memory (length 6)");
    ohm_fault_fail_nth(h, 0, 0);
    CHECK(ohm_list_get(m, 0) == half && ohm_list_get(m, 5) == two);
    /* a comparison that stores into the list: the store is dropped, the list unchanged */
    ohm_object *u1 = ohm_new(h, &meddle_type), *u2 = ohm_new(h, &meddle_type);
    ohm_object *p1 = tuple_of(h, 2, (ohm_object *[]){ u1, two }), *p2 = tuple_of(h, 2, (ohm_object *[]){ u2, one });
    ohm_object *ml = list_of(h, 2, (ohm_object *[]){ p1, p2 });
    sorting = ml;
    CHECK_EQ_INT(ohm_list_sort(ml), -1);
    sorting = NULL;
    CHECK_EQ_STR(ohm_last_error(h), "ohm_list_sort: list modified during sort");
    CHECK_EQ_SIZE(ohm_list_len(ml), 2);
    CHECK(ohm_list_get(ml, 0) == p1 && ohm_list_get(ml, 1) == p2);
    CHECK_EQ_SIZE(ohm_refcount(p1), 2);
    ohm_object *all[] = { l, one, fone, two, half, m, big, keys, ss, d, bad, mixed, u1, u2, p1, p2, ml };
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) ohm_decref(all[i]);
    done(h);
}

/* ------------------------------------------------------------------- tuple pack */

static void test_tuple_pack(void) {
    ohm_heap *h = heap();
    ohm_object *x = ohm_int_new(h, 1000), *l = ohm_list_new(h);
    ohm_object *t = ohm_tuple_pack(h, 3, x, l, x);
    CHECK_EQ_SIZE(ohm_tuple_len(t), 3);
    CHECK(ohm_tuple_get(t, 0) == x && ohm_tuple_get(t, 1) == l && ohm_tuple_get(t, 2) == x);
    CHECK_EQ_SIZE(ohm_refcount(t), 1);
    CHECK_EQ_SIZE(ohm_refcount(x), 3);
    CHECK_EQ_SIZE(ohm_refcount(l), 2);
    CHECK(ohm_gc_is_tracked(t));
    CHECK(ohm_tuple_pack(h, 0) == ohm_tuple_new(h, 0));       /* the empty tuple */
    /* errors: nothing made, no reference kept */
    CHECK(ohm_tuple_pack(h, 3, x, NULL, l) == NULL);
    CHECK_EQ_STR(ohm_last_error(h), "ohm_tuple_pack: item 1 is NULL");
    CHECK(ohm_tuple_pack(NULL, 1, x) == NULL);
    CHECK_EQ_STR(ohm_last_error(NULL), "ohm_tuple_pack: heap is NULL");
    ohm_heap *h2 = heap();
    ohm_object *other = ohm_list_new(h2);
    CHECK(ohm_tuple_pack(h, 2, x, other) == NULL);
    CHECK_EQ_STR(ohm_last_error(h), "ohm_tuple_pack: item belongs to another heap");
    ohm_decref(other);
    done(h2);
    ohm_fault_fail_nth(h, 1, 1);
    CHECK(ohm_tuple_pack(h, 25, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x) == NULL);
    CHECK_EQ_STR(ohm_last_error(h), "ohm_tuple_pack: out of memory (length 25)");
    ohm_fault_fail_nth(h, 0, 0);
    CHECK_EQ_SIZE(ohm_refcount(x), 3);
    CHECK_EQ_SIZE(ohm_refcount(l), 2);
    ohm_decref(t);
    CHECK_EQ_SIZE(ohm_refcount(x), 1);
    ohm_decref(x);
    ohm_decref(l);
    done(h);
}

/* ------------------------------------------------------------------------ dicts */

static void test_dict_ops(void) {
    ohm_heap *h = heap();
    ohm_object *d = ohm_dict_new(h), *k1 = S(h, "one"), *k2 = ohm_int_new(h, 2000), *v = ohm_list_new(h);
    ohm_object *f2 = ohm_float_new(h, 2000.0), *lst = ohm_list_new(h);
    ohm_dict_set(d, k1, v);
    ohm_dict_set(d, k2, k1);
    CHECK_EQ_INT(ohm_dict_contains(d, k1), 1);
    CHECK_EQ_INT(ohm_dict_contains(d, f2), 1);                  /* 2000.0 == 2000 */
    CHECK_EQ_INT(ohm_dict_contains(d, v), -1);
    CHECK_EQ_STR(ohm_last_error(h), "ohm_dict_contains: unhashable type: 'list'");
    CHECK_EQ_INT(ohm_dict_contains(d, ohm_none(h)), 0);
    CHECK_EQ_INT(ohm_dict_contains(d, NULL), -1);
    CHECK_EQ_STR(ohm_last_error(h), "ohm_dict_contains: key is NULL");
    CHECK_EQ_INT(ohm_dict_contains(v, k1), -1);
    CHECK_EQ_STR(ohm_last_error(h), "ohm_dict_contains: expected a dict, got 'list'");
    /* keys, values, items */
    size_t rk1 = ohm_refcount(k1), rv = ohm_refcount(v);
    ohm_object *ks = ohm_dict_keys(d), *vs = ohm_dict_values(d), *its = ohm_dict_items(d);
    CHECK_EQ_SIZE(ohm_list_len(ks), 2);
    CHECK(ohm_list_get(ks, 0) == k1 && ohm_list_get(ks, 1) == k2);
    CHECK(ohm_list_get(vs, 0) == v && ohm_list_get(vs, 1) == k1);
    CHECK_EQ_SIZE(ohm_list_len(its), 2);
    ohm_object *it0 = ohm_list_get(its, 0), *it1 = ohm_list_get(its, 1);
    CHECK(ohm_type_of(it0) == &ohm_tuple_type && ohm_tuple_len(it0) == 2);
    CHECK(ohm_tuple_get(it0, 0) == k1 && ohm_tuple_get(it0, 1) == v);
    CHECK(ohm_tuple_get(it1, 0) == k2 && ohm_tuple_get(it1, 1) == k1);
    CHECK_EQ_SIZE(ohm_refcount(it0), 1);
    CHECK_EQ_SIZE(ohm_refcount(k1), rk1 + 4);                   /* keys, values, two in items */
    CHECK_EQ_SIZE(ohm_refcount(v), rv + 2);
    ohm_decref(ks); ohm_decref(vs); ohm_decref(its);
    CHECK_EQ_SIZE(ohm_refcount(k1), rk1);
    CHECK_EQ_SIZE(ohm_refcount(v), rv);
    ohm_object *e = ohm_dict_new(h), *ek = ohm_dict_items(e);
    CHECK_EQ_SIZE(ohm_list_len(ek), 0);
    ohm_decref(ek);
    CHECK(ohm_dict_keys(v) == NULL);
    CHECK_EQ_STR(ohm_last_error(h), "ohm_dict_keys: expected a dict, got 'list'");
    CHECK(ohm_dict_values(NULL) == NULL);
    CHECK_EQ_STR(ohm_last_error(NULL), "ohm_dict_values: expected a dict, got NULL");
    CHECK(ohm_dict_items(k1) == NULL);
    CHECK_EQ_STR(ohm_last_error(h), "ohm_dict_items: expected a dict, got 'str'");
    ohm_set_freelists(h, 0);                                    /* every object allocated */
    ohm_fault_fail_nth(h, 1, 1);
    CHECK(ohm_dict_items(d) == NULL);
    CHECK_EQ_STR(ohm_last_error(h), "ohm_dict_items: out of memory");
    ohm_fault_fail_nth(h, 2, 1);                                /* the list's array */
    CHECK(ohm_dict_items(d) == NULL);
    CHECK_EQ_STR(ohm_last_error(h), "ohm_dict_items: out of memory (length 2)");
    ohm_fault_fail_nth(h, 3, 1);                                /* a tuple of items */
    CHECK(ohm_dict_items(d) == NULL);
    CHECK_EQ_STR(ohm_last_error(h), "ohm_dict_items: out of memory (2 items)");
    ohm_fault_fail_nth(h, 0, 0);
    ohm_set_freelists(h, 1);
    CHECK_EQ_SIZE(ohm_refcount(k1), rk1);
    /* copy: the same keys and values in the same order, after deletions too */
    for (int i = 0; i < 20; i++) {
        ohm_object *k = ohm_int_new(h, 3000 + i);
        ohm_dict_set(d, k, k);
        ohm_decref(k);
    }
    for (int i = 0; i < 20; i += 3) {
        ohm_object *k = ohm_int_new(h, 3000 + i);
        ohm_dict_del(d, k);
        ohm_decref(k);
    }
    ohm_object *c = ohm_dict_copy(d);
    CHECK(c != d);
    CHECK_EQ_SIZE(ohm_dict_len(c), ohm_dict_len(d));
    CHECK_EQ_INT(ohm_compare(c, d, OHM_EQ), 1);
    size_t p1 = 0, p2 = 0;
    ohm_object *ka, *va, *kb, *vb;
    int same = 1;
    while (ohm_dict_next(d, &p1, &ka, &va)) {
        if (!ohm_dict_next(c, &p2, &kb, &vb) || ka != kb || va != vb) same = 0;
    }
    CHECK(same);
    CHECK(ohm_dict_get(c, f2) == k1);                            /* lookups work in the copy */
    CHECK_EQ_SIZE(ohm_refcount(k1), rk1 + 2);                   /* the copy's key and value */
    CHECK_EQ_SIZE(ohm_refcount(v), rv + 1);
    CHECK(ohm_gc_is_tracked(c));                                 /* it holds a list */
    ohm_object *atomic = ohm_dict_new(h);
    ohm_dict_set(atomic, k2, k1);
    ohm_object *ac = ohm_dict_copy(atomic), *ec = ohm_dict_copy(e);
    CHECK(!ohm_gc_is_tracked(ac));                               /* as a new dict of atoms */
    CHECK_EQ_SIZE(ohm_dict_len(ec), 0);
    CHECK(ohm_dict_copy(v) == NULL);
    CHECK_EQ_STR(ohm_last_error(h), "ohm_dict_copy: expected a dict, got 'list'");
    ohm_fault_fail_nth(h, 1, 1);
    CHECK(ohm_dict_copy(d) == NULL);
    CHECK_CONTAINS(ohm_last_error(h), "ohm_dict_copy: out of memory");
    ohm_fault_fail_nth(h, 0, 0);
    /* clear */
    CHECK_EQ_INT(ohm_dict_clear(c), 0);
    CHECK_EQ_SIZE(ohm_dict_len(c), 0);
    CHECK_EQ_SIZE(ohm_refcount(k1), rk1 + 2);                   /* atomic's and ac's values */
    CHECK_EQ_SIZE(ohm_refcount(v), rv);
    CHECK(ohm_dict_get(c, k1) == NULL);
    CHECK_EQ_INT(ohm_dict_set(c, k1, v), 0);                     /* usable after */
    CHECK_EQ_INT(ohm_dict_clear(e), 0);
    CHECK_EQ_INT(ohm_dict_clear(v), -1);
    CHECK_EQ_STR(ohm_last_error(h), "ohm_dict_clear: expected a dict, got 'list'");
    ohm_object *all[] = { d, k1, k2, v, f2, lst, e, c, atomic, ac, ec };
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) ohm_decref(all[i]);
    done(h);
}

static void test_identity_dict(void) {
    ohm_heap *h = heap();
    ohm_object *d = ohm_dict_new_identity(h);
    CHECK(d && ohm_type_of(d) == &ohm_dict_type);
    ohm_object *one = ohm_int_new(h, 1), *fone = ohm_float_new(h, 1.0), *l = ohm_list_new(h);
    ohm_object *a = S(h, "name"), *b = S(h, "name"), *meta = S(h, "meta");
    CHECK_EQ_INT(ohm_dict_set(d, one, meta), 0);
    CHECK_EQ_INT(ohm_dict_set(d, fone, meta), 0);                /* 1.0 is another key */
    CHECK_EQ_INT(ohm_dict_set(d, l, meta), 0);                   /* unhashable: fine here */
    CHECK_EQ_INT(ohm_dict_set(d, a, one), 0);
    CHECK_EQ_SIZE(ohm_dict_len(d), 4);
    CHECK(ohm_dict_get(d, b) == NULL);                           /* equal text, other object */
    CHECK_EQ_STR(ohm_last_error(h), "");
    CHECK(ohm_dict_get(d, a) == one);
    CHECK(ohm_dict_get(d, l) == meta);
    CHECK_EQ_INT(ohm_dict_contains(d, l), 1);
    CHECK_EQ_INT(ohm_dict_contains(d, b), 0);
    CHECK_EQ_INT(ohm_dict_contains(d, ohm_true(h)), 0);          /* True is not the object 1 */
    CHECK_EQ_SIZE(ohm_refcount(l), 2);                           /* keys: strong references */
    CHECK_EQ_SIZE(ohm_refcount(meta), 4);
    CHECK_EQ_INT(ohm_dict_del(d, b), -1);
    CHECK_EQ_STR(ohm_last_error(h), "ohm_dict_del: key not found (type 'str')");
    CHECK_EQ_INT(ohm_dict_del(d, fone), 0);
    CHECK_EQ_SIZE(ohm_refcount(fone), 1);
    CHECK_EQ_INT(ohm_dict_contains(d, one), 1);
    /* many keys: growth and deletions keep identity */
    ohm_object *keys[200];
    for (int i = 0; i < 200; i++) {
        keys[i] = ohm_list_new(h);
        CHECK_EQ_INT(ohm_dict_set(d, keys[i], i % 2 ? one : meta), 0);
    }
    for (int i = 0; i < 200; i += 2) CHECK_EQ_INT(ohm_dict_del(d, keys[i]), 0);
    int ok = 1;
    for (int i = 0; i < 200; i++) {
        int has = ohm_dict_contains(d, keys[i]);
        if (has != (i % 2) || (has && ohm_dict_get(d, keys[i]) != one)) ok = 0;
    }
    CHECK(ok);
    CHECK_EQ_SIZE(ohm_dict_len(d), 103);
    /* a copy is an identity dict too; items and iteration as any dict */
    ohm_object *c = ohm_dict_copy(d);
    CHECK_EQ_INT(ohm_dict_contains(c, l), 1);
    CHECK_EQ_INT(ohm_dict_contains(c, b), 0);
    ohm_object *ks = ohm_dict_keys(c);
    CHECK(ohm_list_get(ks, 0) == one && ohm_list_get(ks, 1) == l && ohm_list_get(ks, 2) == a);
    ohm_decref(ks);
    /* a cycle through an identity dict is collected */
    ohm_object *cyc = ohm_dict_new_identity(h);
    ohm_dict_set(cyc, cyc, cyc);
    ohm_decref(cyc);
    CHECK(ohm_gc_collect(h, 2) >= 1);
    /* a freed identity dict leaves no mark on the next dict from the free list */
    ohm_decref(c);
    ohm_object *plain = ohm_dict_new(h);
    CHECK_EQ_INT(ohm_dict_set(plain, a, one), 0);
    CHECK(ohm_dict_get(plain, b) == one);                        /* by value again */
    CHECK_EQ_INT(ohm_dict_set(plain, l, one), -1);
    CHECK_EQ_STR(ohm_last_error(h), "ohm_dict_set: unhashable type: 'list'");
    CHECK(ohm_dict_new_identity(NULL) == NULL);
    CHECK_EQ_STR(ohm_last_error(NULL), "ohm_dict_new_identity: heap is NULL");
    ohm_set_freelists(h, 0);
    ohm_fault_fail_nth(h, 1, 0);
    CHECK(ohm_dict_new_identity(h) == NULL);
    CHECK_EQ_STR(ohm_last_error(h), "ohm_dict_new_identity: out of memory");
    ohm_fault_fail_nth(h, 0, 0);
    ohm_dict_clear(d);
    CHECK_EQ_SIZE(ohm_refcount(l), 1);
    for (int i = 0; i < 200; i++) ohm_decref(keys[i]);
    ohm_object *all[] = { d, one, fone, l, a, b, meta, plain };
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) ohm_decref(all[i]);
    done(h);
}

int main(void) {
    unsetenv("OHM_MALLOC");
    test_none_bool();
    test_first_use_oom();
    test_is_true();
    test_compare();
    test_list_insert_del();
    test_list_slices();
    test_list_extend_reverse();
    test_list_sort();
    test_tuple_pack();
    test_dict_ops();
    test_identity_dict();
    return check_done();
}
