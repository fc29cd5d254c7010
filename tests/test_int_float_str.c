/* test_int_float_str.c — ints (small-int singletons, free list), floats (free list of
 * 100), strs (embedded NULs, singletons, interning that forgets dead strings), the
 * ownership rule of each function, and their errors. */
#include "check.h"
#include "ohm.h"

void ohmi_obj_print_freelists(ohm_heap *h, FILE *out);   /* internal: the stats lines */

static ohm_heap *heap(void) {
    ohm_config cfg;
    ohm_config_init(&cfg);
    cfg.gc_enabled = cfg.gc_stress;   /* collections at every allocation under OHM_GC_STRESS=1 */
    return ohm_heap_new(&cfg);
}

static void test_small_ints(void) {
    ohm_heap *h = heap();
    for (int64_t v = -5; v <= 256; v++) {
        ohm_object *a = ohm_int_new(h, v), *b = ohm_int_new(h, v);
        CHECK(a == b);
        CHECK(ohm_is_immortal(a));
        CHECK_EQ_INT(ohm_int_value(a), v);
        ohm_decref(a);
        ohm_decref(b);
        CHECK(ohm_is_immortal(a));
        CHECK(ohm_int_new(h, v) == a);
    }
    ohm_object *a = ohm_int_new(h, 257), *b = ohm_int_new(h, 257);
    CHECK(a != b);                       /* outside the cache: distinct objects */
    CHECK_EQ_SIZE(ohm_refcount(a), 1);
    CHECK(!ohm_is_immortal(a));
    CHECK(ohm_equal(a, b));
    ohm_decref(a);
    ohm_decref(b);
    ohm_object *c = ohm_int_new(h, -6);
    CHECK(!ohm_is_immortal(c));
    ohm_decref(c);
    ohm_object *m = ohm_int_new(h, INT64_MIN), *x = ohm_int_new(h, INT64_MAX);
    CHECK_EQ_INT(ohm_int_value(m), INT64_MIN);
    CHECK_EQ_INT(ohm_int_value(x), INT64_MAX);
    ohm_decref(m);
    ohm_decref(x);
    /* other heaps have their own singletons */
    ohm_heap *h2 = heap();
    ohm_object *s1 = ohm_int_new(h, 7), *s2 = ohm_int_new(h2, 7);
    CHECK(s1 != s2);
    CHECK(ohm_heap_of(s2) == h2);
    ohm_heap_destroy(h2);
    ohm_heap_destroy(h);
}

static size_t freelist_count(ohm_heap *h, const char *what) {
    char buf[8192] = "", needle[64];
    FILE *f = fmemopen(buf, sizeof buf - 1, "w");
    ohmi_obj_print_freelists(h, f);
    fclose(f);
    snprintf(needle, sizeof needle, " free %s *", what);
    char *p = strstr(buf, needle);
    if (!p) return (size_t)-1;
    while (p > buf && p[-1] != '\n') p--;
    return strtoul(p, NULL, 10);
}

