/* trace.c — PLACEHOLDER: tracing replaces this file. */
#include "internal.h"
int trace_init(ohm_heap *h) { h->trace.active = 0; return 0; }
void trace_fini(ohm_heap *h) { (void)h; }
void trace_on_alloc(ohm_heap *h, ohm_domain d, const void *p, size_t n) { (void)h; (void)d; (void)p; (void)n; }
void trace_on_free(ohm_heap *h, ohm_domain d, const void *p) { (void)h; (void)d; (void)p; }
int ohm_trace_start(ohm_heap *h, int nframes) { heap_error(h, "ohm_trace_start: tracing is not built yet (%d frames)", nframes); return -1; }
void trace_print_origin(ohm_heap *h, const void *p, FILE *out) { (void)h; (void)p; (void)out; }
