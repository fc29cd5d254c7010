/*
 * test_weakref.c — weak references: any object, callbacks when the target dies (newest
 * weakref first), several per target, none for a weakref that died first, callbacks
 * that drop the last references to other objects, sharing of callback-less weakrefs,
 * resurrection, and the side table under many targets.
 */
#include "check.h"
#include "gc_types.h"
#include "api/api.h"

static ohm_heap *new_heap(void) {
    ohm_config cfg;
    ohm_config_init(&cfg);
    cfg.gc_enabled = cfg.gc_stress;   /* collections at every allocation under OHM_GC_STRESS=1 */
    return ohm_heap_new(&cfg);
}

#define LOGMAX 64
static int log_n;
static long log_tag[LOGMAX];
static ohm_object *log_ref[LOGMAX];

static void cb_log(ohm_object *ref, void *arg) {
    if (log_n < LOGMAX) { log_tag[log_n] = (long)(intptr_t)arg; log_ref[log_n] = ref; }
    log_n++;
    CHECK(ohm_weakref_get(ref) == NULL);       /* the target is gone for every weakref */
}

static void test_basic(void) {
    ohm_heap *h = new_heap();
    log_n = 0;
    ohm_object *l = ohm_list_new(h);
    CHECK_EQ_SIZE(ohm_weakref_count(l), 0);
    ohm_object *w = ohm_weakref_new(h, l, cb_log, (void *)1);
    CHECK(w != NULL);
    CHECK(ohm_type_of(w) == &ohm_weakref_type);
    CHECK_EQ_SIZE(ohm_refcount(l), 1);         /* a weak reference holds no count */
    CHECK_EQ_SIZE(ohm_weakref_count(l), 1);
    ohm_object *got = ohm_weakref_get(w);
    CHECK(got == l);
    CHECK_EQ_SIZE(ohm_refcount(l), 2);         /* new reference */
    ohm_decref(got);
    ohm_decref(l);
    CHECK_EQ_INT(log_n, 1);
    CHECK(log_ref[0] == w);
    CHECK_EQ_INT(log_tag[0], 1);
    CHECK(ohm_weakref_get(w) == NULL);
    CHECK_EQ_SIZE(ohm_refcount(w), 1);
    ohm_decref(w);
    CHECK(ohm_weakref_new(h, NULL, NULL, NULL) == NULL);
    CHECK_CONTAINS(ohm_last_error(h), "NULL target");
    CHECK(ohm_weakref_get(NULL) == NULL);
    ohm_heap *h2 = new_heap();
    ohm_object *other = ohm_list_new(h2);
    CHECK(ohm_weakref_new(h, other, NULL, NULL) == NULL);
    CHECK_CONTAINS(ohm_last_error(h), "another heap");
    ohm_decref(other);
    CHECK_EQ_INT(ohm_heap_check(h2, stderr), 0);
    ohm_heap_destroy(h2);
    CHECK_EQ_INT(ohm_heap_check(h, stderr), 0);
    ohm_heap_destroy(h);
}

static void test_non_gc_targets(void) {
    ohm_heap *h = new_heap();
    log_n = 0;
    ohm_object *i = ohm_int_new(h, 123456), *s = ohm_str_new(h, "weak", 4);
    ohm_object *f = ohm_float_new(h, 2.5);
    ohm_object *wi = ohm_weakref_new(h, i, cb_log, (void *)1);
    ohm_object *ws = ohm_weakref_new(h, s, cb_log, (void *)2);
    ohm_object *wf = ohm_weakref_new(h, f, cb_log, (void *)3);
    ohm_decref(s);
    CHECK_EQ_INT(log_n, 1);
    CHECK_EQ_INT(log_tag[0], 2);
    ohm_decref(i);
    ohm_decref(f);
    CHECK_EQ_INT(log_n, 3);
    CHECK_EQ_INT(log_tag[1], 1);
    CHECK_EQ_INT(log_tag[2], 3);
    /* an immortal target never dies */
    ohm_object *small = ohm_int_new(h, 7);
    ohm_object *wsmall = ohm_weakref_new(h, small, cb_log, (void *)4);
    ohm_decref(small);
    ohm_object *got = ohm_weakref_get(wsmall);
    CHECK(got == small);
    ohm_decref(got);
    ohm_decref(wi);
    ohm_decref(ws);
    ohm_decref(wf);
    ohm_decref(wsmall);
    CHECK_EQ_INT(log_n, 3);
    CHECK_EQ_INT(ohm_heap_check(h, stderr), 0);
    ohm_heap_destroy(h);
}