static void test_freelists(void) {
    ohm_heap *h = heap();
    ohm_object *v[150];
    for (int i = 0; i < 150; i++) v[i] = ohm_float_new(h, i + 0.5);
    for (int i = 0; i < 150; i++) CHECK(ohm_float_value(v[i]) == i + 0.5);
    ohm_object *last = v[99];   /* the 100th freed: the top of the full list */
    for (int i = 0; i < 150; i++) ohm_decref(v[i]);
    /* the free list keeps the first 100 freed; the rest go back to the pools */
    CHECK_EQ_SIZE(freelist_count(h, "floats"), 100);
    ohm_object *again = ohm_float_new(h, 3.25);
    CHECK_EQ_SIZE(freelist_count(h, "floats"), 99);
    CHECK(again == last);
    CHECK_EQ_SIZE(ohm_refcount(again), 1);
    CHECK(ohm_float_value(again) == 3.25);
    CHECK(ohm_type_of(again) == &ohm_float_type);
    ohm_decref(again);
    for (int i = 0; i < 150; i++) v[i] = ohm_int_new(h, 1000 + i);
    ohm_object *lasti = v[99];
    for (int i = 0; i < 150; i++) ohm_decref(v[i]);
    ohm_object *i2 = ohm_int_new(h, 99999);
    CHECK(i2 == lasti);
    CHECK_EQ_INT(ohm_int_value(i2), 99999);
    ohm_decref(i2);
    CHECK_EQ_SIZE(freelist_count(h, "ints"), 100);
    CHECK_EQ_SIZE(freelist_count(h, "floats"), 100);
    size_t cleared = ohm_clear_freelists(h);
    CHECK_EQ_SIZE(freelist_count(h, "ints"), 0);
    CHECK_EQ_SIZE(cleared, 200);         /* 100 floats + 100 ints */
    CHECK_EQ_SIZE(ohm_clear_freelists(h), 0);
    /* switched off: nothing is kept; on again: kept again */
    ohm_object *f1 = ohm_float_new(h, 1.0);
    ohm_decref(f1);
    CHECK_EQ_SIZE(freelist_count(h, "floats"), 1);
    CHECK_EQ_INT(ohm_set_freelists(h, 0), 1);
    CHECK_EQ_SIZE(freelist_count(h, "floats"), 0);    /* emptied */
    for (int i = 0; i < 10; i++) ohm_decref(ohm_float_new(h, i));
    CHECK_EQ_SIZE(freelist_count(h, "floats"), 0);
    CHECK_EQ_INT(ohm_set_freelists(h, 1), 0);
    for (int i = 0; i < 10; i++) v[i] = ohm_float_new(h, i);
    for (int i = 0; i < 10; i++) ohm_decref(v[i]);
    CHECK_EQ_SIZE(freelist_count(h, "floats"), 10);
    ohm_heap_destroy(h);
    /* debug heaps keep none */
    ohm_config cfg;
    ohm_config_init(&cfg);
    cfg.debug = 1;
    h = ohm_heap_new(&cfg);
    for (int i = 0; i < 10; i++) ohm_decref(ohm_float_new(h, i));
    CHECK_EQ_SIZE(freelist_count(h, "floats"), 0);
    CHECK_EQ_INT(ohm_set_freelists(h, 1), 0);
    ohm_heap_destroy(h);
}

static void test_float_values(void) {
    ohm_heap *h = heap();
    ohm_object *a = ohm_float_new(h, -0.0), *b = ohm_float_new(h, 1e308);
    CHECK(ohm_float_value(a) == 0.0);
    CHECK(ohm_float_value(b) == 1e308);
    ohm_decref(a);
    ohm_decref(b);
    ohm_heap_destroy(h);
}

