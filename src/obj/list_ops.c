/*
 * list_ops.c — the list operations beyond append/set/get/pop: insert, del, slices
 * (PyList_GetSlice, PyList_SetSlice), extend, reverse, copy. Sorting is list_sort.c.
 *
 * Every one either completes or changes nothing: the memory an operation needs (a
 * larger item array, a buffer for the items a slice assignment replaces, a copy of a
 * list assigned into itself, the items of an iterable gathered first) is obtained
 * before the list is touched. References dropped by an operation are dropped last,
 * once the list is consistent again, since a release may run any code (a finalizer,
 * a weakref callback) that looks at the list.
 */
#include "obj/obj_impl.h"

static int list_check(const char *fn, const ohm_object *o) {
    if (OHM_LIKELY(o != NULL) && OHM_LIKELY(o->ohm_type == &ohm_list_type)) return 0;
    ohmi_obj_type_error(fn, "a list", o);
    return -1;
}

/* Python's slice bounds for a list of n items, as PyList_GetSlice clamps them:
 * below 0 is 0, above n is n, hi below lo is lo. */
static void list_clamp(size_t n, ptrdiff_t *lo, ptrdiff_t *hi) {
    if (*lo < 0) *lo = 0;
    else if ((size_t)*lo > n) *lo = (ptrdiff_t)n;
    if (*hi < *lo) *hi = *lo;
    else if ((size_t)*hi > n) *hi = (ptrdiff_t)n;
}

int ohm_list_insert(ohm_object *o, ptrdiff_t i, ohm_object *item) {
    if (list_check("ohm_list_insert", o) < 0) return -1;
    if (ohmi_obj_check_item(o, item, "ohm_list_insert", "item") < 0) return -1;
    obj_list *l = (obj_list *)o;
    size_t n = l->len;
    if (i < 0) i = (size_t)0 - (size_t)i > n ? 0 : (ptrdiff_t)n + i;   /* from the end, as list.insert */
    else if ((size_t)i > n) i = (ptrdiff_t)n;
    if (n == l->cap && ohmi_obj_list_resize(ohmi_alloc_heap_of(o), l, n + 1) < 0) {
        ohmi_error(ohmi_alloc_heap_of(o), "ohm_list_insert: out of memory (length %zu)", n);
        return -1;
    }
    memmove(&l->items[i + 1], &l->items[i], (n - (size_t)i) * sizeof(ohm_object *));
    ohm_incref(item);
    l->items[i] = item;
    l->len = n + 1;
    return 0;
}

int ohm_list_del(ohm_object *o, size_t i) {
    if (list_check("ohm_list_del", o) < 0) return -1;
    obj_list *l = (obj_list *)o;
    if (i >= l->len) {
        ohmi_error(ohmi_alloc_heap_of(o), "ohm_list_del: index %zu out of range (len %zu)", i, l->len);
        return -1;
    }
    ohm_object *old = l->items[i];
    memmove(&l->items[i], &l->items[i + 1], (l->len - i - 1) * sizeof(ohm_object *));
    l->len--;
    if (l->len < l->cap / 2) ohmi_obj_list_resize(ohmi_alloc_heap_of(o), l, l->len); /* failure: keep */
    ohm_decref(old);
    return 0;
}

/* A new list holding items[0..n), each with its own reference; NULL with a message
 * naming fn. */
static ohm_object *list_from(ohm_heap *h, ohm_object *const *items, size_t n, const char *fn) {
    ohm_object *r = ohmi_obj_list_with_room(h, n, fn);
    if (!r) return NULL;
    obj_list *rl = (obj_list *)r;
    for (size_t i = 0; i < n; i++) {
        ohm_incref(items[i]);
        rl->items[i] = items[i];
    }
    rl->len = n;
    return r;
}

ohm_object *ohm_list_get_slice(const ohm_object *o, ptrdiff_t lo, ptrdiff_t hi) {
    if (list_check("ohm_list_get_slice", o) < 0) return NULL;
    const obj_list *l = (const obj_list *)o;
    list_clamp(l->len, &lo, &hi);
    return list_from(ohmi_alloc_heap_of(o), l->items + lo, (size_t)(hi - lo), "ohm_list_get_slice");
}

ohm_object *ohm_list_copy(const ohm_object *o) {
    if (list_check("ohm_list_copy", o) < 0) return NULL;
    const obj_list *l = (const obj_list *)o;
    return list_from(ohmi_alloc_heap_of(o), l->items, l->len, "ohm_list_copy");
}

/* The items a slice assignment or extend stores, from v: a list's or tuple's own
 * array, or, for v the list l itself (a[i:j] = a) and for the other iterables (dict
 * keys, range, iterator), a new list *hold gathering them first, which the caller
 * releases. 0, or -1 with a message naming fn. */
