/* test_alloc_defer.c — ohmi_alloc_defer_release: a burst of frees inside the bracket
 * releases nothing until the bracket closes, then gives the memory back in one pass
 * (empty arenas unmapped, free pages of the surviving pools madvised: the 15% target
 * holds); brackets nest; a pool being refilled is not trimmed; and the collector's
 * delete phase (which uses the bracket) hands a mass of garbage back. */
#include "check.h"
#include "api/api.h"
#include "alloc/alloc_impl.h"
#include "gc_types.h"

#include <sys/mman.h>

#include <stdint.h>
#include <stdlib.h>

static ohm_heap *new_heap(void) {
    ohm_config cfg;
    ohm_config_init(&cfg);
    ohm_heap *h = ohm_heap_new(&cfg);
    CHECK(h != NULL);
    return h;
}

static size_t resident_pages(ohm_heap *h) {
    size_t n = 0;
    unsigned char vec[ARENA_SIZE / PAGE_SIZE];
    for (struct alloc_arena *ar = ohmi_alloc_of(h)->arenas; ar; ar = ar->next) {
        if (mincore(ar, ARENA_SIZE, vec) != 0) continue;
        for (size_t i = 0; i < sizeof vec; i++) n += vec[i] & 1;
    }
    return n;
}

static void shuffle(uint32_t **v, int n, unsigned seed) {
    for (int i = n - 1; i > 0; i--) {
        seed = seed * 1103515245u + 12345u;
        int j = (int)((seed >> 8) % (unsigned)(i + 1));
        uint32_t *t = v[i]; v[i] = v[j]; v[j] = t;
    }
}

/* 99.9% of 300k blocks freed at random inside a (nested) bracket: nothing released
 * until the outer bracket closes; then at most 15% of the peak stays resident. */
static void test_bracket(void) {
    ohm_heap *h = new_heap();
    enum { N = 300000 };
    uint32_t **v = malloc(N * sizeof *v);
    for (int i = 0; i < N; i++) { v[i] = ohm_malloc(h, 32); v[i][0] = (uint32_t)i; }
    size_t peak = resident_pages(h);
    ohm_heap_stats st0, st1, st2;
    ohm_heap_stats_get(h, &st0);
    shuffle(v, N, 4242);
    ohmi_alloc_defer_release(h, 1);
    ohmi_alloc_defer_release(h, 1);
    for (int i = 0; i < N; i++) if (i % 1000) { ohm_free(h, v[i]); v[i] = NULL; }
    ohm_heap_stats_get(h, &st1);
    CHECK_EQ_SIZE(st1.pages_released, st0.pages_released);
    CHECK_EQ_SIZE(st1.arenas_reclaimed, st0.arenas_reclaimed);
    CHECK_EQ_SIZE(st1.arenas_current, st0.arenas_current);
    CHECK(resident_pages(h) * 10 >= peak * 9);      /* all still there */
    ohmi_alloc_defer_release(h, 0);                      /* inner: still nothing */
    ohm_heap_stats_get(h, &st1);
    CHECK_EQ_SIZE(st1.pages_released, st0.pages_released);
    CHECK_EQ_SIZE(st1.arenas_current, st0.arenas_current);
    ohmi_alloc_defer_release(h, 0);                      /* outer: the burst is over */
    ohm_heap_stats_get(h, &st2);
    size_t kept = resident_pages(h);
    CHECK(st2.pages_released > st0.pages_released);
    CHECK(kept * 100 <= peak * 15);
    fprintf(stderr, "bracketed 0.1%% survivors: %zu of %zu pages resident (%.1f%%)\n",
            kept, peak, 100.0 * (double)kept / (double)peak);
    CHECK_EQ_INT(ohmi_alloc_check(h, stderr), 0);
    int ok = 1;
    for (int i = 0; i < N; i++) if (v[i] && v[i][0] >= N) ok = 0;
    CHECK(ok);
    for (int i = 0; i < N; i++) if (v[i]) ohm_free(h, v[i]);
    ohmi_alloc_defer_release(h, 0);                      /* unbalanced close: ignored */
    CHECK_EQ_INT(ohmi_alloc_of(h)->defer, 0);
    free(v);
    ohm_heap_destroy(h);
}

/* A small burst (a young collection's worth) drains a few pools to their
 * watermarks; the program refills them and drains them again, round after round:
 * those pools are never trimmed (no page faulted back in each round). */
