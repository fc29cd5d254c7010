/*
 * compare.c — rich comparison, Python's a < b, a == b, ... (PyObject_RichCompareBool):
 * ohm_compare(a, b, op) and the sort's comparator.
 *
 * What is ordered, as in Python:
 *  - numbers (int, bool, float) among themselves, by exact value: an int64 and a
 *    double are compared without rounding either (2^53 + 1 > 2.0^53). A NaN is
 *    unordered: every comparison with it is false but !=, so NaN == NaN is false
 *    even for one object;
 *  - strs by their bytes (memcmp, then the shorter first): for UTF-8 that is code
 *    point order, Python's order for str;
 *  - tuples with tuples and lists with lists, lexicographically: the first pair of
 *    items that are not equal decides (items are equal when they are the same object,
 *    so a list holding one NaN equals itself), else the lengths.
 * Equality (== and !=) is defined for every pair: the above for numbers, strs and
 * sequences, dicts by content (the same keys, each with an equal value), and for
 * other objects the type's `equal` or identity (ohmi_obj_equal). Ordering anything
 * else is an error: "ohm_compare: '<' not supported between 'dict' and 'int'".
 *
 * Containers nest: a comparison deeper than CMP_MAXDEPTH levels stops with an error
 * instead of overflowing the C stack (two distinct lists that each contain
 * themselves compare forever in Python too, until its recursion limit). The items
 * being compared are held while a type's `equal` runs, since it may run any code.
 */
#include "obj/obj_impl.h"

#include <math.h>

#define CMP_MAXDEPTH 1000

static const char *const cmp_ops[] = { "<", "<=", "==", "!=", ">", ">=" };

/* The answer for op from a three-way result c (<0, 0, >0). */
static int cmp_from3(int c, int op) {
    switch (op) {
    case OHM_LT: return c < 0;
    case OHM_LE: return c <= 0;
    case OHM_EQ: return c == 0;
    case OHM_NE: return c != 0;
    case OHM_GT: return c > 0;
    default:     return c >= 0;
    }
}

/* int64 i against double d (not NaN), exactly: -1, 0, 1. */
static int cmp_int_double(int64_t i, double d) {
    if (d >= 9223372036854775808.0) return -1;     /* 2^63: above every int64 */
    if (d < -9223372036854775808.0) return 1;
    int64_t t = (int64_t)d;                          /* truncated: exact, |d| < 2^63 */
    if (i != t) return i < t ? -1 : 1;
    double frac = d - (double)t;                     /* exact: 0 once |d| >= 2^52 */
    return frac > 0 ? -1 : frac < 0 ? 1 : 0;
}

static int cmp_is_int(const ohm_type *t) { return t == &ohm_int_type || t == &ohm_bool_type; }
static int cmp_is_number(const ohm_type *t) { return cmp_is_int(t) || t == &ohm_float_type; }

static int cmp_numbers(const ohm_object *a, const ohm_object *b, int op) {
    const ohm_type *ta = a->ohm_type, *tb = b->ohm_type;
    if (cmp_is_int(ta) && cmp_is_int(tb)) {
        int64_t x = ((const obj_int *)a)->value, y = ((const obj_int *)b)->value;
        return cmp_from3((x > y) - (x < y), op);
    }
    if (ta == &ohm_float_type && tb == &ohm_float_type) {
        double x = ((const obj_float *)a)->value, y = ((const obj_float *)b)->value;
        switch (op) {                                /* C's operators: NaN-correct */
        case OHM_LT: return x < y;
        case OHM_LE: return x <= y;
        case OHM_EQ: return x == y;
        case OHM_NE: return x != y;
        case OHM_GT: return x > y;
        default:     return x >= y;
        }
    }
    int swap = ta == &ohm_float_type;                /* one int, one float */
    int64_t i = ((const obj_int *)(swap ? b : a))->value;
    double d = ((const obj_float *)(swap ? a : b))->value;
    if (isnan(d)) return op == OHM_NE;
    int c = cmp_int_double(i, d);
    return cmp_from3(swap ? -c : c, op);
}

static int cmp_depth(const ohm_object *a, const ohm_object *b, int op, const char *fn, int depth);

/* One pair of items of a sequence comparison, held while compared. */
static int cmp_items(ohm_object *x, ohm_object *y, int op, const char *fn, int depth) {
    ohm_incref(x);
    ohm_incref(y);
    int r = cmp_depth(x, y, op, fn, depth);
    ohm_decref(x);
    ohm_decref(y);
    return r;
}

/* Tuples or lists (both of the same type), lexicographically. The lengths are read
 * again at each step: an `equal` may have changed a list. */
