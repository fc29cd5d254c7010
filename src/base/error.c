/*
 * error.c — error reporting for every layer: the message ohm_last_error returns
 * (per heap, or per thread before a heap exists), fatal errors, failed assertions.
 */
#include "base/base.h"

#include <stdio.h>
#include <stdlib.h>

static _Thread_local char error_no_heap[256]; /* ohm_last_error(NULL) */

void ohmi_error(ohm_heap *h, const char *fmt, ...) {
    char *buf = h ? ohmi_base_of(h)->error : error_no_heap;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof error_no_heap, fmt, ap);
    va_end(ap);
}

void ohmi_error_clear(ohm_heap *h) {
    (h ? ohmi_base_of(h)->error : error_no_heap)[0] = '\0';
}

void ohm_clear_error(ohm_heap *h) {
    ohmi_error_clear(h);
}

const char *ohm_last_error(ohm_heap *h) {
    return h ? ohmi_base_of(h)->error : error_no_heap;
}

void ohmi_fatal(const char *fmt, ...) {
    va_list ap;
    fflush(stdout);
    fputs("ohm: fatal error: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    fflush(stderr);
    abort();
}

void ohmi_assert_fail(const char *expr, const char *file, unsigned line, const char *fn) {
    ohmi_fatal("assertion failed: %s (%s:%u, %s)", expr, file, line, fn);
}

const int ohmi_debug_level = OHM_DEBUG_LEVEL;
