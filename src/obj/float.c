/*
 * float.c — the float type: a double in a 24-byte object, recycled through a free
 * list of OBJ_FLOAT_MAXFREE (CPython's PyFloat free list). Floats that equal an int
 * hash like it (hash.c), so 1.0 and 1 are the same dict key, as in Python.
 * Release (object.c) puts a dead float on the free list directly (kind OBJ_K_FLOAT):
 * no dealloc call; creation pops it inline.
 */
#include "obj/obj_impl.h"

static uint64_t float_hash(const ohm_object *o) {
    return ohmi_obj_hash_double(((const obj_float *)o)->value);
}

static int float_equal(const ohm_object *a, const ohm_object *b) {
    return ohmi_obj_equal(a, b);
}

const ohm_type ohm_float_type = {
    .name = "float", .basicsize = sizeof(obj_float),
    .flags = OBJ_KIND_FLAG(OBJ_K_FLOAT), /* no dealloc: the release path pushes it */
    .hash = float_hash, .equal = float_equal,
};

ohm_object *ohm_float_new(ohm_heap *h, double v) {
    ohm_object *o = obj_freelist_pop(&ohmi_obj_of(h)->floats, &ohm_float_type);
    if (OHM_UNLIKELY(!o) && !(o = obj_alloc(h, &ohm_float_type, sizeof(obj_float)))) {
        ohmi_error(h, "ohm_float_new: out of memory");
        return NULL;
    }
    ((obj_float *)o)->value = v;
    return o;
}

double ohm_float_value(const ohm_object *o) {
    if (!o || o->ohm_type != &ohm_float_type) {
        ohmi_obj_type_error("ohm_float_value", "a float", o);
        return -1.0;
    }
    ohmi_error_clear(ohmi_alloc_heap_of(o));   /* so that -1.0 with "" is the float -1.0 */
    return ((const obj_float *)o)->value;
}

int ohm_float_as(const ohm_object *o, double *out) {
    if (!o || o->ohm_type != &ohm_float_type) {
        ohmi_obj_type_error("ohm_float_as", "a float", o);
        return -1;
    }
    *out = ((const obj_float *)o)->value;
    return 0;
}
