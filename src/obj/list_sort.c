/*
 * list_sort.c — ohm_list_sort: a stable sort by `<` (ohmi_obj_compare, OHM_LT), as
 * Python's list.sort() with no key.
 *
 * The algorithm: insertion sort of runs of SORT_RUN items, then bottom-up merges
 * between the work array and a scratch array of the same size, each merge taking
 * from the right run only when its item is strictly smaller (which keeps equal items
 * in their order). O(n log n) comparisons, 2n pointers of scratch memory.
 *
 * All or nothing: the sort works on a copy of the item pointers. The list's own
 * array is detached for the duration (the list looks empty, as CPython's does while
 * it sorts), so a comparison that runs code (a user type's `equal`, reached through
 * the items of tuples) cannot change what is being sorted. The result is committed
 * only if every comparison succeeded and nobody stored into the list meanwhile;
 * otherwise the original array comes back unchanged: an unordered pair gives
 * "ohm_list_sort: '<' not supported between 'dict' and 'int'", and items stored
 * during the sort are dropped with "ohm_list_sort: list modified during sort".
 * Pairs of ints, of floats and of strs are compared inline, without the call.
 */
#include "obj/obj_impl.h"

#define SORT_RUN 16

/* a < b: 1, 0, or -1 with the message. */
static inline int sort_lt(const ohm_object *a, const ohm_object *b) {
    const ohm_type *ta = a->ohm_type, *tb = b->ohm_type;
    if (ta == &ohm_int_type && tb == &ohm_int_type)
        return ((const obj_int *)a)->value < ((const obj_int *)b)->value;
    if (ta == &ohm_float_type && tb == &ohm_float_type)   /* NaN: false, as ohm_compare */
        return ((const obj_float *)a)->value < ((const obj_float *)b)->value;
    if (ta == &ohm_str_type && tb == &ohm_str_type)
        return obj_str_cmp((const obj_str *)a, (const obj_str *)b) < 0;
    return ohmi_obj_compare(a, b, OHM_LT, "ohm_list_sort");
}

/* Insertion sort of v[0..n): stable (an item moves left only past larger ones). */
static int sort_insertion(ohm_object **v, size_t n) {
    for (size_t i = 1; i < n; i++) {
        ohm_object *x = v[i];
        size_t j = i;
        while (j > 0) {
            int lt = sort_lt(x, v[j - 1]);
            if (lt < 0) return -1;
            if (!lt) break;
            v[j] = v[j - 1];
            j--;
        }
        v[j] = x;
    }
    return 0;
}

/* Merge the sorted runs a[lo..mid) and a[mid..hi) into out[lo..hi). */
static int sort_merge(ohm_object **a, ohm_object **out, size_t lo, size_t mid, size_t hi) {
    size_t i = lo, j = mid, k = lo;
    while (i < mid && j < hi) {
        int lt = sort_lt(a[j], a[i]);
        if (lt < 0) return -1;
        out[k++] = lt ? a[j++] : a[i++];
    }
    while (i < mid) out[k++] = a[i++];
    while (j < hi) out[k++] = a[j++];
    return 0;
}

/* Sort v[0..n) using scratch[0..n); the result ends in *sorted (v or scratch). */
static int sort_items(ohm_object **v, ohm_object **scratch, size_t n, ohm_object ***sorted) {
    for (size_t lo = 0; lo < n; lo += SORT_RUN)
        if (sort_insertion(v + lo, n - lo < SORT_RUN ? n - lo : SORT_RUN) < 0) return -1;
    ohm_object **from = v, **to = scratch;
    for (size_t width = SORT_RUN; width < n; width *= 2) {
        for (size_t lo = 0; lo < n; lo += 2 * width) {
            size_t mid = lo + width < n ? lo + width : n;
            size_t hi = lo + 2 * width < n ? lo + 2 * width : n;
            if (sort_merge(from, to, lo, mid, hi) < 0) return -1;
        }
        ohm_object **t = from;
        from = to;
        to = t;
    }
    *sorted = from;
    return 0;
}

int ohm_list_sort(ohm_object *o) {
    if (!o || o->ohm_type != &ohm_list_type) { ohmi_obj_type_error("ohm_list_sort", "a list", o); return -1; }
    obj_list *l = (obj_list *)o;
    size_t n = l->len;
    if (n < 2) return 0;
    ohm_heap *h = ohmi_alloc_heap_of(o);
    ohm_object **work = n <= SIZE_MAX / (2 * sizeof(ohm_object *))
        ? ohmi_alloc_malloc(h, OHM_DOMAIN_MEM, 2 * n * sizeof(ohm_object *)) : NULL;
    if (!work) {
        ohmi_error(h, "ohm_list_sort: out of memory (length %zu)", n);
        return -1;
    }
    ohm_object **items = l->items, **sorted = NULL;
    size_t cap = l->cap;
    memcpy(work, items, n * sizeof(ohm_object *));
    l->items = NULL;                         /* detached: the list looks empty */
    l->len = l->cap = 0;
    int r = sort_items(work, work + n, n, &sorted);
    while (l->items || l->len) {             /* something was stored meanwhile: drop it */
        ohm_object **extra = l->items;
        size_t nextra = l->len;
        l->items = NULL;
        l->len = l->cap = 0;
        for (size_t i = nextra; i-- > 0;) ohm_decref(extra[i]);
        ohmi_alloc_free(h, OHM_DOMAIN_MEM, extra);
        if (r == 0) ohmi_error(h, "ohm_list_sort: list modified during sort");
        r = -1;
    }
    if (r == 0) memcpy(items, sorted, n * sizeof(ohm_object *));
    l->items = items;
    l->len = n;
    l->cap = cap;
    ohmi_alloc_free(h, OHM_DOMAIN_MEM, work);
    return r;
}
