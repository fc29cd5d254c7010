/*
 * internal.h — what the subsystems share: the heap structure, the object flag bits,
 * error reporting. Each subsystem owns its own header (alloc.h, object.h, gc.h,
 * trace.h) with its state struct and the entry points the others may call; this file
 * only assembles them.
 *
 * Object header (ohm.h): uint32 ohm_rc | uint32 ohm_bits | const ohm_type *ohm_type.
 *   ohm_rc   : reference count; >= 2^31 means immortal (OHM_RC_IMMORTAL is set).
 *   ohm_bits : low 8 bits are the OHM_F_* flags below; the high 24 bits belong to the
 *              collector (gc.c): a generation index outside a collection, gc_refs
 *              during one.
 */
#ifndef OHM_INTERNAL_H
#define OHM_INTERNAL_H

#include "ohm.h"
#include <stdarg.h>
#include <stdbool.h>
#include <string.h>

#define OHM_F_TRACKED   0x01u  /* in the collector's view (gc.c) */
#define OHM_F_FINALIZED 0x02u  /* finalize has run (PEP 442) */
#define OHM_F_LARGE     0x04u  /* allocated outside the pools (set by alloc.c) */
#define OHM_F_WEAKREFD  0x08u  /* has, or had, weak references (weakref.c) */
#define OHM_F_GC0       0x10u  /* flags 0x10..0x80 belong to gc.c */
#define OHM_F_GC1       0x20u
#define OHM_F_GC2       0x40u
#define OHM_F_GC3       0x80u
#define OHM_FLAG_MASK   0xFFu
#define OHM_GCWORD_SHIFT 8     /* ohm_bits >> 8: the collector's 24-bit word */
#define OHM_GCWORD_MAX  0xFFFFFFu

#define OHM_IS_IMMORTAL(o) ((int32_t)(o)->ohm_rc < 0)

#if defined(__GNUC__)
#  define OHM_LIKELY(x)   __builtin_expect(!!(x), 1)
#  define OHM_UNLIKELY(x) __builtin_expect(!!(x), 0)
#  define OHM_NOINLINE    __attribute__((noinline))
#  define OHM_NORETURN    __attribute__((noreturn))
#  define OHM_PRINTF(a,b) __attribute__((format(printf, a, b)))
#else
#  define OHM_LIKELY(x) (x)
#  define OHM_UNLIKELY(x) (x)
#  define OHM_NOINLINE
#  define OHM_NORETURN
#  define OHM_PRINTF(a,b)
#endif

#include "alloc.h"
#include "object.h"
#include "gc.h"
#include "trace.h"

struct ohm_heap {
    ohm_config cfg;            /* what the heap was made with */
    struct alloc_state alloc;  /* arenas, pools, large blocks, domains (alloc.h) */
    struct obj_state obj;      /* free lists, singletons, interned strings (object.h) */
    struct gc_state gc;        /* generations, thresholds, callbacks (gc.h) */
    struct trace_state trace;  /* tracemalloc (trace.h) */
    int destroying;            /* set while ohm_heap_destroy runs */
    char error[256];           /* ohm_last_error's message */
};

/* Record a failure message on h (h may be NULL: thread-local), for ohm_last_error. */
void heap_error(ohm_heap *h, const char *fmt, ...) OHM_PRINTF(2, 3);
/* Clear h's error message (an iterator's clean end). */
void heap_error_clear(ohm_heap *h);
/* Print "ohm: fatal error: ..." to stderr and abort. */
OHM_NORETURN void ohm_fatal(const char *fmt, ...) OHM_PRINTF(1, 2);

#include "gc_inline.h"

#endif
