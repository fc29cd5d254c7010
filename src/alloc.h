/*
 * alloc.h — the private heap's allocator (owned by alloc.c and friends).
 * Entry points the other subsystems call.
 */
#ifndef OHM_ALLOC_H
#define OHM_ALLOC_H

struct alloc_state {
    void *todo;   /* the allocator fills this in */
};

int  alloc_init(ohm_heap *h);   /* 0, or -1 with heap_error set */
void alloc_fini(ohm_heap *h);   /* give back every byte */

/* Blocks of a domain (RAW, MEM or OBJ), with DESIGN.md's malloc contract. */
void *alloc_malloc(ohm_heap *h, ohm_domain d, size_t n);
void *alloc_calloc(ohm_heap *h, ohm_domain d, size_t nelem, size_t elsize);
void *alloc_realloc(ohm_heap *h, ohm_domain d, void *p, size_t n);
void  alloc_free(ohm_heap *h, ohm_domain d, void *p);

/* Object memory (OBJ domain): n bytes, n >= sizeof(ohm_object), 16-byte aligned.
 * The header comes back as rc = 0, bits = 0 (or OHM_F_LARGE when the block lives
 * outside the pools), type = NULL; the rest is NOT zeroed. gc != 0 puts the object
 * where alloc_walk_gc finds it. NULL on failure (heap_error set). */
ohm_object *alloc_object(ohm_heap *h, size_t n, int gc);
/* Give an object's memory back. Sets its type to NULL first (walks skip it). */
void alloc_object_free(ohm_heap *h, ohm_object *o);
/* The heap an object's memory came from. */
ohm_heap *alloc_heap_of(const ohm_object *o);
/* Usable size of a block or object from h (0 when p is not h's). */
size_t alloc_usable_size(ohm_heap *h, const void *p);
/* Call fn on every live object (type != NULL) that alloc_object gave out — only those
 * allocated with gc != 0 when gc_only — pool objects in address order, then large
 * ones. fn may not allocate or free. Nonzero from fn stops the walk and is returned.
 * Objects live in pools of their own (one kind for GC objects, one for the others),
 * never mixed with plain blocks, so the walk never mistakes a block for an object. */
int alloc_walk_objects(ohm_heap *h, int gc_only, ohm_object_fn fn, void *arg);

#endif
