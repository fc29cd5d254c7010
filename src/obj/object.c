/*
 * object.c — the object core: creation, reference counting, the release path, the
 * trashcan, immortal objects, the debug quarantine and the live-object report.
 *
 * Header (ohm.h): uint32 rc | uint32 bits | const ohm_type *type = 16 bytes for every
 * object; a GC object needs nothing more (the collector keeps its state in the high
 * 24 bits of `bits` and in its own side structures), so a node with two references is
 * 32 bytes.
 *
 * Release path, ohm_release_(o), entered when a count reaches zero:
 *   1. finalize (PEP 442): once per object (OHM_F_FINALIZED), run with a temporary
 *      reference; if the count is above that reference afterwards, the object was
 *      resurrected and stays fully usable: stop here.
 *   2. ohmi_gc_on_release if tracked (the collector forgets it);
 *   3. ohmi_weakref_on_release if it ever had weak references;
 *   4. type->dealloc (drops the references the object owns);
 *   5. the memory goes to the builtin's free list (when the type's kind has one and
 *      it has room), or to the quarantine (debug mode), or back to the pools.
 * The common case, no finalizer and no weak references, costs two tests before step
 * 2; steps 4-5 dispatch on the kind a builtin type keeps in the high byte of its
 * flags (OBJ_KIND): ints and floats have no dealloc and go straight to their free
 * lists, strs skip the trashcan count (they hold nothing), tuples, lists and dicts
 * are pushed after their deallocs emptied them. The heap is looked up once.
 * Asserted at level 2 (base.h): rc 0 and a type on entry, and still after step 1 when
 * the object was not resurrected; untracked from step 4 on; a free-list entry keeps
 * type NULL and rc 0 until it is popped (obj_impl.h).
 *
 * Trashcan. Step 4 may drop the last reference to a child, whose release drops the
 * last reference to its child, ... A 10M-long chain would need 10M nested C frames.
 * So steps 4-5 count their nesting (release_depth); beyond OBJ_TRASH_DEPTH an object
 * that finished steps 1-3 is pushed on a deferred stack instead, and the outermost
 * release drains that stack. The stack costs no memory: it is linked through the
 * dying object's own rc and the collector's 24-bit word (a link >> 4: 56 bits), with
 * the flags kept and TRACKED clear (see obj_trash_push). The deferred
 * objects are already untracked and their weakrefs cleared, so neither the
 * collector nor a weakref can reach them. Each object is pushed and popped at most
 * once: the release of n objects stays O(n), with at most OBJ_TRASH_DEPTH frames.
 *
 * Debug mode (cfg.debug): dead objects are not freed at once but quarantined (ring of
 * OBJ_QUARANTINE) with rc 0, bits OBJ_DEAD_BITS and type NULL, so that a later decref
 * (the inline path sees count 0 and calls ohm_refcount_error_) or a checked incref
 * can name the object's type and address instead of corrupting memory. The inline
 * incref does not check: it takes a dead object's count to 1, and the decref after it
 * enters ohm_release_ with type NULL, which reports the same misuse.
 * Outside debug mode a dead object's memory waits on a builtin's free list (rc 0, type
 * NULL) or goes back to the pools, whose free slots read rc 0 with a tagged link for a
 * type (alloc.h): either way a second decref sees count 0 and is reported, untyped,
 * and an incref then decref reaches ohm_release_ with a type that is not live. Once a
 * new object reuses the memory, nothing tells the misuse apart.
 */
#include "obj/obj_impl.h"

#include <stdlib.h>

/* ------------------------------------------------------------ creation */

void ohmi_obj_track_new(ohm_object *o) {
    if (o->ohm_type->flags & OHM_TYPE_GC) ohmi_gc_on_new(o);
}

void ohmi_obj_make_immortal(ohm_object *o) {
    o->ohm_rc = OHM_RC_IMMORTAL;
}

