/*
 * debug.c — the debug hooks (OHM_MALLOC=debug, cfg.debug), as CPython's
 * PYTHONMALLOC=debug: each domain's allocator is wrapped so every block carries
 *
 *   base: [serial 8][size 8][heap 8][api 1][0xFD x 7] p: [data: n bytes][0xFD x 8]
 *
 * New data is filled with 0xCD, freed data with 0xDD (the api byte too), the guards
 * with 0xFD. The api byte is CPython's domain letter: 'r' RAW, 'm' MEM, 'o' OBJ. The
 * first word may be overwritten by the pool's free list once the block is freed, so
 * nothing checked lives there; the heap sits at p - 16 for ohmi_alloc_heap_of.
 *
 * free/realloc check, in this order: alignment; that the block is h's (a block start
 * in one of h's pools, or one of h's large blocks) — else it belongs to another debug
 * heap (wrong heap), or was never allocated; the 7 guard bytes before p (underrun);
 * the api byte (0xDD: double free; another letter: wrong domain); the heap word; the
 * 8 guard bytes after the data (overrun). Each failure prints what happened, the
 * address and size, a hex dump of the damaged bytes and the allocation origin when
 * tracing knows it, then aborts.
 *
 * The registry of debug heaps (a mutex and a list) exists so that a block freed into
 * the wrong heap can be named as such; it is touched only by debug heaps.
 */
#include "alloc/alloc_impl.h"

#include <errno.h>
#include <stdlib.h>

#define DEBUG_CLEAN 0xCD
#define DEBUG_DEAD  0xDD
#define DEBUG_FORBIDDEN 0xFD

struct debug_prefix {
    uint64_t serial;
    uint64_t size;
    ohm_heap *heap;
    unsigned char api;
    unsigned char pad[7];
};

static const char debug_api[3] = {'r', 'm', 'o'};

/* ---------------------------------------------------------------- registry */

static pthread_mutex_t debug_lock = PTHREAD_MUTEX_INITIALIZER;
static ohm_heap *debug_heaps[64];   /* debug heaps alive (wrong-heap detection only) */

void ohmi_debug_register(ohm_heap *h) {
    pthread_mutex_lock(&debug_lock);
    for (size_t i = 0; i < sizeof debug_heaps / sizeof *debug_heaps; i++)
        if (!debug_heaps[i]) { debug_heaps[i] = h; ohmi_alloc_of(h)->registered = 1; break; }
    pthread_mutex_unlock(&debug_lock);
}

void ohmi_debug_unregister(ohm_heap *h) {
    if (!ohmi_alloc_of(h)->registered) return;
    pthread_mutex_lock(&debug_lock);
    for (size_t i = 0; i < sizeof debug_heaps / sizeof *debug_heaps; i++)
        if (debug_heaps[i] == h) debug_heaps[i] = NULL;
    pthread_mutex_unlock(&debug_lock);
    ohmi_alloc_of(h)->registered = 0;
}

/* Is base a block (start) of h? */
static int debug_owns(ohm_heap *h, const char *base) {
    if (ohmi_alloc_in_arenas(h, base)) return ohmi_pool_is_block_start(h, base);
    return ohmi_large_contains(h, base);
}

static ohm_heap *debug_owner(ohm_heap *h, const char *base) {
    ohm_heap *owner = NULL;
    pthread_mutex_lock(&debug_lock);
    for (size_t i = 0; i < sizeof debug_heaps / sizeof *debug_heaps && !owner; i++)
        if (debug_heaps[i] && debug_heaps[i] != h && debug_owns(debug_heaps[i], base))
            owner = debug_heaps[i];
    pthread_mutex_unlock(&debug_lock);
    return owner;
}

/* ------------------------------------------------------------- fatal report */

static void debug_dump(FILE *out, const char *what, const unsigned char *p, size_t n) {
    fprintf(out, "    %s:\n", what);
    for (size_t i = 0; i < n; i += 16) {
        fprintf(out, "      %p:", (const void *)(p + i));
        for (size_t j = i; j < i + 16 && j < n; j++) fprintf(out, " %02x", p[j]);
        fputc('\n', out);
    }
}

