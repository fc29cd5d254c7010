/* test_api.c — the public API contract of DESIGN.md, checked by the compiler.
 *
 * Each declaration below is copied from DESIGN.md's API block. Redeclaring a function
 * with the same type is valid C; a renamed function or a changed signature in ohm.h
 * stops this file from compiling. main() then takes every function's address, so a
 * declared but missing function fails at link time. */
#define OHM_NO_CALLSITE
#define OHM_NO_INLINE
#include "ohm.h"
#include "check.h"

void      ohm_config_init(ohm_config *cfg);   /* defaults, then the OHM_* environment */
ohm_heap *ohm_heap_new(const ohm_config *cfg); /* NULL cfg: ohm_config_init's values */
void      ohm_heap_destroy(ohm_heap *h);
const char *ohm_last_error(ohm_heap *h);
void *ohm_malloc(ohm_heap *h, size_t n);      /* n == 0: a unique non-NULL pointer */
void *ohm_calloc(ohm_heap *h, size_t nelem, size_t elsize); /* overflow: NULL */
void *ohm_realloc(ohm_heap *h, void *p, size_t n); /* n == 0: resized, not freed; non-NULL */
void  ohm_free(ohm_heap *h, void *p);          /* p == NULL: no-op */
void  ohm_debug_mallocstats(ohm_heap *h, FILE *out);
ohm_object *ohm_new(ohm_heap *h, const ohm_type *t);   /* zero-filled; GC types tracked */
ohm_object *ohm_new_var(ohm_heap *h, const ohm_type *t, size_t nitems);
void   ohm_incref(ohm_object *o);
void   ohm_decref(ohm_object *o);
void   ohm_xincref(ohm_object *o);   /* NULL-tolerant */
void   ohm_xdecref(ohm_object *o);
size_t ohm_refcount(const ohm_object *o);
const ohm_type *ohm_type_of(const ohm_object *o);
ohm_heap *ohm_heap_of(const ohm_object *o);
void   ohm_immortalize(ohm_object *o);
int    ohm_is_immortal(const ohm_object *o);
size_t ohm_sizeof(const ohm_object *o);     /* bytes the object and what it owns occupy */
ohm_object *ohm_weakref_new(ohm_heap *h, ohm_object *target, ohm_weakref_callback cb, void *arg);
ohm_object *ohm_weakref_get(ohm_object *ref);   /* new reference, or NULL once the target died */
ohm_object *ohm_int_new(ohm_heap *h, int64_t v);       int64_t ohm_int_value(const ohm_object *o);
ohm_object *ohm_float_new(ohm_heap *h, double v);      double  ohm_float_value(const ohm_object *o);
ohm_object *ohm_str_new(ohm_heap *h, const char *utf8, size_t len);
ohm_object *ohm_str_intern(ohm_heap *h, const char *utf8, size_t len); /* the one interned copy */
const char *ohm_str_data(const ohm_object *o);          size_t ohm_str_len(const ohm_object *o);
ohm_object *ohm_tuple_new(ohm_heap *h, size_t n);       /* items NULL until set */
int         ohm_tuple_set(ohm_object *t, size_t i, ohm_object *item);
ohm_object *ohm_tuple_get(const ohm_object *t, size_t i);
size_t      ohm_tuple_len(const ohm_object *t);
ohm_object *ohm_list_new(ohm_heap *h);
int         ohm_list_append(ohm_object *l, ohm_object *item);
int         ohm_list_set(ohm_object *l, size_t i, ohm_object *item);
ohm_object *ohm_list_get(const ohm_object *l, size_t i);
ohm_object *ohm_list_pop(ohm_object *l);                /* new reference */
size_t      ohm_list_len(const ohm_object *l);
ohm_object *ohm_dict_new(ohm_heap *h);
int         ohm_dict_set(ohm_object *d, ohm_object *key, ohm_object *value);
ohm_object *ohm_dict_get(const ohm_object *d, const ohm_object *key); /* NULL: absent */
int         ohm_dict_del(ohm_object *d, const ohm_object *key);        /* -1: absent */
size_t      ohm_dict_len(const ohm_object *d);
int         ohm_dict_next(const ohm_object *d, size_t *pos, ohm_object **key, ohm_object **value);
size_t ohm_gc_collect(ohm_heap *h, int generation);  /* 0..2, -1 = 2; returns unreachable found */
void   ohm_gc_enable(ohm_heap *h);  void ohm_gc_disable(ohm_heap *h);  int ohm_gc_isenabled(ohm_heap *h);
void   ohm_gc_get_count(ohm_heap *h, size_t count[3]);
void   ohm_gc_set_threshold(ohm_heap *h, unsigned t0, unsigned t1, unsigned t2);
void   ohm_gc_get_threshold(ohm_heap *h, unsigned t[3]);
void   ohm_gc_get_stats(ohm_heap *h, ohm_gc_stats stats[3]);
int    ohm_gc_is_tracked(const ohm_object *o);  int ohm_gc_is_finalized(const ohm_object *o);
void   ohm_gc_track(ohm_object *o);             void ohm_gc_untrack(ohm_object *o);
void   ohm_gc_get_objects(ohm_heap *h, int generation, ohm_object_fn fn, void *arg); /* -1: all */
void   ohm_gc_get_referrers(ohm_heap *h, const ohm_object *target, ohm_object_fn fn, void *arg);
void   ohm_gc_get_referents(ohm_object *o, ohm_object_fn fn, void *arg);
void   ohm_gc_freeze(ohm_heap *h);  void ohm_gc_unfreeze(ohm_heap *h);  size_t ohm_gc_get_freeze_count(ohm_heap *h);
int    ohm_gc_add_callback(ohm_heap *h, ohm_gc_callback cb, void *arg);
int    ohm_gc_remove_callback(ohm_heap *h, ohm_gc_callback cb, void *arg);
void   ohm_gc_set_debug(ohm_heap *h, unsigned flags);  unsigned ohm_gc_get_debug(ohm_heap *h);
ohm_object *ohm_gc_garbage(ohm_heap *h);   /* borrowed list: gc.garbage */
int    ohm_trace_start(ohm_heap *h, int nframes);   /* 1..OHM_TRACE_MAX_FRAMES */
void   ohm_trace_stop(ohm_heap *h);                 /* also forgets the traces */
int    ohm_trace_is_tracing(ohm_heap *h);
void   ohm_trace_clear(ohm_heap *h);
void   ohm_trace_get_traced_memory(ohm_heap *h, size_t *current, size_t *peak);
void   ohm_trace_reset_peak(ohm_heap *h);
size_t ohm_trace_get_memory(ohm_heap *h);            /* what tracing itself uses */
const ohm_traceback *ohm_trace_get_traceback(ohm_heap *h, const void *block_or_object);
ohm_snapshot *ohm_snapshot_take(ohm_heap *h);
void          ohm_snapshot_free(ohm_snapshot *s);
int           ohm_snapshot_dump(const ohm_snapshot *s, const char *path);
ohm_snapshot *ohm_snapshot_load(const char *path, char *err, size_t errlen);
size_t ohm_snapshot_statistics(const ohm_snapshot *s, ohm_key key, int cumulative, ohm_stat **out);
size_t ohm_snapshot_compare(const ohm_snapshot *now, const ohm_snapshot *old, ohm_key key, int cumulative, ohm_stat **out);
void   ohm_stats_free(ohm_stat *stats);