static int list_source(ohm_object *l, ohm_object *v, const char *fn, ohm_object *const **items,
                       size_t *n, ohm_object **hold) {
    ohm_heap *h = ohmi_alloc_heap_of(l);
    *hold = NULL;
    if (ohmi_obj_check_item(l, v, fn, "items") < 0) return -1;
    const ohm_type *t = v->ohm_type;
    if (v == l) {
        if (!(*hold = list_from(h, ((obj_list *)v)->items, ((obj_list *)v)->len, fn))) return -1;
        v = *hold;
    } else if (t == &ohm_tuple_type) {
        const obj_tuple *tu = (const obj_tuple *)v;
        for (size_t i = 0; i < tu->len; i++)
            if (!tu->items[i]) { ohmi_error(h, "%s: tuple item %zu is not set", fn, i); return -1; }
        *items = tu->items;
        *n = tu->len;
        return 0;
    } else if (t != &ohm_list_type) {
        if (t != &ohm_dict_type && t != &ohm_range_type && t != &ohm_iter_type) {
            ohmi_error(h, "%s: '%s' object is not iterable", fn, t->name ? t->name : "?");
            return -1;
        }
        ohm_object *it = ohm_iter(v), *x;
        if (!it || !(*hold = ohm_list_new(h))) {
            ohm_xdecref(it);
            ohmi_error(h, "%s: out of memory", fn);
            return -1;
        }
        int failed = 0;
        ohmi_error_clear(h);
        while (!failed && (x = ohm_iter_next(it)) != NULL) {
            failed = ohm_list_append(*hold, x) < 0;
            ohm_decref(x);
        }
        failed |= ohm_last_error(h)[0] != '\0';     /* NULL from ohm_iter_next: the end, or an error */
        ohm_decref(it);
        if (failed) {
            /* the message of the call that failed, under fn's name */
            char why[200];
            const char *m = ohm_last_error(h), *colon = strstr(m, ": ");
            snprintf(why, sizeof why, "%s", colon ? colon + 2 : m);
            ohm_decref(*hold);
            *hold = NULL;
            ohmi_error(h, "%s: %s", fn, why);
            return -1;
        }
        v = *hold;
    }
    *items = ((obj_list *)v)->items;
    *n = ((obj_list *)v)->len;
    return 0;
}

#define LIST_SMALL_SLICE 8   /* replaced items kept on the stack up to this many */

/* l[lo:hi] = items[0..k), all memory got first; the replaced items are released
 * last. 0, or -1 with a message naming fn (l unchanged). */
static int list_splice(ohm_object *o, ptrdiff_t lo, ptrdiff_t hi, ohm_object *const *src, size_t k,
                       const char *fn) {
    obj_list *l = (obj_list *)o;
    ohm_heap *h = ohmi_alloc_heap_of(o);
    size_t n = l->len;
    list_clamp(n, &lo, &hi);
    size_t gone = (size_t)(hi - lo), newlen = n - gone + k;
    ohm_object *small[LIST_SMALL_SLICE], **old = small;
    if (gone > LIST_SMALL_SLICE &&
        !(old = ohmi_alloc_malloc(h, OHM_DOMAIN_MEM, gone * sizeof(ohm_object *)))) {
        ohmi_error(h, "%s: out of memory (%zu items replaced)", fn, gone);
        return -1;
    }
    if (newlen > l->cap && ohmi_obj_list_resize(h, l, newlen) < 0) {
        if (old != small) ohmi_alloc_free(h, OHM_DOMAIN_MEM, old);
        ohmi_error(h, "%s: out of memory (length %zu)", fn, newlen);
        return -1;
    }
    if (gone) memcpy(old, &l->items[lo], gone * sizeof(ohm_object *));
    if (k != gone)
        memmove(&l->items[(size_t)lo + k], &l->items[hi], (n - (size_t)hi) * sizeof(ohm_object *));
    for (size_t i = 0; i < k; i++) {
        ohm_incref(src[i]);
        l->items[(size_t)lo + i] = src[i];
    }
    l->len = newlen;
    if (newlen < l->cap / 2) ohmi_obj_list_resize(h, l, newlen);   /* failure: keep */
    for (size_t i = gone; i-- > 0;) ohm_decref(old[i]);
    if (old != small) ohmi_alloc_free(h, OHM_DOMAIN_MEM, old);
    return 0;
}

int ohm_list_set_slice(ohm_object *o, ptrdiff_t lo, ptrdiff_t hi, ohm_object *items) {
    if (list_check("ohm_list_set_slice", o) < 0) return -1;
    if (!items) return list_splice(o, lo, hi, NULL, 0, "ohm_list_set_slice");
    ohm_object *const *src = NULL, *hold;
    size_t k = 0;
    if (list_source(o, items, "ohm_list_set_slice", &src, &k, &hold) < 0) return -1;
    int r = list_splice(o, lo, hi, src, k, "ohm_list_set_slice");
    ohm_xdecref(hold);
    return r;
}

int ohm_list_extend(ohm_object *o, ohm_object *iterable) {
    if (list_check("ohm_list_extend", o) < 0) return -1;
    ohm_object *const *src = NULL, *hold;
    size_t k = 0;
    if (list_source(o, iterable, "ohm_list_extend", &src, &k, &hold) < 0) return -1;
    ptrdiff_t end = (ptrdiff_t)((obj_list *)o)->len;
    int r = list_splice(o, end, end, src, k, "ohm_list_extend");
    ohm_xdecref(hold);
    return r;
}

int ohm_list_reverse(ohm_object *o) {
    if (list_check("ohm_list_reverse", o) < 0) return -1;
    obj_list *l = (obj_list *)o;
    for (size_t i = 0, j = l->len; i + 1 < j; i++, j--) {
        ohm_object *x = l->items[i];
        l->items[i] = l->items[j - 1];
        l->items[j - 1] = x;
    }
    return 0;
}
