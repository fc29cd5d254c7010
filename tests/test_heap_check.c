/*
 * test_heap_check.c — ohm_heap_check: 0 on a busy heap (objects, containers, cycles
 * collected and alive, weakrefs, interned strs, tracing with traces in the block tags
 * and in the table, frozen objects), in normal and debug mode; and for each layer a
 * state corrupted through the internal headers makes it return nonzero and print one
 * line naming the problem (alloc: a pool's count, a tag's size, a tag on a free block;
 * trace: traced memory, a traceback id; gc: a young member's word; obj: a weakref
 * target, an interned str's hash, a free-list entry's type). Each corruption is undone after, and the check passes again.
 */
#include "check.h"
#include "gc_types.h"
#include "api/api.h"
#include "alloc/alloc_impl.h"
#include "obj/obj_impl.h"
#include "trace/trace_impl.h"

/* ohm_heap_check(h, out) with out captured: its result, the text in buf. */
static char buf[4096];
static int heap_check_text(ohm_heap *h) {
    buf[0] = '\0';
    FILE *f = fmemopen(buf, sizeof buf, "w");
    int r = ohm_heap_check(h, f);
    fclose(f);
    return r;
}

/* Nonzero, exactly one line, containing each needle. */
static void expect_violation(ohm_heap *h, const char *n1, const char *n2) {
    CHECK(heap_check_text(h) != 0);
    CHECK(ohm_heap_check(h, NULL) != 0);            /* and prints nothing: nowhere to */
    size_t len = strlen(buf);
    CHECK(len > 0 && buf[len - 1] == '\n' && strchr(buf, '\n') == buf + len - 1);
    CHECK_CONTAINS(buf, n1);
    if (n2) CHECK_CONTAINS(buf, n2);
}

static void expect_clean(ohm_heap *h) {
    CHECK_EQ_INT(heap_check_text(h), 0);
    CHECK_EQ_STR(buf, "");
}

static ohm_heap *new_heap(int debug) {
    ohm_config cfg;
    ohm_config_init(&cfg);
    cfg.gc_enabled = 0;
    cfg.debug = debug;
    return ohm_heap_new(&cfg);
}

static void cb_nothing(ohm_object *ref, void *arg) { (void)ref; (void)arg; }

/* A heap with something in every table the check walks; returns what the caller
 * drops at the end (a list holding the survivors). */
static ohm_object *busy(ohm_heap *h) {
    CHECK_EQ_INT(ohm_trace_start(h, 1), 0);
    ohm_object *keep = ohm_list_new(h);
    for (int i = 0; i < 300; i++) {          /* ints, floats, strs, tuples, dicts */
        ohm_object *t = ohm_tuple_new(h, 2);
        ohm_object *n = ohm_int_new(h, 1000 + i), *x = ohm_float_new(h, i * 0.5);
        ohm_tuple_set(t, 0, n);              /* takes its own references */
        ohm_tuple_set(t, 1, x);
        ohm_decref(n);
        ohm_decref(x);
        ohm_object *d = ohm_dict_new(h);
        ohm_object *k = ohm_str_new(h, "key", 3);
        ohm_dict_set(d, k, t);
        ohm_decref(k);
        ohm_list_append(keep, d);
        ohm_decref(d);
        ohm_decref(t);
    }
    for (int i = 0; i < 50; i++) {           /* dead ones: onto the free lists */
        ohm_decref(ohm_float_new(h, i + 0.25));
        ohm_decref(ohm_list_new(h));
    }
    for (int i = 0; i < 20; i++) {           /* cycles: half garbage, half kept */
        node *a = node_new(h, &node_type), *b = node_new(h, &node_type);
        node_set_a(a, &b->ob);
        node_set_a(b, &a->ob);
        if (i % 2) ohm_list_append(keep, &a->ob);
        ohm_decref(&a->ob);
        ohm_decref(&b->ob);
    }
    char name[32];
    for (int i = 0; i < 40; i++) {           /* interned strs, half of them dead again */
        snprintf(name, sizeof name, "interned-%d", i);
        ohm_object *s = ohm_str_intern(h, name, strlen(name));
        if (i % 2) ohm_list_append(keep, s);
        ohm_decref(s);
    }
    for (int i = 0; i < 10; i++) {           /* weakrefs, shared and with callbacks */
        ohm_object *t = ohm_list_new(h);
        ohm_object *w1 = ohm_weakref_new(h, t, NULL, NULL);
        ohm_object *w2 = ohm_weakref_new(h, t, cb_nothing, NULL);
        ohm_list_append(keep, w1);
        ohm_list_append(keep, w2);
        if (i % 2) ohm_list_append(keep, t);
        ohm_decref(w1);
        ohm_decref(w2);
        ohm_decref(t);
    }
    void *big = ohm_malloc(h, 5000);         /* traced in the table, not a tag */
    void *small = ohm_malloc(h, 40);         /* traced in its tag */
    CHECK(ohm_trace_get_traceback(h, big) != NULL && ohm_trace_get_traceback(h, small) != NULL);
    ohm_gc_collect(h, 0);
    ohm_gc_collect(h, 2);                    /* the garbage cycles go */
    for (int i = 0; i < 5; i++) {            /* a young cycle left alive, uncollected */
        node *a = node_new(h, &node_type);
        node_set_a(a, &a->ob);
        ohm_decref(&a->ob);
    }
    ohm_object *frozen = ohm_list_new(h);
    ohm_list_append(keep, frozen);
    ohm_decref(frozen);
    ohm_gc_freeze(h);
    CHECK(ohm_gc_get_freeze_count(h) > 0);
    ohm_object *young = ohm_list_new(h);     /* and one more in generation 0 */
    ohm_list_append(keep, young);
    ohm_decref(young);
    ohm_free(h, big);
    ohm_free(h, small);
    ohm_list_append(keep, ohm_int_new(h, 7));
    return keep;
}

