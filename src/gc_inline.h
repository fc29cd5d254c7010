/*
 * gc_inline.h — the collector's per-object hooks, inline: the fast paths of gc_on_new
 * and gc_on_release for callers that already hold the heap (object creation, the
 * free-list pops, ohm_release_). Included at the end of internal.h, where struct
 * ohm_heap is complete.
 *
 * gc_on_new_h: a push onto young[0] when it has room (and the index fits the 24-bit
 * word): the object's state becomes TRACKED | GC0 with its index as the word, and
 * GC_MARK clear (generation 0 never carries the mark). The collection trigger is
 * tested inline too; only a full vector or a due collection take the call.
 * gc_on_release_h: a tracked member of young[0] or young[1] leaves by swap-remove (the
 * last member takes its slot and its index), an old object only has its state
 * cleared; everything else (untracked, frozen, the unreachable set of a collection
 * under way) takes gc_on_release_h_slow.
 * Both keep exactly what gc_on_new/gc_on_release do (gc.h's invariants).
 */
#ifndef OHM_GC_INLINE_H
#define OHM_GC_INLINE_H

void gc_on_new_h_slow(ohm_heap *h, ohm_object *o);
void gc_on_release_h_slow(ohm_heap *h, ohm_object *o);
/* count[0] went past threshold 0 with the collector enabled: collect if allowed. */
void gc_collect_due(ohm_heap *h);

static inline void gc_on_new_h(ohm_heap *h, ohm_object *o) {
    struct gc_state *g = &h->gc;
    gc_vec *v = &g->young[0];
    size_t i = v->len;
    if (OHM_UNLIKELY(i >= v->cap) || OHM_UNLIKELY(i >= OHM_GCWORD_MAX)) {
        gc_on_new_h_slow(h, o);
        return;
    }
    v->items[i] = o;
    v->len = i + 1;
    o->ohm_bits = (o->ohm_bits & (OHM_FLAG_MASK & ~(uint32_t)(GC_GENMASK | GC_FROZEN | GC_MARK))) |
                  OHM_F_TRACKED | GC_GEN0 | (uint32_t)i << OHM_GCWORD_SHIFT;
    g->tracked++;
    if (OHM_UNLIKELY(++g->count[0] > g->threshold[0]) && g->enabled) gc_collect_due(h);
}

static inline void gc_on_release_h(ohm_heap *h, ohm_object *o) {
    struct gc_state *g = &h->gc;
    uint32_t b = o->ohm_bits;
    uint32_t st = b & (OHM_F_TRACKED | GC_GENMASK | GC_FROZEN);
    /* TRACKED and exactly one of GC0, GC1: (b & 0x31) is 0x11 or 0x21 */
    if (OHM_LIKELY(((st - (OHM_F_TRACKED | GC_GEN0)) & ~(uint32_t)(GC_GEN1 - GC_GEN0)) == 0)) {
        gc_vec *v = &g->young[(b & GC_GEN1) != 0];
        size_t i = b >> OHM_GCWORD_SHIFT, n = --v->len;
        ohm_object *last = v->items[n];
        v->items[i] = last;
        gc_set_word(last, (uint32_t)i);
    } else if (st != OHM_F_TRACKED) {
        /* untracked, frozen, or in the unreachable set of a collection under way */
        gc_on_release_h_slow(h, o);
        return;
    }
    /* a young member removed above, or an old object: nothing to unlink */
    o->ohm_bits = b & (OHM_FLAG_MASK & ~(uint32_t)(OHM_F_TRACKED | GC_GENMASK | GC_FROZEN | GC_MARK));
    g->tracked--;
    if (g->count[0] > 0) g->count[0]--;
}

/* A container the collector untracked as atomic (a tuple or dict holding no GC
 * object) stores `item`: if item is of a GC type, the container may now be part of a
 * cycle, so it is tracked again. One rule for every storing function. */
static inline void gc_retrack_for(ohm_object *container, const ohm_object *item) {
    if ((item->ohm_type->flags & OHM_TYPE_GC) && !(container->ohm_bits & OHM_F_TRACKED) &&
        !OHM_IS_IMMORTAL(container))
        gc_on_new(container);
}

#endif