/* ohm_new's failures, reported apart from the fast path. */
OHM_NOINLINE static ohm_object *obj_new_error(ohm_heap *h, const ohm_type *t, size_t n, const char *fn) {
    if (!h) ohmi_error(NULL, "%s: heap is NULL", fn);
    else if (!t) ohmi_error(h, "%s: type is NULL", fn);
    else if (n < sizeof(ohm_object))
        ohmi_error(h, "%s: type '%s' has basicsize %zu, less than the %zu-byte header",
                   fn, t->name ? t->name : "?", n, sizeof(ohm_object));
    else
        ohmi_error(h, "%s: out of memory (%zu bytes for '%s')", fn, n, t->name ? t->name : "?");
    return NULL;
}

/* Types are checked at their first ohm_new (or ohm_new_var) on a heap: -1 with a
 * message naming the type and what is wrong with it. */
static int obj_type_check(ohm_heap *h, const ohm_type *t, const char *fn, int var) {
    char why[160];
    if (t->basicsize < sizeof(ohm_object))
        snprintf(why, sizeof why, "has basicsize %zu, less than the %zu-byte header", t->basicsize,
                 sizeof(ohm_object));
    else if ((t->flags & OHM_TYPE_GC) && !t->traverse)
        snprintf(why, sizeof why, "is a GC type (OHM_TYPE_GC) without traverse");
    else if (t->clear && !t->traverse)
        snprintf(why, sizeof why, "has clear but no traverse");
    else if (!var && t->itemsize)
        snprintf(why, sizeof why, "has itemsize %zu: make its objects with ohm_new_var", t->itemsize);
    else if (var && !t->itemsize)
        snprintf(why, sizeof why, "has itemsize 0: make its objects with ohm_new");
    else if (t->freelist_max && (t->itemsize || t->basicsize < sizeof(ohm_object) + sizeof(void *)))
        snprintf(why, sizeof why, "has freelist_max %zu, which needs itemsize 0 and a basicsize of at least %zu",
                 t->freelist_max, sizeof(ohm_object) + sizeof(void *));
    else
        return 0;
    ohmi_error(h, "%s: type '%s' %s", fn, t->name ? t->name : "?", why);
    return -1;
}

/* The free list of a type with freelist_max on h (create: made when missing), or NULL
 * (none, or no memory for one: its objects are then freed as usual). */
static struct obj_freelist *obj_user_list(ohm_heap *h, const ohm_type *t, int create) {
    struct obj_state *s = ohmi_obj_of(h);
    if (s->user_last == t) return s->user_last_list;
    uintptr_t *v = ohmi_ptrmap_find(&s->user_lists, t);
    struct obj_freelist *fl = v ? (struct obj_freelist *)*v : NULL;
    if (!fl && create) {
        if (ohmi_fault_fail(h) || !(fl = calloc(1, sizeof *fl))) return NULL;
        if (ohmi_ptrmap_put(h, &s->user_lists, t, (uintptr_t)fl) < 0) { free(fl); return NULL; }
        fl->max = s->freelists_off ? 0 : t->freelist_max;
    }
    if (fl) { s->user_last = t; s->user_last_list = fl; }
    return fl;
}

/* A dead object of a type with freelist_max: kept for the next ohm_new when there is room. */
OHM_NOINLINE static int obj_user_recycle(ohm_heap *h, ohm_object *o, const ohm_type *t) {
    struct obj_freelist *fl = obj_user_list(h, t, 1);
    return fl && obj_freelist_push(fl, o);
}

/* ohm_new and ohm_new_var of a type not in the cache of checked types: check it, then
 * take the object from its free list (freelist_max), or allocate it. */
OHM_NOINLINE static ohm_object *obj_new_other(ohm_heap *h, const ohm_type *t, size_t n,
                                              const char *fn, int var) {
    struct obj_state *s = ohmi_obj_of(h);
    if (obj_type_check(h, t, fn, var) < 0) return NULL;
    if (t->freelist_max) {
        struct obj_freelist *fl = obj_user_list(h, t, 0);
        ohm_object *o = fl ? obj_freelist_pop(fl, t) : NULL;
        if (o) return o;
    } else if (var) {
        s->checked_var = t;
    } else {
        s->checked[1] = s->checked[0];
        s->checked[0] = t;
    }
    ohm_object *o = obj_alloc(h, t, n);
    return o ? o : obj_new_error(h, t, n, fn);
}

