/*
 * check.c — the object layer's consistency check (ohmi_obj_check, ohm_heap_check's
 * last part), over the state obj/ keeps beside the objects themselves:
 *  - the weak references (weakref.c's ohmi_weakref_check): table entries, targets,
 *    lists, and every weakref with a target in its target's list;
 *  - the interning set (str.c's ohmi_obj_str_check): each entry a live interned str at
 *    the place its hash says;
 *  - the free lists (here): each entry a block of the heap with type NULL, rc 0 and no
 *    flag but LARGE, the list as long as its count, the count within its bound;
 *  - the trashcan (here): empty outside a release.
 * Like every checker it takes nothing from the heap, describes the first violation
 * on out (may be NULL) and returns nonzero for it. O(heap).
 */
#include "obj/obj_impl.h"

#include <stdarg.h>

void ohmi_obj_bad(FILE *out, int *bad, const char *fmt, ...) {
    if ((*bad)++ || !out) return;
    va_list ap;
    va_start(ap, fmt);
    fputs("ohmi_obj_check: ", out);
    vfprintf(out, fmt, ap);
    fputc('\n', out);
    va_end(ap);
}

static int check_freelist(ohm_heap *h, const struct obj_freelist *fl, const char *what, FILE *out) {
    int bad = 0;
    size_t n = 0;
    if (fl->n > fl->max) {
        ohmi_obj_bad(out, &bad, "free list of %s: %zu entries, bound %zu", what, fl->n, fl->max);
        return bad;
    }
    for (const ohm_object *o = fl->head; o; o = *(ohm_object *const *)(o + 1)) {
        if (++n > fl->n) {
            ohmi_obj_bad(out, &bad, "free list of %s: longer than its count %zu", what, fl->n);
            return bad;
        }
        if (!ohmi_alloc_usable_size(h, o)) {
            ohmi_obj_bad(out, &bad, "free list of %s: entry %p is not a block of the heap", what, (const void *)o);
            return bad;
        }
        if (o->ohm_type || o->ohm_rc || (o->ohm_bits & ~(uint32_t)OHM_F_LARGE)) {
            ohmi_obj_bad(out, &bad, "free list of %s: entry %p has type %s, rc %zu, bits %#x (want NULL, 0, 0)",
                         what, (const void *)o, o->ohm_type ? o->ohm_type->name : "NULL",
                         (size_t)o->ohm_rc, o->ohm_bits & ~(uint32_t)OHM_F_LARGE);
            return bad;
        }
    }
    if (n != fl->n) ohmi_obj_bad(out, &bad, "free list of %s: %zu entries, %zu counted", what, n, fl->n);
    return bad;
}

int ohmi_obj_check(ohm_heap *h, FILE *out) {
    struct obj_state *s = ohmi_obj_of(h);
    int bad = 0;
    if (s->trash && !s->release_depth) {
        ohmi_obj_bad(out, &bad, "the trashcan holds deferred releases outside a release");
        return bad;
    }
    if (check_freelist(h, &s->ints, "ints", out) || check_freelist(h, &s->floats, "floats", out) ||
        check_freelist(h, &s->lists, "lists", out) || check_freelist(h, &s->dicts, "dicts", out))
        return 1;
    for (int i = 1; i <= OBJ_TUPLE_MAXSAVE; i++) {
        char what[32];
        snprintf(what, sizeof what, "tuples of %d", i);
        if (check_freelist(h, &s->tuples[i], what, out)) return 1;
    }
    if (ohmi_obj_str_check(h, out)) return 1;
    return ohmi_weakref_check(h, out);
}