static int cmp_sequences(const ohm_object *a, const ohm_object *b, int op, const char *fn, int depth) {
    int tuple = a->ohm_type == &ohm_tuple_type;
#define CMP_LEN(o) (tuple ? ((const obj_tuple *)(o))->len : ((const obj_list *)(o))->len)
#define CMP_ITEM(o, i) (tuple ? ((const obj_tuple *)(o))->items[i] : ((const obj_list *)(o))->items[i])
    if (CMP_LEN(a) != CMP_LEN(b) && (op == OHM_EQ || op == OHM_NE)) return op == OHM_NE;
    size_t i;
    for (i = 0; i < CMP_LEN(a) && i < CMP_LEN(b); i++) {
        ohm_object *x = CMP_ITEM(a, i), *y = CMP_ITEM(b, i);
        if (!x || !y) {
            ohmi_error(ohmi_alloc_heap_of(a), "%s: tuple item %zu is not set", fn, i);
            return -1;
        }
        if (x == y) continue;
        int eq = cmp_items(x, y, OHM_EQ, fn, depth + 1);
        if (eq < 0) return -1;
        if (eq) continue;
        if (op == OHM_EQ || op == OHM_NE) return op == OHM_NE;
        /* the lists may have shrunk under the `equal` just run */
        if (i >= CMP_LEN(a) || i >= CMP_LEN(b)) break;
        return cmp_items(CMP_ITEM(a, i), CMP_ITEM(b, i), op, fn, depth + 1);
    }
    size_t la = CMP_LEN(a), lb = CMP_LEN(b);
    return cmp_from3((la > lb) - (la < lb), op);
#undef CMP_LEN
#undef CMP_ITEM
}

/* Dicts: equal when they hold the same keys (b's lookup decides), each with an equal
 * value. -1 on an error of a value's comparison. */
static int cmp_dicts_equal(const ohm_object *a, const ohm_object *b, const char *fn, int depth) {
    if (((const obj_dict *)a)->used != ((const obj_dict *)b)->used) return 0;
    size_t pos = 0;
    ohm_object *k, *v;
    while (ohm_dict_next(a, &pos, &k, &v)) {
        ohm_incref(k);
        ohm_incref(v);
        ohm_object *w = NULL;
        int r = ohmi_obj_dict_find(b, k, &w);
        if (r > 0) r = w == v ? 1 : cmp_items(v, w, OHM_EQ, fn, depth + 1);
        else if (r < 0) r = 0;          /* a key b cannot hold is not in b */
        ohm_decref(k);
        ohm_decref(v);
        if (r <= 0) return r;
    }
    return 1;
}

static int cmp_depth(const ohm_object *a, const ohm_object *b, int op, const char *fn, int depth) {
    const ohm_type *ta = a->ohm_type, *tb = b->ohm_type;
    if (cmp_is_number(ta) && cmp_is_number(tb)) return cmp_numbers(a, b, op);
    if (ta == &ohm_str_type && tb == &ohm_str_type) return cmp_from3(obj_str_cmp((const obj_str *)a, (const obj_str *)b), op);
    if (depth > CMP_MAXDEPTH) {
        ohmi_error(ohmi_alloc_heap_of(a), "%s: containers nested too deep to compare (over %d levels)",
                   fn, CMP_MAXDEPTH);
        return -1;
    }
    if (ta == tb && (ta == &ohm_tuple_type || ta == &ohm_list_type))
        return cmp_sequences(a, b, op, fn, depth);
    if (op == OHM_EQ || op == OHM_NE) {
        int eq = ta == &ohm_dict_type && tb == &ohm_dict_type ? cmp_dicts_equal(a, b, fn, depth)
                                                              : ohmi_obj_equal(a, b);
        return eq < 0 ? -1 : op == OHM_EQ ? eq : !eq;
    }
    ohmi_error(ohmi_alloc_heap_of(a), "%s: '%s' not supported between '%s' and '%s'", fn,
               cmp_ops[op], ta->name ? ta->name : "?", tb->name ? tb->name : "?");
    return -1;
}

int ohmi_obj_compare(const ohm_object *a, const ohm_object *b, int op, const char *fn) {
    return cmp_depth(a, b, op, fn, 0);
}

int ohm_compare(const ohm_object *a, const ohm_object *b, int op) {
    if (!a || !a->ohm_type) { ohmi_obj_type_error("ohm_compare", "an object", a); return -1; }
    if (!b || !b->ohm_type) { ohmi_obj_type_error("ohm_compare", "an object", b); return -1; }
    if (op < OHM_LT || op > OHM_GE) {
        ohmi_error(ohmi_alloc_heap_of(a), "ohm_compare: unknown operator %d (OHM_LT..OHM_GE)", op);
        return -1;
    }
    return cmp_depth(a, b, op, "ohm_compare", 0);
}
