/*
 * object.h — objects and the builtin types (owned by object.c and the type files).
 */
#ifndef OHM_OBJECT_H
#define OHM_OBJECT_H

struct obj_state {
    void *todo;   /* free lists, small ints, singletons, interned strings */
};

int  obj_init(ohm_heap *h);
void obj_fini(ohm_heap *h);   /* before alloc_fini: drop singletons, free lists */
/* For the collector: 1 when o is a tuple all of whose items are untracked, or a dict
 * whose keys and values all are (CPython's untracking of atomic containers). */
int  obj_untrack_candidate(const ohm_object *o);
/* ohm_debug_mallocstats' free-list lines: "N free floats * 24 bytes each = B", ... */
void obj_print_freelists(ohm_heap *h, FILE *out);

#endif
