/*
 * dict_views.c — a dict's keys, values and items as new lists (PyDict_Keys,
 * PyDict_Values, PyDict_Items; items are (key, value) tuples), in insertion order.
 *
 * Each list, and for items each tuple, is allocated before the dict is read, and the
 * reading allocates nothing: an allocation may run a collection, and a finalizer run
 * by it may change the dict. If the dict's size changed while the memory was being
 * got, the attempt is released and made again with the new size.
 */
#include "obj/obj_impl.h"

enum { VIEW_KEYS, VIEW_VALUES, VIEW_ITEMS };
static const char *const view_fn[] = { "ohm_dict_keys", "ohm_dict_values", "ohm_dict_items" };

/* A list of n empty slots for the view (for items, n 2-tuples with their items
 * unset), or NULL with a message. */
static ohm_object *view_alloc(ohm_heap *h, size_t n, int kind) {
    ohm_object *l = ohmi_obj_list_with_room(h, n, view_fn[kind]);
    if (!l || kind != VIEW_ITEMS) return l;
    obj_list *ll = (obj_list *)l;
    for (size_t i = 0; i < n; i++) {
        ohm_object *t = ohm_tuple_new(h, 2);
        if (!t) {
            ohm_decref(l);
            ohmi_error(h, "%s: out of memory (%zu items)", view_fn[kind], n);
            return NULL;
        }
        ll->items[ll->len++] = t;
    }
    return l;
}

static ohm_object *dict_view(const ohm_object *d, int kind) {
    if (!d || d->ohm_type != &ohm_dict_type) { ohmi_obj_type_error(view_fn[kind], "a dict", d); return NULL; }
    ohm_heap *h = ohmi_alloc_heap_of(d);
    for (;;) {
        size_t n = ((const obj_dict *)d)->used;
        ohm_object *l = view_alloc(h, n, kind);
        if (!l) return NULL;
        if (((const obj_dict *)d)->used != n) {   /* changed while allocating: again */
            ohm_decref(l);
            continue;
        }
        obj_list *ll = (obj_list *)l;
        size_t pos = 0, i = 0;
        ohm_object *k, *v;
        while (ohm_dict_next(d, &pos, &k, &v)) {
            if (kind == VIEW_ITEMS) {
                obj_tuple *t = (obj_tuple *)ll->items[i];
                ohm_incref(k);
                ohm_incref(v);
                t->items[0] = k;
                t->items[1] = v;
            } else {
                ohm_object *x = kind == VIEW_KEYS ? k : v;
                ohm_incref(x);
                ll->items[i] = x;
            }
            i++;
        }
        ll->len = n;
        return l;
    }
}

ohm_object *ohm_dict_keys(const ohm_object *d) { return dict_view(d, VIEW_KEYS); }
ohm_object *ohm_dict_values(const ohm_object *d) { return dict_view(d, VIEW_VALUES); }
ohm_object *ohm_dict_items(const ohm_object *d) { return dict_view(d, VIEW_ITEMS); }
