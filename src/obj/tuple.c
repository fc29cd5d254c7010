/*
 * tuple.c — the tuple type: a fixed number of item slots after the header.
 *
 * Layout: header (16) | length (8) | items (8 each); a 2-tuple is 40 bytes. Items
 * are NULL until set; ohm_tuple_set replaces an item (taking its own reference).
 * The empty tuple is an immortal singleton. Tuples of lengths 1..20 recycle their
 * memory through per-length free lists of up to 2000 (CPython's numbers): the
 * release path (object.c, kind OBJ_K_TUPLE) pushes a tuple after tuple_dealloc
 * dropped its items, leaving them NULL, so a popped tuple needs no clearing.
 * Tuples are GC objects. The collector may untrack a tuple whose items are all
 * atomic (ohmi_obj_untrack_candidate); storing a GC item into an untracked tuple tracks
 * it again.
 */
#include "obj/obj_impl.h"

#include <stdarg.h>

static int tuple_traverse(ohm_object *self, ohm_visit_fn visit, void *arg) {
    obj_tuple *t = (obj_tuple *)self;
    for (size_t i = 0; i < t->len; i++) {
        if (t->items[i]) {
            int r = visit(t->items[i], arg);
            if (r) return r;
        }
    }
    return 0;
}

static int tuple_clear(ohm_object *self) {
    obj_tuple *t = (obj_tuple *)self;
    for (size_t i = 0; i < t->len; i++) {
        ohm_object *item = t->items[i];
        if (item) { t->items[i] = NULL; ohm_decref(item); }
    }
    return 0;
}

/* Drops the items and leaves every slot NULL, so a tuple that the release path then
 * pushes on its free list comes back from ohm_tuple_new already cleared. */
static void tuple_dealloc(ohm_object *self) {
    obj_tuple *t = (obj_tuple *)self;
    for (size_t i = t->len; i-- > 0;) {
        ohm_object *item = t->items[i];
        if (item) { t->items[i] = NULL; ohm_decref(item); }
    }
}

static uint64_t tuple_hash(const ohm_object *self) {
    uint64_t x = 0;
    ohmi_obj_hash(self, &x);   /* unhashable items: 0 here; the dict reports them */
    return x;
}

static int tuple_equal(const ohm_object *a, const ohm_object *b) {
    return ohmi_obj_equal(a, b);
}

const ohm_type ohm_tuple_type = {
    .name = "tuple", .basicsize = sizeof(obj_tuple), .itemsize = sizeof(ohm_object *),
    .flags = OHM_TYPE_GC | OBJ_KIND_FLAG(OBJ_K_TUPLE), .traverse = tuple_traverse, .clear = tuple_clear,
    .dealloc = tuple_dealloc, .hash = tuple_hash, .equal = tuple_equal,
};

ohm_object *ohm_tuple_new(ohm_heap *h, size_t n) {
    struct obj_state *s = ohmi_obj_of(h);
    if (n == 0) {
        if (!s->empty_tuple) {
            ohm_object *o = obj_alloc(h, &ohm_tuple_type, sizeof(obj_tuple));
            if (!o) { ohmi_error(h, "ohm_tuple_new: out of memory"); return NULL; }
            ((obj_tuple *)o)->len = 0;
            ohmi_obj_make_immortal(o);   /* never tracked: it holds nothing */
            s->empty_tuple = o;
        }
        return s->empty_tuple;
    }
    ohm_object *o;
    if (OHM_LIKELY(n <= OBJ_TUPLE_MAXSAVE) &&
        OHM_LIKELY((o = obj_freelist_pop(&s->tuples[n], &ohm_tuple_type)) != NULL)) {
        ((obj_tuple *)o)->len = n;     /* the items are NULL: tuple_dealloc left them so */
    } else {
        if (n > (SIZE_MAX - sizeof(obj_tuple)) / sizeof(ohm_object *)) {
            ohmi_error(h, "ohm_tuple_new: length %zu is too large", n);
            return NULL;
        }
        o = obj_alloc(h, &ohm_tuple_type, sizeof(obj_tuple) + n * sizeof(ohm_object *));
        if (!o) { ohmi_error(h, "ohm_tuple_new: out of memory (length %zu)", n); return NULL; }
        ((obj_tuple *)o)->len = n;
        memset(((obj_tuple *)o)->items, 0, n * sizeof(ohm_object *));
    }
    gc_on_new_h(h, o);
    return o;
}

int ohm_tuple_set(ohm_object *o, size_t i, ohm_object *item) {
    if (!o || o->ohm_type != &ohm_tuple_type) { ohmi_obj_type_error("ohm_tuple_set", "a tuple", o); return -1; }
    obj_tuple *t = (obj_tuple *)o;
    if (i >= t->len) {
        ohmi_error(ohmi_alloc_heap_of(o), "ohm_tuple_set: index %zu out of range (len %zu)", i, t->len);
        return -1;
    }
    if (OHM_UNLIKELY(ohmi_obj_check_item(o, item, "ohm_tuple_set", "item") < 0)) return -1;
    ohm_incref(item);
    ohm_object *old = t->items[i];
    t->items[i] = item;
    gc_retrack_for(o, item);
    if (old) ohm_decref(old);
    return 0;
}

ohm_object *ohm_tuple_pack(ohm_heap *h, size_t n, ...) {
    if (!h) { ohmi_error(NULL, "ohm_tuple_pack: heap is NULL"); return NULL; }
    ohm_object *o = ohm_tuple_new(h, n);
    if (!o) { ohmi_error(h, "ohm_tuple_pack: out of memory (length %zu)", n); return NULL; }
    obj_tuple *t = (obj_tuple *)o;
    va_list ap;
    va_start(ap, n);
    for (size_t i = 0; i < n; i++) {
        ohm_object *item = va_arg(ap, ohm_object *);
        if (!item) {
            ohmi_error(h, "ohm_tuple_pack: item %zu is NULL", i);
        } else if (ohmi_obj_check_item(o, item, "ohm_tuple_pack", "item") == 0) {
            ohm_incref(item);
            t->items[i] = item;    /* new, so tracked: no re-tracking needed */
            continue;
        }
        va_end(ap);
        ohm_decref(o);             /* drops the items stored so far */
        return NULL;
    }
    va_end(ap);
    return o;
}

ohm_object *ohm_tuple_get(const ohm_object *o, size_t i) {
    if (!o || o->ohm_type != &ohm_tuple_type) { ohmi_obj_type_error("ohm_tuple_get", "a tuple", o); return NULL; }
    const obj_tuple *t = (const obj_tuple *)o;
    if (i >= t->len) {
        ohmi_error(ohmi_alloc_heap_of(o), "ohm_tuple_get: index %zu out of range (len %zu)", i, t->len);
        return NULL;
    }
    if (!t->items[i]) ohmi_error(ohmi_alloc_heap_of(o), "ohm_tuple_get: item %zu is not set", i);
    return t->items[i];
}

size_t ohm_tuple_len(const ohm_object *o) {
    if (!o || o->ohm_type != &ohm_tuple_type) { ohmi_obj_type_error("ohm_tuple_len", "a tuple", o); return 0; }
    return ((const obj_tuple *)o)->len;
}