static void test_busy(int debug) {
    ohm_heap *h = new_heap(debug);
    expect_clean(h);                          /* a new heap */
    ohm_object *keep = busy(h);
    expect_clean(h);
    void *big = ohm_malloc(h, 5000), *small = ohm_malloc(h, 40);
    expect_clean(h);                          /* with a live trace in each place */
    ohm_free(h, big);
    ohm_free(h, small);
    ohm_gc_unfreeze(h);
    ohm_gc_collect(h, 2);
    expect_clean(h);
    ohm_decref(keep);
    ohm_gc_collect(h, 2);
    ohm_trace_stop(h);
    expect_clean(h);
    ohm_heap_destroy(h);
    CHECK(ohm_heap_check(NULL, NULL) != 0);
}

/* alloc: a pool's count of blocks in use off by one. */
static void test_pool_ref(void) {
    ohm_heap *h = new_heap(0);
    void *p = ohm_malloc(h, 32);
    struct alloc_pool *pl = pool_of(p);
    pl->ref++;
    expect_violation(h, "ohmi_alloc_check: pool", "2 in use + ");
    pl->ref--;
    expect_clean(h);
    ohm_free(h, p);
    ohm_heap_destroy(h);
}

/* gc: a member of young[0] whose word is not its index. */
static void test_young_word(void) {
    ohm_heap *h = new_heap(0);
    ohm_object *l = ohm_list_new(h);
    CHECK_EQ_SIZE(ohmi_gc_of(h)->young[0].len, 1);
    gc_set_word(l, 1);
    expect_violation(h, "ohmi_gc_check: young[0] slot 0: <list ", "word 1 (want generation 0, word 0)");
    gc_set_word(l, 0);
    expect_clean(h);
    ohm_decref(l);
    ohm_heap_destroy(h);
}

/* obj: a weakref table entry whose target is dead (a float on the free list). */
static void test_weakref_dead_target(void) {
    ohm_heap *h = new_heap(0);
    ohm_object *t = ohm_list_new(h);
    ohm_object *w = ohm_weakref_new(h, t, NULL, NULL);
    ohm_object *f = ohm_float_new(h, 2.5);
    ohm_decref(f);
    CHECK(f->ohm_type == NULL);                /* on the free list */
    CHECK_EQ_INT(ohmi_ptrmap_put(h, &ohmi_obj_of(h)->weakrefs, f, (uintptr_t)w), 0);
    char want[64];
    snprintf(want, sizeof want, "target %p is not a live object", (void *)f);
    expect_violation(h, "ohmi_obj_check: weakref table: ", want);
    ohmi_ptrmap_del(&ohmi_obj_of(h)->weakrefs, f);
    expect_clean(h);
    ohm_decref(w);
    ohm_decref(t);
    ohm_heap_destroy(h);
}

