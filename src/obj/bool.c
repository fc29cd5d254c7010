/*
 * bool.c — None, False and True, and Python's truth test.
 *
 * Each heap has one None (a bare 16-byte header of ohm_none_type) and two bools
 * (ohm_bool_type, laid out as an int holding 0 or 1), made on first use and immortal,
 * as the small ints are (int.c): ohm_none(h) == ohm_none(h), and counting their
 * references costs nothing. A bool is an int to the rest of obj/: hash.c, compare.c
 * and ohm_int_value read its value, so True == 1 and hash(True) == hash(1), as in
 * Python (bool subclasses int there).
 */
#include "obj/obj_impl.h"

static uint64_t bool_hash(const ohm_object *o) {
    return ohmi_obj_hash_int(((const obj_int *)o)->value);
}

static int bool_equal(const ohm_object *a, const ohm_object *b) {
    return ohmi_obj_equal(a, b);
}

/* Neither has a dealloc or a free list: their objects are immortal, never released. */
const ohm_type ohm_none_type = { .name = "NoneType", .basicsize = sizeof(ohm_object) };
const ohm_type ohm_bool_type = {
    .name = "bool", .basicsize = sizeof(obj_int), .hash = bool_hash, .equal = bool_equal,
};

/* The singleton in obj_state's member slot (none, bools[0], bools[1]), made on first
 * use: NULL with a message naming fn when that runs out of memory. */
static ohm_object *bool_singleton(ohm_heap *h, size_t slot, const ohm_type *t, int value,
                                  const char *fn) {
    if (OHM_UNLIKELY(!h)) { ohmi_error(NULL, "%s: heap is NULL", fn); return NULL; }
    ohm_object **p = (ohm_object **)((char *)ohmi_obj_of(h) + slot);
    if (OHM_LIKELY(*p != NULL)) return *p;
    ohm_object *o = obj_alloc(h, t, t->basicsize);
    if (!o) { ohmi_error(h, "%s: out of memory", fn); return NULL; }
    if (t == &ohm_bool_type) ((obj_int *)o)->value = value;
    ohmi_obj_make_immortal(o);
    *p = o;
    return o;
}

#define BOOL_SLOT(m) offsetof(struct obj_state, m)

ohm_object *ohm_none(ohm_heap *h) {
    return bool_singleton(h, BOOL_SLOT(none), &ohm_none_type, 0, "ohm_none");
}

ohm_object *ohm_false(ohm_heap *h) {
    return bool_singleton(h, BOOL_SLOT(bools[0]), &ohm_bool_type, 0, "ohm_false");
}

ohm_object *ohm_true(ohm_heap *h) {
    return bool_singleton(h, BOOL_SLOT(bools[1]), &ohm_bool_type, 1, "ohm_true");
}

ohm_object *ohm_bool_new(ohm_heap *h, long v) {
    return v ? bool_singleton(h, BOOL_SLOT(bools[1]), &ohm_bool_type, 1, "ohm_bool_new")
             : bool_singleton(h, BOOL_SLOT(bools[0]), &ohm_bool_type, 0, "ohm_bool_new");
}

/* Python's truth test for the builtins: zero numbers, empty sizes, None and False are
 * false; every other object (user types included) is true. */
int ohm_is_true(const ohm_object *o) {
    if (!o || !o->ohm_type) { ohmi_obj_type_error("ohm_is_true", "an object", o); return -1; }
    const ohm_type *t = o->ohm_type;
    if (t == &ohm_bool_type || t == &ohm_int_type) return ((const obj_int *)o)->value != 0;
    if (t == &ohm_none_type) return 0;
    if (t == &ohm_float_type) return ((const obj_float *)o)->value != 0.0;   /* NaN: true */
    if (t == &ohm_str_type) return ((const obj_str *)o)->len != 0;
    if (t == &ohm_tuple_type) return ((const obj_tuple *)o)->len != 0;
    if (t == &ohm_list_type) return ((const obj_list *)o)->len != 0;
    if (t == &ohm_dict_type) return ((const obj_dict *)o)->used != 0;
    if (t == &ohm_range_type) {
        int64_t start, step;
        uint64_t len;
        ohmi_obj_range_parts(o, &start, &step, &len);
        return len != 0;
    }
    return 1;
}
