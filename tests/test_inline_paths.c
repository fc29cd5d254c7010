/* test_inline_paths.c — the inline per-object paths: the collector's gc_on_new_h and
 * gc_on_release_h keep the young vectors, indices, counts and the trigger exactly as
 * the out-of-line hooks do; an empty pool kept as the only one of its class is armed
 * (pool_arm_empty) and still counts, fills, empties and trims right. */
#include "check.h"
#include "gc_types.h"
#include "api/api.h"
#include "alloc/alloc_impl.h"

/* Every young member knows its index; tracked == young[0] + young[1] + old members. */
static void check_young(ohm_heap *h, ohm_object **objs, size_t n) {
    struct gc_state *g = ohmi_gc_of(h);
    int bad = 0;
    for (int gen = 0; gen < 2; gen++)
        for (size_t i = 0; i < g->young[gen].len; i++) {
            ohm_object *o = g->young[gen].items[i];
            if (gc_word(o) != i || !(o->ohm_bits & OHM_F_TRACKED) ||
                (o->ohm_bits & (GC_GENMASK | GC_MARK)) != (gen ? GC_GEN1 : GC_GEN0))
                bad++;
        }
    CHECK_EQ_INT(bad, 0);
    size_t live = 0, old = 0;
    for (size_t i = 0; i < n; i++) {
        if (!objs[i]) continue;
        live++;
        CHECK(ohm_gc_is_tracked(objs[i]));
        if (!(objs[i]->ohm_bits & GC_GENMASK)) old++;
    }
    CHECK_EQ_SIZE(g->tracked, live);
    CHECK_EQ_SIZE(g->young[0].len + g->young[1].len + old, live);
}

static void test_young_vectors(void) {
    ohm_heap *h = ohm_heap_new(NULL);
    ohm_gc_set_threshold(h, 100000, 10, 10);
    enum { N = 3000 };
    static ohm_object *objs[N];
    for (size_t i = 0; i < N; i++) {
        objs[i] = ohm_new(h, &node_type);
        CHECK_EQ_INT(gc_word(objs[i]), i);
        CHECK_EQ_INT(objs[i]->ohm_bits & ~(OHM_FLAG_MASK), (uint32_t)i << OHM_GCWORD_SHIFT);
        CHECK_EQ_INT(objs[i]->ohm_bits & OHM_FLAG_MASK, OHM_F_TRACKED | GC_GEN0);
    }
    size_t count[3];
    ohm_gc_get_count(h, count);
    CHECK_EQ_SIZE(count[0], N);
    check_young(h, objs, N);
    /* release a third, in a scattered order: swap-removes from the middle and the end */
    uint32_t x = 12345;
    for (size_t k = 0; k < N / 3; k++) {
        x = x * 1103515245u + 12345u;
        size_t i = (x >> 8) % N;
        if (objs[i]) { ohm_decref(objs[i]); objs[i] = NULL; }
    }
    check_young(h, objs, N);
    size_t live = 0;
    for (size_t i = 0; i < N; i++) live += objs[i] != NULL;
    ohm_gc_get_count(h, count);
    CHECK_EQ_SIZE(count[0], live);
    /* generation 1: survivors of a young collection, released from young[1] */
    CHECK_EQ_SIZE(ohm_gc_collect(h, 0), 0);
    CHECK_EQ_SIZE(ohmi_gc_of(h)->young[0].len, 0);
    CHECK_EQ_SIZE(ohmi_gc_of(h)->young[1].len, live);
    for (size_t i = 0; i < N; i += 2)
        if (objs[i]) { ohm_decref(objs[i]); objs[i] = NULL; }
    check_young(h, objs, N);
    /* a new object next to them, then the old generation and frozen objects */
    ohm_object *extra = ohm_new(h, &node_type);
    CHECK_EQ_INT(extra->ohm_bits & OHM_FLAG_MASK, OHM_F_TRACKED | GC_GEN0);
    CHECK_EQ_SIZE(ohm_gc_collect(h, 2), 0);
    CHECK_EQ_SIZE(ohmi_gc_of(h)->young[0].len + ohmi_gc_of(h)->young[1].len, 0);
    ohm_decref(extra);
    for (size_t i = 1; i < N; i += 4)
        if (objs[i]) { ohm_decref(objs[i]); objs[i] = NULL; }
    check_young(h, objs, N);
    ohm_gc_freeze(h);
    size_t frozen = ohm_gc_get_freeze_count(h);
    ohm_object *young = ohm_new(h, &node_type);
    for (size_t i = 0; i < N; i++)
        if (objs[i]) { ohm_decref(objs[i]); objs[i] = NULL; frozen--; }
    CHECK_EQ_SIZE(frozen, 0);
    CHECK_EQ_SIZE(ohm_gc_get_freeze_count(h), 0);
    CHECK_EQ_SIZE(ohmi_gc_of(h)->tracked, 1);
    ohm_decref(young);
    CHECK_EQ_SIZE(ohmi_gc_of(h)->tracked, 0);
    ohm_heap_destroy(h);
}

/* The trigger: disabled, count[0] runs past threshold 0 and nothing is collected;
 * enabled again, the next new object collects. */
