/*
 * freelist.h — the builtin types' free-list fast paths (freelist.c has the rest).
 * Include after internal.h: they need the heap structure.
 */
#ifndef OHM_FREELIST_H
#define OHM_FREELIST_H

#include "internal.h"

/* Free lists (see freelist.c). Push returns 0 when the list is full or off (max 0:
 * debug mode, ohm_set_freelists(h, 0)): the caller then lets the memory go the
 * ordinary way. Pop returns the object with rc 1 and type t (bits: only OHM_F_LARGE
 * kept), the rest of its body as it was left (the link word overwritten), or NULL. */
static inline int obj_freelist_push(struct obj_freelist *fl, ohm_object *o) {
    if (fl->n >= fl->max) return 0;
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
    fl->head = *(ohm_object **)(o + 1);
    fl->n--;
    o->ohm_rc = 1;
    o->ohm_type = t;
    return o;
}

#endif
