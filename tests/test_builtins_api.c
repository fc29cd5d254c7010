/* test_builtins_api.c — the builtin types' C API an interpreter needs (issue 10, item 4):
 * None and the bools, truth, list insert/del/slices/extend/reverse/sort/copy,
 * ohm_compare, tuple pack, dict contains/copy/clear/keys/values/items, str concat,
 * compare, format and interning, ohm_repr and ohm_str, and the identity dict. For each
 * function: the result, every error with its exact message and nothing changed, the
 * reference counts before and after, and no object left alive at the end. */
#include "check.h"
#include "ohm.h"

#include <math.h>
#include <stdarg.h>
#include <sys/types.h>

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

/* ------------------------------------------------------------------------- strs */

static void test_str_ops(void) {
    ohm_heap *h = heap();
    ohm_object *a = S(h, "spam"), *b = S(h, " and eggs"), *e = S(h, "");
    ohm_object *ab = ohm_str_concat(a, b);
    CHECK_EQ_STR(ohm_str_data(ab), "spam and eggs");
    CHECK_EQ_SIZE(ohm_str_len(ab), 13);
    CHECK_EQ_SIZE(ohm_refcount(ab), 1);
    CHECK_EQ_SIZE(ohm_refcount(a), 1);
    ohm_object *ae = ohm_str_concat(a, e), *ea = ohm_str_concat(e, a);
    CHECK(ae == a && ea == a);                       /* "" + s is s */
    CHECK_EQ_SIZE(ohm_refcount(a), 3);
    ohm_object *nul = ohm_str_new(h, "x\0y", 3), *nn = ohm_str_concat(nul, nul);
    CHECK_EQ_SIZE(ohm_str_len(nn), 6);
    CHECK(memcmp(ohm_str_data(nn), "x\0yx\0y", 7) == 0);
    uint64_t x1, x2;                                 /* hashes as the same text made directly */
    ohm_object *direct = S(h, "spam and eggs");
    CHECK(ohm_hash(ab, &x1) == 0 && ohm_hash(direct, &x2) == 0 && x1 == x2 && ohm_equal(ab, direct));
    CHECK(ohm_str_concat(a, NULL) == NULL);
    CHECK_EQ_STR(ohm_last_error(NULL), "ohm_str_concat: expected a str, got NULL");
    ohm_object *i = ohm_int_new(h, 5);
    CHECK(ohm_str_concat(i, a) == NULL);
    CHECK_EQ_STR(ohm_last_error(h), "ohm_str_concat: expected a str, got 'int'");
    ohm_heap *h2 = heap();
    ohm_object *other = ohm_str_new(h2, "other", 5);
    CHECK(ohm_str_concat(a, other) == NULL);
    CHECK_EQ_STR(ohm_last_error(h), "ohm_str_concat: b belongs to another heap");
    ohm_decref(other);
    done(h2);
    ohm_fault_fail_nth(h, 1, 0);
    CHECK(ohm_str_concat(a, b) == NULL);
    CHECK_EQ_STR(ohm_last_error(h), "ohm_str_concat: out of memory (13 bytes)");
    ohm_fault_fail_nth(h, 0, 0);
    /* compare */
    int c = 99;
    CHECK_EQ_INT(ohm_str_compare(a, b, &c), 0);
    CHECK_EQ_INT(c, 1);                              /* 's' > ' ' */
    CHECK_EQ_INT(ohm_str_compare(b, a, &c), 0);
    CHECK_EQ_INT(c, -1);
    CHECK_EQ_INT(ohm_str_compare(ab, direct, &c), 0);
    CHECK_EQ_INT(c, 0);
    CHECK_EQ_INT(ohm_str_compare(e, a, &c), 0);
    CHECK_EQ_INT(c, -1);
    ohm_object *s1 = ohm_str_new(h, "x", 1);
    CHECK_EQ_INT(ohm_str_compare(nul, s1, &c), 0);
    CHECK_EQ_INT(c, 1);                              /* "x\0y" > "x": longer */
    c = 99;
    CHECK_EQ_INT(ohm_str_compare(a, i, &c), -1);
    CHECK_EQ_STR(ohm_last_error(h), "ohm_str_compare: expected a str, got 'int'");
    CHECK_EQ_INT(c, 99);
    CHECK_EQ_INT(ohm_str_compare(NULL, a, &c), -1);
    CHECK_EQ_STR(ohm_last_error(NULL), "ohm_str_compare: expected a str, got NULL");
    CHECK_EQ_INT(ohm_str_compare(a, a, NULL), -1);
    CHECK_EQ_STR(ohm_last_error(h), "ohm_str_compare: out is NULL");
    /* interned */
    ohm_object *in = ohm_str_intern(h, "spam", 4);
    CHECK_EQ_INT(ohm_str_is_interned(in), 1);
    CHECK_EQ_INT(ohm_str_is_interned(a), 0);         /* equal text, not the interned copy */
    CHECK_EQ_INT(ohm_str_is_interned(e), 1);         /* the singletons are their own */
    CHECK_EQ_INT(ohm_str_is_interned(s1), 1);
    CHECK_EQ_INT(ohm_str_is_interned(ab), 0);
    CHECK_EQ_INT(ohm_str_is_interned(i), -1);
    CHECK_EQ_STR(ohm_last_error(h), "ohm_str_is_interned: expected a str, got 'int'");
    ohm_object *all[] = { a, b, e, ab, ae, ea, nul, nn, direct, i, s1, in };
    for (size_t k = 0; k < sizeof all / sizeof all[0]; k++) ohm_decref(all[k]);
    done(h);
}

