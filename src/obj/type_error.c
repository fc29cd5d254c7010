/*
 * type_error.c — the object layer's error messages: "fn: expected a list, got 'int'".
 * They go to the heap of the object at fault, or to the thread's slot
 * (ohm_last_error(NULL)) when the object is NULL. Also the check of an item a
 * container is about to store (ohmi_obj_check_item's reports).
 */
#include "obj/obj_impl.h"

ohm_heap *ohmi_obj_error_heap(const ohm_object *o) {
    return o ? ohmi_alloc_heap_of(o) : NULL;
}

int ohmi_obj_item_error(const ohm_object *c, const ohm_object *item, const char *fn,
                        const char *what) {
    ohm_heap *h = ohmi_alloc_heap_of(c);
    if (!item) { ohmi_error(h, "%s: %s is NULL", fn, what); return -1; }
    if (OHM_UNLIKELY(!ohmi_alloc_live(item))) {
        /* debug mode: a quarantined object (rc 0, type NULL); a stored dangling
         * pointer would crash far from here, so stop now. Outside it: a free pool slot
         * or a free-list entry, reported while its memory is not reused */
        if (ohmi_base_of(h)->cfg.debug)
            ohmi_fatal("%s: %s at %p is a freed object", fn, what, (const void *)item);
        ohmi_error(h, "%s: %s at %p is a freed object", fn, what, (const void *)item);
        return -1;
    }
    if (OHM_UNLIKELY(ohmi_alloc_heap_of(item) != h)) {
        ohmi_error(h, "%s: %s belongs to another heap", fn, what);
        return -1;
    }
    return 0;
}

void ohmi_obj_type_error(const char *fn, const char *want, const ohm_object *o) {
    if (!o) ohmi_error(NULL, "%s: expected %s, got NULL", fn, want);
    else if (!ohmi_alloc_live(o)) ohmi_error(ohmi_alloc_heap_of(o), "%s: expected %s, got a freed object", fn, want);
    else ohmi_error(ohmi_alloc_heap_of(o), "%s: expected %s, got '%s'", fn, want,
                    o->ohm_type->name ? o->ohm_type->name : "?");
}
