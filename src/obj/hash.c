/*
 * hash.c — hashing and equality with Python's value semantics, for dict keys.
 *
 * Numbers use CPython's numeric hash: the value reduced modulo the Mersenne prime
 * 2^61 - 1 (sign kept, -1 becomes -2), and for floats the same reduction of the
 * exact binary value, so an int and a float that compare equal hash equal (1 and
 * 1.0 are one key). Strings use FNV-1a over their bytes (base's ohmi_hash_bytes),
 * cached in the object.
 * Tuples combine their items' hashes with CPython's xxHash-based mix, and are
 * unhashable when an item is. Lists and dicts are unhashable. Every other object
 * hashes through its type's `hash`, or by identity when the type has none.
 *
 * Bools are ints here (False == 0, True == 1, the same hashes), as in Python.
 * Equality: the same object; ints and floats by numeric value (exactly: no rounding
 * of large ints); strs by bytes; tuples and lists item by item; otherwise the
 * first object's type `equal`, or identity.
 */
#include "obj/obj_impl.h"

#include <math.h>

#define HASH_BITS 61
#define HASH_MODULUS (((uint64_t)1 << HASH_BITS) - 1)
#define HASH_INF 314159u
#define XXPRIME_1 11400714785074694791ULL
#define XXPRIME_2 14029467366897019727ULL
#define XXPRIME_5 2870177450012600261ULL

uint64_t ohmi_obj_hash_int(int64_t v) {
    uint64_t a = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    uint64_t x = a % HASH_MODULUS;
    if (v < 0) x = (uint64_t)0 - x;
    if (x == (uint64_t)-1) x = (uint64_t)-2;
    return x;
}

/* CPython's _Py_HashDouble: the value modulo 2^61 - 1, exactly. NaN hashes 0. */
uint64_t ohmi_obj_hash_double(double v) {
    if (isinf(v)) return v > 0 ? HASH_INF : (uint64_t)0 - HASH_INF;
    if (isnan(v)) return 0;
    int e;
    double m = frexp(v, &e);
    int sign = 1;
    if (m < 0) { sign = -1; m = -m; }
    uint64_t x = 0;
    while (m) {
        x = ((x << 28) & HASH_MODULUS) | x >> (HASH_BITS - 28);
        m *= 268435456.0; /* 2**28 */
        e -= 28;
        uint64_t y = (uint64_t)m;
        m -= (double)y;
        x += y;
        if (x >= HASH_MODULUS) x -= HASH_MODULUS;
    }
    e = e >= 0 ? e % HASH_BITS : HASH_BITS - 1 - ((-1 - e) % HASH_BITS);
    x = ((x << e) & HASH_MODULUS) | x >> (HASH_BITS - e);
    if (sign < 0) x = (uint64_t)0 - x;
    if (x == (uint64_t)-1) x = (uint64_t)-2;
    return x;
}

static uint64_t hash_pointer(const ohm_object *o) {
    uintptr_t y = (uintptr_t)o;
    return (uint64_t)((y >> 4) | (y << (8 * sizeof y - 4)));
}

static int hash_tuple(const obj_tuple *t, uint64_t *out) {
    uint64_t acc = XXPRIME_5;
    for (size_t i = 0; i < t->len; i++) {
        uint64_t lane;
        if (!t->items[i] || ohmi_obj_hash(t->items[i], &lane) < 0) return -1;
        acc += lane * XXPRIME_2;
        acc = (acc << 31) | (acc >> 33);
        acc *= XXPRIME_1;
    }
    acc += t->len ^ (XXPRIME_5 ^ 3527539UL);
    if (acc == (uint64_t)-1) acc = 1546275796;
    *out = acc;
    return 0;
}

int ohmi_obj_hash(const ohm_object *o, uint64_t *out) {
    const ohm_type *t = o->ohm_type;
    if (t == &ohm_str_type) { *out = ohmi_obj_str_hash(o); return 0; }
    if (t == &ohm_int_type || t == &ohm_bool_type) { *out = ohmi_obj_hash_int(((const obj_int *)o)->value); return 0; }
    if (t == &ohm_float_type) { *out = ohmi_obj_hash_double(((const obj_float *)o)->value); return 0; }
    if (t == &ohm_tuple_type) return hash_tuple((const obj_tuple *)o, out);
    if (t == &ohm_list_type || t == &ohm_dict_type) return -1;
    *out = t->hash ? t->hash(o) : hash_pointer(o);
    return 0;
}

/* An int64 equal to a double: exact, so 2^53 + 1 != 2^53. */
static int equal_int_double(int64_t i, double d) {
    if (!(d >= -9223372036854775808.0 && d < 9223372036854775808.0)) return 0; /* NaN too */
    int64_t di = (int64_t)d;
    return (double)di == d && di == i;
}

static int equal_items(ohm_object *const *a, ohm_object *const *b, size_t n) {
    for (size_t i = 0; i < n; i++) {
        if (a[i] == b[i]) continue;
        if (!a[i] || !b[i] || !ohmi_obj_equal(a[i], b[i])) return 0;
    }
    return 1;
}

int ohmi_obj_equal(const ohm_object *a, const ohm_object *b) {
    if (a == b) return 1;
    const ohm_type *ta = a->ohm_type, *tb = b->ohm_type;
    if (ta == &ohm_bool_type) ta = &ohm_int_type;   /* a bool is an int: True == 1 */
    if (tb == &ohm_bool_type) tb = &ohm_int_type;
    if (ta == &ohm_int_type || ta == &ohm_float_type) {
        if (tb != &ohm_int_type && tb != &ohm_float_type) return 0;
        if (ta == &ohm_int_type && tb == &ohm_int_type)
            return ((const obj_int *)a)->value == ((const obj_int *)b)->value;
        if (ta == &ohm_float_type && tb == &ohm_float_type)
            return ((const obj_float *)a)->value == ((const obj_float *)b)->value;
        if (ta == &ohm_int_type)
            return equal_int_double(((const obj_int *)a)->value, ((const obj_float *)b)->value);
        return equal_int_double(((const obj_int *)b)->value, ((const obj_float *)a)->value);
    }
    if (ta == &ohm_str_type) {
        if (tb != ta) return 0;
        const obj_str *x = (const obj_str *)a, *y = (const obj_str *)b;
        if (x->len != y->len) return 0;
        if (x->hash && y->hash && x->hash != y->hash) return 0;
        return memcmp(x->data, y->data, x->len) == 0;
    }
    if (ta == &ohm_tuple_type) {
        if (tb != ta) return 0;
        const obj_tuple *x = (const obj_tuple *)a, *y = (const obj_tuple *)b;
        return x->len == y->len && equal_items(x->items, y->items, x->len);
    }
    if (ta == &ohm_list_type) {
        if (tb != ta) return 0;
        const obj_list *x = (const obj_list *)a, *y = (const obj_list *)b;
        return x->len == y->len && equal_items(x->items, y->items, x->len);
    }
    if (ta->equal) return ta->equal(a, b) != 0;
    return 0;
}

int ohm_hash(const ohm_object *o, uint64_t *out) {
    if (ohmi_obj_hash(o, out) == 0) return 0;
    ohmi_error(ohmi_alloc_heap_of(o), "ohm_hash: unhashable type: '%s'", o->ohm_type->name);
    return -1;
}

int ohm_equal(const ohm_object *a, const ohm_object *b) {
    return ohmi_obj_equal(a, b);
}