static void test_refill_not_trimmed(void) {
    ohm_heap *h = new_heap();
    enum { N = 4096 };
    uint32_t **v = calloc(N, sizeof *v);
    size_t released_at_5 = 0;
    for (int round = 0; round < 50; round++) {
        for (int i = 0; i < N; i++) if (!v[i]) { v[i] = ohm_malloc(h, 32); v[i][0] = (uint32_t)i; }
        if (round == 5) released_at_5 = ohmi_alloc_of(h)->pages_released;
        ohmi_alloc_defer_release(h, 1);
        for (int i = 0; i < N; i++) if (i % 97) { ohm_free(h, v[i]); v[i] = NULL; }
        ohmi_alloc_defer_release(h, 0);
    }
    CHECK_EQ_SIZE(ohmi_alloc_of(h)->pages_released, released_at_5);
    CHECK_EQ_INT(ohmi_alloc_check(h, stderr), 0);
    int ok = 1;
    for (int i = 0; i < N; i++) if (v[i] && v[i][0] != (uint32_t)i) ok = 0;
    CHECK(ok);
    for (int i = 0; i < N; i++) if (v[i]) ohm_free(h, v[i]);
    free(v);
    ohm_heap_destroy(h);
}

/* The collector brackets its delete phase: 20k rings of 10 nodes collected, then the
 * memory is handed back (arenas unmapped but the spare). */
static void test_gc_mass_free(void) {
    ohm_heap *h = new_heap();
    ohm_gc_disable(h);
    enum { RINGS = 20000, LEN = 10 };
    for (int r = 0; r < RINGS; r++) {
        node *first = (node *)ohm_new(h, &node_type), *prev = first;
        CHECK(first != NULL);
        for (int k = 1; k < LEN; k++) {
            node *n = (node *)ohm_new(h, &node_type);
            prev->a = &n->ob;            /* the new reference moves into prev */
            prev = n;
        }
        ohm_incref(&first->ob);
        prev->a = &first->ob;
        ohm_decref(&first->ob);
    }
    ohm_heap_stats st0, st1;
    ohm_heap_stats_get(h, &st0);
    CHECK(st0.arenas_current >= 4);
    CHECK_EQ_SIZE(ohm_gc_collect(h, 2), (size_t)RINGS * LEN);
    ohm_heap_stats_get(h, &st1);
    CHECK(st1.arenas_current <= 2);
    CHECK_EQ_INT(ohmi_alloc_of(h)->defer, 0);
    CHECK_EQ_INT(ohmi_alloc_check(h, stderr), 0);
    ohm_heap_destroy(h);
}

/* Full collections walk the GC pools by spans (ohmi_alloc_walk_spans), skipping slots on
 * pages a pool released while in use: after 99.9% of 200k nodes die at random, pages
 * are released inside GC pools, and a full collection still finds exactly the cycles
 * made among the survivors. */
static void test_walk_released_pages(void) {
    ohm_heap *h = new_heap();
    ohm_gc_disable(h);
    enum { N = 200000 };
    node **v = malloc(N * sizeof *v);
    for (int i = 0; i < N; i++) { v[i] = (node *)ohm_new(h, &node_type); v[i]->id = i; }
    shuffle((uint32_t **)v, N, 99);
    size_t rel0 = ohmi_alloc_of(h)->pages_released;
    for (int i = 0; i < N; i++) if (i % 1000) { ohm_decref(&v[i]->ob); v[i] = NULL; }
    CHECK(ohmi_alloc_of(h)->pages_released > rel0);
    int partly_released = 0;
    for (struct alloc_arena *ar = ohmi_alloc_of(h)->arenas; ar; ar = ar->next)
        for (unsigned i = 0; i < ARENA_POOLS; i++)
            if (!((ar->free_mask >> i) & 1) && pool_kind(&ar->pools[i]) == POOL_GC &&
                (ar->pools[i].flags >> POOL_REL_SHIFT))
                partly_released = 1;
    CHECK(partly_released);
    /* survivors in pairs: the first pairs become 2-cycles and are dropped */
    node *s[N / 1000];
    int ns = 0;
    for (int i = 0; i < N; i++) if (v[i]) s[ns++] = v[i];
    CHECK_EQ_INT(ns, N / 1000);
    size_t dropped = 0;
    for (int k = 0; k + 1 < ns / 2; k += 2, dropped += 2) {
        ohm_incref(&s[k + 1]->ob); s[k]->a = &s[k + 1]->ob;
        ohm_incref(&s[k]->ob); s[k + 1]->a = &s[k]->ob;
        ohm_decref(&s[k]->ob);
        ohm_decref(&s[k + 1]->ob);
    }
    CHECK_EQ_SIZE(ohm_gc_collect(h, 2), dropped);
    CHECK_EQ_SIZE(ohm_gc_collect(h, 2), 0);
    int ok = 1;
    for (int k = (int)dropped; k < ns; k++) if (s[k]->id < 0 || s[k]->id >= N || s[k]->a) ok = 0;
    CHECK(ok);
    for (int k = (int)dropped; k < ns; k++) ohm_decref(&s[k]->ob);
    CHECK_EQ_INT(ohmi_alloc_check(h, stderr), 0);
    free(v);
    ohm_heap_destroy(h);
}

int main(void) {
    test_walk_released_pages();
    test_bracket();
    test_refill_not_trimmed();
    test_gc_mass_free();
    return check_done();
}
