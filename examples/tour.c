/*
 * tour.c — a walk through ohm, one subsystem a step: `make demo` runs it.
 *
 *   1. the private heap: blocks from size-classed pools, and the stats table
 *   2. memory handed back: 1M small blocks, 99.9% freed at random
 *   3. objects: reference counts, small ints, interned strings, containers
 *   4. the cycle collector: garbage cycles, weak references, "why is this alive?"
 *   5. tracing: which lines hold the memory, and what grew
 * and then (the Makefile's last step) 6. a small Lisp built on ohm, examples/lisp.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ohm.h"

static void title(const char *t) { printf("\n== %s ==\n", t); }

/* Resident memory of this process, in KiB (Linux; 0 elsewhere). */
static long rss_kib(void) {
    FILE *f = fopen("/proc/self/statm", "r");
    long pages = 0, resident = 0;
    if (!f) return 0;
    if (fscanf(f, "%ld %ld", &pages, &resident) != 2) resident = 0;
    fclose(f);
    return resident * 4;
}

static void step_heap(ohm_heap *h) {
    title("1. the private heap: arenas -> pools -> blocks");
    void *blocks[64];
    for (int i = 0; i < 64; i++) blocks[i] = ohm_malloc(h, (size_t)(i + 1) * 8);
    printf("64 blocks of 8..512 bytes; every one 16-byte aligned: %s\n",
           ((uintptr_t)blocks[3] | (uintptr_t)blocks[40]) % 16 ? "no" : "yes");
    for (int i = 0; i < 64; i += 2) ohm_free(h, blocks[i]);
    ohm_debug_mallocstats(h, stdout);
    for (int i = 1; i < 64; i += 2) ohm_free(h, blocks[i]);
}

static void step_release(ohm_heap *h) {
    title("2. memory handed back: 1M blocks of 32 B, then 99.9% freed at random");
    enum { N = 1000000 };
    void **p = malloc(N * sizeof *p);
    if (!p) return;
    for (size_t i = 0; i < N; i++) p[i] = p;   /* make our own array resident before the baseline */
    long base = rss_kib();
    for (size_t i = 0; i < N; i++) p[i] = ohm_malloc(h, 32);
    long peak = rss_kib();
    ohm_heap_stats st;
    ohm_heap_stats_get(h, &st);
    size_t arenas_peak = st.arenas_current;
    srand(42);
    for (size_t i = N - 1; i > 0; i--) {  /* shuffle, then keep the first 0.1% */
        size_t j = (size_t)rand() % (i + 1);
        void *t = p[i]; p[i] = p[j]; p[j] = t;
    }
    for (size_t i = N / 1000; i < N; i++) ohm_free(h, p[i]);
    long after = rss_kib();
    ohm_heap_stats_get(h, &st);
    printf("arenas mapped: %zu at the peak, %zu with 1000 survivors\n", arenas_peak, st.arenas_current);
    printf("resident: +%ld KiB at the peak, +%ld KiB after the frees (%.1f%% kept; CPython keeps ~100%%)\n",
           peak - base, after - base, peak > base ? 100.0 * (double)(after - base) / (double)(peak - base) : 0.0);
    for (size_t i = 0; i < N / 1000; i++) ohm_free(h, p[i]);
    free(p);
}

static void step_objects(ohm_heap *h) {
    title("3. objects: reference counting and the builtin types");
    ohm_object *a = ohm_int_new(h, 256), *b = ohm_int_new(h, 256);
    ohm_object *c = ohm_int_new(h, 257), *d = ohm_int_new(h, 257);
    printf("int 256 is one immortal object: %s; int 257 twice: two objects: %s\n",
           a == b && ohm_is_immortal(a) ? "yes" : "no", c != d ? "yes" : "no");
    ohm_object *s1 = ohm_str_intern(h, "spam", 4), *s2 = ohm_str_intern(h, "spam", 4);
    printf("interned \"spam\" twice: the same object: %s\n", s1 == s2 ? "yes" : "no");
    ohm_object *list = ohm_list_new(h);
    ohm_list_append(list, c);
    printf("refcount of 257 after a list took it: %zu (ours + the list's)\n", ohm_refcount(c));
    ohm_object *dict = ohm_dict_new(h);
    ohm_object *k = ohm_str_new(h, "eggs", 4), *one = ohm_float_new(h, 1.0);
    ohm_dict_set(dict, k, list);
    ohm_dict_set(dict, one, s1);
    ohm_object *key1 = ohm_int_new(h, 1);
    printf("dict[1] finds the key 1.0, as in Python: %s\n", ohm_dict_get(dict, key1) == s1 ? "yes" : "no");
    printf("ohm_sizeof(dict) = %zu bytes, the list = %zu bytes\n", ohm_sizeof(dict), ohm_sizeof(list));
    ohm_decref(dict);   /* the list lives on: we still hold it */
    printf("after dropping the dict, the list's refcount: %zu\n", ohm_refcount(list));
    {
        OHM_AUTO ohm_object *tmp = ohm_tuple_new(h, 3);   /* released at the brace */
        printf("a 3-tuple in an OHM_AUTO variable, refcount %zu\n", ohm_refcount(tmp));
    }
    ohm_object *objs[] = { a, b, c, d, s1, s2, list, k, one, key1 };
    for (size_t i = 0; i < sizeof objs / sizeof *objs; i++) ohm_decref(objs[i]);
}

