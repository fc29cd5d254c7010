/*
 * freelist.c — the builtin types' free lists (CPython's object-specific allocators).
 *
 * A dead int, float, tuple (lengths 1..20), list or dict keeps its memory on a
 * per-type stack instead of returning it to the pools, so the next object of that
 * type costs a pop. Entries have type NULL (ohmi_alloc_walk_objects skips them), rc 0, and
 * link to the next entry through the pointer right after the header. Bounds: ints
 * and floats 100, tuples 2000 per length, lists and dicts 80 (CPython's numbers).
 * Debug mode keeps no free lists, so every dead object goes to the quarantine where
 * misuse is caught. ohm_clear_freelists (the collector calls it on full collections)
 * gives all entries back to the pools.
 */
#include "obj/obj_impl.h"

/* obj_freelist_push and obj_freelist_pop are inline in obj_impl.h. The release path
 * (object.c) pushes ints, floats, tuples, lists and dicts itself, by the kind the
 * type carries in its flags; the types' new functions pop. */

void ohmi_obj_freelist_limits(ohm_heap *h) {
    struct obj_state *s = ohmi_obj_of(h);
    int on = !s->freelists_off;
    s->ints.max = on ? OBJ_INT_MAXFREE : 0;
    s->floats.max = on ? OBJ_FLOAT_MAXFREE : 0;
    s->lists.max = on ? OBJ_LIST_MAXFREE : 0;
    s->dicts.max = on ? OBJ_DICT_MAXFREE : 0;
    for (int i = 1; i <= OBJ_TUPLE_MAXSAVE; i++) s->tuples[i].max = on ? OBJ_TUPLE_MAXFREE : 0;
}

static size_t freelist_clear(ohm_heap *h, struct obj_freelist *fl) {
    size_t n = 0;
    while (fl->head) {
        ohm_object *o = fl->head;
        fl->head = *(ohm_object **)(o + 1);
        ohmi_alloc_object_free(h, o);
        n++;
    }
    fl->n = 0;
    return n;
}

size_t ohm_clear_freelists(ohm_heap *h) {
    struct obj_state *s = ohmi_obj_of(h);
    size_t n = freelist_clear(h, &s->ints) + freelist_clear(h, &s->floats) +
               freelist_clear(h, &s->lists) + freelist_clear(h, &s->dicts);
    for (int i = 1; i <= OBJ_TUPLE_MAXSAVE; i++) n += freelist_clear(h, &s->tuples[i]);
    return n;
}

int ohm_set_freelists(ohm_heap *h, int enabled) {
    int was = !ohmi_obj_of(h)->freelists_off;
    if (ohmi_base_of(h)->cfg.debug) return 0;          /* debug mode never keeps free lists */
    ohmi_obj_of(h)->freelists_off = !enabled;
    ohmi_obj_freelist_limits(h);
    if (!enabled) ohm_clear_freelists(h);
    return was;
}

static void freelist_line(FILE *out, size_t n, const char *what, size_t size) {
    fprintf(out, "%zu free %s * %zu bytes each = %zu\n", n, what, size, n * size);
}

void ohmi_obj_print_freelists(ohm_heap *h, FILE *out) {
    struct obj_state *s = ohmi_obj_of(h);
    freelist_line(out, s->dicts.n, "dicts", sizeof(obj_dict));
    freelist_line(out, s->floats.n, "floats", sizeof(obj_float));
    freelist_line(out, s->ints.n, "ints", sizeof(obj_int));
    freelist_line(out, s->lists.n, "lists", sizeof(obj_list));
    for (int i = 1; i <= OBJ_TUPLE_MAXSAVE; i++) {
        char what[32];
        snprintf(what, sizeof what, "%d-sized tuples", i);
        freelist_line(out, s->tuples[i].n, what,
                      sizeof(obj_tuple) + (size_t)i * sizeof(ohm_object *));
    }
}