/* An n-byte object of type t, zero-filled past the header, tracked if GC. Small
 * bodies are zeroed by words, inline: a libc memset call costs more than the
 * stores for the usual 8..48 bytes. Inlined into both callers: fn and var are then
 * constants and need no register saved across the allocation. */
#if defined(__GNUC__)
__attribute__((always_inline))
#endif
static inline ohm_object *obj_new_sized(ohm_heap *h, const ohm_type *t, size_t n, const char *fn, int var) {
    if (OHM_UNLIKELY(!h || !t || n < sizeof(ohm_object))) return obj_new_error(h, t, n, fn);
    const struct obj_state *s = ohmi_obj_of(h);
    ohm_object *o;
    if (OHM_LIKELY(var ? t == s->checked_var : (t == s->checked[0] || t == s->checked[1]))) {
        o = obj_alloc(h, t, n);
        if (OHM_UNLIKELY(!o)) return obj_new_error(h, t, n, fn);
    } else if (!var && t == s->user_last) {   /* a type with freelist_max, checked */
        o = s->user_last_list->head ? obj_freelist_pop(s->user_last_list, t) : obj_alloc(h, t, n);
        if (OHM_UNLIKELY(!o)) return obj_new_error(h, t, n, fn);
    } else if (!(o = obj_new_other(h, t, n, fn, var))) {
        return NULL;
    }
    size_t body = n - sizeof(ohm_object);
    uint64_t *w = (uint64_t *)(o + 1);
    switch (body % 8 ? 9 : body / 8) {   /* falls through: one store per word */
    case 6: w[5] = 0; /* fall through */
    case 5: w[4] = 0; /* fall through */
    case 4: w[3] = 0; /* fall through */
    case 3: w[2] = 0; /* fall through */
    case 2: w[1] = 0; /* fall through */
    case 1: w[0] = 0; /* fall through */
    case 0: break;
    default: memset(w, 0, body);
    }
    if (t->flags & OHM_TYPE_GC) gc_on_new_h(h, o);
    return o;
}

ohm_object *ohm_new(ohm_heap *h, const ohm_type *t) {
    return obj_new_sized(h, t, t ? t->basicsize : 0, "ohm_new", 0);
}

ohm_object *ohm_new_var(ohm_heap *h, const ohm_type *t, size_t nitems) {
    if (t && t->itemsize && nitems > (SIZE_MAX - t->basicsize) / t->itemsize) {
        ohmi_error(h, "ohm_new_var: %zu items of %zu bytes overflow", nitems, t->itemsize);
        return NULL;
    }
    return obj_new_sized(h, t, t ? t->basicsize + nitems * t->itemsize : 0, "ohm_new_var", 1);
}

/* ------------------------------------------------------- debug quarantine */

static int obj_is_dead(const ohm_object *o) {
    return o->ohm_type == NULL && (o->ohm_bits & ~OHM_F_LARGE) == OBJ_DEAD_BITS;
}

/* Debug mode: keep a dead object's memory in the quarantine ring. */
OHM_NOINLINE static void obj_quarantine(ohm_heap *h, ohm_object *o) {
    struct obj_state *s = ohmi_obj_of(h);
    OHMI_ASSERT(ohmi_base_of(h)->cfg.debug);
    if (!s->quarantine) {
        s->quarantine = ohmi_alloc_calloc(h, OHM_DOMAIN_RAW, OBJ_QUARANTINE, sizeof *s->quarantine);
        if (!s->quarantine) { ohmi_alloc_object_free(h, o); return; }
    }
    /* its guards now, naming its type (an overrun found only when the ring lets it go,
     * 16384 deaths later, could not); its body past the header filled with 0xDD */
    ohmi_debug_object_kill(h, o, o->ohm_type->name ? o->ohm_type->name : "?");
    struct obj_dead *slot = &s->quarantine[s->quarantine_next];
    if (slot->o) {                      /* the oldest leaves: now it is really freed */
        slot->o->ohm_bits &= OHM_F_LARGE;
        ohmi_alloc_object_free(h, slot->o);
    } else {
        s->quarantine_count++;
    }
    slot->o = o;
    slot->type = o->ohm_type;
    o->ohm_rc = 0;
    o->ohm_bits = OBJ_DEAD_BITS | (o->ohm_bits & OHM_F_LARGE);
    o->ohm_type = NULL;
    s->quarantine_next = (s->quarantine_next + 1) % OBJ_QUARANTINE;
}

