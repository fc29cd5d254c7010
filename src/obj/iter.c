/*
 * iter.c — iteration (Python's iter()/next()) and the lazy range.
 *
 * An iterator holds a reference to what it walks and a position; when it reaches
 * the end it drops that reference (as CPython's sequence iterators do), so an
 * exhausted iterator keeps nothing alive. ohm_iter_next returns a new reference,
 * or NULL with ohm_last_error "" at the end, or NULL with a message on an error (a
 * dict whose size changed during the iteration, a tuple item never set).
 * A range is four numbers: its memory does not depend on its length; its items are
 * computed by ohm_iter_next. Iterators are GC objects (an iterator stored in the
 * list it walks is a cycle); ranges are not.
 */
#include "obj/obj_impl.h"

typedef struct iter_range {
    ohm_object ob;
    int64_t start, step;
    uint64_t len;
} iter_range;

typedef struct iter_obj {
    ohm_object ob;
    ohm_object *seq;      /* NULL once exhausted */
    size_t pos;           /* next index (entry number for a dict) */
    size_t expect;        /* a dict's size when the iteration began */
} iter_obj;

static int iter_traverse(ohm_object *self, ohm_visit_fn visit, void *arg) {
    iter_obj *it = (iter_obj *)self;
    return it->seq ? visit(it->seq, arg) : 0;
}

static int iter_clear(ohm_object *self) {
    iter_obj *it = (iter_obj *)self;
    ohm_object *seq = it->seq;
    it->seq = NULL;
    if (seq) ohm_decref(seq);
    return 0;
}

static void iter_dealloc(ohm_object *self) {
    iter_clear(self);
}

const ohm_type ohm_iter_type = {
    .name = "iterator", .basicsize = sizeof(iter_obj), .flags = OHM_TYPE_GC,
    .traverse = iter_traverse, .clear = iter_clear, .dealloc = iter_dealloc,
};

const ohm_type ohm_range_type = {
    .name = "range", .basicsize = sizeof(iter_range),
};

ohm_object *ohm_range_new(ohm_heap *h, int64_t start, int64_t stop, int64_t step) {
    if (step == 0) { ohmi_error(h, "ohm_range_new: step must not be zero"); return NULL; }
    uint64_t len = 0;
    if (step > 0 && start < stop)
        len = ((uint64_t)stop - (uint64_t)start - 1) / (uint64_t)step + 1;
    else if (step < 0 && start > stop)
        len = ((uint64_t)start - (uint64_t)stop - 1) / ((uint64_t)0 - (uint64_t)step) + 1;
    iter_range *r = (iter_range *)obj_alloc(h, &ohm_range_type, sizeof(iter_range));
    if (!r) { ohmi_error(h, "ohm_range_new: out of memory"); return NULL; }
    r->start = start;
    r->step = step;
    r->len = len;
    return &r->ob;
}

void ohmi_obj_range_parts(const ohm_object *o, int64_t *start, int64_t *step, uint64_t *len) {
    const iter_range *r = (const iter_range *)o;
    *start = r->start;
    *step = r->step;
    *len = r->len;
}

ohm_object *ohm_iter(ohm_object *o) {
    if (!o) { ohmi_error(NULL, "ohm_iter: object is NULL"); return NULL; }
    const ohm_type *t = o->ohm_type;
    if (t == &ohm_iter_type) { ohm_incref(o); return o; }
    ohm_heap *h = ohmi_alloc_heap_of(o);
    if (t != &ohm_tuple_type && t != &ohm_list_type && t != &ohm_dict_type && t != &ohm_range_type) {
        ohmi_error(h, "ohm_iter: '%s' object is not iterable", t->name);
        return NULL;
    }
    iter_obj *it = (iter_obj *)obj_alloc(h, &ohm_iter_type, sizeof(iter_obj));
    if (!it) { ohmi_error(h, "ohm_iter: out of memory"); return NULL; }
    ohm_incref(o);
    it->seq = o;
    it->pos = 0;
    it->expect = t == &ohm_dict_type ? ((obj_dict *)o)->used : 0;
    ohmi_obj_track_new(&it->ob);
    return &it->ob;
}

/* The end: drop the sequence, clear the error. */
static ohm_object *iter_end(ohm_heap *h, iter_obj *it) {
    iter_clear(&it->ob);
    ohmi_error_clear(h);
    return NULL;
}

ohm_object *ohm_iter_next(ohm_object *o) {
    if (!o || o->ohm_type != &ohm_iter_type) { ohmi_obj_type_error("ohm_iter_next", "an iterator", o); return NULL; }
    iter_obj *it = (iter_obj *)o;
    ohm_heap *h = ohmi_alloc_heap_of(o);
    ohm_object *seq = it->seq, *item;
    if (!seq) return iter_end(h, it);
    const ohm_type *t = seq->ohm_type;
    if (t == &ohm_list_type) {
        obj_list *l = (obj_list *)seq;
        if (it->pos >= l->len) return iter_end(h, it);
        item = l->items[it->pos++];
    } else if (t == &ohm_tuple_type) {
        obj_tuple *tu = (obj_tuple *)seq;
        if (it->pos >= tu->len) return iter_end(h, it);
        item = tu->items[it->pos];
        if (!item) {
            ohmi_error(h, "ohm_iter_next: tuple item %zu is not set", it->pos);
            return NULL;
        }
        it->pos++;
    } else if (t == &ohm_dict_type) {
        if (((obj_dict *)seq)->used != it->expect) {
            ohmi_error(h, "ohm_iter_next: dict changed size during iteration");
            return NULL;
        }
        if (!ohm_dict_next(seq, &it->pos, &item, NULL)) return iter_end(h, it);
    } else {
        iter_range *r = (iter_range *)seq;
        if (it->pos >= r->len) return iter_end(h, it);
        uint64_t v = (uint64_t)r->start + (uint64_t)it->pos * (uint64_t)r->step;
        ohm_object *n = (ohm_int_new)(h, (int64_t)v);
        if (n) it->pos++;   /* a failed call leaves the iterator where it was */
        return n;
    }
    ohm_incref(item);
    return item;
}
