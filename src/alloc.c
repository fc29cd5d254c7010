/*
 * alloc.c — PLACEHOLDER allocator: every block from the C library, with a 32-byte
 * prefix linking it into the heap's list so destroy releases it. The pool allocator
 * replaces this file.
 */
#include "internal.h"

#include <errno.h>
#include <stdlib.h>

typedef struct blk { struct blk *prev, *next; size_t size; ohm_heap *heap; } blk;
/* obj.c branch: the top bit of size marks object blocks, so the walk skips plain ones. */
#define BLK_OBJ ((size_t)1 << (8 * sizeof(size_t) - 1))
static blk *blk_of(const void *p) { return (blk *)p - 1; }

int alloc_init(ohm_heap *h) { h->alloc.todo = NULL; return 0; }
void alloc_fini(ohm_heap *h) {
    blk *b = h->alloc.todo;
    while (b) { blk *n = b->next; free(b); b = n; }
    h->alloc.todo = NULL;
}
void *alloc_malloc(ohm_heap *h, ohm_domain d, size_t n) {
    (void)d;
    if (n > SIZE_MAX - sizeof(blk)) { errno = ENOMEM; return NULL; }
    blk *b = malloc(sizeof(blk) + n);
    if (!b) { heap_error(h, "out of memory"); errno = ENOMEM; return NULL; }
    b->size = n; b->heap = h; b->prev = NULL; b->next = h->alloc.todo;
    if (b->next) b->next->prev = b;
    h->alloc.todo = b;
    return b + 1;
}
void alloc_free(ohm_heap *h, ohm_domain d, void *p) {
    (void)d;
    if (!p) return;
    blk *b = blk_of(p);
    if (b->prev) b->prev->next = b->next; else h->alloc.todo = b->next;
    if (b->next) b->next->prev = b->prev;
    free(b);
}
void *alloc_calloc(ohm_heap *h, ohm_domain d, size_t ne, size_t es) {
    if (es && ne > SIZE_MAX / es) { errno = ENOMEM; return NULL; }
    void *p = alloc_malloc(h, d, ne * es);
    if (p) memset(p, 0, ne * es);
    return p;
}
void *alloc_realloc(ohm_heap *h, ohm_domain d, void *p, size_t n) {
    if (!p) return alloc_malloc(h, d, n);
    void *q = alloc_malloc(h, d, n);
    if (!q) return NULL;
    size_t old = blk_of(p)->size & ~BLK_OBJ;
    memcpy(q, p, old < n ? old : n);
    alloc_free(h, d, p);
    return q;
}
ohm_object *alloc_object(ohm_heap *h, size_t n, int gc) {
    (void)gc;
    ohm_object *o = alloc_malloc(h, OHM_DOMAIN_OBJ, n);
    if (o) { o->ohm_rc = 0; o->ohm_bits = 0; o->ohm_type = NULL; blk_of(o)->size |= BLK_OBJ; }
    return o;
}
void alloc_object_free(ohm_heap *h, ohm_object *o) { o->ohm_type = NULL; alloc_free(h, OHM_DOMAIN_OBJ, o); }
ohm_heap *alloc_heap_of(const ohm_object *o) { return blk_of(o)->heap; }
size_t alloc_usable_size(ohm_heap *h, const void *p) { (void)h; return blk_of(p)->size & ~BLK_OBJ; }
int alloc_walk_objects(ohm_heap *h, int gc_only, ohm_object_fn fn, void *arg) {
    for (blk *b = h->alloc.todo; b; b = b->next) {
        ohm_object *o = (ohm_object *)(b + 1);
        if ((b->size & BLK_OBJ) && o->ohm_type && (!gc_only || (o->ohm_type->flags & OHM_TYPE_GC))) {
            int r = fn(o, arg);
            if (r) return r;
        }
    }
    return 0;
}

void *ohm_malloc(ohm_heap *h, size_t n) { return alloc_malloc(h, OHM_DOMAIN_MEM, n); }
void *ohm_calloc(ohm_heap *h, size_t ne, size_t es) { return alloc_calloc(h, OHM_DOMAIN_MEM, ne, es); }
void *ohm_realloc(ohm_heap *h, void *p, size_t n) { return alloc_realloc(h, OHM_DOMAIN_MEM, p, n); }
void ohm_free(ohm_heap *h, void *p) { alloc_free(h, OHM_DOMAIN_MEM, p); }
void ohm_debug_mallocstats(ohm_heap *h, FILE *out) { (void)h; fprintf(out, "(placeholder allocator)\n"); }