/* The text of a new str, and the str released; "(NULL)" for NULL. */
static char text_buf[4096];
static const char *text(ohm_object *s) {
    if (!s) return "(NULL)";
    snprintf(text_buf, sizeof text_buf, "%s", ohm_str_data(s));
    CHECK_EQ_SIZE(ohm_refcount(s), ohm_is_immortal(s) ? ohm_refcount(s) : 1);
    ohm_decref(s);
    return text_buf;
}

static ohm_object *vformat(ohm_heap *h, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    ohm_object *s = ohm_str_from_formatv(h, fmt, ap);
    va_end(ap);
    return s;
}

static void test_str_format(void) {
    ohm_heap *h = heap();
    CHECK_EQ_STR(text(ohm_str_from_format(h, "plain")), "plain");
    CHECK_EQ_STR(text(ohm_str_from_format(h, "")), "");
    CHECK_EQ_STR(text(ohm_str_from_format(h, "%d|%5d|%-5d|%05d|%+d|%x|%#X|%o|%c|%%", 42, 42, 42, 42, 42, 255, 255, 8, 'z')),
                 "42|   42|42   |00042|+42|ff|0XFF|10|z|%");
    CHECK_EQ_STR(text(ohm_str_from_format(h, "%ld %lld %zu %zd %jd %td %hd %hhu %lu",
                                          -1L, -9000000000LL, (size_t)7, (ssize_t)-7, (intmax_t)-3,
                                          (ptrdiff_t)-4, (short)-2, (unsigned char)250, 4000000000UL)),
                 "-1 -9000000000 7 -7 -3 -4 -2 250 4000000000");
    CHECK_EQ_STR(text(ohm_str_from_format(h, "%.3f %e %g %10.2f %a %Lg", 3.14159, 1e10, 0.5, 2.5, 1.0, (long double)2.0)),
                 "3.142 1.000000e+10 0.5       2.50 0x1p+0 2");
    CHECK_EQ_STR(text(ohm_str_from_format(h, "%s|%.2s|%-4s|%s", "abc", "abc", "ab", (const char *)NULL)),
                 "abc|ab|ab  |(null)");
    CHECK_EQ_STR(text(ohm_str_from_format(h, "%*d|%-*d|%.*f|%*d", 4, 7, 3, 7, 1, 2.25, -3, 9)), "   7|7  |2.2|9  ");
    CHECK_EQ_STR(text(ohm_str_from_format(h, "[%.*s]", -1, "whole")), "[whole]");
    ohm_object *l = ohm_list_new(h), *s = S(h, "it's"), *i = ohm_int_new(h, -12);
    ohm_list_append(l, s);
    ohm_list_append(l, i);
    CHECK_EQ_STR(text(ohm_str_from_format(h, "%R / %S / %U / %R", l, s, s, s)), "[\"it's\", -12] / it's / it's / \"it's\"");
    CHECK_EQ_STR(text(ohm_str_from_format(h, "<%S>", l)), "<[\"it's\", -12]>");
    CHECK_EQ_STR(text(vformat(h, "%d-%R", 5, i)), "5--12");
    char p[32];
    snprintf(p, sizeof p, "%p", (void *)l);
    CHECK_EQ_STR(text(ohm_str_from_format(h, "%p", (void *)l)), p);
    /* a long result: past the buffer's first bytes */
    ohm_object *lng = ohm_str_from_format(h, "%500d|%s", 1, "end");
    CHECK_EQ_SIZE(ohm_str_len(lng), 504);
    CHECK_EQ_STR(ohm_str_data(lng) + 500, "|end");
    ohm_decref(lng);
    CHECK_EQ_SIZE(ohm_refcount(l), 1);
    CHECK_EQ_SIZE(ohm_refcount(s), 2);
    /* errors */
    CHECK(ohm_str_from_format(h, "%U", i) == NULL);
    CHECK_EQ_STR(ohm_last_error(h), "ohm_str_from_format: %U expects a str, got 'int'");
    CHECK(ohm_str_from_format(h, "%R", (ohm_object *)NULL) == NULL);
    CHECK_EQ_STR(ohm_last_error(h), "ohm_str_from_format: the object for %R is NULL");
    CHECK(ohm_str_from_format(h, "%5R", l) == NULL);
    CHECK_EQ_STR(ohm_last_error(h), "ohm_str_from_format: %R takes no flags, width, precision or length");
    CHECK(ohm_str_from_format(h, "%y", 1) == NULL);
    CHECK_EQ_STR(ohm_last_error(h), "ohm_str_from_format: unknown conversion '%y'");
    CHECK(ohm_str_from_format(h, "%hs", "x") == NULL);
    CHECK_EQ_STR(ohm_last_error(h), "ohm_str_from_format: unknown conversion '%hs'");
    int n;
    CHECK(ohm_str_from_format(h, "%n", &n) == NULL);
    CHECK_EQ_STR(ohm_last_error(h), "ohm_str_from_format: %n is not supported");
    CHECK(ohm_str_from_format(h, "ends in %") == NULL);
    CHECK_EQ_STR(ohm_last_error(h), "ohm_str_from_format: the format ends inside a conversion");
    CHECK(ohm_str_from_format(h, "%.999999999d", 1) == NULL);
    CHECK_EQ_STR(ohm_last_error(h), "ohm_str_from_format: precision over 100000000");
    CHECK(ohm_str_from_format(h, "%999999999d", 1) == NULL);
    CHECK_EQ_STR(ohm_last_error(h), "ohm_str_from_format: width over 100000000");
    CHECK(ohm_str_from_format(NULL, "x") == NULL);
    CHECK_EQ_STR(ohm_last_error(NULL), "ohm_str_from_format: heap is NULL");
    CHECK(ohm_str_from_format(h, NULL) == NULL);
    CHECK_EQ_STR(ohm_last_error(h), "ohm_str_from_format: format is NULL");
    ohm_heap *h2 = heap();
    ohm_object *other = ohm_list_new(h2);
    CHECK(ohm_str_from_format(h, "%R", other) == NULL);
    CHECK_EQ_STR(ohm_last_error(h), "ohm_str_from_format: the object for %R belongs to another heap");
    ohm_decref(other);
    done(h2);
    ohm_fault_fail_nth(h, 1, 1);
    CHECK(ohm_str_from_format(h, "%500d", 1) == NULL);   /* the buffer grows */
    CHECK_EQ_STR(ohm_last_error(h), "ohm_str_from_format: out of memory");
    CHECK(ohm_str_from_format(h, "%d", 12345) == NULL);  /* the str itself */
    CHECK_EQ_STR(ohm_last_error(h), "ohm_str_from_format: out of memory (5 bytes)");
    ohm_fault_fail_nth(h, 0, 0);
    CHECK_EQ_SIZE(ohm_refcount(l), 1);
    CHECK_EQ_SIZE(ohm_refcount(s), 2);
    ohm_decref(l);
    ohm_decref(s);
    ohm_decref(i);
    done(h);
}