/* The type a quarantined object had, or NULL. */
static const ohm_type *obj_dead_type(const ohm_object *o) {
    ohm_heap *h = ohmi_alloc_heap_of(o);
    if (!h || !ohmi_obj_of(h)->quarantine) return NULL;
    for (size_t i = 0; i < OBJ_QUARANTINE; i++)
        if (ohmi_obj_of(h)->quarantine[i].o == o) return ohmi_obj_of(h)->quarantine[i].type;
    return NULL;
}

/* ohmi_fatal with the allocation origin of o when tracing knows it. */
OHM_NORETURN static void obj_fatal(const ohm_object *o, const char *msg) {
    char origin[1024] = "";
    ohm_heap *h = ohmi_alloc_heap_of(o);
    if (h && ohmi_trace_of(h)->active) {
        FILE *f = fmemopen(origin, sizeof origin - 1, "w");
        if (f) { ohmi_trace_print_origin(h, o, f); fclose(f); }
    }
    ohmi_fatal("%s%s%s", msg, origin[0] ? "\n" : "", origin);
}

/* Misuse of a dead or broken object o by fn: never returns. What o's header still
 * says: dead in the quarantine (debug mode: its type is known), a free pool slot (the
 * type word is the pools' free-list link: not followed), a free-list entry (type
 * NULL), or a live object whose count is wrong. */
OHM_NORETURN static void obj_misuse(const char *fn, ohm_object *o) {
    char msg[256];
    if (obj_is_dead(o)) {
        const ohm_type *t = obj_dead_type(o);
        snprintf(msg, sizeof msg, "%s: object at %p of type '%s' was already freed", fn,
                 (void *)o, t && t->name ? t->name : "?");
    } else if (ohmi_alloc_freed(o)) {
        ohm_heap *h = ohmi_alloc_heap_of(o);
        snprintf(msg, sizeof msg, "%s: object at %p was already freed (its %zu-byte block is "
                 "on the pools' free list, type unknown)", fn, (void *)o, ohmi_alloc_usable_size(h, o));
    } else if (o->ohm_type == NULL) {
        snprintf(msg, sizeof msg, "%s: object at %p was already freed (type unknown)", fn,
                 (void *)o);
    } else {
        snprintf(msg, sizeof msg,
                 "%s: reference count of object at %p of type '%s' would go below zero", fn,
                 (void *)o, o->ohm_type->name ? o->ohm_type->name : "?");
    }
    obj_fatal(o, msg);
}

void ohm_refcount_error_(ohm_object *o) {
    obj_misuse("ohm_decref", o);
}

/* ------------------------------------------------------ reference counts */

/* The checked, out-of-line versions. The parentheses keep ohm.h's macros out. */
void (ohm_incref)(ohm_object *o) {
    if (OHM_UNLIKELY(!ohmi_alloc_live(o))) obj_misuse("ohm_incref", o);
    uint32_t n = o->ohm_rc + 1;
    if ((int32_t)n > 0) o->ohm_rc = n;
}

void (ohm_decref)(ohm_object *o) {
    if (OHM_UNLIKELY(!ohmi_alloc_live(o))) obj_misuse("ohm_decref", o);
    uint32_t c = o->ohm_rc;
    if ((int32_t)c <= 0) {   /* immortal; 0: misuse (as the inline path) */
        if (c == 0) obj_misuse("ohm_decref", o);
        return;
    }
    if ((o->ohm_rc = c - 1) == 0) ohm_release_(o);
}

void (ohm_xincref)(ohm_object *o) {
    if (o) (ohm_incref)(o);
}

void (ohm_xdecref)(ohm_object *o) {
    if (o) (ohm_decref)(o);
}

size_t ohm_refcount(const ohm_object *o) {
    return o->ohm_rc;
}

const ohm_type *ohm_type_of(const ohm_object *o) {
    return o->ohm_type;
}

ohm_heap *ohm_heap_of(const ohm_object *o) {
    return ohmi_alloc_heap_of(o);
}

void ohm_immortalize(ohm_object *o) {
    o->ohm_rc = OHM_RC_IMMORTAL;
}

