/*
 * dict.c — the dict type: CPython's compact, insertion-ordered hash table.
 *
 * The table is one MEM-domain block: an index of nslots int32 slots (a power of
 * two, probed with CPython's perturbation: i = 5i + perturb + 1, perturb >>= 5),
 * then an array of entries (hash, key, value) in insertion order. A slot holds an
 * entry number, EMPTY or DUMMY (a deleted entry: probing goes on past it). Entries
 * are appended; deleting one clears its key and leaves a DUMMY slot. When the entry
 * array is full (2/3 of nslots) the table is rebuilt for 3 * used entries: it
 * grows, or shrinks after many deletions, and drops the deleted entries, keeping
 * the order. Keys are compared through ohmi_obj_hash/ohmi_obj_equal (hash.c): value
 * semantics for int, float, str and tuples of them, identity for other objects
 * without hash/equal; lists and dicts are unhashable.
 *
 * An identity dict (ohm_dict_new_identity, OBJ_DICT_IDENTITY in its flags) is the same
 * table with keys hashed and compared by address: any object may be a key, and no
 * user `equal` ever runs.
 *
 * An empty dict has no table (48 bytes in all). Dict objects are recycled through a
 * free list of 80. Dicts are GC objects, created untracked as in CPython: storing a
 * GC key or value tracks the dict; the collector may untrack one whose keys and
 * values are all atomic again.
 */
#include "obj/obj_impl.h"

#define DKIX_EMPTY (-1)
#define DKIX_DUMMY (-2)
#define DICT_MINSIZE 8
#define DICT_MAXSLOTS ((size_t)1 << 30)

static int32_t *dict_index(const obj_dict *d) { return (int32_t *)d->table; }
static obj_dict_entry *dict_entries(const obj_dict *d) {
    return (obj_dict_entry *)((int32_t *)d->table + d->nslots);
}
static size_t dict_usable(size_t nslots) { return nslots * 2 / 3; }

static size_t dict_table_bytes(size_t nslots) {
    return nslots * sizeof(int32_t) + dict_usable(nslots) * sizeof(obj_dict_entry);
}

size_t ohmi_obj_dict_table_size(ohm_heap *h, const ohm_object *o) {
    const obj_dict *d = (const obj_dict *)o;
    return d->table ? ohmi_alloc_usable_size(h, d->table) : 0;
}

/* The entry number of key, or -1; *slot gets its index slot. */
static ptrdiff_t dict_lookup(const obj_dict *d, const ohm_object *key, uint64_t hash, size_t *slot) {
restart:
    if (!d->nslots) return -1;
    const void *table = d->table;
    const int32_t *index = dict_index(d);
    const obj_dict_entry *ent = dict_entries(d);
    size_t mask = d->nslots - 1, i = (size_t)hash & mask;
    uint64_t perturb = hash;
    for (;;) {
        int32_t ix = index[i];
        if (ix == DKIX_EMPTY) return -1;
        if (ix >= 0) {
            const obj_dict_entry *e = &ent[ix];
            if (e->key == key) { *slot = i; return ix; }
            if (e->hash == hash && !(d->flags & OBJ_DICT_IDENTITY)) {
                /* A user `equal` may run any code, this dict's mutation included: hold
                 * the key it compares, and start over if the table or the entry changed
                 * under it (as CPython's lookdict does). */
                ohm_object *start = e->key;
                ohm_incref(start);
                int eq = ohmi_obj_equal(start, key);
                ohm_decref(start);
                if (d->table != table || dict_entries(d)[ix].key != start) goto restart;
                if (eq) { *slot = i; return ix; }
            }
        }
        perturb >>= 5;
        i = (i * 5 + (size_t)perturb + 1) & mask;
    }
}

/* An EMPTY slot for hash (the table has one: at most 2/3 of the slots are used). */
static size_t dict_empty_slot(const obj_dict *d, uint64_t hash) {
    const int32_t *index = dict_index(d);
    size_t mask = d->nslots - 1, i = (size_t)hash & mask;
    uint64_t perturb = hash;
    while (index[i] != DKIX_EMPTY) {
        perturb >>= 5;
        i = (i * 5 + (size_t)perturb + 1) & mask;
    }
    return i;
}

/* Rebuild the table for at least `want` entries, dropping deleted ones. -1 with a
 * message naming fn on failure (the dict is unchanged). */
