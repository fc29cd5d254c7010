/*
 * obj_impl.h — what the object files share among themselves (not the rest of ohm):
 * the builtin objects' layouts, allocation, free lists, hashing, error helpers.
 */
#ifndef OHM_OBJ_IMPL_H
#define OHM_OBJ_IMPL_H

#include "obj/obj.h"

/* n bytes of object memory from h, header set to rc 1, type t, bits 0 (LARGE kept:
 * ohmi_alloc_object hands the bits out that way). The rest is not zeroed. Not yet tracked.
 * NULL with ohmi_error set on failure. */
static inline ohm_object *obj_alloc(ohm_heap *h, const ohm_type *t, size_t n) {
    ohm_object *o = ohmi_alloc_object(h, n, (t->flags & OHM_TYPE_GC) != 0);
    if (OHM_LIKELY(o != NULL)) {
        o->ohm_rc = 1;
        o->ohm_type = t;
    }
    return o;
}
/* The last step of making an object of a GC type: hand it to the collector. */
void ohmi_obj_track_new(ohm_object *o);
/* Set every free list's bound from ohmi_obj_of(h)->freelists_off (0 when off). */
void ohmi_obj_freelist_limits(ohm_heap *h);
/* Make a heap-lifetime singleton immortal. */
void ohmi_obj_make_immortal(ohm_object *o);

/* Free lists: obj_freelist_push/pop, inline below. */

/* Wrong-type reports: "fn: expected a list, got 'int'", on o's heap. */
void ohmi_obj_type_error(const char *fn, const char *want, const ohm_object *o);
/* An item container c is about to store (fn's argument `what`): -1 with a message
 * when NULL, freed (not ohmi_alloc_live: in debug mode a quarantined object, fatal),
 * or of another heap; 0 when it may be stored. Inline: four tests and two inline heap
 * lookups (a mask and a load for pool objects); the reports are out of line. */
int ohmi_obj_item_error(const ohm_object *c, const ohm_object *item, const char *fn,
                        const char *what);
static inline int ohmi_obj_check_item(const ohm_object *c, const ohm_object *item,
                                      const char *fn, const char *what) {
    if (OHM_LIKELY(item != NULL) && OHM_LIKELY(ohmi_alloc_live(item)) &&
        OHM_LIKELY(alloc_heap_of_inline(item) == alloc_heap_of_inline(c)))
        return 0;
    return ohmi_obj_item_error(c, item, fn, what);
}
/* The heap of o for an error message; the thread's slot when o is NULL. */
ohm_heap *ohmi_obj_error_heap(const ohm_object *o);

/* Hashing and equality with Python's value semantics (hash.c). */
int ohmi_obj_hash(const ohm_object *o, uint64_t *out); /* -1: unhashable (no message) */
int ohmi_obj_equal(const ohm_object *a, const ohm_object *b);
uint64_t ohmi_obj_hash_double(double v);
uint64_t ohmi_obj_hash_int(int64_t v);

/* Bytes of a dict's table (dict.c), for ohm_sizeof. */
size_t ohmi_obj_dict_table_size(ohm_heap *h, const ohm_object *d);

/* str internals (str.c). */
uint64_t ohmi_obj_str_hash(const ohm_object *o);
void ohmi_obj_str_fini(ohm_heap *h);

/* Layouts of the builtin objects, for the type files. */
typedef struct obj_int { ohm_object ob; int64_t value; } obj_int;
typedef struct obj_float { ohm_object ob; double value; } obj_float;
typedef struct obj_str {
    ohm_object ob;
    size_t len;           /* bytes, excluding the terminating NUL */
    uint64_t hash;        /* 0 until computed */
    unsigned char interned;
    char data[];          /* len bytes and a NUL */
} obj_str;
typedef struct obj_tuple { ohm_object ob; size_t len; ohm_object *items[]; } obj_tuple;
typedef struct obj_list {
    ohm_object ob;
    size_t len;
    size_t cap;           /* slots in items */
    ohm_object **items;   /* MEM domain; NULL when cap == 0 */
} obj_list;
typedef struct obj_dict_entry {
    uint64_t hash;
    ohm_object *key;      /* NULL: deleted */
    ohm_object *value;
} obj_dict_entry;
typedef struct obj_dict {
    ohm_object ob;
    size_t used;          /* live entries */
    size_t nentries;      /* entries filled, deleted ones included */
    size_t nslots;        /* index slots, a power of two; 0: no table yet */
    void *table;          /* MEM domain: int32 index[nslots], then the entries */
} obj_dict;

/* The collector walks tuples and lists inline: their layouts are its array shapes. */
_Static_assert(offsetof(obj_tuple, len) == offsetof(struct ohmi_gc_inline_array, len) &&
               offsetof(obj_tuple, items) == offsetof(struct ohmi_gc_inline_array, items),
               "a tuple is the collector's inline array");
_Static_assert(offsetof(obj_list, len) == offsetof(struct ohmi_gc_ptr_array, len) &&
               offsetof(obj_list, items) == offsetof(struct ohmi_gc_ptr_array, items),
               "a list is the collector's pointer array");

/* Weak references (weakref.c). An object with OHM_F_WEAKREFD is being released:
 * clear its weak references and run their callbacks. */
void ohmi_weakref_on_release(ohm_object *o);
/* The collector's weakref hooks (struct ohmi_gc_hooks). */
void ohmi_weakref_clear_for_gc(ohm_heap *h, ohm_object *o, ohm_object *cbs[2]);
ohm_object *ohmi_weakref_chain_next(ohm_object *ref);
void ohmi_weakref_run_callback(ohm_object *ref);
void ohmi_weakref_fini(ohm_heap *h);

/* The object layer's checks (check.c; see obj.h's ohmi_obj_check): each describes its
 * first violation on out (may be NULL) through ohmi_obj_bad and returns nonzero. */
void ohmi_obj_bad(FILE *out, int *bad, const char *fmt, ...) OHM_PRINTF(3, 4);
int  ohmi_weakref_check(ohm_heap *h, FILE *out);
int  ohmi_obj_str_check(ohm_heap *h, FILE *out);

/* Free lists (see freelist.c). Push returns 0 when the list is full or off (max 0:
 * debug mode, ohm_set_freelists(h, 0)): the caller then lets the memory go the
 * ordinary way. Pop returns the object with rc 1 and type t (bits: only OHM_F_LARGE
 * kept), the rest of its body as it was left (the link word overwritten), or NULL. */
static inline int obj_freelist_push(struct obj_freelist *fl, ohm_object *o) {
    if (fl->n >= fl->max) return 0;
    OHMI_ASSERT_INTERNAL(o->ohm_rc == 0 && !(o->ohm_bits & OHM_F_TRACKED));
    o->ohm_type = NULL;
    o->ohm_rc = 0;
    o->ohm_bits &= OHM_F_LARGE;
    *(ohm_object **)(o + 1) = fl->head;
    fl->head = o;
    fl->n++;
    return 1;
}
static inline ohm_object *obj_freelist_pop(struct obj_freelist *fl, const ohm_type *t) {
    ohm_object *o = fl->head;
    if (!o) return NULL;
    OHMI_ASSERT_INTERNAL(o->ohm_type == NULL && o->ohm_rc == 0);   /* untouched while free */
    fl->head = *(ohm_object **)(o + 1);
    fl->n--;
    o->ohm_rc = 1;
    o->ohm_type = t;
    return o;
}

#endif