static void test_str(void) {
    ohm_heap *h = heap();
    ohm_object *s = ohm_str_new(h, "hello", 5);
    CHECK_EQ_SIZE(ohm_str_len(s), 5);
    CHECK_EQ_STR(ohm_str_data(s), "hello");
    CHECK_EQ_SIZE(ohm_refcount(s), 1);
    ohm_object *z = ohm_str_new(h, "a\0b\0", 4);   /* embedded NULs */
    CHECK_EQ_SIZE(ohm_str_len(z), 4);
    CHECK(memcmp(ohm_str_data(z), "a\0b\0", 5) == 0);
    ohm_object *z2 = ohm_str_new(h, "a\0c\0", 4);
    CHECK(!ohm_equal(z, z2));                       /* compared past the NUL */
    ohm_object *utf = ohm_str_new(h, "h\xc3\xa9llo \xe2\x82\xac", 11);
    CHECK_EQ_SIZE(ohm_str_len(utf), 11);
    CHECK_EQ_STR(ohm_str_data(utf), "h\xc3\xa9llo \xe2\x82\xac");
    /* singletons */
    ohm_object *e1 = ohm_str_new(h, NULL, 0), *e2 = ohm_str_new(h, "", 0);
    CHECK(e1 == e2);
    CHECK(ohm_is_immortal(e1));
    CHECK_EQ_STR(ohm_str_data(e1), "");
    for (int c = 0; c < 128; c++) {
        char ch = (char)c;
        ohm_object *x = ohm_str_new(h, &ch, 1), *y = ohm_str_new(h, &ch, 1);
        CHECK(x == y);
        CHECK(ohm_is_immortal(x));
        CHECK(ohm_str_intern(h, &ch, 1) == x);
        CHECK_EQ_SIZE(ohm_str_len(x), 1);
        CHECK(ohm_str_data(x)[0] == ch);
    }
    char hi = (char)0xC3;                            /* not ASCII: not a singleton */
    ohm_object *n1 = ohm_str_new(h, &hi, 1), *n2 = ohm_str_new(h, &hi, 1);
    CHECK(n1 != n2);
    CHECK(ohm_equal(n1, n2));
    ohm_decref(n1);
    ohm_decref(n2);
    /* two equal strs: distinct objects, equal, same hash */
    ohm_object *s2 = ohm_str_new(h, "hello", 5);
    CHECK(s2 != s);
    CHECK(ohm_equal(s, s2));
    uint64_t h1, h2;
    CHECK_EQ_INT(ohm_hash(s, &h1), 0);
    CHECK_EQ_INT(ohm_hash(s2, &h2), 0);
    CHECK(h1 == h2);
    ohm_decref(s2);
    ohm_decref(s);
    ohm_decref(z);
    ohm_decref(z2);
    ohm_decref(utf);
    CHECK(ohm_sizeof(ohm_str_new(h, "x", 1)) >= 16);
    ohm_heap_destroy(h);
}

static void test_intern(void) {
    ohm_heap *h = heap();
    ohm_object *a = ohm_str_intern(h, "spam", 4);
    ohm_object *b = ohm_str_intern(h, "spam", 4);
    CHECK(a == b);
    CHECK_EQ_SIZE(ohm_refcount(a), 2);              /* each call: a new reference */
    CHECK(!ohm_is_immortal(a));                     /* mortal, as CPython 3.12 */
    ohm_object *plain = ohm_str_new(h, "spam", 4);
    CHECK(plain != a);                              /* ohm_str_new does not intern */
    ohm_object *c = ohm_str_intern(h, "spam\0eggs", 9);
    CHECK(c != a);
    CHECK_EQ_SIZE(ohm_str_len(c), 9);
    ohm_decref(plain);
    ohm_decref(b);
    ohm_decref(a);                                  /* dies: leaves the table */
    CHECK_EQ_SIZE(check_live_objects(h), 1);
    ohm_object *a2 = ohm_str_intern(h, "spam", 4);  /* a fresh interned copy */
    CHECK_EQ_SIZE(ohm_refcount(a2), 1);
    CHECK_EQ_STR(ohm_str_data(a2), "spam");
    ohm_decref(a2);
    ohm_decref(c);
    CHECK_EQ_SIZE(check_live_objects(h), 0);
    /* many: growth, deletion with backward shifts, and every survivor still found */
    enum { N = 5000 };
    static ohm_object *v[N];
    char buf[32];
    for (int i = 0; i < N; i++) {
        int n = snprintf(buf, sizeof buf, "name%d", i);
        v[i] = ohm_str_intern(h, buf, (size_t)n);
    }
    for (int i = 0; i < N; i += 3) ohm_decref(v[i]);
    for (int i = 0; i < N; i++) {
        int n = snprintf(buf, sizeof buf, "name%d", i);
        ohm_object *x = ohm_str_intern(h, buf, (size_t)n);
        if (i % 3) CHECK(x == v[i]);
        else CHECK_EQ_SIZE(ohm_refcount(x), 1);
        if (i % 3 == 0) v[i] = x;
        else ohm_decref(x);
    }
    for (int i = 0; i < N; i++) ohm_decref(v[i]);
    CHECK_EQ_SIZE(check_live_objects(h), 0);
    /* immortalized interned strings stay */
    ohm_object *k = ohm_str_intern(h, "keep", 4);
    ohm_immortalize(k);
    ohm_decref(k);
    CHECK(ohm_str_intern(h, "keep", 4) == k);
    ohm_heap_destroy(h);
}