static int dict_resize(ohm_heap *h, obj_dict *d, size_t want, const char *fn) {
    size_t nslots = DICT_MINSIZE;
    while (nslots < want && nslots < DICT_MAXSLOTS) nslots <<= 1;
    if (nslots < want) {
        ohmi_error(h, "%s: dict too large (%zu items; at most %zu)", fn, d->used,
                   dict_usable(DICT_MAXSLOTS));
        return -1;
    }
    void *table = ohmi_alloc_malloc(h, OHM_DOMAIN_MEM, dict_table_bytes(nslots));
    if (!table) {
        ohmi_error(h, "%s: out of memory (%zu items)", fn, d->used);
        return -1;
    }
    obj_dict nd = *d;
    nd.table = table;
    nd.nslots = (uint32_t)nslots;
    memset(table, 0xFF, nslots * sizeof(int32_t));   /* all DKIX_EMPTY */
    obj_dict_entry *to = dict_entries(&nd);
    size_t n = 0;
    if (d->table) {
        const obj_dict_entry *from = dict_entries(d);
        for (size_t i = 0; i < d->nentries; i++) {
            if (!from[i].key) continue;
            to[n] = from[i];
            dict_index(&nd)[dict_empty_slot(&nd, from[i].hash)] = (int32_t)n;
            n++;
        }
        ohmi_alloc_free(h, OHM_DOMAIN_MEM, d->table);
    }
    d->table = table;
    d->nslots = (uint32_t)nslots;
    d->nentries = n;
    return 0;
}

static int dict_traverse(ohm_object *self, ohm_visit_fn visit, void *arg) {
    obj_dict *d = (obj_dict *)self;
    if (!d->table) return 0;
    obj_dict_entry *ent = dict_entries(d);
    for (size_t i = 0; i < d->nentries; i++) {
        if (!ent[i].key) continue;
        int r = visit(ent[i].key, arg);
        if (!r) r = visit(ent[i].value, arg);
        if (r) return r;
    }
    return 0;
}

/* Empty the dict first, then release what it held. */
static int dict_clear(ohm_object *self) {
    obj_dict *d = (obj_dict *)self;
    void *table = d->table;
    if (!table) return 0;
    obj_dict old = *d;
    d->table = NULL;
    d->nslots = d->nentries = d->used = 0;
    obj_dict_entry *ent = dict_entries(&old);
    for (size_t i = 0; i < old.nentries; i++) {
        if (!ent[i].key) continue;
        ohm_decref(ent[i].key);
        ohm_decref(ent[i].value);
    }
    ohmi_alloc_free(ohmi_alloc_heap_of(self), OHM_DOMAIN_MEM, table);
    return 0;
}

/* Leaves used, nentries, nslots, flags and table 0/NULL: the release path (kind
 * OBJ_K_DICT) then pushes the dict on its free list, and ohm_dict_new only resets
 * used (the link's word). */
static void dict_dealloc(ohm_object *self) {
    if (((obj_dict *)self)->table) dict_clear(self);
    else ((obj_dict *)self)->used = 0;
    ((obj_dict *)self)->flags = 0;
}

const ohm_type ohm_dict_type = {
    .name = "dict", .basicsize = sizeof(obj_dict),
    .flags = OHM_TYPE_GC | OBJ_KIND_FLAG(OBJ_K_DICT),
    .traverse = dict_traverse, .clear = dict_clear, .dealloc = dict_dealloc,
};

ohm_object *ohm_dict_new(ohm_heap *h) {
    ohm_object *o = obj_freelist_pop(&ohmi_obj_of(h)->dicts, &ohm_dict_type);
    if (OHM_LIKELY(o != NULL)) {
        ((obj_dict *)o)->used = 0;     /* the rest: 0 and NULL since dict_dealloc */
    } else {
        if (!(o = obj_alloc(h, &ohm_dict_type, sizeof(obj_dict)))) {
            ohmi_error(h, "ohm_dict_new: out of memory");
            return NULL;
        }
        obj_dict *d = (obj_dict *)o;
        d->used = d->nentries = 0;
        d->nslots = d->flags = 0;
        d->table = NULL;
    }
    /* Not tracked yet, as in CPython (gc.is_tracked({}) is False): an empty dict
     * cannot be part of a cycle, and ohm_dict_set tracks the dict when it stores a
     * GC key or value. Churn of small dicts thus never touches the collector. */
    return o;
}

/* The hash of key in d: by address in an identity dict; else ohmi_obj_hash's (-1:
 * unhashable, no message). */
static inline int dict_hash(const obj_dict *d, const ohm_object *key, uint64_t *hash) {
    if (OHM_UNLIKELY(d->flags & OBJ_DICT_IDENTITY)) {
        *hash = ohmi_hash_ptr((uintptr_t)key);
        return 0;
    }
    return ohmi_obj_hash(key, hash);
}

