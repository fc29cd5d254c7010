/*
 * gc.h — the cycle collector and weak references (owned by gc.c, weakref.c).
 */
#ifndef OHM_GC_H
#define OHM_GC_H

struct gc_state {
    void *todo;   /* generations, thresholds, stats, callbacks, garbage list */
};

int  gc_init(ohm_heap *h);
void gc_fini(ohm_heap *h);
/* A new object of a GC type was allocated and initialized: track it, count it, and
 * maybe collect (the new object is held by the caller). */
void gc_on_new(ohm_object *o);
/* An object is being released (rc reached zero, finalizer done): untrack it. */
void gc_on_release(ohm_object *o);
/* An object with OHM_F_WEAKREFD is being released: clear its weak references and run
 * their callbacks (weakref.c). */
void weakref_on_release(ohm_object *o);

#endif