/* ---------------------------------------------------------------- repr and str */

static const char *repr_of(ohm_object *o) { return text(ohm_repr(o)); }
/* repr_of a new reference, which it releases. */
static const char *repr_new(ohm_object *o) {
    const char *r = repr_of(o);
    ohm_decref(o);
    return r;
}

/* Doubles (bit patterns) and what CPython 3 prints for repr(): random ones from
 * every range (made with Python's random module, seed 7). */
static const struct { uint64_t bits; const char *want; } repr_floats[] = {
    { 0xc0760559fd9089e2ULL, "-352.3344703336753" },
    { 0x420c190c948399feULL, "15084917392.450191" },
    { 0x128b2f330c5c7fd0ULL, "2.4065366781569908e-219" },
    { 0x4050000000000000ULL, "64.0" },
    { 0xc070c9f46484d916ULL, "-268.622166174829" },
    { 0x40173317037c3643ULL, "5.799892477470681" },
    { 0x099950d836f675ccULL, "2.0099045415523394e-262" },
    { 0xc054b3e76c8b4396ULL, "-82.811" },
    { 0xc08ae2502f5eac8cULL, "-860.2891528507621" },
    { 0x3f17c7a5b3d94579ULL, "9.071301334386506e-05" },
    { 0xd3ac94af0f21ddb6ULL, "-1.1923478542621992e+95" },
    { 0x402a333333333333ULL, "13.1" },
    { 0x40705407806dbb9cULL, "261.2518314634742" },
    { 0x3a47184a7f6eaf0fULL, "5.829969044604074e-28" },
    { 0x95e60af593bd04cfULL, "-3.51527970626667e-203" },
    { 0xc034b33333333333ULL, "-20.7" },
    { 0xc08c56ad5716ab94ULL, "-906.8346387644874" },
    { 0x3d6e34657eb39771ULL, "8.584684590486795e-13" },
    { 0x24ede6a46b4cb242ULL, "8.425134221823577e-131" },
    { 0x4020463f141205bcULL, "8.1372" },
    { 0xc077f094e59ef88eULL, "-383.03635179613127" },
    { 0x3bf81679f6d40f09ULL, "8.161263591200314e-20" },
    { 0x94e3bf911a61dbe2ULL, "-4.805547711536507e-208" },
    { 0x402c666666666666ULL, "14.2" },
    { 0xc06fe68ea8f48e30ULL, "-255.20491454853754" },
    { 0x3a7b1f7c6af92ee8ULL, "5.4774446570955786e-27" },
    { 0x0f4205b4907a70c3ULL, "3.542609501695945e-235" },
    { 0x4037cd4fdf3b645aULL, "23.802" },
    { 0x40768ccc948ee184ULL, "360.79994636357173" },
    { 0x3dc781d3a3874e99ULL, "4.275923056694029e-11" },
    { 0x95e761d17731af10ULL, "-3.7288635744050265e-203" },
    { 0x40552c28f5c28f5cULL, "84.69" },
    { 0xc0790774c2fe4b30ULL, "-400.46600627263524" },
    { 0x42d20fe5ab9a6e47ULL, "79437948152249.11" },
    { 0x3e7d1bfbc7a2ea20ULL, "1.084406323928777e-07" },
    { 0xc054e851eb851eb8ULL, "-83.63" },
    { 0x4049324e12e3b920ULL, "50.393007622902815" },
    { 0x433f175443886511ULL, "8751374955734289.0" },
    { 0x49b64a0872e6cc3aULL, "1.2724878810007586e+47" },
    { 0x4036000000000000ULL, "22.0" },
    { 0xc087def292802266ULL, "-763.8684434900758" },
    { 0x439735e1f6e3f83fULL, "4.181228217852272e+17" },
    { 0x26e875555790f82eULL, "2.9599107635242675e-121" },
    { 0x4055a9db22d0e560ULL, "86.654" },
    { 0xc08cccaf133bf63cULL, "-921.5854859051246" },
    { 0x43a28bf58ff40832ULL, "6.682158565343951e+17" },
    { 0x92b1d3f28ede0d7aULL, "-1.2625943181009154e-218" },
    { 0x404ce8cf8d716d2bULL, "57.818834" },
    { 0xc07748145fef82b4ULL, "-372.5049743038064" },
    { 0x419093bf02826c37ULL, "69529536.62736593" },
    { 0x9474031b7f26144bULL, "-3.804490737600491e-210" },
    { 0x404d800000000000ULL, "59.0" },
    { 0x40853f7c076b3124ULL, "679.9355610250827" },
    { 0x3fee3ad3d9146af6ULL, "0.9446810951079374" },
    { 0xaa05e11ab2715945ULL, "-2.981159638324064e-106" },
    { 0xc055c00000000000ULL, "-87.0" },
    { 0x40792fbea3766df4ULL, "402.98404260884786" },
    { 0x42978adb6b7ff2c0ULL, "6471288545276.6875" },
    { 0x72158370d269a9a5ULL, "3.5862982565236525e+241" },
    { 0xc0458a5e353f7ceeULL, "-43.081" },
    { 0x408830a509794e30ULL, "774.0805844761835" },
    { 0x461184f0147042e0ULL, "3.4700525568845066e+29" },
    { 0x5affb2297631a992ULL, "2.1970596639628e+130" },
    { 0xc050800000000000ULL, "-66.0" },
    { 0xc0293a5fa285d5c0ULL, "-12.614010886037136" },
    { 0x3d4eb5c37d0e152dULL, "2.1820777481967946e-13" },
    { 0xbd0561e6211c70cfULL, "-9.495701001087435e-15" },
    { 0xc0493d0e56041893ULL, "-50.477" },
    { 0x408a0d0f432ed80cULL, "833.6324523601229" },
    { 0x3bb77265ce66d3afULL, "4.965066990299619e-21" },
    { 0x66d2287672fdf202ULL, "1.9751801151887592e+187" },
    { 0x4023cccccccccccdULL, "9.9" },
    { 0x4083f47a373d0b14ULL, "638.5596756714826" },
    { 0x3d3851aa0a247575ULL, "8.639844696985151e-14" },
    { 0x6a50df4db4d66a3aULL, "1.3224852517980044e+204" },
    { 0x405852c764adff82ULL, "97.29342" },
    { 0x40880315d1f8e1f2ULL, "768.3856543964341" },
    { 0x3b92174dcde3fc0aULL, "9.577312039639912e-22" },
    { 0x2d1c9af0153e7c2aULL, "2.194151990927755e-91" },
    { 0xc0516f61672324c8ULL, "-69.74032" },
    { 0xc080aa9f66b7dfb7ULL, "-533.3278326382778" },
    { 0x41527ff6d36b20bcULL, "4849627.303413566" },
    { 0x43435cc52eae05cfULL, "1.090005303794371e+16" },
    { 0xc045cccccccccccdULL, "-43.6" },
    { 0xc064436c868b45b8ULL, "-162.10699774934415" },
    { 0x411689964aa4ea36ULL, "369253.57289472537" },
    { 0xf3fe39c0519088f5ULL, "-5.4101736923461194e+250" },
    { 0xc052b9b56b873797ULL, "-74.901698" },
    { 0x403efb9d1d8e5500ULL, "30.98286614155677" },
    { 0x429677c7db972d1bULL, "6175927494091.276" },
    { 0x0dd27a65bd628881ULL, "4.329932825186191e-242" },
    { 0xc02157aeddce7cd0ULL, "-8.671256" },
    { 0x40817f8308afc5bcULL, "559.9389814121455" },
    { 0x4447b42779cce9a0ULL, "8.745131841344766e+20" },
    { 0x6472f1a38f2c6ec8ULL, "7.496644606117518e+175" },
    { 0xc03462d0e5604189ULL, "-20.386" },
    { 0xc088c768106cf452ULL, "-792.9258125793515" },
    { 0x3a492075dc1264c1ULL, "6.34289565685709e-28" },
    { 0x113db17d30cbc97dULL, "1.2534354351553828e-225" },
    { 0x40583bc6a7ef9db2ULL, "96.934" },
    { 0xc0851b26249424b6ULL, "-675.3936244558051" },
    { 0x3a3af11b829dbb43ULL, "3.4005365223234343e-28" },
    { 0x000f49c81a358ca0ULL, "2.126087216099329e-308" },
    { 0x402ab6a161e4f766ULL, "13.3567" },
    { 0xc088e891f2d61a3dULL, "-797.071263954807" },
    { 0x39d26fed3843c062ULL, "3.63609922034571e-30" },
    { 0xdfd43f371200339dULL, "-4.2416719218355095e+153" },
    { 0xc04d345a1cac0831ULL, "-58.409" },
    { 0xc085f731364b2e4cULL, "-702.8990293382171" },
    { 0x3e25ab34ec4c54a5ULL, "2.522577565570773e-09" },
    { 0x5d39d0a89a2ef80fULL, "1.2296778209427344e+141" },
    { 0xc014000000000000ULL, "-5.0" },
    { 0x4085cefda6a022d6ULL, "697.8738529692298" },
    { 0x3fb96c65e3210858ULL, "0.09931027217047139" },
    { 0x7bdc968b7afb2c68ULL, "4.353119972161665e+288" },
    { 0xc042cccccccccccdULL, "-37.6" },
    { 0xc088dcff8594a6f4ULL, "-795.6247665036631" },
    { 0x3ceedca4ff78b9abULL, "3.426358382430018e-15" },
    { 0xd42fddbb7a86f7a2ULL, "-3.4032833041532353e+97" },
    { 0x404334a8c154c986ULL, "38.4114" },

};

