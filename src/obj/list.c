/*
 * list.c — the list type: a header with length and capacity, items in a separate
 * MEM-domain array that grows by over-allocation (CPython's list_resize: new
 * capacity = n + n/8 + 6, rounded down to a multiple of 4), so n appends cost O(n).
 * Popping shrinks the array when it is less than half full. List objects (the
 * 40-byte part) are recycled through a free list of 80. Lists are GC objects.
 */
#include "obj/obj_impl.h"

static int list_traverse(ohm_object *self, ohm_visit_fn visit, void *arg) {
    obj_list *l = (obj_list *)self;
    for (size_t i = 0; i < l->len; i++) {
        int r = visit(l->items[i], arg);
        if (r) return r;
    }
    return 0;
}

/* Drop every item and the array. The list is empty before any item is released,
 * so code run by those releases sees a consistent (empty) list. */
static int list_clear(ohm_object *self) {
    obj_list *l = (obj_list *)self;
    ohm_object **items = l->items;
    size_t n = l->len;
    l->items = NULL;
    l->len = l->cap = 0;
    if (items) {
        for (size_t i = n; i-- > 0;) ohm_decref(items[i]);
        ohmi_alloc_free(ohmi_alloc_heap_of(self), OHM_DOMAIN_MEM, items);
    }
    return 0;
}

/* Leaves len, cap and items 0/NULL: the release path (kind OBJ_K_LIST) then pushes
 * the list on its free list, and ohm_list_new only resets len (the link's word). */
static void list_dealloc(ohm_object *self) {
    if (((obj_list *)self)->items) list_clear(self);
    else ((obj_list *)self)->len = 0;
}

const ohm_type ohm_list_type = {
    .name = "list", .basicsize = sizeof(obj_list),
    .flags = OHM_TYPE_GC | OBJ_KIND_FLAG(OBJ_K_LIST),
    .traverse = list_traverse, .clear = list_clear, .dealloc = list_dealloc,
};

ohm_object *ohm_list_new(ohm_heap *h) {
    ohm_object *o = obj_freelist_pop(&ohmi_obj_of(h)->lists, &ohm_list_type);
    if (OHM_LIKELY(o != NULL)) {
        ((obj_list *)o)->len = 0;      /* cap and items: 0 and NULL since list_dealloc */
    } else {
        if (!(o = obj_alloc(h, &ohm_list_type, sizeof(obj_list)))) {
            ohmi_error(h, "ohm_list_new: out of memory");
            return NULL;
        }
        obj_list *l = (obj_list *)o;
        l->len = l->cap = 0;
        l->items = NULL;
    }
    gc_on_new_h(h, o);
    return o;
}

/* Make room for n items (CPython's over-allocation when growing). */
int ohmi_obj_list_resize(ohm_heap *h, obj_list *l, size_t n) {
    if (n <= l->cap && n >= l->cap / 2) return 0;
    size_t cap = n ? (n + (n >> 3) + 6) & ~(size_t)3 : 0;
    if (n && cap < n) cap = n;
    if (cap > SIZE_MAX / sizeof(ohm_object *)) return -1;
    if (cap == 0) {
        ohmi_alloc_free(h, OHM_DOMAIN_MEM, l->items);
        l->items = NULL;
        l->cap = 0;
        return 0;
    }
    ohm_object **items = ohmi_alloc_realloc(h, OHM_DOMAIN_MEM, l->items, cap * sizeof(ohm_object *));
    if (!items) return -1;
    l->items = items;
    l->cap = cap;
    return 0;
}

int ohm_list_append(ohm_object *o, ohm_object *item) {
    if (!o || o->ohm_type != &ohm_list_type) { ohmi_obj_type_error("ohm_list_append", "a list", o); return -1; }
    obj_list *l = (obj_list *)o;
    if (OHM_UNLIKELY(ohmi_obj_check_item(o, item, "ohm_list_append", "item") < 0)) return -1;
    if (OHM_UNLIKELY(l->len == l->cap)) {
        ohm_heap *h = ohmi_alloc_heap_of(o);
        if (ohmi_obj_list_resize(h, l, l->len + 1) < 0) {
            ohmi_error(h, "ohm_list_append: out of memory (length %zu)", l->len);
            return -1;
        }
    }
    ohm_incref(item);
    l->items[l->len++] = item;
    return 0;
}

int ohm_list_set(ohm_object *o, size_t i, ohm_object *item) {
    if (!o || o->ohm_type != &ohm_list_type) { ohmi_obj_type_error("ohm_list_set", "a list", o); return -1; }
    obj_list *l = (obj_list *)o;
    if (i >= l->len) {
        ohmi_error(ohmi_alloc_heap_of(o), "ohm_list_set: index %zu out of range (len %zu)", i, l->len);
        return -1;
    }
    if (OHM_UNLIKELY(ohmi_obj_check_item(o, item, "ohm_list_set", "item") < 0)) return -1;
    ohm_incref(item);
    ohm_object *old = l->items[i];
    l->items[i] = item;
    ohm_decref(old);
    return 0;
}

ohm_object *ohm_list_get(const ohm_object *o, size_t i) {
    if (!o || o->ohm_type != &ohm_list_type) { ohmi_obj_type_error("ohm_list_get", "a list", o); return NULL; }
    const obj_list *l = (const obj_list *)o;
    if (i >= l->len) {
        ohmi_error(ohmi_alloc_heap_of(o), "ohm_list_get: index %zu out of range (len %zu)", i, l->len);
        return NULL;
    }
    return l->items[i];
}

ohm_object *ohm_list_pop(ohm_object *o) {
    if (!o || o->ohm_type != &ohm_list_type) { ohmi_obj_type_error("ohm_list_pop", "a list", o); return NULL; }
    obj_list *l = (obj_list *)o;
    if (l->len == 0) { ohmi_error(ohmi_alloc_heap_of(o), "ohm_list_pop: pop from empty list"); return NULL; }
    ohm_object *item = l->items[--l->len];
    if (l->len < l->cap / 2) ohmi_obj_list_resize(ohmi_alloc_heap_of(o), l, l->len); /* failure: keep */
    return item;   /* the list's reference becomes the caller's */
}

ohm_object *ohmi_obj_list_with_room(ohm_heap *h, size_t n, const char *fn) {
    ohm_object *o = ohm_list_new(h);
    if (!o) { ohmi_error(h, "%s: out of memory", fn); return NULL; }
    if (n && ohmi_obj_list_resize(h, (obj_list *)o, n) < 0) {
        ohm_decref(o);
        ohmi_error(h, "%s: out of memory (length %zu)", fn, n);
        return NULL;
    }
    return o;
}

size_t ohm_list_len(const ohm_object *o) {
    if (!o || o->ohm_type != &ohm_list_type) { ohmi_obj_type_error("ohm_list_len", "a list", o); return 0; }
    return ((const obj_list *)o)->len;
}
