/* test_alloc_objects.c — object memory for the objects and gc subsystems:
 * ohmi_alloc_object's header, pools of their own kind, ohmi_alloc_heap_of, the walks. */
#include "check.h"
#include "api/api.h"

#include <stdint.h>

static const ohm_type gc_t = {.name = "G", .basicsize = 32, .flags = OHM_TYPE_GC};
static const ohm_type plain_t = {.name = "P", .basicsize = 32};

static ohm_heap *heap_with(int debug) {
    ohm_config cfg;
    ohm_config_init(&cfg);
    cfg.debug = debug;
    ohm_heap *h = ohm_heap_new(&cfg);
    CHECK(h != NULL);
    return h;
}

struct walk { size_t n, gc; uintptr_t last; int ordered, large_seen; size_t stop_at; };
static int walker(ohm_object *o, void *arg) {
    struct walk *w = arg;
    w->n++;
    if (o->ohm_type == &gc_t) w->gc++;
    if (o->ohm_bits & OHM_F_LARGE) w->large_seen = 1;
    else if (w->large_seen || (uintptr_t)o <= w->last) w->ordered = 0;   /* pools first, ascending */
    w->last = (uintptr_t)o;
    return w->stop_at && w->n == w->stop_at ? 42 : 0;
}

static struct walk walk(ohm_heap *h, int gc_only) {
    struct walk w = {0, 0, 0, 1, 0, 0};
    CHECK_EQ_INT(ohmi_alloc_walk_objects(h, gc_only, walker, &w), 0);
    return w;
}

static void test_objects(int debug) {
    ohm_heap *h = heap_with(debug);
    enum { N = 20000 };
    static ohm_object *o[N];
    static void *blk[N];
    size_t ngc = 0;
    for (int i = 0; i < N; i++) {
        size_t n = 16 + (size_t)(i * 37) % (i % 50 == 0 ? 2000 : 497);
        int gc = i % 3 != 0;
        o[i] = ohmi_alloc_object(h, n, gc);
        CHECK(o[i] != NULL);
        CHECK_EQ_INT((uintptr_t)o[i] % 16, 0);
        CHECK_EQ_INT(o[i]->ohm_rc, 0);
        CHECK(o[i]->ohm_type == NULL);
        CHECK_EQ_INT(o[i]->ohm_bits, n + (debug ? 40 : 0) > OHM_SMALL_MAX ? OHM_F_LARGE : 0);
        CHECK(ohmi_alloc_heap_of(o[i]) == h);
        o[i]->ohm_rc = 1;
        o[i]->ohm_type = gc ? &gc_t : &plain_t;
        ngc += gc;
        /* plain blocks of the same sizes, filled with what looks like type pointers */
        blk[i] = ohm_malloc(h, n);
        memset(blk[i], 0x5a, n);
    }
    CHECK_EQ_INT(ohmi_alloc_check(h, stderr), 0);
    struct walk w = walk(h, 0);
    CHECK_EQ_SIZE(w.n, N);
    CHECK_EQ_SIZE(w.gc, ngc);
    CHECK(w.ordered);
    CHECK(w.large_seen);
    w = walk(h, 1);
    CHECK_EQ_SIZE(w.n, ngc);
    CHECK_EQ_SIZE(w.gc, ngc);
    /* free every other object, and all blocks */
    size_t left = 0, leftgc = 0;
    for (int i = 0; i < N; i++) {
        ohm_free(h, blk[i]);
        if (i % 2) { ohmi_alloc_object_free(h, o[i]); o[i] = NULL; }
        else { left++; leftgc += i % 3 != 0; }
    }
    CHECK_EQ_INT(ohmi_alloc_check(h, stderr), 0);
    w = walk(h, 0);
    CHECK_EQ_SIZE(w.n, left);
    CHECK_EQ_SIZE(w.gc, leftgc);
    w = walk(h, 1);
    CHECK_EQ_SIZE(w.n, leftgc);
    /* reused slots come back clean */
    for (int i = 1; i < N; i += 2) {
        o[i] = ohmi_alloc_object(h, 48, 1);
        CHECK(o[i]->ohm_type == NULL && o[i]->ohm_rc == 0 && o[i]->ohm_bits == 0);
    }
    w = walk(h, 0);
    CHECK_EQ_SIZE(w.n, left);      /* type NULL: not yet objects */
    /* a nonzero result stops the walk */
    struct walk s = {0, 0, 0, 1, 0, 10};
    CHECK_EQ_INT(ohmi_alloc_walk_objects(h, 0, walker, &s), 42);
    CHECK_EQ_SIZE(s.n, 10);
    /* a free-list keeper (type NULL, memory kept) is skipped too */
    o[0]->ohm_type = NULL;
    w = walk(h, 0);
    CHECK_EQ_SIZE(w.n, left - 1);
    for (int i = 0; i < N; i++) if (o[i]) ohmi_alloc_object_free(h, o[i]);
    w = walk(h, 0);
    CHECK_EQ_SIZE(w.n, 0);
    ohm_heap_destroy(h);
}