static void test_trigger(void) {
    ohm_heap *h = ohm_heap_new(NULL);
    ohm_gc_set_threshold(h, 10, 10, 10);
    ohm_gc_disable(h);
    nodes_freed = 0;
    for (int i = 0; i < 50; i++) {     /* self-cycles: only the collector frees them */
        node *n = (node *)ohm_new(h, &node_type);
        n->a = &n->ob;                 /* the creation reference becomes the cycle's */
    }
    size_t count[3];
    ohm_gc_get_count(h, count);
    CHECK_EQ_SIZE(count[0], 50);
    CHECK_EQ_INT(nodes_freed, 0);
    CHECK_EQ_SIZE(ohmi_gc_of(h)->tracked, 50);
    ohm_gc_enable(h);
    ohm_object *o = ohm_new(h, &node_type);
    CHECK_EQ_INT(nodes_freed, 50);
    CHECK_EQ_SIZE(ohmi_gc_of(h)->tracked, 1);
    CHECK(ohm_gc_is_tracked(o));
    ohm_decref(o);
    CHECK_EQ_INT(nodes_freed, 51);
    ohm_heap_destroy(h);
}

/* Builtin containers through the inline hooks: lists and tuples from free lists. */
static void test_containers(void) {
    ohm_heap *h = ohm_heap_new(NULL);
    for (int round = 0; round < 3; round++) {
        ohm_object *l = ohm_list_new(h), *t = ohm_tuple_new(h, 3);
        CHECK(ohm_gc_is_tracked(l));
        CHECK(ohm_gc_is_tracked(t));
        CHECK_EQ_SIZE(ohmi_gc_of(h)->tracked, 2);
        CHECK_EQ_INT(gc_word(t), 1);
        ohm_decref(l);                 /* swap-remove: t takes index 0 */
        CHECK_EQ_INT(gc_word(t), 0);
        CHECK(ohmi_gc_of(h)->young[0].items[0] == t);
        ohm_decref(t);
        CHECK_EQ_SIZE(ohmi_gc_of(h)->tracked, 0);
        CHECK_EQ_SIZE(ohmi_gc_of(h)->young[0].len, 0);
    }
    ohm_heap_destroy(h);
}

/* A one-block churn on an armed pool, a burst past a page of blocks, and an armed
 * empty head that got a pool behind it (ohmi_alloc_trim gives it back). */
static void test_pool_arm(void) {
    ohm_heap *h = ohm_heap_new(NULL);
    const size_t sz = 496;                        /* class 30: nothing else uses it */
    const unsigned cls = SIZE_CLASS(sz);
    struct alloc_state *a = ohmi_alloc_of(h);
    void *p = ohm_malloc(h, sz);
    struct alloc_pool *pl = pool_of(p);
    ohm_free(h, p);
    CHECK(a->used[POOL_PLAIN][cls] == pl);
    CHECK_EQ_SIZE(pool_used(pl), 0);
    CHECK_EQ_INT(pl->bias, PAGE_SIZE / CLASS_SIZE(cls));   /* armed */
    int same = 1;
    for (int i = 0; i < 10000; i++) {
        void *q = ohm_malloc(h, sz);
        same &= q == p;
        CHECK_EQ_SIZE(pool_used(pl), 1);
        ohm_free(h, q);
    }
    CHECK(same);
    CHECK_EQ_SIZE(pool_used(pl), 0);
    CHECK_EQ_INT(ohmi_alloc_check(h, stderr), 0);
    /* past the armed watermark and back: halving events down to empty, re-armed */
    size_t cap = pool_capacity(pl);
    void **blk = malloc((cap + 1) * sizeof *blk);
    for (size_t i = 0; i < cap / 2; i++) blk[i] = ohm_malloc(h, sz);
    CHECK_EQ_SIZE(pool_used(pl), cap / 2);
    CHECK_EQ_INT(ohmi_alloc_check(h, stderr), 0);
    for (size_t i = 0; i < cap / 2; i++) ohm_free(h, blk[i]);
    CHECK_EQ_SIZE(pool_used(pl), 0);
    CHECK(a->used[POOL_PLAIN][cls] == pl);
    CHECK_EQ_INT(pl->bias, PAGE_SIZE / CLASS_SIZE(cls));
    CHECK_EQ_INT(ohmi_alloc_check(h, stderr), 0);
    /* fill pl: the next block comes from a second pool, the only one listed */
    for (size_t i = 0; i < cap; i++) blk[i] = ohm_malloc(h, sz);
    CHECK_EQ_SIZE(pool_used(pl), cap);
    blk[cap] = ohm_malloc(h, sz);
    struct alloc_pool *p2 = pool_of(blk[cap]);
    CHECK(p2 != pl);
    ohm_free(h, blk[cap]);                        /* p2 empties alone: kept, armed */
    CHECK(a->used[POOL_PLAIN][cls] == p2);
    CHECK_EQ_SIZE(pool_used(p2), 0);
    ohm_free(h, blk[0]);                          /* pl rejoins behind p2 */
    CHECK(p2->next == pl);
    CHECK_EQ_SIZE(pool_used(pl), cap - 1);
    CHECK_EQ_INT(ohmi_alloc_check(h, stderr), 0);
    ohmi_alloc_trim(h);                                /* the empty head goes back */
    CHECK(a->used[POOL_PLAIN][cls] == pl);
    CHECK_EQ_INT(ohmi_alloc_check(h, stderr), 0);
    for (size_t i = 1; i < cap; i++) ohm_free(h, blk[i]);
    CHECK_EQ_SIZE(pool_used(pl), 0);
    CHECK(a->used[POOL_PLAIN][cls] == pl);
    CHECK_EQ_INT(ohmi_alloc_check(h, stderr), 0);
    free(blk);
    ohm_heap_destroy(h);
}

int main(void) {
    test_young_vectors();
    test_trigger();
    test_containers();
    test_pool_arm();
    return check_done();
}
