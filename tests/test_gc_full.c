/* test_gc_full.c — a full collection's marking with its sweep fused in (gc.c, "a full
 * collection's marking"): members the walk reaches before any root reaches them enter
 * the unreachable set tentatively and leave it when a root later in the walk reaches
 * them; what the 24-bit word cannot index (gc.tentative_max, lowered here) is left to
 * the sweep walk. The results must not depend on either. (Running out of memory for
 * the set: test_fault, test_gc_out_of_memory_says_so.) */
#include "check.h"
#include "gc_types.h"
#include "api/api.h"

static ohm_heap *new_heap(void) {
    ohm_config cfg;
    ohm_config_init(&cfg);
    cfg.gc_enabled = 0;
    cfg.gc_stress = 0;
    ohm_heap *h = ohm_heap_new(&cfg);
    if (!h) { fprintf(stderr, "heap: %s\n", ohm_last_error(NULL)); exit(1); }
    return h;
}

static node *node_with_id(ohm_heap *h, long id) {
    node *n = node_new(h, &node_type);
    n->id = id;
    return n;
}

enum { ROUNDS = 50, PER = 20 };

/* Each round: PER nodes made before the list that will hold them (so the walk meets
 * them first, unreached), a 2-node garbage cycle between them, a garbage node pointing
 * at a live one, and the list, held by the caller. Returns the garbage made. */
static size_t build(ohm_heap *h, ohm_object **lists) {
    size_t garbage = 0;
    for (int r = 0; r < ROUNDS; r++) {
        node *kids[PER];
        for (int i = 0; i < PER; i++) kids[i] = node_with_id(h, i);
        node *a = node_with_id(h, -1), *b = node_with_id(h, -2);     /* a <-> b: garbage */
        a->a = &b->ob;                                      /* b's creation reference */
        b->a = &a->ob;
        ohm_incref(&a->ob);
        node *g = node_with_id(h, -3);                          /* garbage -> kids[0] */
        ohm_incref(&kids[0]->ob);
        g->a = &kids[0]->ob;
        ohm_decref(&g->ob);                                 /* freed by refcounting */
        lists[r] = ohm_list_new(h);
        for (int i = 0; i < PER; i++) {
            ohm_list_append(lists[r], &kids[i]->ob);
            ohm_decref(&kids[i]->ob);
        }
        kids[1]->b = lists[r];                              /* a cycle through the list */
        ohm_incref(lists[r]);
        ohm_decref(&a->ob);
        garbage += 2;
    }
    return garbage;
}

static size_t live_nodes(ohm_object **lists) {
    size_t n = 0;
    for (int r = 0; r < ROUNDS; r++) n += ohm_list_len(lists[r]);
    return n;
}

static void run(size_t tentative_max) {
    ohm_heap *h = new_heap();
    ohm_object *lists[ROUNDS];
    ohmi_gc_of(h)->tentative_max = tentative_max;
    size_t garbage = build(h, lists);
    nodes_freed = 0;
    CHECK_EQ_SIZE(ohm_gc_collect(h, 2), garbage);
    CHECK_EQ_INT(nodes_freed, (int)garbage);
    CHECK_EQ_SIZE(live_nodes(lists), (size_t)ROUNDS * PER);
    CHECK_EQ_INT(ohm_heap_check(h, stderr), 0);
    /* again: the survivors, now old, and nothing more to find */
    CHECK_EQ_SIZE(ohm_gc_collect(h, 2), 0);
    CHECK_EQ_INT(ohm_heap_check(h, stderr), 0);
    /* the lists dropped: each is in a cycle with its second node */
    for (int r = 0; r < ROUNDS; r++) ohm_decref(lists[r]);
    CHECK_EQ_SIZE(ohm_gc_collect(h, 2), (size_t)ROUNDS * (PER + 1));
    CHECK_EQ_SIZE(ohmi_gc_of(h)->tracked, 0);
    CHECK_EQ_INT(ohm_heap_check(h, stderr), 0);
    ohm_heap_destroy(h);
}

int main(void) {
    run(OHM_GCWORD_MAX);   /* tentative entries and rescues only */
    run(3);                /* three tentative entries, the rest to the sweep walk */
    run(0);                /* none: marking, then the sweep walk, as before */
    return check_done();
}