/* A free object slot reads rc 0, bits 0 and a tagged link for a type (alloc.h), in
 * both modes (in debug mode the object sits past the debug prefix, and so does the
 * link); ohmi_alloc_check finds a slot written after its free. Reads freed memory: not
 * under the sanitizers or memcheck. */
static void test_free_slot(int debug) {
#ifndef OHM_SANITIZER
    if (check_under_memcheck()) return;
    ohm_heap *h = heap_with(debug);
    ohm_object *keep = ohmi_alloc_object(h, 32, 1), *o = ohmi_alloc_object(h, 32, 1);
    keep->ohm_type = &gc_t;
    o->ohm_type = &gc_t;
    o->ohm_rc = 1;
    o->ohm_bits = 0x100;
    CHECK(ohmi_alloc_live(o) && !ohmi_alloc_freed(o));
    o->ohm_rc = 0;
    ohmi_alloc_object_free(h, o);
    CHECK(ohmi_alloc_freed(o) && !ohmi_alloc_live(o));
    CHECK_EQ_INT(o->ohm_rc, 0);
    CHECK_EQ_INT(o->ohm_bits, 0);
    CHECK_EQ_INT(ohmi_alloc_check(h, stderr), 0);
    CHECK_EQ_SIZE(walk(h, 0).n, 1);
    char buf[1024];
    FILE *f = fmemopen(buf, sizeof buf - 1, "w");
    o->ohm_bits = 4;                      /* a write after the free */
    CHECK_EQ_INT(ohmi_alloc_check(h, f), 1);
    fclose(f);
    CHECK_CONTAINS(buf, "has rc 0, bits 0x4 (want 0, 0");
    o->ohm_bits = 0;
    const ohm_type *link = o->ohm_type;
    o->ohm_type = &plain_t;               /* the link overwritten */
    f = fmemopen(buf, sizeof buf - 1, "w");
    CHECK(ohmi_alloc_check(h, f) >= 1);
    fclose(f);
    CHECK_CONTAINS(buf, "is no free-list link");
    o->ohm_type = link;
    CHECK_EQ_INT(ohmi_alloc_check(h, stderr), 0);
    /* reused: the header as ohmi_alloc_object promises */
    ohm_object *again = ohmi_alloc_object(h, 32, 1);
    CHECK(again == o);
    CHECK(again->ohm_type == NULL && again->ohm_rc == 0 && again->ohm_bits == 0);
    ohmi_alloc_object_free(h, again);
    ohmi_alloc_object_free(h, keep);
    CHECK_EQ_INT(ohmi_alloc_check(h, stderr), 0);
    ohm_heap_destroy(h);
#else
    (void)debug;
#endif
}

/* Objects of two heaps: ohmi_alloc_heap_of is O(1) and right for pool and large ones. */
static void test_heap_of(void) {
    ohm_heap *a = heap_with(0), *b = heap_with(1);
    ohm_object *x[6];
    for (int i = 0; i < 6; i++) x[i] = ohmi_alloc_object(i % 2 ? b : a, i < 3 ? 32 : 4000, i % 2);
    for (int i = 0; i < 6; i++) CHECK(ohmi_alloc_heap_of(x[i]) == (i % 2 ? b : a));
    for (int i = 0; i < 6; i++) ohmi_alloc_object_free(i % 2 ? b : a, x[i]);
    ohm_heap_destroy(a);
    ohm_heap_destroy(b);
}

/* Many objects: the walk sees them all after page trimming too. */
static void test_walk_big(void) {
    ohm_heap *h = heap_with(0);
    enum { N = 200000 };
    ohm_object **o = malloc(N * sizeof *o);
    for (int i = 0; i < N; i++) { o[i] = ohmi_alloc_object(h, 32, 1); o[i]->ohm_type = &gc_t; }
    struct walk w = walk(h, 1);
    CHECK_EQ_SIZE(w.n, N);
    size_t kept = 0;
    for (int i = 0; i < N; i++) {
        if (i % 997 == 0) { kept++; continue; }
        ohmi_alloc_object_free(h, o[i]);
        o[i] = NULL;
    }
    ohmi_alloc_trim(h);
    ohm_heap_stats st;
    ohm_heap_stats_get(h, &st);
    CHECK(st.pages_released > 1000);
    CHECK_EQ_INT(ohmi_alloc_check(h, stderr), 0);
    w = walk(h, 1);
    CHECK_EQ_SIZE(w.n, kept);
    for (int i = 0; i < N; i++) if (o[i]) ohmi_alloc_object_free(h, o[i]);
    free(o);
    ohm_heap_destroy(h);
}

int main(void) {
    unsetenv("OHM_MALLOC");
    unsetenv("OHM_MALLOCSTATS");
    unsetenv("OHM_TRACEMALLOC");
    test_objects(0);
    test_objects(1);
    test_free_slot(0);
    test_free_slot(1);
    test_heap_of();
    test_walk_big();
    return check_done();
}
