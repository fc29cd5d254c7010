/*
 * errors.c — the object layer's error messages: "fn: expected a list, got 'int'".
 * They go to the heap of the object at fault, or to the thread's slot
 * (ohm_last_error(NULL)) when the object is NULL.
 */
#include "internal.h"

ohm_heap *obj_error_heap(const ohm_object *o) {
    return o ? alloc_heap_of(o) : NULL;
}

void obj_type_error(const char *fn, const char *want, const ohm_object *o) {
    if (!o) heap_error(NULL, "%s: expected %s, got NULL", fn, want);
    else if (!o->ohm_type) heap_error(alloc_heap_of(o), "%s: expected %s, got a freed object", fn, want);
    else heap_error(alloc_heap_of(o), "%s: expected %s, got '%s'", fn, want,
                    o->ohm_type->name ? o->ohm_type->name : "?");
}