/* Type and hash checks shared by the dict functions: 0, or -1 with a message. */
static int dict_check(const char *fn, const ohm_object *o, const ohm_object *key, uint64_t *hash) {
    if (!o || o->ohm_type != &ohm_dict_type) { ohmi_obj_type_error(fn, "a dict", o); return -1; }
    if (!key) { ohmi_error(ohmi_alloc_heap_of(o), "%s: key is NULL", fn); return -1; }
    if (dict_hash((const obj_dict *)o, key, hash) < 0) {
        ohmi_error(ohmi_alloc_heap_of(o), "%s: unhashable type: '%s'", fn, key->ohm_type->name);
        return -1;
    }
    return 0;
}

int ohm_dict_set(ohm_object *o, ohm_object *key, ohm_object *value) {
    uint64_t hash;
    if (o && o->ohm_type == &ohm_dict_type && key &&   /* before the key is hashed */
        (ohmi_obj_check_item(o, key, "ohm_dict_set", "key") < 0 ||
         ohmi_obj_check_item(o, value, "ohm_dict_set", "value") < 0))
        return -1;
    if (dict_check("ohm_dict_set", o, key, &hash) < 0) return -1;
    if (!value) { ohmi_error(ohmi_alloc_heap_of(o), "ohm_dict_set: value is NULL"); return -1; }
    obj_dict *d = (obj_dict *)o;
    size_t slot;
    ptrdiff_t ix = dict_lookup(d, key, hash, &slot);
    if (ix >= 0) {
        obj_dict_entry *e = &dict_entries(d)[ix];
        ohm_object *old = e->value;
        ohm_incref(value);
        e->value = value;
        ohm_decref(old);
        gc_retrack_for(o, value);
        return 0;
    }
    if (d->nentries >= dict_usable(d->nslots)) {
        ohm_heap *h = ohmi_alloc_heap_of(o);
        if (dict_resize(h, d, d->used * 3, "ohm_dict_set") < 0) return -1;
    }
    ohm_incref(key);
    ohm_incref(value);
    obj_dict_entry *e = &dict_entries(d)[d->nentries];
    e->hash = hash;
    e->key = key;
    e->value = value;
    dict_index(d)[dict_empty_slot(d, hash)] = (int32_t)d->nentries;
    d->nentries++;
    d->used++;
    gc_retrack_for(o, key);
    gc_retrack_for(o, value);
    return 0;
}

int ohmi_obj_dict_find(const ohm_object *o, const ohm_object *key, ohm_object **value) {
    uint64_t hash;
    const obj_dict *d = (const obj_dict *)o;
    if (dict_hash(d, key, &hash) < 0) return -1;
    size_t slot;
    ptrdiff_t ix = dict_lookup(d, key, hash, &slot);
    if (ix < 0) return 0;
    if (value) *value = dict_entries(d)[ix].value;
    return 1;
}

ohm_object *ohm_dict_get(const ohm_object *o, const ohm_object *key) {
    uint64_t hash;
    if (dict_check("ohm_dict_get", o, key, &hash) < 0) return NULL;
    const obj_dict *d = (const obj_dict *)o;
    size_t slot;
    ptrdiff_t ix = dict_lookup(d, key, hash, &slot);
    ohmi_error_clear(ohmi_alloc_heap_of(o));   /* NULL with "": absent */
    return ix < 0 ? NULL : dict_entries(d)[ix].value;
}

int ohm_dict_del(ohm_object *o, const ohm_object *key) {
    uint64_t hash;
    if (dict_check("ohm_dict_del", o, key, &hash) < 0) return -1;
    obj_dict *d = (obj_dict *)o;
    size_t slot;
    ptrdiff_t ix = dict_lookup(d, key, hash, &slot);
    if (ix < 0) {
        ohmi_error(ohmi_alloc_heap_of(o), "ohm_dict_del: key not found (type '%s')", key->ohm_type->name);
        return -1;
    }
    obj_dict_entry *e = &dict_entries(d)[ix];
    ohm_object *k = e->key, *v = e->value;
    dict_index(d)[slot] = DKIX_DUMMY;
    e->key = e->value = NULL;
    d->used--;
    ohm_decref(k);
    ohm_decref(v);
    return 0;
}

int ohm_dict_contains(const ohm_object *o, const ohm_object *key) {
    uint64_t hash;
    if (dict_check("ohm_dict_contains", o, key, &hash) < 0) return -1;
    size_t slot;
    return dict_lookup((const obj_dict *)o, key, hash, &slot) >= 0;
}