int main(void) {
    void (*fns[])(void) = {
        (void (*)(void))ohm_config_init,
        (void (*)(void))ohm_heap_new,
        (void (*)(void))ohm_heap_destroy,
        (void (*)(void))ohm_last_error,
        (void (*)(void))ohm_malloc,
        (void (*)(void))ohm_calloc,
        (void (*)(void))ohm_realloc,
        (void (*)(void))ohm_free,
        (void (*)(void))ohm_debug_mallocstats,
        (void (*)(void))ohm_new,
        (void (*)(void))ohm_new_var,
        (void (*)(void))ohm_incref,
        (void (*)(void))ohm_decref,
        (void (*)(void))ohm_xincref,
        (void (*)(void))ohm_xdecref,
        (void (*)(void))ohm_refcount,
        (void (*)(void))ohm_type_of,
        (void (*)(void))ohm_heap_of,
        (void (*)(void))ohm_immortalize,
        (void (*)(void))ohm_is_immortal,
        (void (*)(void))ohm_sizeof,
        (void (*)(void))ohm_weakref_new,
        (void (*)(void))ohm_weakref_get,
        (void (*)(void))ohm_int_new,
        (void (*)(void))ohm_int_value,
        (void (*)(void))ohm_float_new,
        (void (*)(void))ohm_float_value,
        (void (*)(void))ohm_str_new,
        (void (*)(void))ohm_str_intern,
        (void (*)(void))ohm_str_data,
        (void (*)(void))ohm_str_len,
        (void (*)(void))ohm_tuple_new,
        (void (*)(void))ohm_tuple_set,
        (void (*)(void))ohm_tuple_get,
        (void (*)(void))ohm_tuple_len,
        (void (*)(void))ohm_list_new,
        (void (*)(void))ohm_list_append,
        (void (*)(void))ohm_list_set,
        (void (*)(void))ohm_list_get,
        (void (*)(void))ohm_list_pop,
        (void (*)(void))ohm_list_len,
        (void (*)(void))ohm_dict_new,
        (void (*)(void))ohm_dict_set,
        (void (*)(void))ohm_dict_get,
        (void (*)(void))ohm_dict_del,
        (void (*)(void))ohm_dict_len,
        (void (*)(void))ohm_dict_next,
        (void (*)(void))ohm_gc_collect,
        (void (*)(void))ohm_gc_enable,
        (void (*)(void))ohm_gc_disable,
        (void (*)(void))ohm_gc_isenabled,
        (void (*)(void))ohm_gc_get_count,
        (void (*)(void))ohm_gc_set_threshold,
        (void (*)(void))ohm_gc_get_threshold,
        (void (*)(void))ohm_gc_get_stats,
        (void (*)(void))ohm_gc_is_tracked,
        (void (*)(void))ohm_gc_is_finalized,
        (void (*)(void))ohm_gc_track,
        (void (*)(void))ohm_gc_untrack,
        (void (*)(void))ohm_gc_get_objects,
        (void (*)(void))ohm_gc_get_referrers,
        (void (*)(void))ohm_gc_get_referents,
        (void (*)(void))ohm_gc_freeze,
        (void (*)(void))ohm_gc_unfreeze,
        (void (*)(void))ohm_gc_get_freeze_count,
        (void (*)(void))ohm_gc_add_callback,
        (void (*)(void))ohm_gc_remove_callback,
        (void (*)(void))ohm_gc_set_debug,
        (void (*)(void))ohm_gc_get_debug,
        (void (*)(void))ohm_gc_garbage,
        (void (*)(void))ohm_trace_start,
        (void (*)(void))ohm_trace_stop,
        (void (*)(void))ohm_trace_is_tracing,
        (void (*)(void))ohm_trace_clear,
        (void (*)(void))ohm_trace_get_traced_memory,
        (void (*)(void))ohm_trace_reset_peak,
        (void (*)(void))ohm_trace_get_memory,
        (void (*)(void))ohm_trace_get_traceback,
        (void (*)(void))ohm_snapshot_take,
        (void (*)(void))ohm_snapshot_free,
        (void (*)(void))ohm_snapshot_dump,
        (void (*)(void))ohm_snapshot_load,
        (void (*)(void))ohm_snapshot_statistics,
        (void (*)(void))ohm_snapshot_compare,
        (void (*)(void))ohm_stats_free,
    };
    size_t n = sizeof fns / sizeof *fns;
    for (size_t i = 0; i < n; i++) CHECK(fns[i] != NULL);
    CHECK_EQ_SIZE(n, 85);
    return check_done();
}
