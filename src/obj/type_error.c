/*
 * type_error.c — the object layer's error messages: "fn: expected a list, got 'int'".
 * They go to the heap of the object at fault, or to the thread's slot
 * (ohm_last_error(NULL)) when the object is NULL.
 */
#include "obj/obj_impl.h"

ohm_heap *ohmi_obj_error_heap(const ohm_object *o) {
    return o ? ohmi_alloc_heap_of(o) : NULL;
}

void ohmi_obj_type_error(const char *fn, const char *want, const ohm_object *o) {
    if (!o) ohmi_error(NULL, "%s: expected %s, got NULL", fn, want);
    else if (!o->ohm_type) ohmi_error(ohmi_alloc_heap_of(o), "%s: expected %s, got a freed object", fn, want);
    else ohmi_error(ohmi_alloc_heap_of(o), "%s: expected %s, got '%s'", fn, want,
                    o->ohm_type->name ? o->ohm_type->name : "?");
}
