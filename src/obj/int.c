/*
 * int.c — the int type: an int64 in a 24-byte object.
 *
 * -5..256 are singletons made on first use and immortal (CPython's small ints), so
 * ohm_int_new(h, 7) == ohm_int_new(h, 7) and counting them costs nothing. Other ints
 * recycle their memory through a free list of OBJ_INT_MAXFREE: the release path
 * (object.c) pushes a dead int directly (kind OBJ_K_INT), creation pops it inline.
 */
#include "obj/obj_impl.h"

static uint64_t int_hash(const ohm_object *o) {
    return ohmi_obj_hash_int(((const obj_int *)o)->value);
}

static int int_equal(const ohm_object *a, const ohm_object *b) {
    return ohmi_obj_equal(a, b);
}

const ohm_type ohm_int_type = {
    .name = "int", .basicsize = sizeof(obj_int),
    .flags = OBJ_KIND_FLAG(OBJ_K_INT),   /* no dealloc: the release path pushes it */
    .hash = int_hash, .equal = int_equal,
};

static inline ohm_object *int_make(ohm_heap *h, int64_t v) {
    ohm_object *o = obj_freelist_pop(&ohmi_obj_of(h)->ints, &ohm_int_type);
    if (OHM_UNLIKELY(!o) && !(o = obj_alloc(h, &ohm_int_type, sizeof(obj_int)))) {
        ohmi_error(h, "ohm_int_new: out of memory");
        return NULL;
    }
    ((obj_int *)o)->value = v;
    return o;
}

ohm_object *ohm_int_new(ohm_heap *h, int64_t v) {
    if ((uint64_t)v + OBJ_NSMALLNEG < OBJ_NSMALLNEG + OBJ_NSMALLPOS) {   /* -5 <= v < 257 */
        ohm_object **slot = &ohmi_obj_of(h)->small_ints[v + OBJ_NSMALLNEG];
        if (OHM_LIKELY(*slot != NULL)) return *slot;
        ohm_object *o = int_make(h, v);
        if (o) { ohmi_obj_make_immortal(o); *slot = o; }
        return o;
    }
    return int_make(h, v);
}

int64_t ohm_int_value(const ohm_object *o) {
    if (!o || (o->ohm_type != &ohm_int_type && o->ohm_type != &ohm_bool_type)) {
        ohmi_obj_type_error("ohm_int_value", "an int", o);
        return -1;
    }
    ohmi_error_clear(ohmi_alloc_heap_of(o));   /* so that -1 with "" is the int -1 */
    return ((const obj_int *)o)->value;
}

int ohm_int_as(const ohm_object *o, int64_t *out) {
    if (!o || (o->ohm_type != &ohm_int_type && o->ohm_type != &ohm_bool_type)) {
        ohmi_obj_type_error("ohm_int_as", "an int", o);
        return -1;
    }
    *out = ((const obj_int *)o)->value;
    return 0;
}
