/* gc.c — PLACEHOLDER: the cycle collector replaces this file. */
#include "internal.h"
int gc_init(ohm_heap *h) { (void)h; return 0; }
void gc_fini(ohm_heap *h) { (void)h; }
void gc_on_new(ohm_object *o) { o->ohm_bits |= OHM_F_TRACKED; }
void gc_on_release(ohm_object *o) { o->ohm_bits &= ~OHM_F_TRACKED; }
void weakref_on_release(ohm_object *o) { (void)o; }