int ohm_is_immortal(const ohm_object *o) {
    return OHM_IS_IMMORTAL(o);
}

void ohm_auto_release_(ohm_object **slot) {
    ohm_object *o = *slot;
    if (o) ohm_decref(o);
}

/* ------------------------------------------------------------- release */

/* The memory of a dead object: the quarantine (debug mode) or the pools. */
static inline void obj_free_mem(ohm_heap *h, ohm_object *o) {
    if (OHM_LIKELY(!ohmi_base_of(h)->cfg.debug)) ohmi_alloc_object_free(h, o);
    else obj_quarantine(h, o);
}

/* Steps 4-5 for a type that may own references: dealloc, then the memory, on the
 * builtin's free list when it has one and there is room (a tuple_dealloc, list_dealloc
 * or dict_dealloc leaves the body as a new object of its type needs it). */
static inline void obj_destroy(ohm_heap *h, ohm_object *o, const ohm_type *t) {
    if (t->dealloc) t->dealloc(o);
    struct obj_state *s = ohmi_obj_of(h);
    struct obj_freelist *fl;
    switch (OBJ_KIND(t)) {
    case OBJ_K_USER:
        if (OHM_UNLIKELY(t->freelist_max != 0)) {
            if (t == s->user_last ? obj_freelist_push(s->user_last_list, o) : obj_user_recycle(h, o, t))
                return;
        }
        obj_free_mem(h, o);
        return;
    case OBJ_K_TUPLE: {
        size_t n = ((obj_tuple *)o)->len;
        if (n - 1 >= OBJ_TUPLE_MAXSAVE) { obj_free_mem(h, o); return; }
        fl = &s->tuples[n];
        break;
    }
    case OBJ_K_LIST: fl = &s->lists; break;
    case OBJ_K_DICT: fl = &s->dicts; break;
    default: obj_free_mem(h, o); return;
    }
    if (!obj_freelist_push(fl, o)) obj_free_mem(h, o);
}

/* A deferred object's header: the link to the next one, shifted right by 4 (objects
 * are 16-aligned), goes in rc (low 32 bits) and the collector's 24-bit word (the
 * next 24), so links up to 2^60 fit; the flag bits keep FINALIZED, LARGE and
 * WEAKREFD, and TRACKED stays clear, so a walk of the heap sees an untracked object. */
#define OBJ_TRASH_FLAGS (OHM_F_FINALIZED | OHM_F_LARGE | OHM_F_WEAKREFD)

static void obj_trash_push(struct obj_state *s, ohm_object *o) {
    OHMI_ASSERT_INTERNAL(o->ohm_rc == 0 && !(o->ohm_bits & OHM_F_TRACKED));
    uint64_t next = (uint64_t)(uintptr_t)s->trash >> 4;
    o->ohm_rc = (uint32_t)next;
    o->ohm_bits = (uint32_t)(next >> 32) << OHM_GCWORD_SHIFT | (o->ohm_bits & OBJ_TRASH_FLAGS);
    s->trash = o;
}

static ohm_object *obj_trash_pop(struct obj_state *s) {
    ohm_object *o = s->trash;
    uint64_t next = (uint64_t)o->ohm_rc | (uint64_t)(o->ohm_bits >> OHM_GCWORD_SHIFT) << 32;
    s->trash = (ohm_object *)(uintptr_t)(next << 4);
    o->ohm_rc = 0;
    o->ohm_bits &= OBJ_TRASH_FLAGS;
    return o;
}

OHM_NOINLINE static void obj_trash_drain(ohm_heap *h) {
    struct obj_state *s = ohmi_obj_of(h);
    OHMI_ASSERT(s->release_depth == 0 && ohmi_gc_of(h)->deferring);   /* the outermost release */
    s->release_depth = 1;
    while (s->trash) {
        ohm_object *o = obj_trash_pop(s);
        OHMI_ASSERT_INTERNAL(o->ohm_type != NULL);
        obj_destroy(h, o, o->ohm_type);
    }
    s->release_depth = 0;
    ohmi_gc_of(h)->deferring = 0;
}

/* Steps 4-5 of an object that finished steps 1-3. Ints and floats (no references,
 * no dealloc) go straight to their free lists, strs to their dealloc and the pools,
 * without the trashcan's count: their release cannot nest. */
