/*
 * check.c — ohm_heap_check: every layer's invariants over the whole heap, bottom up.
 *
 * Each layer checks its own state with its own checker, the one its expensive
 * assertions (OHM_DEBUG_LEVEL 3) call too, so a test's ohm_heap_check and a level-3
 * build verify the same things:
 *   alloc  ohmi_alloc_check  arenas, pools, free lists, used lists, the large-block
 *                            set, the block tags' placement (alloc/check.c)
 *   trace  ohmi_trace_check  every trace's traceback and domain, traced memory and
 *                            peak, the traces table (trace/trace.c)
 *   gc     ohmi_gc_check     the young vectors, every GC object's generation state,
 *                            the tracked and frozen counts (gc/gc.c)
 *   obj    ohmi_obj_check    free lists, interned strs, weakrefs, the trashcan
 *                            (obj/check.c)
 * Bottom up, because an upper layer's walk trusts the layers below (the collector's
 * census walks the pools): the first violation found is the lowest, usually the
 * cause. Nothing here takes memory from the heap, so it can run after any failure.
 *
 * A collection under way (a finalizer or callback calling us) or a release under way
 * (a dealloc) borrows header words and the trashcan: then only alloc and trace are
 * checked, as the upper layers' invariants hold between operations, not inside them.
 */
#include "api/api.h"

int ohm_heap_check(ohm_heap *h, FILE *out) {
    if (!h) {
        if (out) fputs("ohm_heap_check: NULL heap\n", out);
        return 1;
    }
    if (ohmi_alloc_check_max(h, out, 1)) return 1;
    if (ohmi_trace_check(h, out)) return 1;
    if (ohmi_gc_of(h)->collecting || ohmi_obj_of(h)->release_depth) return 0;
    if (ohmi_gc_check(h, out)) return 1;
    return ohmi_obj_check(h, out);
}