static void test_repr_atoms(void) {
    ohm_heap *h = heap();
    CHECK_EQ_STR(repr_of(ohm_none(h)), "None");
    CHECK_EQ_STR(repr_of(ohm_true(h)), "True");
    CHECK_EQ_STR(repr_of(ohm_false(h)), "False");
    CHECK_EQ_STR(repr_new(ohm_int_new(h, 0)), "0");
    CHECK_EQ_STR(repr_new(ohm_int_new(h, INT64_MIN)), "-9223372036854775808");
    CHECK_EQ_STR(repr_new(ohm_int_new(h, INT64_MAX)), "9223372036854775807");
    struct { double v; const char *want; } fl[] = {
        { 1.0, "1.0" }, { 0.1, "0.1" }, { 1e16, "1e+16" }, { 1e15, "1000000000000000.0" },
        { 1e-5, "1e-05" }, { 1e-4, "0.0001" }, { 0.0001234, "0.0001234" }, { -0.0, "-0.0" },
        { 0.0, "0.0" }, { 1.5e-7, "1.5e-07" }, { 123456789012345678.0, "1.2345678901234568e+17" },
        { 1e22, "1e+22" }, { 5e-324, "5e-324" }, { 1.7976931348623157e308, "1.7976931348623157e+308" },
        { 2.5, "2.5" }, { 100.0, "100.0" }, { 1.0 / 3, "0.3333333333333333" }, { 2.0 / 3, "0.6666666666666666" },
        { 1e100, "1e+100" }, { 123.456, "123.456" }, { 9007199254740993.0, "9007199254740992.0" },
        { 0.3, "0.3" }, { -1.25e-10, "-1.25e-10" }, { 1e-310, "1e-310" },
        { INFINITY, "inf" }, { -INFINITY, "-inf" }, { NAN, "nan" },
    };
    for (size_t i = 0; i < sizeof fl / sizeof fl[0]; i++)
        CHECK_EQ_STR(repr_new(ohm_float_new(h, fl[i].v)), fl[i].want);
    for (size_t i = 0; i < sizeof repr_floats / sizeof repr_floats[0]; i++) {
        double v;
        memcpy(&v, &repr_floats[i].bits, sizeof v);
        CHECK_EQ_STR(repr_new(ohm_float_new(h, v)), repr_floats[i].want);
    }
    /* random doubles, subnormals included: the text reads back as the same double,
     * and one digit fewer would not */
    uint64_t x = 88172645463325252ULL;
    int good = 1;
    for (int i = 0; i < 20000 && good; i++) {
        x ^= x << 13; x ^= x >> 7; x ^= x << 17;
        uint64_t bits = i % 4 == 3 ? x >> 12 : x;        /* every 4th: a subnormal */
        double v;
        memcpy(&v, &bits, sizeof v);
        if (isnan(v) || isinf(v)) continue;
        ohm_object *fo = ohm_float_new(h, v);
        const char *r = repr_new(fo);
        char sig[40];                                    /* the significant digits */
        int digits = 0;
        for (const char *p = r; *p && *p != 'e'; p++)
            if ((*p >= '1' && *p <= '9') || (*p == '0' && digits)) sig[digits++] = *p;
        while (digits > 1 && sig[digits - 1] == '0') digits--;
        if (strtod(r, NULL) != v) good = 0;
        char fewer[40];
        snprintf(fewer, sizeof fewer, "%.*e", digits - 2, v);
        if (digits > 1 && strtod(fewer, NULL) == v) good = 0;
        if (!good) fprintf(stderr, "repr of %a: %s (%d digits)\n", v, r, digits);
    }
    CHECK(good);
    /* strs: Python's quoting and escapes */
    struct { const char *s; size_t n; const char *want; } st[] = {
        { "abc", 3, "'abc'" }, { "", 0, "''" }, { "it's", 4, "\"it's\"" },
        { "a\"b'c", 5, "'a\"b\\'c'" }, { "say \"hi\"", 8, "'say \"hi\"'" }, { "\\", 1, "'\\\\'" },
        { "\t\n\r\0\x7f\x01", 6, "'\\t\\n\\r\\x00\\x7f\\x01'" },
        { "\xc3\xa9t\xc3\xa9", 5, "'\xc3\xa9t\xc3\xa9'" },                           /* printable: kept */
        { "\xe6\x97\xa5\xe6\x9c\xac", 6, "'\xe6\x97\xa5\xe6\x9c\xac'" },
        { "\xc2\x80\xc2\xa0\xc2\xad", 6, "'\\x80\\xa0\\xad'" },                       /* C1, NBSP, soft hyphen */
        { "\xe2\x80\xa8|\xef\xbb\xbf", 7, "'\\u2028|\\ufeff'" },
        { "\xf3\xb0\x80\x80", 4, "'\\U000f0000'" },                                  /* private use, plane 15 */
        { "\xf0\x9f\x98\x80", 4, "'\xf0\x9f\x98\x80'" },                              /* an emoji: printable */
        { "\xff|\xc3|\xe2\x80|\xc0\x80|\xed\xa0\x80", 13, "'\\xff|\\xc3|\\xe2\\x80|\\xc0\\x80|\\xed\\xa0\\x80'" }, /* malformed */
    };
    for (size_t i = 0; i < sizeof st / sizeof st[0]; i++)
        CHECK_EQ_STR(repr_new(ohm_str_new(h, st[i].s, st[i].n)), st[i].want);
    /* ohm_str: a str is itself; others as repr */
    ohm_object *s = S(h, "it's");
    ohm_object *ss = ohm_str(s);
    CHECK(ss == s);
    CHECK_EQ_SIZE(ohm_refcount(s), 2);
    ohm_decref(ss);
    ohm_object *fx = ohm_float_new(h, 1e16);
    CHECK_EQ_STR(text(ohm_str(fx)), "1e+16");
    CHECK_EQ_STR(text(ohm_str(ohm_int_new(h, -5))), "-5");   /* immortal */
    ohm_decref(fx);
    CHECK_EQ_STR(text(ohm_str(ohm_none(h))), "None");
    ohm_object *l = ohm_list_new(h);
    ohm_list_append(l, s);
    CHECK_EQ_STR(text(ohm_str(l)), "[\"it's\"]");     /* items by repr, as Python's str(list) */
    /* other objects */
    ohm_object *rg = ohm_range_new(h, 0, 10, 1), *rg2 = ohm_range_new(h, 0, 10, 3), *rg3 = ohm_range_new(h, 9, 6, -1);
    CHECK_EQ_STR(repr_of(rg), "range(0, 10)");
    CHECK_EQ_STR(repr_of(rg2), "range(0, 12, 3)");
    CHECK_EQ_STR(repr_of(rg3), "range(9, 6, -1)");
    char want[128];
    ohm_object *w = ohm_weakref_new(h, l, NULL, NULL), *it = ohm_iter(l);
    snprintf(want, sizeof want, "<weakref at %p; to 'list' at %p>", (void *)w, (void *)l);
    CHECK_EQ_STR(repr_of(w), want);
    snprintf(want, sizeof want, "<iterator object at %p>", (void *)it);
    CHECK_EQ_STR(repr_of(it), want);
    ohm_decref(it);
    ohm_decref(l);
    snprintf(want, sizeof want, "<weakref at %p; dead>", (void *)w);
    CHECK_EQ_STR(repr_of(w), want);
    ohm_object *u = ohm_new(h, &meddle_type);
    snprintf(want, sizeof want, "<meddle object at %p>", (void *)u);
    CHECK_EQ_STR(repr_of(u), want);
    CHECK_EQ_STR(text(ohm_str(u)), want);
    /* errors */
    CHECK(ohm_repr(NULL) == NULL);
    CHECK_EQ_STR(ohm_last_error(NULL), "ohm_repr: expected an object, got NULL");
    CHECK(ohm_str(NULL) == NULL);
    CHECK_EQ_STR(ohm_last_error(NULL), "ohm_str: expected an object, got NULL");
    ohm_object *big = ohm_float_new(h, 0.1);
    ohm_fault_fail_nth(h, 1, 1);
    CHECK(ohm_repr(big) == NULL);                    /* "0.1": the str itself */
    CHECK_EQ_STR(ohm_last_error(h), "ohm_repr: out of memory (3 bytes)");
    ohm_fault_fail_nth(h, 0, 0);
    CHECK_EQ_SIZE(ohm_refcount(s), 1);
    ohm_object *all[] = { s, rg, rg2, rg3, w, u, big };
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) ohm_decref(all[i]);
    done(h);
}

