/* test_conventions.c — the conventions a language implementer relies on (issue 10):
 * when ohm_last_error is cleared, the unambiguous getters, types checked at first use,
 * free lists for user types, and the inline accessors agreeing with the functions. */
#include "check.h"

static ohm_heap *new_heap(void) {
    ohm_heap *h = ohm_heap_new(NULL);
    if (!h) abort();
    return h;
}

/* ---------------------------------------------------------- ohm_last_error */

static void test_error_cleared_by_ambiguous_getters(void) {
    ohm_heap *h = new_heap();
    ohm_object *m1 = ohm_int_new(h, -1), *f = ohm_float_new(h, -1.0), *l = ohm_list_new(h);
    /* a failure leaves a message ... */
    CHECK_EQ_INT(ohm_int_value(l), -1);
    CHECK_EQ_STR(ohm_last_error(h), "ohm_int_value: expected an int, got 'list'");
    /* ... and the int -1 is then told apart by the cleared message */
    CHECK_EQ_INT(ohm_int_value(m1), -1);
    CHECK_EQ_STR(ohm_last_error(h), "");
    CHECK(ohm_float_value(l) == -1.0);
    CHECK_CONTAINS(ohm_last_error(h), "ohm_float_value: expected a float");
    CHECK(ohm_float_value(f) == -1.0);
    CHECK_EQ_STR(ohm_last_error(h), "");

    /* the unambiguous forms */
    int64_t v = 7;
    double d = 7.0;
    CHECK_EQ_INT(ohm_int_as(m1, &v), 0);
    CHECK_EQ_INT(v, -1);
    CHECK_EQ_INT(ohm_int_as(f, &v), -1);
    CHECK_EQ_INT(v, -1);   /* unchanged by the failure */
    CHECK_EQ_STR(ohm_last_error(h), "ohm_int_as: expected an int, got 'float'");
    CHECK_EQ_INT(ohm_float_as(f, &d), 0);
    CHECK(d == -1.0);
    CHECK_EQ_INT(ohm_float_as(m1, &d), -1);
    CHECK_EQ_STR(ohm_last_error(h), "ohm_float_as: expected a float, got 'int'");
    CHECK_EQ_INT(ohm_int_as(NULL, &v), -1);
    CHECK_CONTAINS(ohm_last_error(NULL), "ohm_int_as");

    /* a success elsewhere leaves the message (as CPython's indicator) ... */
    CHECK(ohm_list_get(l, 3) == NULL);
    CHECK_EQ_STR(ohm_last_error(h), "ohm_list_get: index 3 out of range (len 0)");
    CHECK_EQ_INT(ohm_list_append(l, m1), 0);
    CHECK_EQ_STR(ohm_last_error(h), "ohm_list_get: index 3 out of range (len 0)");
    /* ... until cleared by hand */
    ohm_clear_error(h);
    CHECK_EQ_STR(ohm_last_error(h), "");

    /* dict_get / dict_next / weakref_get: their NULL or 0 that is not an error */
    ohm_object *dct = ohm_dict_new(h), *k = ohm_str_new(h, "key", 3);
    CHECK(ohm_list_get(l, 9) == NULL);
    CHECK(ohm_dict_get(dct, k) == NULL);
    CHECK_EQ_STR(ohm_last_error(h), "");                /* absent */
    CHECK(ohm_dict_get(dct, l) == NULL);
    CHECK_CONTAINS(ohm_last_error(h), "unhashable");     /* an error */
    size_t pos = 0;
    CHECK_EQ_INT(ohm_dict_next(dct, &pos, NULL, NULL), 0);
    CHECK_EQ_STR(ohm_last_error(h), "");                /* the end */
    ohm_object *w = ohm_weakref_new(h, l, NULL, NULL);
    ohm_decref(l);                                       /* w still lists it? no: l dies */
    CHECK(ohm_list_get(m1, 0) == NULL);
    CHECK(ohm_weakref_get(w) == NULL);
    CHECK_EQ_STR(ohm_last_error(h), "");                /* dead */
    CHECK(ohm_weakref_get(m1) == NULL);
    CHECK_EQ_STR(ohm_last_error(h), "ohm_weakref_get: expected a weakref, got 'int'");
    ohm_decref(w);
    ohm_decref(k);
    ohm_decref(dct);
    ohm_decref(f);
    ohm_heap_destroy(h);
}

/* ---------------------------------------------------- types at first use */

