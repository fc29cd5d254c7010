/*
 * trace.h — allocation tracing, tracemalloc (owned by trace*.c).
 */
#ifndef OHM_TRACE_H
#define OHM_TRACE_H

struct trace_state {
    int active;   /* tracing on: the allocator calls the hooks below */
};

int  trace_init(ohm_heap *h);
void trace_fini(ohm_heap *h);
/* Hooks the allocator calls while h->trace.active, for every domain. */
void trace_on_alloc(ohm_heap *h, ohm_domain d, const void *p, size_t n);
void trace_on_free(ohm_heap *h, ohm_domain d, const void *p);
/* For fatal messages and reports: print "    allocated at file:line (function)" lines
 * for the block or object p when tracing knows it; print nothing otherwise. */
void trace_print_origin(ohm_heap *h, const void *p, FILE *out);

#endif
