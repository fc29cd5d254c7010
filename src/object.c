/* object.c — PLACEHOLDER: the objects subsystem replaces this file. */
#include "internal.h"
int obj_init(ohm_heap *h) { (void)h; return 0; }
void obj_fini(ohm_heap *h) { (void)h; }