typedef struct { ohm_object ob; ohm_object *x; } pair;
static int pair_traverse(ohm_object *self, ohm_visit_fn visit, void *arg) {
    pair *p = (pair *)self;
    return p->x ? visit(p->x, arg) : 0;
}
static int pair_clear(ohm_object *self) {
    pair *p = (pair *)self;
    ohm_object *x = p->x;
    p->x = NULL;
    ohm_xdecref(x);
    return 0;
}

static const ohm_type gc_no_traverse = { .name = "GcNoTraverse", .basicsize = sizeof(pair), .flags = OHM_TYPE_GC };
static const ohm_type too_small = { .name = "TooSmall", .basicsize = 8 };
static const ohm_type clear_only = { .name = "ClearOnly", .basicsize = sizeof(pair), .clear = pair_clear };
static const ohm_type var_type = { .name = "Var", .basicsize = sizeof(ohm_object), .itemsize = 8 };
static const ohm_type fixed_type = { .name = "Fixed", .basicsize = sizeof(pair) };
static const ohm_type bad_freelist = { .name = "BadFreelist", .basicsize = sizeof(ohm_object), .freelist_max = 4 };

static void test_types_checked(void) {
    ohm_heap *h = new_heap();
    CHECK(ohm_new(h, &gc_no_traverse) == NULL);
    CHECK_EQ_STR(ohm_last_error(h), "ohm_new: type 'GcNoTraverse' is a GC type (OHM_TYPE_GC) without traverse");
    CHECK(ohm_new(h, &too_small) == NULL);
    CHECK_EQ_STR(ohm_last_error(h), "ohm_new: type 'TooSmall' has basicsize 8, less than the 16-byte header");
    CHECK(ohm_new(h, &clear_only) == NULL);
    CHECK_EQ_STR(ohm_last_error(h), "ohm_new: type 'ClearOnly' has clear but no traverse");
    CHECK(ohm_new(h, &var_type) == NULL);
    CHECK_EQ_STR(ohm_last_error(h), "ohm_new: type 'Var' has itemsize 8: make its objects with ohm_new_var");
    CHECK(ohm_new_var(h, &fixed_type, 3) == NULL);
    CHECK_EQ_STR(ohm_last_error(h), "ohm_new_var: type 'Fixed' has itemsize 0: make its objects with ohm_new");
    CHECK(ohm_new_var(h, &gc_no_traverse, 0) == NULL);
    CHECK_CONTAINS(ohm_last_error(h), "ohm_new_var: type 'GcNoTraverse'");
    CHECK(ohm_new(h, &bad_freelist) == NULL);
    CHECK_EQ_STR(ohm_last_error(h), "ohm_new: type 'BadFreelist' has freelist_max 4, which needs itemsize 0 and a basicsize of at least 24");
    /* still rejected the second time (a rejected type never enters the cache) */
    CHECK(ohm_new(h, &gc_no_traverse) == NULL);
    CHECK_CONTAINS(ohm_last_error(h), "without traverse");

    /* good types pass, through the cache and out of it (three types alternating) */
    ohm_object *objs[9];
    const ohm_type *ts[3] = { &fixed_type, &ohm_weakref_type, &fixed_type };
    static const ohm_type other = { .name = "Other", .basicsize = 32 };
    ts[1] = &other;
    for (int i = 0; i < 9; i++) {
        objs[i] = i % 3 == 2 ? ohm_new_var(h, &var_type, (size_t)i) : ohm_new(h, ts[i % 3]);
        CHECK(objs[i] != NULL);
        CHECK(ohm_type_of(objs[i]) == (i % 3 == 2 ? &var_type : ts[i % 3]));
    }
    for (int i = 0; i < 9; i++) ohm_decref(objs[i]);
    ohm_heap_destroy(h);
}

/* --------------------------------------------------- user types' free lists */

static int recycled_fin;
static void node_finalize(ohm_object *self) { (void)self; recycled_fin++; }
static void pair_dealloc(ohm_object *self) { pair_clear(self); }
static const ohm_type recycled = { .name = "Recycled", .basicsize = sizeof(pair), .flags = OHM_TYPE_GC,
                                   .traverse = pair_traverse, .clear = pair_clear,
                                   .finalize = node_finalize, .dealloc = pair_dealloc,
                                   .freelist_max = 3 };
static const ohm_type recycled_plain = { .name = "RecycledPlain", .basicsize = sizeof(pair),
                                         .dealloc = pair_dealloc, .freelist_max = 2 };

static size_t blocks_in_use(ohm_heap *h) {
    ohm_heap_stats st;
    ohm_heap_stats_get(h, &st);
    size_t n = 0;
    for (int c = 0; c < OHM_NB_CLASSES; c++) n += st.classes[c].blocks_in_use;
    return n;
}

