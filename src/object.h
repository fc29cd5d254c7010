/*
 * object.h — objects and the builtin types (owned by object.c and the type files:
 * int.c, float.c, str.c, tuple.c, list.c, dict.c, hash.c, iter.c, freelist.c).
 *
 * Invariants the object layer keeps:
 *  - A live object has ohm_type != NULL and ohm_rc >= 1 (or immortal). Memory the
 *    object layer keeps for reuse (free lists, the debug quarantine) has ohm_type ==
 *    NULL, so alloc_walk_objects never reports it.
 *  - A builtin object on a free list keeps its block's OHM_F_LARGE bit and links to
 *    the next entry through the first pointer after its header (every builtin
 *    object is at least 24 bytes).
 *  - In debug mode the free lists are off: every dead object goes to the quarantine,
 *    where its header reads rc 0, bits OBJ_DEAD_BITS, type NULL.
 */
#ifndef OHM_OBJECT_H
#define OHM_OBJECT_H

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
    ohm_object **intern;       /* interned strs: open addressing, linear probing; the
                                  table holds no reference (a dying str leaves it) */
    size_t intern_cap;         /* slots, a power of two, or 0 */
    size_t intern_used;
    struct obj_dead *quarantine; /* debug mode: a ring of OBJ_QUARANTINE dead objects */
    size_t quarantine_next;
    size_t quarantine_count;
};

int  obj_init(ohm_heap *h);
void obj_fini(ohm_heap *h);   /* before alloc_fini: drop singletons, free lists */
/* For the collector: 1 when o is a tuple all of whose items are untracked, or a dict
 * whose keys and values all are (CPython's untracking of atomic containers). Stricter
 * than CPython: the items must also be of non-GC types, because ohm's tuples can be
 * changed after creation (ohm_tuple_set re-tracks a tuple that gets a GC item, but
 * it could not re-track the tuples that contain that tuple). */
int  obj_untrack_candidate(const ohm_object *o);
/* ohm_debug_mallocstats' free-list lines: "N free floats * 24 bytes each = B", ... */
void obj_print_freelists(ohm_heap *h, FILE *out);

/* ---- shared by the object files ---- */

/* n bytes of object memory from h, header set to rc 1, type t, bits 0 (LARGE kept:
 * alloc_object hands the bits out that way). The rest is not zeroed. Not yet tracked.
 * NULL with heap_error set on failure. */
static inline ohm_object *obj_alloc(ohm_heap *h, const ohm_type *t, size_t n) {
    ohm_object *o = alloc_object(h, n, (t->flags & OHM_TYPE_GC) != 0);
    if (OHM_LIKELY(o != NULL)) {
        o->ohm_rc = 1;
        o->ohm_type = t;
    }
    return o;
}
/* The last step of making an object of a GC type: hand it to the collector. */
void obj_track_new(ohm_object *o);
/* Set every free list's bound from h->obj.freelists_off (0 when off). */
void obj_freelist_limits(ohm_heap *h);
/* Make a heap-lifetime singleton immortal. */
void obj_make_immortal(ohm_object *o);

/* Free lists: obj_freelist_push/pop, inline in freelist.h. */

/* Wrong-type reports: "fn: expected a list, got 'int'", on o's heap. */
void obj_type_error(const char *fn, const char *want, const ohm_object *o);
/* The heap of o for an error message; the thread's slot when o is NULL. */
ohm_heap *obj_error_heap(const ohm_object *o);

/* Hashing and equality with Python's value semantics (hash.c). */
int obj_hash(const ohm_object *o, uint64_t *out); /* -1: unhashable (no message) */
int obj_equal(const ohm_object *a, const ohm_object *b);
uint64_t obj_hash_bytes(const char *p, size_t n);
uint64_t obj_hash_double(double v);
uint64_t obj_hash_int(int64_t v);

/* Bytes of a dict's table (dict.c), for ohm_sizeof. */
size_t obj_dict_table_size(ohm_heap *h, const ohm_object *d);

/* str internals (str.c). */
uint64_t obj_str_hash(const ohm_object *o);
void obj_str_fini(ohm_heap *h);

/* Layouts of the builtin objects, for the type files. */
typedef struct obj_int { ohm_object ob; int64_t value; } obj_int;
typedef struct obj_float { ohm_object ob; double value; } obj_float;
typedef struct obj_str {
    ohm_object ob;
    size_t len;           /* bytes, excluding the terminating NUL */
    uint64_t hash;        /* 0 until computed */
    unsigned char interned;
    char data[];          /* len bytes and a NUL */
} obj_str;
typedef struct obj_tuple { ohm_object ob; size_t len; ohm_object *items[]; } obj_tuple;
typedef struct obj_list {
    ohm_object ob;
    size_t len;
    size_t cap;           /* slots in items */
    ohm_object **items;   /* MEM domain; NULL when cap == 0 */
} obj_list;
typedef struct obj_dict_entry {
    uint64_t hash;
    ohm_object *key;      /* NULL: deleted */
    ohm_object *value;
} obj_dict_entry;
typedef struct obj_dict {
    ohm_object ob;
    size_t used;          /* live entries */
    size_t nentries;      /* entries filled, deleted ones included */
    size_t nslots;        /* index slots, a power of two; 0: no table yet */
    void *table;          /* MEM domain: int32 index[nslots], then the entries */
} obj_dict;

#endif