OHM_NORETURN static void debug_fatal(ohm_heap *h, const char *func, const char *what,
                                     const unsigned char *p, int dump, const char *detail) {
    fflush(stdout);
    fprintf(stderr, "ohm: fatal error: %s: %s\n", func, what);
    const unsigned char *base = p - DEBUG_PREFIX;
    if (dump) {
        const struct debug_prefix *pre = (const void *)base;
        size_t n = (size_t)pre->size;
        fprintf(stderr, "Debug memory block at address p=%p: API '%c'\n", (const void *)p,
                pre->api >= 32 && pre->api < 127 ? pre->api : '?');
        fprintf(stderr, "    %zu bytes originally requested\n", n);
        if (detail) fprintf(stderr, "%s", detail);
        fprintf(stderr, "    The block was made by call #%llu to debug malloc/realloc.\n",
                (unsigned long long)pre->serial);
        debug_dump(stderr, "hex dump of the prefix (p-32 .. p)", base, DEBUG_PREFIX);
        debug_dump(stderr, "hex dump of the data (first bytes)", p, n < 64 ? n : 64);
        debug_dump(stderr, "hex dump of the tail (p+size .. p+size+8)", p + n, DEBUG_TAIL);
        ohmi_alloc_describe(h, p, stderr);
    } else {
        fprintf(stderr, "    address p=%p\n", (const void *)p);
        if (detail) fprintf(stderr, "%s", detail);
    }
    fflush(stderr);
    abort();
}

/* The checks of free and realloc; returns the prefix of a sound block. */
static struct debug_prefix *debug_check(ohm_heap *h, ohm_domain d, void *vp, const char *func) {
    unsigned char *p = vp, *base = p - DEBUG_PREFIX;
    char detail[512];
    if ((uintptr_t)p & 15)
        debug_fatal(h, func, "pointer was never allocated (not 16-byte aligned)", p, 0, NULL);
    if (d != OHM_DOMAIN_RAW && !debug_owns(h, (const char *)base)) {
        ohm_heap *owner = debug_owner(h, (const char *)base);
        if (owner) {
            snprintf(detail, sizeof detail, "    allocated by heap %p, freed into heap %p\n",
                     (void *)owner, (void *)h);
            debug_fatal(h, func, "block freed into the wrong heap", p, 1, detail);
        }
        snprintf(detail, sizeof detail, "    heap %p has no block there\n", (void *)h);
        debug_fatal(h, func, "pointer was never allocated (or its memory was already "
                    "released)", p, 0, detail);
    }
    /* A freed pool block is poisoned for ASan; the checks below must read it. */
    if (d != OHM_DOMAIN_RAW && ohmi_alloc_in_arenas(h, base)) ASAN_UNPOISON(base, CLASS_SIZE(pool_of(base)->cls));
    struct debug_prefix *pre = (struct debug_prefix *)base;
    for (int i = 0; i < 7; i++) {
        if (pre->pad[i] != DEBUG_FORBIDDEN) {
            snprintf(detail, sizeof detail,
                     "    The 7 pad bytes at p-7 are not all FORBIDDENBYTE (0xfd):\n"
                     "        at p-%d: 0x%02x *** OUCH\n", 7 - i, pre->pad[i]);
            debug_fatal(h, func, "buffer underrun (bytes before the block were "
                        "overwritten)", p, 1, detail);
        }
    }
    if (pre->api == DEBUG_DEAD) {
        debug_fatal(h, func, "double free (the block was already freed)", p, 1,
                    "    The data is filled with DEADBYTE (0xdd): freed.\n");
    }
    if (pre->heap != h) {
        snprintf(detail, sizeof detail, "    allocated by heap %p, freed into heap %p\n",
                 (void *)pre->heap, (void *)h);
        debug_fatal(h, func, "block freed into the wrong heap", p, 1, detail);
    }
    if (pre->api != debug_api[d]) {
        snprintf(detail, sizeof detail,
                 "    bad ID: allocated using API '%c', verified using API '%c'\n",
                 pre->api >= 32 && pre->api < 127 ? pre->api : '?', debug_api[d]);
        debug_fatal(h, func, "block freed into the wrong domain", p, 1, detail);
    }
    unsigned char *tail = p + pre->size;
    for (int i = 0; i < DEBUG_TAIL; i++) {
        if (tail[i] != DEBUG_FORBIDDEN) {
            snprintf(detail, sizeof detail,
                     "    The 8 pad bytes at tail=%p are not all FORBIDDENBYTE (0xfd):\n"
                     "        at tail+%d: 0x%02x *** OUCH\n", (void *)tail, i, tail[i]);
            debug_fatal(h, func, "buffer overrun (bytes after the block were "
                        "overwritten)", p, 1, detail);
        }
    }
    return pre;
}

/* ---------------------------------------------------------------- the hooks */

