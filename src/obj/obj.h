/*
 * obj.h — objects, reference counting, weak references and the builtin types: the
 * layer above gc/ (object.c, weakref.c, int.c, float.c, str.c, tuple.c, list.c,
 * dict.c, hash.c, iter.c, freelist.c, type_error.c; the interpreter's API: bool.c,
 * compare.c, list_ops.c, list_sort.c, dict_views.c, repr.c, format.c, strbuf.c).
 * This is what api/ sees: the
 * state a heap embeds and the entry points; the object files share obj_impl.h.
 *
 * Invariants the object layer keeps:
 *  - A live object has a type (ohmi_alloc_live) and ohm_rc >= 1 (or immortal). Memory
 *    the object layer keeps for reuse (free lists, the debug quarantine) has ohm_type
 *    == NULL and memory it gave back to the pools a tagged link there (alloc.h), so
 *    ohmi_alloc_walk_objects never reports either.
 *  - A builtin object on a free list keeps its block's OHM_F_LARGE bit and links to
 *    the next entry through the first pointer after its header (every builtin
 *    object is at least 24 bytes).
 *  - In debug mode the free lists are off: every dead object goes to the quarantine,
 *    where its header reads rc 0, bits OBJ_DEAD_BITS, type NULL.
 */
#ifndef OHM_OBJ_H
#define OHM_OBJ_H

#include "gc/gc.h"

#define OBJ_NSMALLNEG      5     /* ints -5..-1 are preallocated */
#define OBJ_NSMALLPOS      257   /* ints 0..256 */
#define OBJ_INT_MAXFREE    100
#define OBJ_FLOAT_MAXFREE  100
#define OBJ_TUPLE_MAXSAVE  20    /* tuples of lengths 1..20 are recycled */
#define OBJ_TUPLE_MAXFREE  2000  /* per length */
#define OBJ_LIST_MAXFREE   80
#define OBJ_DICT_MAXFREE   80
#define OBJ_TRASH_DEPTH    50    /* nested releases before deferring (trashcan) */
#define OBJ_QUARANTINE     16384 /* dead objects kept in debug mode */
#define OBJ_DEAD_BITS      0xDEADBE00u /* ohm_bits of a quarantined object (| LARGE) */

/* One free list: a stack linked through the objects' first word past the header.
 * max is the bound, or 0 while free lists are off (debug mode, ohm_set_freelists), so
 * the push tests one thing. */
struct obj_freelist {
    ohm_object *head;
    size_t n;
    size_t max;
};

/* The builtin types mark themselves in the high byte of ohm_type.flags (bits 24-31 are
 * reserved to ohm: a user type sets only OHM_TYPE_GC). The release path dispatches on
 * it with one load: ints and floats go straight to their free lists without a dealloc
 * call or a trashcan count, strs skip the trashcan, tuples, lists and dicts push
 * themselves after their dealloc dropped their items. */
#define OBJ_KIND_SHIFT 24
enum { OBJ_K_USER = 0, OBJ_K_INT, OBJ_K_FLOAT, OBJ_K_STR, OBJ_K_TUPLE, OBJ_K_LIST, OBJ_K_DICT };
#define OBJ_KIND(t)     ((t)->flags >> OBJ_KIND_SHIFT)
#define OBJ_KIND_FLAG(k) ((unsigned)(k) << OBJ_KIND_SHIFT)

/* A dead object kept in the debug quarantine, with the type it had. */
struct obj_dead {
    ohm_object *o;
    const ohm_type *type;
};

struct obj_state {
    unsigned release_depth;    /* releases (deallocs) running now, nested */
    int freelists_off;         /* no free lists: debug mode, or ohm_set_freelists(h, 0) */
    ohm_object *trash;         /* deferred releases: a stack linked through the dying
                                  objects' rc+bits words (see object.c) */
    struct obj_freelist ints, floats, lists, dicts;
    struct obj_freelist tuples[OBJ_TUPLE_MAXSAVE + 1]; /* by length; [0] unused */
    ohm_object *small_ints[OBJ_NSMALLNEG + OBJ_NSMALLPOS]; /* made on first use */
    ohm_object *empty_str;     /* singletons, made on first use, immortal */
    ohm_object *char_str[128];
    ohm_object *empty_tuple;
    ohm_object *none;          /* None, False, True (bool.c): made on first use, immortal */
    ohm_object *bools[2];
    const struct obj_repr_frame *repr_stack; /* repr.c: the objects being repr'd now,
                                  innermost first (Py_ReprEnter's list), on the C stack */
    ohmi_index intern;         /* interned strs (words: their addresses), by content; the
                                  table holds no reference (a dying str leaves it) */
    ohmi_ptrmap weakrefs;      /* target address -> newest weakref to it (weakref.c) */
    const ohm_type *checked[2];  /* the last types ohm_new accepted (types are checked at
                                    first use; a type with freelist_max never enters) */
    const ohm_type *checked_var; /* the last type ohm_new_var accepted */
    ohmi_ptrmap user_lists;      /* type (with freelist_max) -> its struct obj_freelist */
    const ohm_type *user_last;   /* the last of them used, and its list */
    struct obj_freelist *user_last_list;
    struct obj_dead *quarantine; /* debug mode: a ring of OBJ_QUARANTINE dead objects */
    size_t quarantine_next;
    size_t quarantine_count;
};

/* The heap as the object layer sees it: the collector's view, then its own state. */
struct ohmi_obj_heap {
    struct ohmi_gc_heap gc;
    struct obj_state obj;
};
static inline struct obj_state *ohmi_obj_of(const ohm_heap *h) {
    return &((struct ohmi_obj_heap *)(uintptr_t)h)->obj;
}

/* Set up the object layer of h, the collector's hooks included. */
int  ohmi_obj_init(ohm_heap *h);
void ohmi_obj_fini(ohm_heap *h);   /* before ohmi_alloc_fini: free lists, tables, quarantine (the objects go with the pools) */
/* For the collector: 1 when o is a tuple all of whose items are untracked, or a dict
 * whose keys and values all are (CPython's untracking of atomic containers). Stricter
 * than CPython: the items must also be of non-GC types, because ohm's tuples can be
 * changed after creation (ohm_tuple_set re-tracks a tuple that gets a GC item, but
 * it could not re-track the tuples that contain that tuple). */
int  ohmi_obj_untrack_candidate(const ohm_object *o);
/* The object layer's part of ohm_heap_check (check.c): free lists, the interning
 * set, the weakref table and lists, the trashcan. 0 when every invariant holds; else
 * nonzero, the first violation described on out (may be NULL). O(heap); allocates
 * nothing. Call it outside releases (release_depth 0). */
int  ohmi_obj_check(ohm_heap *h, FILE *out);
/* For ohm_gc_explain: the name of parent's reference to child ("item [3] of <list 0x..>",
 * "value of key 'name' in <dict 0x..>", the type's edge_name, or its place in traverse
 * order) into buf. Allocates nothing. */
void ohmi_obj_edge_name(ohm_object *parent, const ohm_object *child, char *buf, size_t len);
/* ohm_debug_mallocstats' free-list lines: "N free floats * 24 bytes each = B", ... */
void ohmi_obj_print_freelists(ohm_heap *h, FILE *out);

#endif
