/*
 * sweep_gc_incr.c — the fault sweep (sweep.h) over an incremental cycle (gc_incr.c):
 * each allocation failed in turn while old garbage cycles, a long list (traversed by
 * chunks) and live structures go through the count, mark and sweep steps and the
 * closing generation-1 collection, the graph changing between steps. A grey stack or
 * generation-1 vector that cannot grow only makes more candidates, or keeps some
 * garbage for the next cycle; nothing live is freed, and the heap stays consistent.
 */
#include "sweep.h"
#include "gc_types.h"
#include "gc/gc.h"

static void run_cycle(ohm_heap *h, node *mut) {
    ohmi_gc_of(h)->incr.on = 1;
    ohmi_gc_incr_start(h);
    for (int s = 0; ohmi_gc_of(h)->incr.phase != GC_INCR_IDLE; s++) {
        ohmi_gc_incr_step(h, 0);
        if (mut && (s & 1)) {   /* between steps: an edge moved */
            ohm_object *t = mut->a;
            ohm_xincref(t);
            node_set_a(mut, mut->b);
            node_set_b(mut, t);
            ohm_xdecref(t);
        }
    }
}

static int sc_cycle(ohm_heap *h) {
    int r = -1;
    node *live = NULL;
    ohm_object *big = NULL;
    counters_reset();
    if (!(live = node_new(h, &node_type))) goto oom;
    if (!(big = ohm_list_new(h))) goto oom;
    for (int i = 0; i < 5000; i++) {   /* a long list: traversed in chunks */
        node *n = node_new(h, &node_type);
        if (!n) goto oom;
        int rc = ohm_list_append(big, &n->ob);
        if (i % 100 == 0 && rc == 0) node_set_a(n, big);   /* cycles through the list */
        ohm_decref(&n->ob);
        if (rc < 0) goto oom;
    }
    node_set_a(live, big);
    for (int i = 0; i < 50; i++) {     /* garbage 2-cycles, made old first */
        node *a = node_new(h, &fin_type), *b = a ? node_new(h, &node_type) : NULL;
        if (!b) { ohm_xdecref(a ? &a->ob : NULL); goto oom; }
        node_set_a(a, &b->ob);
        node_set_a(b, &a->ob);
        node_set_b(live, &a->ob);
        ohm_decref(&a->ob);
        ohm_decref(&b->ob);
    }
    ohm_gc_collect(h, 2);               /* all old (or, out of memory, some stay young) */
    node_set_b(live, NULL);             /* the last 2-cycle is garbage now */
    run_cycle(h, live);
    CHECK(ohm_list_len(big) == 5000);   /* reachable: intact */
    r = 0;
    goto out;
oom:
    SWEEP_OOM(h);
out:
    ohm_xdecref(big);
    ohm_xdecref(live ? &live->ob : NULL);
    run_cycle(h, NULL);
    run_cycle(h, NULL);
    ohm_gc_collect(h, 2);
    return r;
}

int main(void) {
    sweep_run("gc_incr: a cycle by steps", sc_cycle);
    return check_done();
}