static void *debug_wrap(ohm_heap *h, ohm_domain d, unsigned char *base, size_t n) {
    struct debug_prefix *pre = (struct debug_prefix *)base;
    pre->serial = __atomic_add_fetch(&ohmi_alloc_of(h)->serial, 1, __ATOMIC_RELAXED);
    pre->size = n;
    pre->heap = h;
    pre->api = (unsigned char)debug_api[d];
    memset(pre->pad, DEBUG_FORBIDDEN, sizeof pre->pad);
    unsigned char *p = base + DEBUG_PREFIX;
    memset(p, DEBUG_CLEAN, n);
    memset(p + n, DEBUG_FORBIDDEN, DEBUG_TAIL);
    return p;
}

void *ohmi_debug_malloc(void *ctx, size_t n) {
    struct alloc_debug_ctx *dc = ctx;
    if (n > SIZE_MAX - DEBUG_EXTRA - 64) { errno = ENOMEM; return NULL; }
    unsigned char *base = dc->base.malloc(dc->base.ctx, n + DEBUG_EXTRA);
    if (!base) return NULL;
    return debug_wrap(dc->heap, dc->domain, base, n);
}

void *ohmi_debug_calloc(void *ctx, size_t nelem, size_t elsize) {
    struct alloc_debug_ctx *dc = ctx;
    if (elsize && nelem > SIZE_MAX / elsize) {
        ohmi_error(dc->heap, "calloc: %zu * %zu bytes overflows", nelem, elsize);
        errno = ENOMEM;
        return NULL;
    }
    void *p = ohmi_debug_malloc(ctx, nelem * elsize);
    if (p) memset(p, 0, nelem * elsize);
    return p;
}

static void debug_kill(struct debug_prefix *pre) {
    unsigned char *p = (unsigned char *)(pre + 1);
    pre->api = DEBUG_DEAD;
    memset(p, DEBUG_DEAD, (size_t)pre->size);
}

void ohmi_debug_free(void *ctx, void *p) {
    struct alloc_debug_ctx *dc = ctx;
    if (!p) return;
    struct debug_prefix *pre = debug_check(dc->heap, dc->domain, p,
                                           dc->domain == OHM_DOMAIN_RAW ? "ohm_raw_free" : "ohm_free");
    debug_kill(pre);
    dc->base.free(dc->base.ctx, pre);
}

void *ohmi_debug_realloc(void *ctx, void *p, size_t n) {
    struct alloc_debug_ctx *dc = ctx;
    if (!p) return ohmi_debug_malloc(ctx, n);
    struct debug_prefix *pre = debug_check(dc->heap, dc->domain, p,
                                           dc->domain == OHM_DOMAIN_RAW ? "ohm_raw_realloc" : "ohm_realloc");
    size_t old = (size_t)pre->size;
    /* Always move, as a fresh serial and a fresh address catch stale pointers. */
    unsigned char *q = ohmi_debug_malloc(ctx, n);
    if (!q) return NULL;
    memcpy(q, p, old < n ? old : n);
    debug_kill(pre);
    dc->base.free(dc->base.ctx, pre);
    return q;
}

/* ------------------------------------------------------------------ objects */

ohm_object *ohmi_debug_object_alloc(ohm_heap *h, size_t n, int gc) {
    unsigned char *base;
    uint32_t bits = 0;
    if (n > SIZE_MAX - DEBUG_EXTRA - 64) { errno = ENOMEM; return NULL; }
    size_t total = n + DEBUG_EXTRA;
    if (total <= OHM_SMALL_MAX && !ohmi_base_of(h)->cfg.use_malloc) {
        base = ohmi_pool_alloc(h, gc ? POOL_GC : POOL_OBJ, (unsigned)SIZE_CLASS(total));
        if (base) ohmi_pool_track_alloc(h, base, total);
    } else {
        base = ohmi_large_alloc(h, total, gc ? LARGE_GC : LARGE_OBJ);
        bits = OHM_F_LARGE;
    }
    if (!base) {
        ohmi_error(h, "out of memory (%zu bytes)", n);
        errno = ENOMEM;
        return NULL;
    }
    ohm_object *o = debug_wrap(h, OHM_DOMAIN_OBJ, base, n);
    o->ohm_rc = 0;
    o->ohm_bits = bits;
    o->ohm_type = NULL;
    return o;
}

void ohmi_debug_object_free(ohm_heap *h, ohm_object *o) {
    struct debug_prefix *pre = debug_check(h, OHM_DOMAIN_OBJ, o, "ohmi_alloc_object_free");
    int large = (o->ohm_bits & OHM_F_LARGE) != 0;
    debug_kill(pre);
    o->ohm_type = NULL;        /* the walks must see a free slot */
    if (large) ohmi_large_free(h, pre);
    else { ohmi_pool_free(h, pre); ohmi_pool_track_free(h, pre); }
}