static inline void obj_dispose(ohm_heap *h, ohm_object *o, const ohm_type *t) {
    struct obj_state *s = ohmi_obj_of(h);
    OHMI_ASSERT_INTERNAL(!(o->ohm_bits & OHM_F_TRACKED));   /* the collector forgot it */
    unsigned kind = OBJ_KIND(t);
    if (kind - OBJ_K_INT <= OBJ_K_STR - OBJ_K_INT) {
        if (kind == OBJ_K_STR) {
            if (((obj_str *)o)->interned) t->dealloc(o);
        } else if (obj_freelist_push(kind == OBJ_K_INT ? &s->ints : &s->floats, o)) {
            return;
        }
        obj_free_mem(h, o);
        return;
    }
    if (OHM_UNLIKELY(s->release_depth >= OBJ_TRASH_DEPTH)) {
        /* A weakref owns no references, so its release cannot nest; and it must leave
         * its target's list now: deferred, it would still look alive there, with link
         * bits for a count. */
        if (t == &ohm_weakref_type) { obj_destroy(h, o, t); return; }
        obj_trash_push(s, o);
        ohmi_gc_of(h)->deferring = 1;   /* no collection while header words are links */
        return;
    }
    s->release_depth++;
    obj_destroy(h, o, t);
    if (--s->release_depth == 0 && OHM_UNLIKELY(s->trash != NULL)) obj_trash_drain(h);
}

/* The release of an object with a finalizer or weak references: steps 1-3 in full. */
OHM_NOINLINE static void obj_release_slow(ohm_object *o, const ohm_type *t) {
    if (t->finalize && !(o->ohm_bits & OHM_F_FINALIZED)) {
        o->ohm_bits |= OHM_F_FINALIZED;
        o->ohm_rc = 1;                       /* the temporary reference */
        t->finalize(o);
        if (OHM_IS_IMMORTAL(o)) return;      /* made immortal: resurrected for good */
        if (--o->ohm_rc != 0) return;        /* resurrected */
    }
    OHMI_ASSERT_INTERNAL(o->ohm_rc == 0 && o->ohm_type == t);   /* dies as it came */
    ohm_heap *h = alloc_heap_of_inline(o);
    if (o->ohm_bits & OHM_F_TRACKED) gc_on_release_h(h, o);
    if (o->ohm_bits & OHM_F_WEAKREFD) ohmi_weakref_on_release(o);
    obj_dispose(h, o, t);
}

/* The common case first: no finalizer and no weak references cost two tests, then
 * the collector forgets the object if tracked, then steps 4-5. */
void ohm_release_(ohm_object *o) {
    const ohm_type *t = o->ohm_type;
    /* A freed object: the inline incref of one (rc 0 -> 1, unchecked) then its decref
     * lands here with type NULL (quarantined, or on a builtin's free list) or a free
     * pool slot's tagged link. Two tests of the loaded type. */
    if (OHM_UNLIKELY(!ohmi_alloc_live_type(t))) obj_misuse("ohm_decref", o);
    OHMI_ASSERT_INTERNAL(o->ohm_rc == 0);    /* entered when the count reached zero */
    if (OHM_UNLIKELY(t->finalize != NULL) || OHM_UNLIKELY(o->ohm_bits & OHM_F_WEAKREFD)) {
        obj_release_slow(o, t);
        return;
    }
    ohm_heap *h = alloc_heap_of_inline(o);   /* looked up once: steps 2, 4, 5 */
    if (o->ohm_bits & OHM_F_TRACKED) gc_on_release_h(h, o);
    obj_dispose(h, o, t);
}

/* ------------------------------------------------------------ sizes */

size_t ohm_sizeof(const ohm_object *o) {
    ohm_heap *h = ohmi_alloc_heap_of(o);
    size_t n = ohmi_alloc_footprint(h, o);
    const ohm_type *t = o->ohm_type;
    if (t == &ohm_list_type) {
        const obj_list *l = (const obj_list *)o;
        if (l->items) n += ohmi_alloc_footprint(h, l->items);
    } else if (t == &ohm_dict_type) {
        n += ohmi_obj_dict_table_size(h, o);
    }
    return n;
}

