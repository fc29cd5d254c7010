/* hello.c — the README's example: a heap, objects, a cycle, and the collector. */
#include <stdio.h>
#include "ohm.h"

int main(void) {
    ohm_heap *h = ohm_heap_new(NULL);              /* a private heap */
    ohm_object *a = ohm_list_new(h), *b = ohm_list_new(h);
    ohm_list_append(a, b);                         /* a -> b -> a: a cycle */
    ohm_list_append(b, a);
    ohm_object *n = ohm_int_new(h, 42);
    ohm_list_append(a, n);                         /* the list takes its own reference */
    ohm_decref(n);
    printf("refcount(a) = %zu\n", ohm_refcount(a)); /* 2: ours and b's */
    ohm_decref(a);                                 /* reference counting can't free the cycle... */
    ohm_decref(b);
    printf("collected %zu objects\n", ohm_gc_collect(h, 2)); /* ...the collector does: 2 */
    ohm_heap_destroy(h);                           /* every byte goes back */
    return 0;
}
