/* test_asserts.c — the assertions at three costs (base/base.h). The library and this
 * test are built at the same OHM_DEBUG_LEVEL (CMake passes it to both; the library
 * records its own in ohmi_debug_level). At every level: an assertion that is off
 * expands to ((void)0) and does not evaluate its expression, and a failed one prints
 * "ohm: fatal error: assertion failed: EXPR (file:line, function)" and aborts. At each
 * level the build has, invariants are broken through the internal interfaces in a
 * child process, which must abort naming the assertion that caught it; the levels the
 * build lacks are skipped with a line saying so. */
#include "check.h"
#include "api/api.h"
#include "alloc/alloc_impl.h"

#define STR_(x) #x
#define STR(x) STR_(x)

static ohm_heap *new_heap(void) {
    ohm_config cfg;
    ohm_config_init(&cfg);
    ohm_heap *h = ohm_heap_new(&cfg);
    if (!h) { fprintf(stderr, "no heap: %s\n", ohm_last_error(NULL)); abort(); }
    return h;
}

/* "ohm: fatal error: assertion failed: EXPR (" and the file and function after it. */
static void expect_assert(void (*fn)(void *), const char *expr, const char *file, const char *func) {
    char needle[512];
    snprintf(needle, sizeof needle, "ohm: fatal error: assertion failed: %s (", expr);
    expect_death(fn, NULL, needle);
    snprintf(needle, sizeof needle, "%s:", file);
    expect_death(fn, NULL, needle);
    snprintf(needle, sizeof needle, ", %s)\n", func);
    expect_death(fn, NULL, needle);
}

/* ------------------------------------------------------------ every level */

static void test_macros(void) {
    CHECK_EQ_INT(ohmi_debug_level, OHM_DEBUG_LEVEL);   /* library and test agree */
    int n = 0;
    OHMI_ASSERT(++n > 0);
    OHMI_ASSERT_INTERNAL(++n > 0);
    OHMI_ASSERT_EXPENSIVE(++n > 0);
    /* each one on evaluates its expression once; each one off not at all */
    CHECK_EQ_INT(n, (OHM_DEBUG_LEVEL >= 1) + (OHM_DEBUG_LEVEL >= 2) + (OHM_DEBUG_LEVEL >= 3));
    /* off, the macros are exactly ((void)0): no code at all */
    CHECK_EQ_INT(strcmp(STR(OHMI_ASSERT(n)), "((void)0)") == 0, OHM_DEBUG_LEVEL < 1);
    CHECK_EQ_INT(strcmp(STR(OHMI_ASSERT_INTERNAL(n)), "((void)0)") == 0, OHM_DEBUG_LEVEL < 2);
    CHECK_EQ_INT(strcmp(STR(OHMI_ASSERT_EXPENSIVE(n)), "((void)0)") == 0, OHM_DEBUG_LEVEL < 3);
}

static void fail_directly(void *arg) {
    (void)arg;
    ohmi_assert_fail("x > 0", "some/file.c", 12, "some_function");
}

static void test_message(void) {
    expect_death(fail_directly, NULL,
                 "ohm: fatal error: assertion failed: x > 0 (some/file.c:12, some_function)\n");
}

/* ------------------------------------------------------------ level 1: cheap */

/* The collector's entry with a generation that does not exist (ohm_gc_collect
 * reports it as an error; the internal entry trusts its callers). */
static void collect_gen3(void *arg) {
    (void)arg;
    ohmi_gc_collect_generation(new_heap(), 3);
}

static void test_level1(void) {
    expect_assert(collect_gen3, "gen >= 0 && gen <= 2", "src/gc/gc.c", "ohmi_gc_collect_generation");
}

/* ------------------------------------------------------------ level 2: internal */

/* A pool whose count says no block is in use gets one back (a double free, or a
 * corrupted header): the slow free path catches it. */
static void pool_ref_zero(void *arg) {
    (void)arg;
    ohm_heap *h = new_heap();
    void *p = ohm_malloc(h, 400);
    pool_of(p)->ref = 0;
    ohmi_alloc_free(h, OHM_DOMAIN_MEM, p);
}

/* ref + bias above the pool's capacity: the event the free makes catches it. */
static void pool_bias_over(void *arg) {
    (void)arg;
    ohm_heap *h = new_heap();
    void *p = ohm_malloc(h, 400);
    struct alloc_pool *pl = pool_of(p);
    pl->ref = 1;
    pl->bias = (uint16_t)pool_capacity(pl);
    ohm_free(h, p);
}

/* A young object whose gc word is not its index in its generation's vector. */
static void gc_word_wrong(void *arg) {
    (void)arg;
    ohm_heap *h = new_heap();
    ohm_object *a = ohm_list_new(h), *b = ohm_list_new(h);
    gc_set_word(a, gc_word(b));
    ohm_decref(a);
}

/* The release path entered for an object that still has a reference. */
static void release_live(void *arg) {
    (void)arg;
    ohm_heap *h = new_heap();
    ohm_object *o = ohm_int_new(h, 100000);
    ohm_release_(o);
}

/* A float on its free list written to after its death (as an unchecked incref of a
 * dead object would): the next pop catches it. */
