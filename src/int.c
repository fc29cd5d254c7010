/*
 * int.c — the int type: an int64 in a 24-byte object.
 *
 * -5..256 are singletons made on first use and immortal (CPython's small ints), so
 * ohm_int_new(h, 7) == ohm_int_new(h, 7) and counting them costs nothing. Other ints
 * recycle their memory through a free list of OBJ_INT_MAXFREE.
 */
#include "freelist.h"

static uint64_t int_hash(const ohm_object *o) {
    return obj_hash_int(((const obj_int *)o)->value);
}

static int int_equal(const ohm_object *a, const ohm_object *b) {
    return obj_equal(a, b);
}

static void int_dealloc(ohm_object *o) {
    ohm_heap *h = alloc_heap_of(o);
    obj_freelist_push(h, &h->obj.ints, OBJ_INT_MAXFREE, o);
}

const ohm_type ohm_int_type = {
    .name = "int", .basicsize = sizeof(obj_int),
    .dealloc = int_dealloc, .hash = int_hash, .equal = int_equal,
};

static ohm_object *int_make(ohm_heap *h, int64_t v) {
    ohm_object *o = obj_freelist_pop(&h->obj.ints, &ohm_int_type);
    if (!o && !(o = obj_alloc(h, &ohm_int_type, sizeof(obj_int)))) {
        heap_error(h, "ohm_int_new: out of memory");
        return NULL;
    }
    ((obj_int *)o)->value = v;
    return o;
}

ohm_object *ohm_int_new(ohm_heap *h, int64_t v) {
    if (v >= -OBJ_NSMALLNEG && v < OBJ_NSMALLPOS) {
        ohm_object **slot = &h->obj.small_ints[v + OBJ_NSMALLNEG];
        if (OHM_LIKELY(*slot != NULL)) return *slot;
        ohm_object *o = int_make(h, v);
        if (o) { obj_make_immortal(o); *slot = o; }
        return o;
    }
    return int_make(h, v);
}

int64_t ohm_int_value(const ohm_object *o) {
    if (!o || o->ohm_type != &ohm_int_type) {
        obj_type_error("ohm_int_value", "an int", o);
        return -1;
    }
    return ((const obj_int *)o)->value;
}