static void test_several_and_order(void) {
    ohm_heap *h = new_heap();
    log_n = 0;
    ohm_object *l = ohm_list_new(h);
    ohm_object *w[5];
    for (long k = 0; k < 5; k++) w[k] = ohm_weakref_new(h, l, cb_log, (void *)k);
    CHECK_EQ_SIZE(ohm_weakref_count(l), 5);
    ohm_decref(w[2]);                          /* dies first: its callback never runs */
    CHECK_EQ_SIZE(ohm_weakref_count(l), 4);
    ohm_decref(l);
    CHECK_EQ_INT(log_n, 4);                    /* newest first, as CPython */
    CHECK_EQ_INT(log_tag[0], 4);
    CHECK_EQ_INT(log_tag[1], 3);
    CHECK_EQ_INT(log_tag[2], 1);
    CHECK_EQ_INT(log_tag[3], 0);
    for (int k = 0; k < 5; k++) if (k != 2) ohm_decref(w[k]);
    CHECK_EQ_INT(ohm_heap_check(h, stderr), 0);
    ohm_heap_destroy(h);
}

static void test_shared_basic_ref(void) {
    ohm_heap *h = new_heap();
    ohm_object *l = ohm_list_new(h);
    ohm_object *a = ohm_weakref_new(h, l, NULL, NULL);
    ohm_object *b = ohm_weakref_new(h, l, NULL, NULL);
    CHECK(a == b);                             /* weakref.ref(o) is weakref.ref(o) */
    CHECK_EQ_SIZE(ohm_refcount(a), 2);
    ohm_object *c = ohm_weakref_new(h, l, cb_log, NULL);
    CHECK(c != a);
    CHECK_EQ_SIZE(ohm_weakref_count(l), 2);
    ohm_decref(a);
    ohm_decref(b);
    ohm_decref(c);
    CHECK_EQ_SIZE(ohm_weakref_count(l), 0);
    CHECK(!(l->ohm_bits & OHM_F_WEAKREFD));    /* nothing left to look up */
    ohm_decref(l);
    CHECK_EQ_INT(ohm_heap_check(h, stderr), 0);
    ohm_heap_destroy(h);
}

/* A callback drops the last reference to other objects: another target (whose own
 * callbacks then run, nested), another weakref of the same target (still called: it
 * was alive when the target died), and its own weakref. */
static ohm_object *drop_slots[4];
static int drop_calls;
static void cb_drop(ohm_object *ref, void *arg) {
    (void)ref;
    drop_calls++;
    long k = (long)(intptr_t)arg;
    if (drop_slots[k]) { ohm_object *o = drop_slots[k]; drop_slots[k] = NULL; ohm_decref(o); }
}

static void test_callback_drops_others(void) {
    ohm_heap *h = new_heap();
    drop_calls = 0;
    log_n = 0;
    ohm_object *target = ohm_list_new(h);
    ohm_object *other = ohm_list_new(h);
    ohm_object *wo = ohm_weakref_new(h, other, cb_log, (void *)9);
    ohm_object *w0 = ohm_weakref_new(h, target, cb_drop, (void *)0);
    ohm_object *w1 = ohm_weakref_new(h, target, cb_drop, (void *)1);
    ohm_object *w2 = ohm_weakref_new(h, target, cb_drop, (void *)2);
    drop_slots[2] = other;                     /* w2 runs first: frees other */
    drop_slots[1] = w0;                        /* w1 frees w0 before w0's turn */
    drop_slots[0] = NULL;
    ohm_decref(w1);                            /* w1 lives on in... nothing: dies first */
    w1 = ohm_weakref_new(h, target, cb_drop, (void *)1);  /* a new one, now newest */
    drop_slots[3] = NULL;
    ohm_decref(target);
    /* order: w1 (newest: frees w0), w2 (frees other -> wo's callback), w0 (still
     * called: held while callbacks run) */
    CHECK_EQ_INT(drop_calls, 3);
    CHECK_EQ_INT(log_n, 1);
    CHECK_EQ_INT(log_tag[0], 9);
    CHECK(drop_slots[1] == NULL && drop_slots[2] == NULL);
    ohm_decref(w1);
    ohm_decref(w2);
    ohm_decref(wo);
    CHECK_EQ_INT(ohm_heap_check(h, stderr), 0);
    ohm_heap_destroy(h);
}