static void freelist_touched(void *arg) {
    (void)arg;
    ohm_heap *h = new_heap();
    ohm_object *f = ohm_float_new(h, 1.5);
    ohm_decref(f);
    f->ohm_rc = 1;
    ohm_float_new(h, 2.5);
}

/* Traced memory smaller than a traced block being freed. */
static void trace_current_low(void *arg) {
    (void)arg;
    ohm_heap *h = new_heap();
    ohm_trace_start(h, 1);
    void *p = ohm_malloc(h, 100);
    ohmi_trace_of(h)->tg->bytes = 0;
    ohm_free(h, p);
}

static void test_level2(void) {
    expect_assert(pool_ref_zero, "pool_used(pl) != 0", "src/alloc/pool.c", "ohmi_pool_free");
#ifdef ALLOC_ASAN   /* ASan builds free through the slow path: pool_used sees it first */
    expect_assert(pool_bias_over, "n <= pool_capacity(pl)", "src/alloc/alloc_impl.h", "pool_used");
#else
    expect_assert(pool_bias_over, "used < pool_capacity(pl)", "src/alloc/pool.c", "ohmi_pool_on_zero");
#endif
    expect_assert(gc_word_wrong, "i <= n && v->items[i] == o", "src/gc/gc.h", "gc_on_release_h");
    expect_assert(release_live, "o->ohm_rc == 0", "src/obj/object.c", "ohm_release_");
    expect_assert(freelist_touched, "o->ohm_type == NULL && o->ohm_rc == 0", "src/obj/obj_impl.h",
                  "obj_freelist_pop");
    /* the allocator's inline untagging or the tracer's free hook, whichever sees the
     * block first: both check the traced bytes (tags.bytes) before subtracting */
    expect_death(trace_current_low, NULL, "ohm: fatal error: assertion failed: ", "bytes >= ");
}

/* ------------------------------------------------------------ level 3: expensive */

/* A pool that empties while its free list is a block short: its count was wrong. */
static void pool_empties_short(void *arg) {
    (void)arg;
    ohm_heap *h = new_heap();
    void *a = ohm_malloc(h, 400), *b = ohm_malloc(h, 400);
    (void)b;
    pool_of(a)->ref = 1;    /* two blocks in use, one counted */
    ohm_free(h, a);         /* count 0: the pool "empties" */
}

/* A count one too high makes no event; the heap check after a collection finds it. */
static void pool_count_high(void *arg) {
    (void)arg;
    ohm_heap *h = new_heap();
    void *a = ohm_malloc(h, 400);
    (void)ohm_malloc(h, 400);
    pool_of(a)->ref++;
    ohm_gc_collect(h, 0);
}

/* The collector's tracked count off by one: the census after a full collection. */
static void gc_tracked_off(void *arg) {
    (void)arg;
    ohm_heap *h = new_heap();
    ohm_object *l = ohm_list_new(h);
    (void)l;
    ohmi_gc_of(h)->tracked++;
    ohm_gc_collect(h, 2);
}

/* Traced memory (and its peak) above the sum of the traces. */
static void trace_sum_off(void *arg) {
    (void)arg;
    ohm_heap *h = new_heap();
    ohm_trace_start(h, 1);
    (void)ohm_malloc(h, 100);
    ohmi_trace_of(h)->tg->bytes++;
    ohmi_trace_of(h)->tg->peak++;
    size_t cur, peak;
    ohm_trace_get_traced_memory(h, &cur, &peak);
}

static void test_level3(void) {
    expect_assert(pool_empties_short, "ohmi_alloc_check_pool(h, pl, stderr) == 0", "src/alloc/pool.c",
                  "ohmi_pool_on_zero");
    expect_death(pool_empties_short, NULL, "0 in use + ");   /* the checker says why */
    expect_assert(pool_count_high, "ohmi_alloc_check(h, stderr) == 0", "src/gc/gc.c",
                  "gc_collect");   /* what every collection, a probe's too, goes through */
    expect_death(pool_count_high, NULL, "3 in use + ");
    expect_assert(gc_tracked_off, "gc_check(h, gen == 2, stderr) == 0", "src/gc/gc.c",
                  "gc_collect");
    expect_death(gc_tracked_off, NULL, "ohmi_gc_check: 1 tracked objects found, 2 counted\n");
    expect_assert(trace_sum_off, "ohmi_trace_check(h, stderr) == 0", "src/trace/trace.c",
                  "ohm_trace_get_traced_memory");
    expect_death(trace_sum_off, NULL, "ohmi_trace_check: the traces weigh 100 bytes, traced memory says 101\n");
}

int main(void) {
    unsetenv("OHM_MALLOC");
    unsetenv("OHM_TRACEMALLOC");
    test_macros();
    test_message();
    void (*level[3])(void) = { test_level1, test_level2, test_level3 };
    for (int i = 1; i <= 3; i++) {
        if (OHM_DEBUG_LEVEL >= i) level[i - 1]();
        else printf("level %d assertions: not built in (OHM_DEBUG_LEVEL %d), their tests skipped\n",
                    i, OHM_DEBUG_LEVEL);
    }
    return check_done();
}