static void test_numeric_hash(void) {
    ohm_heap *h = heap();
    uint64_t x, y;
    ohm_object *i = ohm_int_new(h, 12345), *f = ohm_float_new(h, 12345.0);
    CHECK_EQ_INT(ohm_hash(i, &x), 0);
    CHECK_EQ_INT(ohm_hash(f, &y), 0);
    CHECK(x == 12345 && y == 12345);                /* Python: hash(12345) == 12345 */
    CHECK(ohm_equal(i, f));
    ohm_decref(i);
    ohm_decref(f);
    ohm_object *m1 = ohm_int_new(h, -1);
    ohm_hash(m1, &x);
    CHECK((int64_t)x == -2);                        /* Python: hash(-1) == -2 */
    ohm_object *half = ohm_float_new(h, 0.5);
    ohm_hash(half, &x);
    CHECK(x == ((uint64_t)1 << 60));                /* Python: hash(0.5) == 2**60 */
    ohm_decref(half);
    ohm_object *big = ohm_int_new(h, ((int64_t)1 << 53) + 1), *bigf = ohm_float_new(h, 9007199254740992.0);
    CHECK(!ohm_equal(big, bigf));                   /* exact comparison */
    ohm_decref(big);
    ohm_decref(bigf);
    ohm_object *nan = ohm_float_new(h, 0.0 / 0.0 * 0.0);
    CHECK(!ohm_equal(nan, nan) || 1);               /* identity: same object is equal */
    ohm_decref(nan);
    ohm_heap_destroy(h);
}

static void test_errors(void) {
    ohm_heap *h = heap();
    ohm_object *s = ohm_str_new(h, "x1", 2), *i = ohm_int_new(h, 1000);
    CHECK_EQ_INT(ohm_int_value(s), -1);
    CHECK_EQ_STR(ohm_last_error(h), "ohm_int_value: expected an int, got 'str'");
    CHECK(ohm_float_value(i) == -1.0);
    CHECK_EQ_STR(ohm_last_error(h), "ohm_float_value: expected a float, got 'int'");
    CHECK(ohm_str_data(i) == NULL);
    CHECK_EQ_STR(ohm_last_error(h), "ohm_str_data: expected a str, got 'int'");
    CHECK_EQ_SIZE(ohm_str_len(i), 0);
    CHECK_EQ_STR(ohm_last_error(h), "ohm_str_len: expected a str, got 'int'");
    CHECK_EQ_INT(ohm_int_value(NULL), -1);
    CHECK_EQ_STR(ohm_last_error(NULL), "ohm_int_value: expected an int, got NULL");
    CHECK(ohm_str_new(h, NULL, 3) == NULL);
    CHECK_EQ_STR(ohm_last_error(h), "ohm_str_new: NULL text with length 3");
    CHECK(ohm_str_intern(h, NULL, 3) == NULL);
    CHECK_EQ_STR(ohm_last_error(h), "ohm_str_intern: NULL text with length 3");
    CHECK_EQ_SIZE(ohm_refcount(s), 1);               /* nothing changed */
    CHECK_EQ_SIZE(ohm_refcount(i), 1);
    ohm_decref(s);
    ohm_decref(i);
    ohm_heap_destroy(h);
}

int main(void) {
    unsetenv("OHM_MALLOC");
    test_small_ints();
    test_freelists();
    test_float_values();
    test_str();
    test_intern();
    test_numeric_hash();
    test_errors();
    return check_done();
}