static void test_user_freelists(void) {
    ohm_heap *h = new_heap();
    recycled_fin = 0;
    /* the same memory comes back, zero-filled, tracked again, finalizable again */
    pair *a = (pair *)ohm_new(h, &recycled);
    a->x = ohm_str_new(h, "abc", 3);   /* strs have no free list */
    CHECK(ohm_gc_is_tracked(&a->ob));
    ohm_object *old = &a->ob;
    size_t used = blocks_in_use(h);
    ohm_decref(&a->ob);
    CHECK_EQ_INT(recycled_fin, 1);
    CHECK_EQ_SIZE(blocks_in_use(h), used - 1);   /* the str went; the pair is kept */
    pair *b = (pair *)ohm_new(h, &recycled);
    CHECK(&b->ob == old);
    CHECK(b->x == NULL);
    CHECK_EQ_SIZE(ohm_refcount(&b->ob), 1);
    CHECK(ohm_gc_is_tracked(&b->ob));
    CHECK(!ohm_gc_is_finalized(&b->ob));
    ohm_decref(&b->ob);
    CHECK_EQ_INT(recycled_fin, 2);

    /* bounded by freelist_max: 5 die, 3 are kept */
    ohm_object *many[5];
    for (int i = 0; i < 5; i++) many[i] = ohm_new(h, &recycled);
    size_t with5 = blocks_in_use(h);
    for (int i = 0; i < 5; i++) ohm_decref(many[i]);
    CHECK_EQ_SIZE(blocks_in_use(h), with5 - 2);
    char stats[8192] = "";
    FILE *f = fmemopen(stats, sizeof stats - 1, "w");
    ohm_debug_mallocstats(h, f);
    fclose(f);
    CHECK_CONTAINS(stats, "3 free 'Recycled' objects * 24 bytes each = 72");

    /* a plain type, and ohm_clear_freelists empties both */
    ohm_object *p = ohm_new(h, &recycled_plain);
    ohm_decref(p);
    CHECK(ohm_new(h, &recycled_plain) == p);
    ohm_decref(p);
    size_t before = blocks_in_use(h);
    CHECK(ohm_clear_freelists(h) >= 4);
    CHECK_EQ_SIZE(blocks_in_use(h), before - 4);
    f = fmemopen(stats, sizeof stats - 1, "w");
    ohm_debug_mallocstats(h, f);
    fclose(f);
    CHECK_CONTAINS(stats, "0 free 'Recycled' objects");

    /* a full collection empties them too */
    ohm_decref(ohm_new(h, &recycled));
    before = blocks_in_use(h);
    ohm_gc_collect(h, 2);
    CHECK_EQ_SIZE(blocks_in_use(h), before - 1);

    /* off: nothing kept */
    CHECK_EQ_INT(ohm_set_freelists(h, 0), 1);
    before = blocks_in_use(h);
    ohm_object *q = ohm_new(h, &recycled_plain);
    ohm_decref(q);
    CHECK_EQ_SIZE(blocks_in_use(h), before);
    ohm_heap_destroy(h);

    /* debug mode keeps none: every death goes to the quarantine */
    h = check_debug_heap();
    ohm_object *r = ohm_new(h, &recycled_plain);
    ohm_decref(r);
    ohm_object *r2 = ohm_new(h, &recycled_plain);
    CHECK(r2 != r);
    ohm_decref(r2);
    CHECK_EQ_INT(ohm_heap_check(h, stderr), 0);
    ohm_heap_destroy(h);
}

/* ------------------------------------------------------- inline accessors */

/* This file uses the inline forms (no OHM_NO_INLINE); the function forms are called
 * with parentheses around the name. Both must agree, errors included. */