static void cb_free_self(ohm_object *ref, void *arg) {
    (void)arg;
    drop_calls++;
    ohm_decref(ref);                           /* the callback owns its weakref */
}

static void test_callback_frees_own_ref(void) {
    ohm_heap *h = new_heap();
    drop_calls = 0;
    ohm_object *l = ohm_list_new(h);
    ohm_weakref_new(h, l, cb_free_self, NULL);
    ohm_weakref_new(h, l, cb_free_self, NULL);
    ohm_decref(l);
    CHECK_EQ_INT(drop_calls, 2);
    ohm_heap_destroy(h);                       /* ASan: nothing leaked, nothing freed twice */
}

/* A finalizer resurrects the target: its weakrefs stay valid. */
static void test_resurrected_target(void) {
    ohm_heap *h = new_heap();
    log_n = 0;
    counters_reset();
    resurrect_slot = NULL;
    node *n = node_new(h, &resurrect_type);
    ohm_object *w = ohm_weakref_new(h, &n->ob, cb_log, NULL);
    ohm_decref(&n->ob);                        /* finalizer: resurrected */
    CHECK(resurrect_slot == &n->ob);
    CHECK_EQ_INT(log_n, 0);
    ohm_object *got = ohm_weakref_get(w);
    CHECK(got == &n->ob);
    ohm_decref(got);
    resurrect_slot = NULL;
    ohm_decref(&n->ob);                        /* finalized already: dies now */
    CHECK_EQ_INT(log_n, 1);
    CHECK(ohm_weakref_get(w) == NULL);
    ohm_decref(w);
    CHECK_EQ_INT(ohm_heap_check(h, stderr), 0);
    ohm_heap_destroy(h);
}

/* Many targets and weakrefs, freed in a scrambled order: the side table grows, shrinks
 * and keeps every list right. */
static void test_many(void) {
    ohm_heap *h = new_heap();
    enum { N = 20000 };
    static ohm_object *targets[N], *refs[N], *refs2[N];
    log_n = 0;
    for (int i = 0; i < N; i++) {
        targets[i] = ohm_int_new(h, 1000 + i);
        refs[i] = ohm_weakref_new(h, targets[i], cb_log, (void *)(intptr_t)i);
        refs2[i] = (i % 3 == 0) ? ohm_weakref_new(h, targets[i], NULL, NULL) : NULL;
    }
    unsigned seed = 12345;
    int calls_expected = 0;
    for (int round = 0; round < N; round++) {
        seed = seed * 1103515245u + 12345u;
        int i = (int)((seed >> 8) % N);
        if (!targets[i]) continue;
        if ((seed >> 4) & 1) { ohm_decref(refs[i]); refs[i] = NULL; }
        else calls_expected++;
        ohm_decref(targets[i]);
        targets[i] = NULL;
    }
    CHECK_EQ_INT(log_n, calls_expected);
    int bad = 0;
    for (int i = 0; i < N; i++) {
        if (targets[i]) {
            ohm_object *got = refs[i] ? ohm_weakref_get(refs[i]) : NULL;
            if (got != targets[i]) bad++;
            if (got) ohm_decref(got);
            if (ohm_weakref_count(targets[i]) != (size_t)(i % 3 == 0 ? 2 : 1)) bad++;
            ohm_decref(targets[i]);
        } else if (refs[i] && ohm_weakref_get(refs[i])) bad++;
        if (refs[i]) ohm_decref(refs[i]);
        if (refs2[i]) { if (ohm_weakref_get(refs2[i])) bad++; ohm_decref(refs2[i]); }
    }
    CHECK_EQ_INT(bad, 0);
    CHECK_EQ_SIZE(ohmi_obj_of(h)->weakrefs.len, 0);
    CHECK_EQ_INT(ohm_heap_check(h, stderr), 0);
    ohm_heap_destroy(h);
}

int main(void) {
    test_basic();
    test_non_gc_targets();
    test_several_and_order();
    test_shared_basic_ref();
    test_callback_drops_others();
    test_callback_frees_own_ref();
    test_resurrected_target();
    test_many();
    return check_done();
}