/* obj: an interned str whose cached hash is not its text's. */
static void test_intern_hash(void) {
    ohm_heap *h = new_heap(0);
    ohm_object *s = ohm_str_intern(h, "hello world", 11);
    ((obj_str *)s)->hash ^= 2;
    expect_violation(h, "ohmi_obj_check: interned str ", "'hello world': wrong hash");
    ((obj_str *)s)->hash ^= 2;
    expect_clean(h);
    ohm_decref(s);
    ohm_heap_destroy(h);
}

/* alloc: a block's trace tag whose size does not fit the block. */
static void test_tag_size(void) {
    ohm_heap *h = new_heap(0);
    CHECK_EQ_INT(ohm_trace_start(h, 1), 0);
    void *p = ohm_malloc(h, 40);               /* a 48-byte block */
    uint32_t *slot = ohmi_tag_slot(&ohmi_alloc_of(h)->tags, (uintptr_t)p);
    CHECK(slot != NULL && *slot != 0 && ohmi_tag_size(*slot) == 40);
    uint32_t w = *slot;
    *slot = ohmi_tag_enc(ohmi_tag_value(w), ohmi_tag_domain(w), 100);
    expect_violation(h, "ohmi_alloc_check: tag at ", "size 100 does not fit its 48-byte block");
    *slot = w;
    expect_clean(h);
    ohm_free(h, p);
    *slot = w;                                 /* a tag left on a freed block */
    expect_violation(h, "ohmi_alloc_check: pool ", "has a tag");
    *slot = 0;
    expect_clean(h);
    ohm_trace_stop(h);
    ohm_heap_destroy(h);
}

/* trace: traced memory that disagrees with the traces; a table entry naming a
 * traceback that was never interned. */
static void test_trace_table(void) {
    ohm_heap *h = new_heap(0);
    CHECK_EQ_INT(ohm_trace_start(h, 1), 0);
    void *big = ohm_malloc(h, 5000);           /* traced in the table */
    size_t cur, peak;
    ohm_trace_get_traced_memory(h, &cur, &peak);
    CHECK_EQ_SIZE(cur, 5000);
    ohmi_alloc_of(h)->tags.bytes++;
    ohmi_alloc_of(h)->tags.peak++;
    expect_violation(h, "ohmi_trace_check: the traces weigh 5000 bytes, traced memory says 5001", NULL);
    ohmi_alloc_of(h)->tags.bytes--;
    ohmi_alloc_of(h)->tags.peak--;
    expect_clean(h);
    struct trace_state *t = ohmi_trace_of(h);
    struct trace_entry *e = NULL;
    for (size_t i = 0; i < t->traces_cap; i++)
        if (t->traces[i].ptr == (uintptr_t)big) e = &t->traces[i];
    CHECK(e != NULL);
    if (e) {
        uint32_t tbd = e->tbd;
        e->tbd = (uint32_t)(t->tbs_len + 5) << 2 | (tbd & 3);
        char want[96];
        snprintf(want, sizeof want, "traceback %zu, but %zu are interned", t->tbs_len + 5, t->tbs_len);
        expect_violation(h, "ohmi_trace_check: trace of ", want);
        e->tbd = tbd;
    }
    expect_clean(h);
    ohm_free(h, big);
    ohm_trace_stop(h);
    ohm_heap_destroy(h);
}

/* obj: a free-list entry that still has a type. */
static void test_freelist_type(void) {
    ohm_heap *h = new_heap(0);
    ohm_object *f = ohm_float_new(h, 1.5);
    ohm_decref(f);
    CHECK(ohmi_obj_of(h)->floats.head == f);
    f->ohm_type = &ohm_float_type;
    expect_violation(h, "ohmi_obj_check: free list of floats: entry ", "has type float, rc 0");
    f->ohm_type = NULL;
    expect_clean(h);
    ohm_heap_destroy(h);
}

int main(void) {
    test_busy(0);
    test_busy(1);
    test_pool_ref();
    test_young_word();
    test_weakref_dead_target();
    test_intern_hash();
    test_tag_size();
    test_trace_table();
    test_freelist_type();
    return check_done();
}