static void test_inline_accessors(void) {
    ohm_heap *h = new_heap();
    ohm_object *l = ohm_list_new(h), *t = ohm_tuple_new(h, 2), *i = ohm_int_new(h, 5);
    ohm_list_append(l, i);
    ohm_tuple_set(t, 0, i);
    CHECK(ohm_type_of(l) == (ohm_type_of)(l));
    CHECK(ohm_type_of(l) == &ohm_list_type);
    CHECK_EQ_SIZE(ohm_list_len(l), 1);
    CHECK(ohm_list_get(l, 0) == i);
    CHECK(ohm_list_get(l, 0) == (ohm_list_get)(l, 0));
    CHECK_EQ_SIZE(ohm_tuple_len(t), 2);
    CHECK(ohm_tuple_get(t, 0) == i);
    /* errors go through the functions, with their messages */
    CHECK(ohm_list_get(l, 1) == NULL);
    CHECK_EQ_STR(ohm_last_error(h), "ohm_list_get: index 1 out of range (len 1)");
    CHECK(ohm_list_get(t, 0) == NULL);
    CHECK_EQ_STR(ohm_last_error(h), "ohm_list_get: expected a list, got 'tuple'");
    CHECK_EQ_SIZE(ohm_list_len(i), 0);
    CHECK_EQ_STR(ohm_last_error(h), "ohm_list_len: expected a list, got 'int'");
    CHECK(ohm_tuple_get(t, 1) == NULL);
    CHECK_EQ_STR(ohm_last_error(h), "ohm_tuple_get: item 1 is not set");
    CHECK(ohm_tuple_get(t, 2) == NULL);
    CHECK_EQ_STR(ohm_last_error(h), "ohm_tuple_get: index 2 out of range (len 2)");
    CHECK_EQ_SIZE(ohm_tuple_len(l), 0);
    CHECK_EQ_STR(ohm_last_error(h), "ohm_tuple_len: expected a tuple, got 'list'");
    CHECK(ohm_list_get(NULL, 0) == NULL);
    CHECK_CONTAINS(ohm_last_error(NULL), "ohm_list_get");
    ohm_decref(l);
    ohm_decref(t);
    ohm_heap_destroy(h);
}

/* ------------------------------------------------------------ the leak report */

static void report(ohm_heap *h, char *buf, size_t len) {
    FILE *f = fmemopen(buf, len - 1, "w");
    ohm_report_live(h, f);
    fclose(f);
}

/* The same objects in normal and debug mode: the same bytes; with tracing, the sites. */
static void test_report_live(void) {
    char normal[8192] = "", debug[8192] = "", want[256];
    for (int mode = 0; mode < 2; mode++) {
        ohm_heap *h = mode ? check_debug_heap() : new_heap();
        CHECK_EQ_INT(ohm_trace_start(h, 1), 0);
        ohm_object *l = ohm_list_new(h);
        int line = __LINE__ + 1;
        for (int i = 0; i < 3; i++) { ohm_object *s = ohm_str_new(h, "leaked!", 7); ohm_list_append(l, s); ohm_decref(s); }
        char *buf = mode ? debug : normal;
        report(h, buf, sizeof normal);
        snprintf(want, sizeof want, "ohm: live objects by type (heap %p; bytes as the pools round them)\n", (void *)h);
        CHECK_CONTAINS(buf, want);
        CHECK_CONTAINS(buf, "  str                               3          144\n");   /* 3 x 48 */
        CHECK_CONTAINS(buf, "  total                             4          224\n");
        CHECK_CONTAINS(buf, "where they were allocated (the newest frame; top 3 per type):\n");
        snprintf(want, sizeof want, "    str                         3        144  %s:%d (test_report_live)\n", __FILE__, line);
        CHECK_CONTAINS(buf, want);
        CHECK_EQ_SIZE(ohm_live_objects(h), 4);
        ohm_decref(l);
        CHECK_EQ_SIZE(ohm_live_objects(h), 0);
        ohm_heap_destroy(h);
    }
    /* the byte columns agree line by line (only the heap address differs) */
    CHECK(strcmp(strchr(normal, '\n'), strchr(debug, '\n')) == 0);
}

/* The allocating helpers of issue 10 record their call site, as ohm_new does. */
static void test_callsites_of_helpers(void) {
    ohm_heap *h = new_heap();
    CHECK_EQ_INT(ohm_trace_start(h, 1), 0);
    ohm_object *a = ohm_str_new(h, "abc", 3), *b = ohm_str_new(h, "def", 3);
    int line = __LINE__ + 1;
    ohm_object *c = ohm_str_concat(a, b), *r = ohm_repr(c), *t = ohm_tuple_pack(h, 2, a, b);
    ohm_object *objs[3] = { c, r, t };
    for (int i = 0; i < 3; i++) {
        const ohm_traceback *tb = ohm_trace_get_traceback(h, objs[i]);
        CHECK(tb != NULL && tb->nframe == 1);
        if (tb && tb->nframe) {
            CHECK_EQ_INT(tb->frames[0].lineno, line);
            CHECK_EQ_STR(tb->frames[0].filename, __FILE__);
        }
        ohm_decref(objs[i]);
    }
    ohm_decref(a);
    ohm_decref(b);
    ohm_heap_destroy(h);
}

int main(void) {
    test_error_cleared_by_ambiguous_getters();
    test_types_checked();
    test_user_freelists();
    test_inline_accessors();
    test_report_live();
    test_callsites_of_helpers();
    return check_done();
}