/* A user type with a repr slot: "Pair(<repr of a>, <repr of b>)", through ohm_repr of
 * its fields; a GC type, so that it can form cycles. */
typedef struct pair { ohm_object ob; ohm_object *a, *b; int fail; } pair;
static int pair_traverse(ohm_object *self, ohm_visit_fn visit, void *arg) {
    pair *p = (pair *)self;
    int r = p->a ? visit(p->a, arg) : 0;
    return r ? r : p->b ? visit(p->b, arg) : 0;
}
static int pair_clear(ohm_object *self) {
    pair *p = (pair *)self;
    ohm_object *a = p->a, *b = p->b;
    p->a = p->b = NULL;
    ohm_xdecref(a);
    ohm_xdecref(b);
    return 0;
}
static void pair_dealloc(ohm_object *self) { pair_clear(self); }
static ohm_object *pair_repr(ohm_object *self) {
    pair *p = (pair *)self;
    ohm_heap *h = ohm_heap_of(self);
    if (p->fail == 1) return NULL;                   /* a failure with no message */
    if (p->fail == 2) return ohm_int_new(h, 5);      /* not a str */
    if (p->fail == 3) return ohm_str_from_format(h, "%y");   /* a failure with its message */
    if (p->fail == 4) return ohm_repr(self);         /* runaway recursion */
    return ohm_str_from_format(h, "Pair(%R, %R)", p->a ? p->a : ohm_none(h), p->b ? p->b : ohm_none(h));
}
static const ohm_type pair_type = { .name = "Pair", .basicsize = sizeof(pair), .flags = OHM_TYPE_GC,
                                    .traverse = pair_traverse, .clear = pair_clear, .dealloc = pair_dealloc,
                                    .repr = pair_repr };