/* -------------------------------------------------------- live report */

#define OBJ_REPORT_TYPES 64

struct obj_census {
    struct { const ohm_type *t; size_t count, bytes; } row[OBJ_REPORT_TYPES];
    size_t nrows, other_count, other_bytes, immortal;
};

static int obj_census_add(ohm_object *o, void *arg) {
    struct obj_census *c = arg;
    if (OHM_IS_IMMORTAL(o)) { c->immortal++; return 0; }
    size_t bytes = ohm_sizeof(o);
    for (size_t i = 0; i < c->nrows; i++)
        if (c->row[i].t == o->ohm_type) { c->row[i].count++; c->row[i].bytes += bytes; return 0; }
    if (c->nrows < OBJ_REPORT_TYPES) {
        c->row[c->nrows].t = o->ohm_type;
        c->row[c->nrows].count = 1;
        c->row[c->nrows].bytes = bytes;
        c->nrows++;
    } else {
        c->other_count++;
        c->other_bytes += bytes;
    }
    return 0;
}

/* Mortal live objects of h. */
static size_t obj_count_live(ohm_heap *h, struct obj_census *c) {
    memset(c, 0, sizeof *c);
    ohmi_alloc_walk_objects(h, 0, obj_census_add, c);
    size_t n = c->other_count;
    for (size_t i = 0; i < c->nrows; i++) n += c->row[i].count;
    return n;
}

/* Where the live objects were allocated, by type and newest frame (tracing on). */
#define OBJ_REPORT_SITES 256
struct obj_sites {
    ohm_heap *h;
    struct obj_site { const ohm_type *t; const ohm_frame *f; size_t count, bytes; } row[OBJ_REPORT_SITES];
    size_t nrows, untraced;
};

static int obj_same_frame(const ohm_frame *a, const ohm_frame *b) {
    return a->lineno == b->lineno && !strcmp(a->filename ? a->filename : "", b->filename ? b->filename : "") &&
           !strcmp(a->function ? a->function : "", b->function ? b->function : "");
}

static int obj_sites_add(ohm_object *o, void *arg) {
    struct obj_sites *c = arg;
    if (OHM_IS_IMMORTAL(o)) return 0;
    const ohm_traceback *tb = ohm_trace_get_traceback(c->h, o);
    if (!tb || !tb->nframe) { c->untraced++; return 0; }
    const ohm_frame *f = &tb->frames[tb->nframe - 1];
    size_t i = 0;
    while (i < c->nrows && !(c->row[i].t == o->ohm_type && obj_same_frame(c->row[i].f, f))) i++;
    if (i == c->nrows) {
        if (i == OBJ_REPORT_SITES) { c->untraced++; return 0; }
        c->row[i] = (struct obj_site){ o->ohm_type, f, 0, 0 };
        c->nrows++;
    }
    c->row[i].count++;
    c->row[i].bytes += ohm_sizeof(o);
    return 0;
}

static int obj_site_cmp(const void *a, const void *b) {
    const struct obj_site *x = a, *y = b;
    if (x->t != y->t) {   /* by type name, then address: each type's rows together */
        int c = strcmp(x->t->name ? x->t->name : "", y->t->name ? y->t->name : "");
        return c ? c : (x->t < y->t ? -1 : 1);
    }
    return x->bytes != y->bytes ? (x->bytes > y->bytes ? -1 : 1) : 0;
}

/* Up to 3 sites per type, biggest first. */
static void obj_report_sites(ohm_heap *h, FILE *out) {
    struct obj_sites *c = calloc(1, sizeof *c);
    if (!c) { fprintf(out, "  (no memory to list the allocation sites)\n"); return; }
    c->h = h;
    ohmi_alloc_walk_objects(h, 0, obj_sites_add, c);
    qsort(c->row, c->nrows, sizeof c->row[0], obj_site_cmp);
    fprintf(out, "  where they were allocated (the newest frame; top 3 per type):\n");
    for (size_t i = 0, shown = 0; i < c->nrows; i++) {
        shown = i && c->row[i].t == c->row[i - 1].t ? shown + 1 : 0;
        if (shown >= 3) continue;
        const struct obj_site *r = &c->row[i];
        fprintf(out, "    %-20s %8zu %10zu  %s:%u", r->t->name ? r->t->name : "?", r->count, r->bytes,
                r->f->filename ? r->f->filename : "?", r->f->lineno);
        if (r->f->function) fprintf(out, " (%s)", r->f->function);
        fputc('\n', out);
    }
    if (c->untraced) fprintf(out, "    (%zu objects not traced: allocated before tracing started, or not sampled)\n", c->untraced);
    free(c);
}

