/*
 * gc_types.h — user types for the collector's tests: a node with two references and
 * variants (no clear, a counting finalizer, a resurrecting finalizer).
 */
#ifndef OHM_TEST_GC_TYPES_H
#define OHM_TEST_GC_TYPES_H

#include "ohm.h"

#define GCT_UNUSED __attribute__((unused))

typedef struct node {
    ohm_object ob;
    ohm_object *a, *b;
    long id;
} node;

GCT_UNUSED static int nodes_freed, finalized_count, cleared_count;
GCT_UNUSED static ohm_object *resurrect_slot;     /* where the resurrecting finalizer puts itself */
GCT_UNUSED static ohm_heap *fin_collect_heap;     /* the collecting finalizer collects this heap */
GCT_UNUSED static size_t fin_collect_result = 12345;

GCT_UNUSED static int node_traverse(ohm_object *self, ohm_visit_fn visit, void *arg) {
    node *n = (node *)self;
    if (n->a && visit(n->a, arg)) return 1;
    if (n->b && visit(n->b, arg)) return 1;
    return 0;
}

GCT_UNUSED static int node_clear(ohm_object *self) {
    node *n = (node *)self;
    ohm_object *a = n->a, *b = n->b;
    n->a = n->b = NULL;
    cleared_count++;
    ohm_xdecref(a);
    ohm_xdecref(b);
    return 0;
}

GCT_UNUSED static void node_dealloc(ohm_object *self) {
    node *n = (node *)self;
    ohm_object *a = n->a, *b = n->b;
    n->a = n->b = NULL;
    nodes_freed++;
    ohm_xdecref(a);
    ohm_xdecref(b);
}

GCT_UNUSED static void node_finalize(ohm_object *self) {
    (void)self;
    finalized_count++;
}

GCT_UNUSED static void node_resurrect(ohm_object *self) {
    finalized_count++;
    if (!resurrect_slot) { ohm_incref(self); resurrect_slot = self; }
}

GCT_UNUSED static void node_fin_collect(ohm_object *self) {
    (void)self;
    finalized_count++;
    fin_collect_result = ohm_gc_collect(fin_collect_heap, 2);
}

GCT_UNUSED static const ohm_type node_type = {
    .name = "node", .basicsize = sizeof(node), .flags = OHM_TYPE_GC,
    .traverse = node_traverse, .clear = node_clear, .dealloc = node_dealloc,
};
GCT_UNUSED static const ohm_type noclear_type = {
    .name = "noclear", .basicsize = sizeof(node), .flags = OHM_TYPE_GC,
    .traverse = node_traverse, .dealloc = node_dealloc,
};
GCT_UNUSED static const ohm_type fin_type = {
    .name = "finnode", .basicsize = sizeof(node), .flags = OHM_TYPE_GC,
    .traverse = node_traverse, .clear = node_clear, .finalize = node_finalize,
    .dealloc = node_dealloc,
};
GCT_UNUSED static const ohm_type resurrect_type = {
    .name = "lazarus", .basicsize = sizeof(node), .flags = OHM_TYPE_GC,
    .traverse = node_traverse, .clear = node_clear, .finalize = node_resurrect,
    .dealloc = node_dealloc,
};
GCT_UNUSED static const ohm_type fincollect_type = {
    .name = "fincollect", .basicsize = sizeof(node), .flags = OHM_TYPE_GC,
    .traverse = node_traverse, .clear = node_clear, .finalize = node_fin_collect,
    .dealloc = node_dealloc,
};

static inline node *node_new(ohm_heap *h, const ohm_type *t) {
    return (node *)ohm_new(h, t);
}

/* n->a = x (a new reference taken; the old one dropped). */
static inline void node_set_a(node *n, ohm_object *x) {
    ohm_object *old = n->a;
    ohm_xincref(x);
    n->a = x;
    ohm_xdecref(old);
}
static inline void node_set_b(node *n, ohm_object *x) {
    ohm_object *old = n->b;
    ohm_xincref(x);
    n->b = x;
    ohm_xdecref(old);
}

static inline void counters_reset(void) {
    nodes_freed = finalized_count = cleared_count = 0;
}

#endif