static void on_death(ohm_object *ref, void *arg) {
    (void)ref;
    printf("  weakref callback: %s died\n", (const char *)arg);
}

static void step_gc(ohm_heap *h) {
    title("4. the cycle collector");
    ohm_gc_collect(h, 2);
    ohm_gc_disable(h);   /* no automatic collection while we build garbage */
    for (int i = 0; i < 1000; i++) {  /* 1000 two-list cycles, dropped at once */
        ohm_object *x = ohm_list_new(h), *y = ohm_list_new(h);
        ohm_list_append(x, y);
        ohm_list_append(y, x);
        ohm_decref(x);
        ohm_decref(y);
    }
    ohm_object *ring = ohm_list_new(h);
    ohm_list_append(ring, ring);
    ohm_object *w = ohm_weakref_new(h, ring, on_death, "a self-referencing list");
    ohm_decref(ring);
    ohm_object *target = ohm_weakref_get(w);   /* a new reference, or NULL */
    printf("before the collection, the weakref's target is alive: %s\n", target ? "yes" : "no");
    ohm_xdecref(target);
    size_t count[3];
    ohm_gc_get_count(h, count);
    printf("tracked objects allocated since the last collection: %zu\n", count[0]);
    size_t found = ohm_gc_collect(h, 2);
    ohm_gc_enable(h);
    printf("ohm_gc_collect(h, 2) found %zu unreachable objects (2001 expected)\n", found);
    target = ohm_weakref_get(w);
    printf("the weakref now gives: %s\n", target ? "an object" : "NULL");
    ohm_xdecref(target);
    ohm_decref(w);

    ohm_object *root = ohm_dict_new(h), *mid = ohm_list_new(h), *leaf = ohm_str_new(h, "leaf", 4);
    ohm_object *key = ohm_str_new(h, "config", 6);
    ohm_dict_set(root, key, mid);
    ohm_list_append(mid, leaf);
    ohm_decref(mid);
    ohm_decref(key);
    ohm_decref(leaf);   /* leaf lives on in the list */
    printf("why is \"leaf\" alive?\n");
    ohm_gc_explain(h, leaf, stdout);
    ohm_decref(root);
    ohm_gc_stats st[3];
    ohm_gc_get_stats(h, st);
    printf("generation 2: %zu collections, %zu collected\n", st[2].collections, st[2].collected);
}

static ohm_object *make_records(ohm_heap *h, int n) {
    ohm_object *l = ohm_list_new(h);
    for (int i = 0; i < n; i++) {
        ohm_object *t = ohm_tuple_new(h, 2);
        ohm_object *v = ohm_float_new(h, i * 0.5);
        ohm_object *s = ohm_str_new(h, "a record's name", 15);
        ohm_tuple_set(t, 0, v);
        ohm_tuple_set(t, 1, s);
        ohm_list_append(l, t);
        ohm_decref(t); ohm_decref(v); ohm_decref(s);
    }
    return l;
}

static void step_trace(ohm_heap *h) {
    title("5. tracing: tracemalloc for C");
    ohm_trace_start(h, 1);
    ohm_snapshot *before = ohm_snapshot_take(h);
    ohm_object *records = make_records(h, 5000);
    void *buffer = ohm_malloc(h, 64 * 1024);
    ohm_snapshot *after = ohm_snapshot_take(h);
    size_t cur, peak;
    ohm_trace_get_traced_memory(h, &cur, &peak);
    printf("traced memory: %zu bytes now, %zu at the peak\n", cur, peak);
    ohm_stat *stats;
    size_t n = ohm_snapshot_statistics(after, OHM_KEY_LINENO, 0, &stats);
    printf("top lines:\n");
    ohm_stats_print(stats, n, 4, 0, stdout);
    ohm_stats_free(stats);
    n = ohm_snapshot_compare(after, before, OHM_KEY_LINENO, 0, &stats);
    printf("what grew since the first snapshot:\n");
    ohm_stats_print(stats, n, 3, OHM_FORMAT_DIFF, stdout);
    ohm_stats_free(stats);
    printf("where was the 64 KiB buffer allocated?\n");
    ohm_trace_print_traceback(h, buffer, stdout);
    ohm_snapshot_free(before);
    ohm_snapshot_free(after);
    ohm_free(h, buffer);
    ohm_decref(records);
    ohm_trace_stop(h);
}

int main(void) {
    ohm_heap *h = ohm_heap_new(NULL);
    if (!h) { fprintf(stderr, "tour: %s\n", ohm_last_error(NULL)); return 1; }
    step_heap(h);
    step_release(h);
    step_objects(h);
    step_gc(h);
    step_trace(h);
    title("done");
    printf("live objects left:\n");
    ohm_report_live(h, stdout);
    ohm_heap_destroy(h);
    return 0;
}