static void test_repr_containers(void) {
    ohm_heap *h = heap();
    ohm_object *one = ohm_int_new(h, 1), *two = ohm_int_new(h, 2), *s = S(h, "a"), *f = ohm_float_new(h, 2.5);
    CHECK_EQ_STR(repr_of(ohm_tuple_new(h, 0)), "()");
    ohm_object *t1 = ohm_tuple_pack(h, 1, one), *t2 = ohm_tuple_pack(h, 2, one, s);
    CHECK_EQ_STR(repr_of(t1), "(1,)");
    CHECK_EQ_STR(repr_of(t2), "(1, 'a')");
    ohm_object *l = ohm_list_new(h);
    CHECK_EQ_STR(repr_of(l), "[]");
    ohm_list_append(l, one);
    ohm_list_append(l, t1);
    ohm_list_append(l, f);
    ohm_list_append(l, ohm_none(h));
    CHECK_EQ_STR(repr_of(l), "[1, (1,), 2.5, None]");
    ohm_object *d = ohm_dict_new(h);
    CHECK_EQ_STR(repr_of(d), "{}");
    ohm_dict_set(d, s, l);
    ohm_dict_set(d, t2, ohm_true(h));
    CHECK_EQ_STR(repr_of(d), "{'a': [1, (1,), 2.5, None], (1, 'a'): True}");
    /* self-containing: [...], {...}, (...) */
    ohm_list_append(l, l);
    CHECK_EQ_STR(repr_of(l), "[1, (1,), 2.5, None, [...]]");
    ohm_dict_set(d, two, d);
    CHECK_EQ_STR(repr_of(d), "{'a': [1, (1,), 2.5, None, [...]], (1, 'a'): True, 2: {...}}");
    ohm_object *tt = ohm_tuple_new(h, 2);
    ohm_tuple_set(tt, 0, tt);
    CHECK_EQ_STR(repr_of(tt), "((...), <NULL>)");    /* and an unset item */
    ohm_tuple_set(tt, 0, one);
    /* a container twice, not nested: written twice */
    ohm_object *twice = ohm_list_new(h);
    ohm_list_append(twice, t2);
    ohm_list_append(twice, t2);
    CHECK_EQ_STR(repr_of(twice), "[(1, 'a'), (1, 'a')]");
    /* user slots, nested both ways, and a cycle through one */
    pair *p = (pair *)ohm_new(h, &pair_type);
    p->a = one; ohm_incref(one);
    p->b = twice; ohm_incref(twice);
    CHECK_EQ_STR(repr_of(&p->ob), "Pair(1, [(1, 'a'), (1, 'a')])");
    ohm_object *lp = ohm_list_new(h);
    ohm_list_append(lp, &p->ob);
    CHECK_EQ_STR(repr_of(lp), "[Pair(1, [(1, 'a'), (1, 'a')])]");
    ohm_list_append(twice, &p->ob);                  /* p -> twice -> p */
    CHECK_EQ_STR(repr_of(&p->ob), "Pair(1, [(1, 'a'), (1, 'a'), Pair(1, [...])])");
    CHECK_EQ_STR(text(ohm_str_from_format(h, "%S!", &p->ob)), "Pair(1, [(1, 'a'), (1, 'a'), Pair(1, [...])])!");
    /* deep nesting: an error, not a crash */
    ohm_object *deep = ohm_list_new(h), *cur = deep;
    for (int i = 0; i < 1100; i++) {
        ohm_object *in = ohm_list_new(h);
        ohm_list_append(cur, in);
        ohm_decref(in);
        cur = in;
    }
    CHECK(ohm_repr(deep) == NULL);
    CHECK_EQ_STR(ohm_last_error(h), "ohm_repr: objects nested too deep (over 1000 levels)");
    /* slot errors */
    size_t rp = ohm_refcount(&p->ob);
    p->fail = 1;
    CHECK(ohm_repr(lp) == NULL);
    CHECK_EQ_STR(ohm_last_error(h), "ohm_repr: the repr slot of 'Pair' returned NULL");
    p->fail = 2;
    CHECK(ohm_repr(lp) == NULL);
    CHECK_EQ_STR(ohm_last_error(h), "ohm_repr: the repr slot of 'Pair' returned a 'int', not a str");
    p->fail = 3;
    CHECK(ohm_str(lp) == NULL);
    CHECK_EQ_STR(ohm_last_error(h), "ohm_str_from_format: unknown conversion '%y'");
    p->fail = 4;
    CHECK(ohm_repr(&p->ob) == NULL);
    CHECK_EQ_STR(ohm_last_error(h), "ohm_repr: objects nested too deep (over 1000 levels)");
    p->fail = 0;
    CHECK_EQ_SIZE(ohm_refcount(&p->ob), rp);         /* nothing held after a failure */
    CHECK_EQ_SIZE(ohm_refcount(l), 3);               /* ours, d's value, itself */
    CHECK_EQ_STR(repr_of(t2), "(1, 'a')");           /* the stack was left empty */
    ohm_object *hundred = range_list(h, 1000, 1100);
    ohm_object *r100 = ohm_repr(hundred);            /* 600 bytes: the buffer grew */
    CHECK_EQ_SIZE(ohm_str_len(r100), 1 + 100 * 4 + 99 * 2 + 1);
    CHECK(!strncmp(ohm_str_data(r100), "[1000, 1001, ", 13));
    ohm_decref(r100);
    ohm_fault_fail_nth(h, 1, 0);
    CHECK(ohm_repr(hundred) == NULL);                /* the buffer's growth */
    CHECK_EQ_STR(ohm_last_error(h), "ohm_repr: out of memory");
    ohm_fault_fail_nth(h, 3, 0);                     /* the buffer grew twice: 400, 800 */
    CHECK(ohm_repr(hundred) == NULL);                /* the str */
    CHECK_EQ_STR(ohm_last_error(h), "ohm_repr: out of memory (600 bytes)");
    ohm_fault_fail_nth(h, 0, 0);
    ohm_decref(hundred);
    ohm_object *all[] = { one, two, s, f, t1, t2, l, d, tt, twice, &p->ob, lp, deep };
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
    test_str_ops();
    test_str_format();
    test_repr_atoms();
    test_repr_containers();
    return check_done();
}