int ohm_dict_clear(ohm_object *o) {
    if (!o || o->ohm_type != &ohm_dict_type) { ohmi_obj_type_error("ohm_dict_clear", "a dict", o); return -1; }
    dict_clear(o);
    return 0;
}

ohm_object *ohm_dict_new_identity(ohm_heap *h) {
    if (!h) { ohmi_error(NULL, "ohm_dict_new_identity: heap is NULL"); return NULL; }
    ohm_object *o = ohm_dict_new(h);
    if (!o) { ohmi_error(h, "ohm_dict_new_identity: out of memory"); return NULL; }
    ((obj_dict *)o)->flags = OBJ_DICT_IDENTITY;
    return o;
}

/* A table of the right size for the source's live entries, filled in their order
 * with their cached hashes: no key is hashed or compared again. */
ohm_object *ohm_dict_copy(const ohm_object *o) {
    if (!o || o->ohm_type != &ohm_dict_type) { ohmi_obj_type_error("ohm_dict_copy", "a dict", o); return NULL; }
    const obj_dict *src = (const obj_dict *)o;
    ohm_heap *h = ohmi_alloc_heap_of(o);
    ohm_object *c = ohm_dict_new(h);
    if (!c) { ohmi_error(h, "ohm_dict_copy: out of memory"); return NULL; }
    obj_dict *d = (obj_dict *)c;
    d->flags = src->flags;
    if (!src->used) return c;
    /* 1.5 * used + 1 slots leave 2/3 of them, the usable part, >= used */
    if (dict_resize(h, d, src->used + src->used / 2 + 1, "ohm_dict_copy") < 0) {
        ohm_decref(c);
        ohmi_error(h, "ohm_dict_copy: out of memory (%zu items)", src->used);
        return NULL;
    }
    const obj_dict_entry *from = dict_entries(src);
    obj_dict_entry *to = dict_entries(d);
    const ohm_object *gc_item = NULL;  /* tracking may collect: once, after the loop */
    for (size_t i = 0; i < src->nentries; i++) {
        if (!from[i].key) continue;
        ohm_incref(from[i].key);
        ohm_incref(from[i].value);
        to[d->nentries] = from[i];
        dict_index(d)[dict_empty_slot(d, from[i].hash)] = (int32_t)d->nentries;
        d->nentries++;
        d->used++;
        if (from[i].key->ohm_type->flags & OHM_TYPE_GC) gc_item = from[i].key;
        if (from[i].value->ohm_type->flags & OHM_TYPE_GC) gc_item = from[i].value;
    }
    if (gc_item) gc_retrack_for(c, gc_item);
    return c;
}

size_t ohm_dict_len(const ohm_object *o) {
    if (!o || o->ohm_type != &ohm_dict_type) { ohmi_obj_type_error("ohm_dict_len", "a dict", o); return 0; }
    return ((const obj_dict *)o)->used;
}

int ohm_dict_next(const ohm_object *o, size_t *pos, ohm_object **key, ohm_object **value) {
    if (!o || o->ohm_type != &ohm_dict_type) { ohmi_obj_type_error("ohm_dict_next", "a dict", o); return 0; }
    const obj_dict *d = (const obj_dict *)o;
    if (!d->table) { ohmi_error_clear(ohmi_alloc_heap_of(o)); return 0; }
    const obj_dict_entry *ent = dict_entries(d);
    for (size_t i = *pos; i < d->nentries; i++) {
        if (!ent[i].key) continue;
        *pos = i + 1;
        if (key) *key = ent[i].key;
        if (value) *value = ent[i].value;
        return 1;
    }
    *pos = d->nentries;
    ohmi_error_clear(ohmi_alloc_heap_of(o));   /* 0 with "": the end */
    return 0;
}

/* ------------------------------------------------ the collector's questions */

static int obj_atomic(const ohm_object *o) {
    return o && !(o->ohm_type->flags & OHM_TYPE_GC) && !(o->ohm_bits & OHM_F_TRACKED);
}

int ohmi_obj_untrack_candidate(const ohm_object *o) {
    if (o->ohm_type == &ohm_tuple_type) {
        const obj_tuple *t = (const obj_tuple *)o;
        for (size_t i = 0; i < t->len; i++) if (!obj_atomic(t->items[i])) return 0;
        return 1;
    }
    if (o->ohm_type == &ohm_dict_type) {
        const obj_dict *d = (const obj_dict *)o;
        if (!d->table) return 1;
        const obj_dict_entry *ent = dict_entries(d);
        for (size_t i = 0; i < d->nentries; i++)
            if (ent[i].key && !(obj_atomic(ent[i].key) && obj_atomic(ent[i].value))) return 0;
        return 1;
    }
    return 0;
}
