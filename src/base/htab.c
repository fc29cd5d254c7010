/*
 * htab.c — the one open-addressing hash table, in its two forms (base.h):
 *
 *   ohmi_ptrmap  pointer -> word. The large-block set (alloc/large.c), the weakref
 *                table (obj/weakref.c), ohm_gc_explain's maps (api/explain.c), the
 *                snapshot builder's traceback map (trace/snapshot.c).
 *   ohmi_index   a set of words standing for entries the caller keeps (entry number
 *                + 1, or the entry's address), found by the entries' content through
 *                the caller's hash and equality. The tracer's strings (trace/strtab.c)
 *                and tracebacks (trace/frames.c), snapshot statistics
 *                (trace/snapshot.c), interned strs (obj/str.c).
 *
 * Both: a power-of-two array of word slots, 0 the empty slot; linear probing from a
 * home slot; at most half full, so probe runs stay short; growth doubles the array and
 * reinserts; deletion shifts the later entries of the run back into the hole (no
 * tombstones), so a lookup ends at the first empty slot. A map's home slot is the top
 * bits of ohmi_hash_ptr(key) (Fibonacci hashing, as the traces table's); an index's is
 * the low bits of the caller's hash.
 *
 * Lookups, insertions into reserved room and the map's removals are inline (base.h),
 * so a caller's probe loop, equality test included, compiles as if written in place
 * (the large-block set's alloc and free make no call but to grow the array). Memory
 * from the C library, never from the scanned heap.
 */
#include "base/base.h"

#include <stdlib.h>

#define HTAB_MIN 16   /* slots of a first array */

/* Slots for n entries at most half full: a power of two, at least twice cap. */
static size_t htab_size_for(size_t n, size_t cap) {
    size_t c = cap ? cap * 2 : HTAB_MIN;
    while (c < n * 2) c *= 2;
    return c;
}

/* ------------------------------------------------------------ ohmi_ptrmap */

int ohmi_ptrmap_grow(ohm_heap *h, ohmi_ptrmap *m, size_t n) {
    if (ohmi_fault_fail(h)) return -1;
    size_t cap = htab_size_for(n, m->cap);
    ohmi_ptrmap_ent *old = m->ents, *ents = calloc(cap, sizeof *ents);
    if (!ents) return -1;
    size_t oldcap = m->cap;
    m->ents = ents;
    m->cap = cap;
    m->shift = 64 - (unsigned)__builtin_ctzll((unsigned long long)cap);
    m->len = 0;
    for (size_t j = 0; j < oldcap; j++)
        if (old[j].key) ohmi_ptrmap_add(m, (const void *)old[j].key, old[j].val);
    free(old);
    return 0;
}

int ohmi_ptrmap_put(ohm_heap *h, ohmi_ptrmap *m, const void *key, uintptr_t val) {
    ohmi_ptrmap_ent *e = ohmi_ptrmap_get(m, key);
    if (e) { e->val = val; return 0; }
    if (ohmi_ptrmap_reserve(h, m, 1) < 0) return -1;
    ohmi_ptrmap_add(m, key, val);
    return 0;
}

int ohmi_ptrmap_del(ohmi_ptrmap *m, const void *key) {
    ohmi_ptrmap_ent *e = ohmi_ptrmap_get(m, key);
    if (!e) return -1;
    ohmi_ptrmap_remove(m, e);
    if (m->len == 0 && m->cap > 1024) ohmi_ptrmap_free(m);   /* a burst's table goes back */
    return 0;
}

void ohmi_ptrmap_free(ohmi_ptrmap *m) {
    free(m->ents);
    m->ents = NULL;
    m->cap = m->len = 0;
    m->shift = 0;
}

/* ------------------------------------------------------------- ohmi_index */

int ohmi_index_grow(ohm_heap *h, ohmi_index *x, size_t n, ohmi_index_hash_fn hash, const void *ctx) {
    if (ohmi_fault_fail(h)) return -1;
    size_t cap = htab_size_for(n, x->cap);
    void *slots = calloc(cap, x->wide ? sizeof(uintptr_t) : sizeof(uint32_t));
    if (!slots) return -1;
    ohmi_index old = *x;
    x->slots = slots;
    x->cap = cap;
    x->len = 0;
    for (size_t j = 0; j < old.cap; j++) {
        uintptr_t w = ohmi_index_at(&old, j);
        if (w) ohmi_index_add(x, hash(ctx, w), w);
    }
    free(old.slots);
    return 0;
}

int ohmi_index_remove(ohmi_index *x, uint64_t hv, uintptr_t word, ohmi_index_hash_fn hash,
                      const void *ctx) {
    if (!x->len || !word) return -1;
    size_t mask = x->cap - 1, i = (size_t)hv & mask;
    uintptr_t w;
    while ((w = ohmi_index_at(x, i)) != word) {
        if (!w) return -1;
        i = (i + 1) & mask;
    }
    for (size_t j = (i + 1) & mask; (w = ohmi_index_at(x, j)) != 0; j = (j + 1) & mask) {
        if (ohmi_htab_may_fill(i, j, (size_t)hash(ctx, w) & mask, mask)) {
            ohmi_index_put(x, i, w);
            i = j;
        }
    }
    ohmi_index_put(x, i, 0);
    x->len--;
    return 0;
}

void ohmi_index_free(ohmi_index *x) {
    free(x->slots);
    x->slots = NULL;
    x->cap = x->len = 0;
}
