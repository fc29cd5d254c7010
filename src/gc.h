/*
 * gc.h — the cycle collector and weak references (owned by gc.c, gc_api.c, weakref.c,
 * gc_explain.c, gc_map.c).
 *
 * The one invariant everything below keeps: a GC object carries no collector memory of
 * its own. Its state lives in the 16-byte header (flags GC0..GC3 and the 24-bit word of
 * ohm_bits); the young generations are pointer vectors outside the heap; the old
 * generation is "every tracked object in no vector", found by walking the GC pools.
 *
 * State of a tracked object (bits & (GC0|GC1|FROZEN)), outside a collection:
 *   GC0         generation 0; the word is its index in young[0]
 *   GC1         generation 1; the word is its index in young[1]
 *   FROZEN      the permanent generation (gc.freeze); word 0
 *   none        the old generation (2); word 0
 *   GC0|GC1     in the unreachable set of the collection under way; word scratch
 * GC_MARK, outside a collection: equal to gc.mark_parity on objects of the old
 * generation (what the last full collection wrote on its survivors: the next one flips
 * the parity, so nothing needs clearing), clear on all others. During a collection the
 * word of each member of the collected set holds its count of references from other
 * members (saturating at OHM_GCWORD_MAX, which then reads "referenced from outside").
 */
#ifndef OHM_GC_H
#define OHM_GC_H

#define GC_GEN0    OHM_F_GC0
#define GC_GEN1    OHM_F_GC1
#define GC_GENMASK (OHM_F_GC0 | OHM_F_GC1)
#define GC_UNREACH (OHM_F_GC0 | OHM_F_GC1)
#define GC_FROZEN  OHM_F_GC2
#define GC_MARK    OHM_F_GC3

/* A growable vector of object pointers, from the C library (never the scanned heap). */
typedef struct gc_vec {
    ohm_object **items;
    size_t len, cap;
} gc_vec;

/* Pointer-keyed hash map (linear probing, backward-shift deletion), C library memory.
 * Key 0 is reserved as "empty". */
typedef struct gc_map {
    uintptr_t *keys;
    uintptr_t *vals;
    size_t cap;    /* a power of two, or 0 */
    size_t len;
} gc_map;

struct gc_callback_entry { ohm_gc_callback cb; void *arg; };

struct gc_state {
    gc_vec young[2];            /* generations 0 and 1 */
    size_t tracked;             /* tracked objects, all generations, frozen included */
    size_t frozen;              /* objects in the permanent generation */
    size_t count[3];            /* [0] allocations - deallocations; [1],[2] collections
                                   of the younger generation since this one's last */
    unsigned threshold[3];
    int enabled;
    int collecting;             /* a collection is under way: nested ones return 0 */
    unsigned debug;             /* OHM_GC_DEBUG_* */
    uint32_t mark_parity;       /* GC_MARK or 0: the mark of old-generation objects */
    size_t long_lived_total;    /* survivors of the last full collection */
    size_t long_lived_pending;  /* promoted to the old generation since */
    ohm_gc_stats stats[3];
    struct gc_callback_entry *callbacks;
    size_t ncallbacks, capcallbacks;
    ohm_object *garbage;        /* the gc.garbage list, made on first use */
    gc_vec stack;               /* scratch: the mark stack */
    gc_vec unreach;             /* scratch: the unreachable set of a collection */
    gc_map weakrefs;            /* target address -> newest weakref to it (weakref.c) */
};

int  gc_init(ohm_heap *h);
void gc_fini(ohm_heap *h);
/* A new object of a GC type was allocated and initialized: track it, count it, and
 * maybe collect (the new object is held by the caller). */
void gc_on_new(ohm_object *o);
/* An object is being released (rc reached zero, finalizer done): untrack it. */
void gc_on_release(ohm_object *o);
/* An object with OHM_F_WEAKREFD is being released: clear its weak references and run
 * their callbacks (weakref.c). */
void weakref_on_release(ohm_object *o);

/* ---- shared between the gc files ---- */

static inline uint32_t gc_word(const ohm_object *o) { return o->ohm_bits >> OHM_GCWORD_SHIFT; }
static inline void gc_set_word(ohm_object *o, uint32_t w) {
    o->ohm_bits = (o->ohm_bits & OHM_FLAG_MASK) | (w << OHM_GCWORD_SHIFT);
}
static inline int gc_is_gc_type(const ohm_object *o) {
    return o->ohm_type && (o->ohm_type->flags & OHM_TYPE_GC);
}

int  gc_vec_grow(gc_vec *v);                /* 0, or -1 when out of memory (gc_vec.c) */
/* Room for n entries (0, or -1 when out of memory). A big reservation is a mapping
 * whose pages cost nothing until touched. */
int  gc_vec_reserve(gc_vec *v, size_t n);
static inline int gc_vec_push(gc_vec *v, ohm_object *o) {
    if (OHM_UNLIKELY(v->len == v->cap) && gc_vec_grow(v) < 0) return -1;
    v->items[v->len++] = o;
    return 0;
}
void gc_vec_free(gc_vec *v);
/* Give back the memory of a vector that a burst left mostly unused: used is how many
 * entries the last use needed (scratch vectors keep room for as many next time). */
void gc_vec_trim(gc_vec *v, size_t used);

/* Track o in generation 0 (or the old generation when the vector can't take it). */
void gc_track_young(ohm_heap *h, ohm_object *o);
/* Put a tracked object into generation gen (0, 1 or 2), with the right flags and word. */
void gc_place(ohm_heap *h, ohm_object *o, int gen);
/* Take a tracked object out of whatever generation holds it; it stays tracked in no
 * generation (flags and word cleared) — the caller re-places or untracks it. */
void gc_unplace(ohm_heap *h, ohm_object *o);
/* Generation of a tracked object: 0, 1, 2, 3 for frozen, -1 unreachable set. */
int  gc_generation_of(const ohm_object *o);
/* The collection itself (gc.c); generation 0..2. */
size_t gc_collect_generation(ohm_heap *h, int generation);
/* Automatic collection after an allocation pushed count[0] past threshold 0. */
void gc_collect_auto(ohm_heap *h);
/* Print "<type 0xaddr>". */
void gc_print_object(FILE *out, const ohm_object *o);

/* The pointer map (gc_map.c). */
uintptr_t *gc_map_find(const gc_map *m, const void *key);   /* NULL when absent */
int  gc_map_put(gc_map *m, const void *key, uintptr_t val); /* 0, or -1 out of memory */
int  gc_map_del(gc_map *m, const void *key);                /* 0, or -1 when absent */
void gc_map_free(gc_map *m);

/* Weak references during a collection (weakref.c): clear every weakref to o, and push
 * each of them that has a callback and is not itself in the unreachable set onto cbs,
 * with a reference held (the caller runs and releases them with weakref_run_callback). */
void weakref_clear_for_gc(ohm_heap *h, ohm_object *o, gc_vec *cbs);
void weakref_run_callback(ohm_object *ref);
void weakref_fini(ohm_heap *h);

#endif
