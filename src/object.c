/* object.c — PLACEHOLDER: the objects subsystem replaces this file. */
#include "internal.h"
int obj_init(ohm_heap *h) { (void)h; return 0; }
void obj_fini(ohm_heap *h) { (void)h; }
int obj_untrack_candidate(const ohm_object *o) { (void)o; return 0; }
void obj_print_freelists(ohm_heap *h, FILE *out) { (void)h; (void)out; }
