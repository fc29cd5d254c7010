/*
 * test_gc_big.c — sizes that would break a recursive collector: a cycle of a million
 * members, a million-deep chain of lists held from outside, and 100k rings of 10
 * doubly-linked nodes (the benchmark's shape) collected in one go.
 */
#include "check.h"
#include "gc_types.h"
#include "api/api.h"

static ohm_heap *new_heap(void) {
    ohm_config cfg;
    ohm_config_init(&cfg);
    cfg.gc_enabled = 0;
    return ohm_heap_new(&cfg);
}

static void test_million_cycle(void) {
    ohm_heap *h = new_heap();
    counters_reset();
    enum { N = 1000000 };
    node *first = node_new(h, &node_type), *prev = first;
    for (int i = 1; i < N; i++) {
        node *n = node_new(h, &node_type);
        node_set_a(prev, &n->ob);
        if (prev != first) ohm_decref(&prev->ob);
        prev = n;
    }
    node_set_a(prev, &first->ob);
    ohm_decref(&prev->ob);
    CHECK_EQ_SIZE(ohm_gc_collect(h, 2), 0);    /* held through first */
    ohm_decref(&first->ob);
    CHECK_EQ_SIZE(ohm_gc_collect(h, 2), N);
    CHECK_EQ_INT(nodes_freed, N);
    ohm_heap_destroy(h);
}

static void test_deep_live_chain(void) {
    ohm_heap *h = new_heap();
    enum { N = 1000000 };
    ohm_object *root = ohm_list_new(h), *cur = root;
    for (int i = 0; i < N; i++) {
        ohm_object *l = ohm_list_new(h);
        ohm_list_append(cur, l);
        ohm_decref(l);
        cur = l;
    }
    ohm_list_append(cur, root);                /* and close it: a cycle held by root */
    CHECK_EQ_SIZE(ohm_gc_collect(h, 0), 0);
    CHECK_EQ_SIZE(ohm_gc_collect(h, 2), 0);
    CHECK_EQ_SIZE(ohm_gc_collect(h, 2), 0);
    ohm_decref(root);
    CHECK_EQ_SIZE(ohm_gc_collect(h, 2), N + 1);
    ohm_heap_destroy(h);
}

static void test_rings(void) {
    ohm_heap *h = new_heap();
    counters_reset();
    enum { RINGS = 100000, LEN = 10 };
    ohm_object *keep = ohm_list_new(h);
    for (int r = 0; r < RINGS; r++) {
        node *ring[LEN];
        for (int i = 0; i < LEN; i++) ring[i] = node_new(h, &node_type);
        for (int i = 0; i < LEN; i++) {
            node_set_a(ring[i], &ring[(i + 1) % LEN]->ob);
            node_set_b(ring[i], &ring[(i + LEN - 1) % LEN]->ob);
        }
        if (r % 10 == 0) ohm_list_append(keep, &ring[0]->ob);   /* a tenth stays */
        for (int i = 0; i < LEN; i++) ohm_decref(&ring[i]->ob);
    }
    CHECK_EQ_SIZE(ohm_gc_collect(h, 2), (size_t)RINGS / 10 * 9 * LEN);
    CHECK_EQ_INT(nodes_freed, RINGS / 10 * 9 * LEN);
    ohm_decref(keep);
    CHECK_EQ_SIZE(ohm_gc_collect(h, 2), (size_t)RINGS / 10 * LEN);
    ohm_heap_destroy(h);
}

int main(void) {
    test_million_cycle();
    test_deep_live_chain();
    test_rings();
    return check_done();
}
