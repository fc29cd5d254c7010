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
/* Empty every free list and free the user types' lists (heap destruction). */
void ohmi_obj_freelists_fini(ohm_heap *h);
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

/* A range's start, step and length (iter.c). */
void ohmi_obj_range_parts(const ohm_object *r, int64_t *start, int64_t *step, uint64_t *len);

/* Look key up in the dict d: 1 and its value (borrowed) in *value (may be NULL) when
 * present, 0 when absent, -1 when key is unhashable (no message). */
int ohmi_obj_dict_find(const ohm_object *d, const ohm_object *key, ohm_object **value);

/* Rich comparison (compare.c): 1 when `a op b` holds, 0 when not, -1 with a message
 * naming fn when the types cannot be ordered (op one of OHM_LT..OHM_GE). */
int ohmi_obj_compare(const ohm_object *a, const ohm_object *b, int op, const char *fn);

/* Bytes of a dict's table (dict.c), for ohm_sizeof. */
size_t ohmi_obj_dict_table_size(ohm_heap *h, const ohm_object *d);

/* str internals (str.c). ohmi_obj_str_from: ohm_str_new with the errors naming fn. */
uint64_t ohmi_obj_str_hash(const ohm_object *o);
void ohmi_obj_str_fini(ohm_heap *h);
ohm_object *ohmi_obj_str_from(ohm_heap *h, const char *utf8, size_t len, const char *fn);

/* A growable byte buffer for building strs (strbuf.c): appends never fail outright,
 * they mark the buffer failed (out of memory), which ohmi_obj_buf_finish reports as
 * "fn: out of memory". finish makes the str and frees the buffer; free drops it. */
#define OBJ_BUF_SMALL 200
typedef struct obj_buf {
    ohm_heap *h;
    char *p;              /* small, or a MEM-domain block */
    size_t len, cap;      /* cap: bytes at p; len < cap (room for a NUL) */
    int failed;
    char small[OBJ_BUF_SMALL];
} obj_buf;
void ohmi_obj_buf_init(obj_buf *b, ohm_heap *h);
void ohmi_obj_buf_put(obj_buf *b, const char *s, size_t n);
void ohmi_obj_buf_printf(obj_buf *b, const char *fmt, ...) OHM_PRINTF(2, 3);
void ohmi_obj_buf_vprintf(obj_buf *b, const char *fmt, va_list ap);
void ohmi_obj_buf_free(obj_buf *b);
ohm_object *ohmi_obj_buf_finish(obj_buf *b, const char *fn);
static inline void ohmi_obj_buf_puts(obj_buf *b, const char *s) { ohmi_obj_buf_put(b, s, strlen(s)); }
/* Append repr(o) to b (str != 0: str(o)) (repr.c): 0, or -1 with a message naming fn. */
int ohmi_obj_repr_into(obj_buf *b, const ohm_object *o, int str, const char *fn);

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
/* Two strs in code point order (their UTF-8 bytes, then the lengths): <0, 0, >0. */
static inline int obj_str_cmp(const obj_str *x, const obj_str *y) {
    size_t n = x->len < y->len ? x->len : y->len;
    int c = n ? memcmp(x->data, y->data, n) : 0;
    return c ? c : (x->len > y->len) - (x->len < y->len);
}
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
    uint32_t nslots;      /* index slots, a power of two (at most 2^30); 0: no table yet */
    uint32_t flags;       /* OBJ_DICT_IDENTITY; 0 on the free list */
    void *table;          /* MEM domain: int32 index[nslots], then the entries */
} obj_dict;
#define OBJ_DICT_IDENTITY 1u  /* ohm_dict_new_identity: keys are compared by address */

/* ohm.h's inline accessors read tuples and lists through its copies of these layouts. */
_Static_assert(sizeof(obj_tuple) == sizeof(ohm_tuple_layout_) &&
               offsetof(obj_tuple, len) == offsetof(ohm_tuple_layout_, len) &&
               offsetof(obj_tuple, items) == offsetof(ohm_tuple_layout_, items),
               "ohm.h's tuple layout is the tuple's");
_Static_assert(offsetof(obj_list, len) == offsetof(ohm_list_layout_, len) &&
               offsetof(obj_list, items) == offsetof(ohm_list_layout_, items),
               "ohm.h's list layout is the list's");

/* The collector walks tuples and lists inline: their layouts are its array shapes. */
_Static_assert(offsetof(obj_tuple, len) == offsetof(struct ohmi_gc_inline_array, len) &&
               offsetof(obj_tuple, items) == offsetof(struct ohmi_gc_inline_array, items),
               "a tuple is the collector's inline array");
_Static_assert(offsetof(obj_list, len) == offsetof(struct ohmi_gc_ptr_array, len) &&
               offsetof(obj_list, items) == offsetof(struct ohmi_gc_ptr_array, items),
               "a list is the collector's pointer array");

/* list.c: make room for n items in l's array (grows by over-allocation; shrinks when
 * n is under half the capacity): 0, or -1 out of memory (no message; l unchanged).
 * ohmi_obj_list_with_room: a new empty list with room for n items, so that n stores
 * `l->items[l->len++] = x` need no check; NULL with a message naming fn. */
int ohmi_obj_list_resize(ohm_heap *h, obj_list *l, size_t n);
ohm_object *ohmi_obj_list_with_room(ohm_heap *h, size_t n, const char *fn);

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