size_t ohm_live_objects(ohm_heap *h) {
    struct obj_census c;
    return obj_count_live(h, &c);
}

void ohm_report_live(ohm_heap *h, FILE *out) {
    struct obj_census c;
    size_t total = obj_count_live(h, &c), bytes = c.other_bytes;
    fprintf(out, "ohm: live objects by type (heap %p; bytes as the pools round them)\n", (void *)h);
    fprintf(out, "  %-24s %10s %12s\n", "type", "count", "bytes");
    for (size_t i = 0; i < c.nrows; i++) {
        fprintf(out, "  %-24s %10zu %12zu\n", c.row[i].t->name ? c.row[i].t->name : "?",
                c.row[i].count, c.row[i].bytes);
        bytes += c.row[i].bytes;
    }
    if (c.other_count)
        fprintf(out, "  %-24s %10zu %12zu\n", "(other types)", c.other_count, c.other_bytes);
    fprintf(out, "  %-24s %10zu %12zu\n", "total", total, bytes);
    fprintf(out, "  (and %zu immortal objects)\n", c.immortal);
    if (total && ohmi_trace_of(h)->active) obj_report_sites(h, out);
}

/* ------------------------------------------------------ init and fini */

/* Before a full collection ends: the free lists go (as CPython's gc does). */
static void obj_after_full_collection(ohm_heap *h) {
    ohm_clear_freelists(h);
}

/* What the collector needs from this layer (gc.h). */
static const struct ohmi_gc_hooks obj_gc_hooks = {
    .release = ohm_release_,
    .refcount_error = ohm_refcount_error_,
    .inline_array_type = &ohm_tuple_type,
    .ptr_array_type = &ohm_list_type,
    .untrack_type = { &ohm_tuple_type, &ohm_dict_type },
    .untrack_candidate = ohmi_obj_untrack_candidate,
    .weakref_clear = ohmi_weakref_clear_for_gc,
    .weakref_next = ohmi_weakref_chain_next,
    .weakref_callback = ohmi_weakref_run_callback,
    .after_full = obj_after_full_collection,
};

int ohmi_obj_init(ohm_heap *h) {
    memset(ohmi_obj_of(h), 0, sizeof *ohmi_obj_of(h));
    ohmi_obj_of(h)->freelists_off = ohmi_base_of(h)->cfg.debug != 0;
    ohmi_obj_freelist_limits(h);
    ohmi_obj_of(h)->intern.wide = 1;   /* its words are the interned strs' addresses */
    ohmi_gc_set_hooks(h, &obj_gc_hooks);
    return 0;
}

void ohmi_obj_fini(ohm_heap *h) {
    struct obj_state *s = ohmi_obj_of(h);
    if (ohmi_base_of(h)->cfg.debug) {
        struct obj_census c;
        size_t n = obj_count_live(h, &c);
        if (n) {
            fprintf(stderr, "ohm: heap %p destroyed with %zu live object%s (a reference not released?)\n",
                    (void *)h, n, n == 1 ? "" : "s");
            ohm_report_live(h, stderr);
        }
    }
    ohmi_obj_freelists_fini(h);
    ohmi_obj_str_fini(h);
    ohmi_weakref_fini(h);
    if (s->quarantine) {
        for (size_t i = 0; i < OBJ_QUARANTINE; i++) {
            ohm_object *o = s->quarantine[i].o;
            if (!o) continue;
            o->ohm_bits &= OHM_F_LARGE;
            ohmi_alloc_object_free(h, o);
        }
        ohmi_alloc_free(h, OHM_DOMAIN_RAW, s->quarantine);
        s->quarantine = NULL;
    }
    /* The singletons and every other object die with the pools (ohmi_alloc_fini). */
}
