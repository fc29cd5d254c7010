/*
 * freelist.c — the builtin types' free lists (CPython's object-specific allocators).
 *
 * A dead int, float, tuple (lengths 1..20), list or dict keeps its memory on a
 * per-type stack instead of returning it to the pools, so the next object of that
 * type costs a pop. Entries have type NULL (ohmi_alloc_walk_objects skips them), rc 0, and
 * link to the next entry through the pointer right after the header. Bounds: ints
 * and floats 100, tuples 2000 per length, lists and dicts 80 (CPython's numbers).
 * User types ask for one with ohm_type.freelist_max: their lists are made on the
 * first death (object.c) and kept in obj_state.user_lists, by type.
 * Debug mode keeps no free lists, so every dead object goes to the quarantine where
 * misuse is caught. ohm_clear_freelists (the collector calls it on full collections)
 * gives all entries back to the pools.
 */
#include "obj/obj_impl.h"

#include <stdlib.h>

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
    for (size_t i = 0; i < s->user_lists.cap; i++) {
        const ohmi_ptrmap_ent *e = &s->user_lists.ents[i];
        if (e->key) ((struct obj_freelist *)e->val)->max = on ? ((const ohm_type *)e->key)->freelist_max : 0;
    }
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
    for (size_t i = 0; i < s->user_lists.cap; i++)   /* the user types' (freelist_max) */
        if (s->user_lists.ents[i].key) n += freelist_clear(h, (struct obj_freelist *)s->user_lists.ents[i].val);
    return n;
}

void ohmi_obj_freelists_fini(ohm_heap *h) {
    struct obj_state *s = ohmi_obj_of(h);
    ohm_clear_freelists(h);
    for (size_t i = 0; i < s->user_lists.cap; i++)
        if (s->user_lists.ents[i].key) free((void *)s->user_lists.ents[i].val);
    ohmi_ptrmap_free(&s->user_lists);
    s->user_last = NULL;
    s->user_last_list = NULL;
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
    for (size_t i = 0; i < s->user_lists.cap; i++) {
        const ohmi_ptrmap_ent *e = &s->user_lists.ents[i];
        if (!e->key) continue;
        const ohm_type *t = (const ohm_type *)e->key;
        char what[96];
        snprintf(what, sizeof what, "'%s' objects", t->name ? t->name : "?");
        freelist_line(out, ((const struct obj_freelist *)e->val)->n, what, t->basicsize);
    }
}
