/*
 * debug.c — the debug hooks (OHM_MALLOC=debug, cfg.debug), as CPython's
 * PYTHONMALLOC=debug: each domain's allocator is wrapped so every block carries
 *
 *   base: [serial 8][size 8][heap 8][api 1][0xFD x 7] p: [data: n bytes][0xFD x 8]
 *
 * New data is filled with 0xCD, freed data with 0xDD, the guards with 0xFD. The api
 * byte is CPython's domain letter while the block lives: 'r' RAW, 'm' MEM, 'o' OBJ;
 * its capital ('R', 'M', 'O') once freed but held back (below), with the serial still
 * intact; 0xDD once the memory went back to the base allocator, whose free list may
 * then overwrite the first word (the serial) of a block, or the header (rc, bits,
 * type) of an object, so nothing checked lives there. The heap
 * sits at p - 16 for ohmi_alloc_heap_of.
 *
 * Held back (write after free, double free). A freed MEM or OBJ domain block does not
 * go back to its pool or the C library at once: it waits in a ring of the heap's last
 * ALLOC_DEBUG_QUARANTINE freed blocks (alloc_state.debug_quar), still a block of the heap,
 * with its serial and size. A second free of it is then a double free with the right
 * serial (a large block too: it is still in the heap's map); when it leaves the ring,
 * and at ohm_heap_destroy, its data must still be all 0xDD and its guards intact, else
 * "write after free" with the offset. Objects have their own ring in the object layer
 * (object.c): ohmi_debug_object_kill checks an object's guards when it dies, naming
 * its type, and fills its body past the header with 0xDD; ohmi_debug_object_free
 * checks that fill when the ring lets it go. RAW blocks are freed at once (the RAW
 * domain is thread-safe and the ring is not).
 *
 * At ohm_heap_destroy (ohmi_debug_check_all, before any layer's fini): every block of
 * the heap carrying a live debug prefix has its guards checked, every held-back block
 * its fill; each damage is printed with the usual report (the type for objects, the
 * allocation site when traced), then the process aborts: an overrun never freed would
 * otherwise go unseen, and the heap's memory is about to be unmapped.
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
#define DEBUG_HELD(api) ((api) == 'R' || (api) == 'M' || (api) == 'O')

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

/* The report of a damaged or misused block; tname: its object type's name, or NULL. */
static void debug_report(ohm_heap *h, const char *func, const char *what,
                         const unsigned char *p, int dump, const char *detail, const char *tname) {
    fflush(stdout);
    fprintf(stderr, "ohm: fatal error: %s: %s\n", func, what);
    const unsigned char *base = p - DEBUG_PREFIX;
    if (dump) {
        const struct debug_prefix *pre = (const void *)base;
        size_t n = (size_t)pre->size;
        if (pre->api == DEBUG_DEAD)
            fprintf(stderr, "Debug memory block at address p=%p: API unknown (freed, its "
                    "memory given back)\n", (const void *)p);
        else if (DEBUG_HELD(pre->api))
            fprintf(stderr, "Debug memory block at address p=%p: API '%c', freed\n",
                    (const void *)p, pre->api + ('a' - 'A'));
        else
            fprintf(stderr, "Debug memory block at address p=%p: API '%c'\n", (const void *)p,
                    pre->api >= 32 && pre->api < 127 ? pre->api : '?');
        fprintf(stderr, "    %zu bytes originally requested\n", n);
        if (tname) fprintf(stderr, "    an object of type '%s'\n", tname);
        if (detail) fprintf(stderr, "%s", detail);
        if (pre->api != DEBUG_DEAD)
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
}

OHM_NORETURN static void debug_fatal_t(ohm_heap *h, const char *func, const char *what,
                                       const unsigned char *p, int dump, const char *detail,
                                       const char *tname) {
    debug_report(h, func, what, p, dump, detail, tname);
    abort();
}

OHM_NORETURN static void debug_fatal(ohm_heap *h, const char *func, const char *what,
                                     const unsigned char *p, int dump, const char *detail) {
    debug_fatal_t(h, func, what, p, dump, detail, NULL);
}

/* The damage of a block's guards, or for a held-back block (dead) of its 0xDD fill
 * from byte skip on (an object's header is rewritten by the object layer): the
 * report's headline, NULL when sound, with the detail written to detail. */
static const char *debug_damage(const struct debug_prefix *pre, int dead, size_t skip,
                                char *detail, size_t cap) {
    const unsigned char *p = (const unsigned char *)(pre + 1), *tail = p + pre->size;
    const char *what = dead ? "write after free (a freed block was written to)" : NULL;
    for (int i = 0; i < 7; i++)
        if (pre->pad[i] != DEBUG_FORBIDDEN) {
            snprintf(detail, cap, "    The 7 pad bytes at p-7 are not all FORBIDDENBYTE (0xfd):\n"
                     "        at p-%d: 0x%02x *** OUCH\n", 7 - i, pre->pad[i]);
            return what ? what : "buffer underrun (bytes before the block were overwritten)";
        }
    for (int i = 0; i < DEBUG_TAIL; i++)
        if (tail[i] != DEBUG_FORBIDDEN) {
            snprintf(detail, cap, "    The 8 pad bytes at tail=%p are not all FORBIDDENBYTE (0xfd):\n"
                     "        at tail+%d: 0x%02x *** OUCH\n", (const void *)tail, i, tail[i]);
            return what ? what : "buffer overrun (bytes after the block were overwritten)";
        }
    if (dead)
        for (size_t i = skip; i < pre->size; i++)
            if (p[i] != DEBUG_DEAD) {
                snprintf(detail, cap, "    The data is not all DEADBYTE (0xdd) since the free:\n"
                         "        at p+%zu: 0x%02x *** OUCH\n", i, p[i]);
                return what;
            }
    return NULL;
}

/* The checks of free and realloc; returns the prefix of a sound block. */
static struct debug_prefix *debug_check_t(ohm_heap *h, ohm_domain d, void *vp, const char *func,
                                          const char *tname) {
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
            debug_fatal_t(h, func, "buffer underrun (bytes before the block were "
                          "overwritten)", p, 1, detail, tname);
        }
    }
    if (DEBUG_HELD(pre->api)) {
        debug_fatal(h, func, "double free (the block was already freed)", p, 1,
                    "    The data is filled with DEADBYTE (0xdd): freed.\n");
    }
    if (pre->api == DEBUG_DEAD) {
        debug_fatal(h, func, "double free (the block was already freed)", p, 1,
                    "    Freed long ago: its memory went back to the allocator, its serial is lost.\n");
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
            debug_fatal_t(h, func, "buffer overrun (bytes after the block were "
                          "overwritten)", p, 1, detail, tname);
        }
    }
    return pre;
}

static struct debug_prefix *debug_check(ohm_heap *h, ohm_domain d, void *vp, const char *func) {
    return debug_check_t(h, d, vp, func, NULL);
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

/* Freed: the api letter's capital, the data (from skip on) 0xDD. */
static void debug_kill(struct debug_prefix *pre, size_t skip) {
    unsigned char *p = (unsigned char *)(pre + 1);
    pre->api = (unsigned char)(pre->api - ('a' - 'A'));
    memset(p + skip, DEBUG_DEAD, (size_t)pre->size - skip);
}

/* A held-back block leaves the ring: its fill checked, then its memory goes back. */
static void debug_release(ohm_heap *h, struct debug_prefix *pre, const char *func) {
    char detail[512];
    const char *what = debug_damage(pre, 1, 0, detail, sizeof detail);
    if (what) debug_fatal(h, func, what, (unsigned char *)(pre + 1), 1, detail);
    ohm_domain d = pre->api == 'O' ? OHM_DOMAIN_OBJ : OHM_DOMAIN_MEM;
    pre->api = DEBUG_DEAD;   /* the serial may be overwritten from now on */
    const ohm_allocator *base = &ohmi_alloc_of(h)->debug[d].base;
    base->free(base->ctx, pre);
}

/* A freed MEM/OBJ block enters the ring, pushing out its oldest (see the opening). */
static void debug_hold(ohm_heap *h, struct debug_prefix *pre, const char *func) {
    struct alloc_state *a = ohmi_alloc_of(h);
    if (!a->debug_quar && !(a->debug_quar = calloc(ALLOC_DEBUG_QUARANTINE, sizeof *a->debug_quar))) {
        debug_release(h, pre, func);   /* no ring: the block is checked and goes at once */
        return;
    }
    void **slot = &a->debug_quar[a->debug_quar_next];
    if (*slot) debug_release(h, *slot, func);
    *slot = pre;
    a->debug_quar_next = (a->debug_quar_next + 1) % ALLOC_DEBUG_QUARANTINE;
}

size_t ohmi_debug_held(ohm_heap *h, size_t *bytes) {
    const struct alloc_state *a = ohmi_alloc_of(h);
    size_t n = 0;
    *bytes = 0;
    for (size_t i = 0; a->debug_quar && i < ALLOC_DEBUG_QUARANTINE; i++) {
        const struct debug_prefix *pre = a->debug_quar[i];
        if (pre) n++, *bytes += (size_t)pre->size;
    }
    return n;
}

static void debug_dispose(struct alloc_debug_ctx *dc, struct debug_prefix *pre, const char *func) {
    debug_kill(pre, 0);
    if (dc->domain == OHM_DOMAIN_RAW) {
        pre->api = DEBUG_DEAD;
        dc->base.free(dc->base.ctx, pre);
    } else {
        debug_hold(dc->heap, pre, func);
    }
}

void ohmi_debug_free(void *ctx, void *p) {
    struct alloc_debug_ctx *dc = ctx;
    if (!p) return;
    const char *func = dc->domain == OHM_DOMAIN_RAW ? "ohm_raw_free" : "ohm_free";
    debug_dispose(dc, debug_check(dc->heap, dc->domain, p, func), func);
}

void *ohmi_debug_realloc(void *ctx, void *p, size_t n) {
    struct alloc_debug_ctx *dc = ctx;
    if (!p) return ohmi_debug_malloc(ctx, n);
    const char *func = dc->domain == OHM_DOMAIN_RAW ? "ohm_raw_realloc" : "ohm_realloc";
    struct debug_prefix *pre = debug_check(dc->heap, dc->domain, p, func);
    size_t old = (size_t)pre->size;
    /* Always move, as a fresh serial and a fresh address catch stale pointers. */
    unsigned char *q = ohmi_debug_malloc(ctx, n);
    if (!q) return NULL;
    memcpy(q, p, old < n ? old : n);
    debug_dispose(dc, pre, func);
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

void ohmi_debug_object_kill(ohm_heap *h, ohm_object *o, const char *type_name) {
    struct debug_prefix *pre = debug_check_t(h, OHM_DOMAIN_OBJ, o, "object release", type_name);
    debug_kill(pre, sizeof(ohm_object));   /* the header is the object layer's */
}

void ohmi_debug_object_free(ohm_heap *h, ohm_object *o) {
    struct debug_prefix *pre = (struct debug_prefix *)((unsigned char *)o - DEBUG_PREFIX);
    int large = (o->ohm_bits & OHM_F_LARGE) != 0;   /* before the fill covers the header */
    if (pre->api == 'O') {     /* killed at its death, held by the object layer since */
        char detail[512];
        const char *what = debug_damage(pre, 1, sizeof(ohm_object), detail, sizeof detail);
        if (what)
            debug_fatal(h, ohmi_base_of(h)->destroying ? "ohm_heap_destroy" : "object quarantine",
                        what, (unsigned char *)o, 1, detail);
    } else {
        pre = debug_check(h, OHM_DOMAIN_OBJ, o, "ohmi_alloc_object_free");
        debug_kill(pre, 0);
    }
    pre->api = DEBUG_DEAD;     /* a pool slot now reads as free (ohmi_pool_free writes its
                                  header), a large block leaves the heap's map */
    if (large) ohmi_large_free(h, pre);
    else { ohmi_pool_free(h, pre); ohmi_pool_track_free(h, pre); }
}

/* ------------------------------------------------------- the destroy check */

/* A copy of the prefix at base, which may be a free pool block: memcheck sees those
 * as inaccessible, so its reports are off for the read (ASan: the caller unpoisoned
 * the block). */
static void debug_read_prefix(ohm_heap *h, const unsigned char *base, struct debug_prefix *out) {
    (void)h;
#ifdef OHM_HAVE_VALGRIND
    if (ohmi_alloc_of(h)->valgrind) {
        VALGRIND_DISABLE_ERROR_REPORTING;
        memcpy(out, base, sizeof *out);
        VALGRIND_ENABLE_ERROR_REPORTING;
        return;
    }
#endif
    memcpy(out, base, sizeof *out);
}

/* One block of h at base (pool kind or large kind in objkind: nonzero for objects):
 * a live debug block's guards, a held-back one's fill; 1 when damaged (reported).
 * Only a block whose prefix says live or held is read further: a free one is not
 * (its prefix reads DEAD, or is no prefix at all). */
static int debug_check_block(ohm_heap *h, unsigned char *base, int objkind) {
    struct debug_prefix *pre = (struct debug_prefix *)base, copy;
    char detail[512];
    debug_read_prefix(h, base, &copy);
    if (copy.heap != h) return 0;        /* not a debug block, or given back long ago */
    for (int i = 1; i < 7; i++) if (copy.pad[i] != DEBUG_FORBIDDEN) return 0;
    int held = DEBUG_HELD(copy.api);
    if (!held && copy.api != 'r' && copy.api != 'm' && copy.api != 'o') return 0;
    size_t skip = objkind && pre->api == 'O' ? sizeof(ohm_object) : 0;
    const char *what = debug_damage(pre, held, skip, detail, sizeof detail);
    if (!what) return 0;
    const ohm_object *o = (const ohm_object *)(pre + 1);
    const char *tname = objkind && !held && ohmi_alloc_live(o) ? o->ohm_type->name : NULL;
    debug_report(h, "ohm_heap_destroy", what, (unsigned char *)(pre + 1), 1, detail,
                 tname ? tname : NULL);
    return 1;
}

void ohmi_debug_check_all(ohm_heap *h) {
    struct alloc_state *a = ohmi_alloc_of(h);
    size_t bad = 0;
    struct pool_iter it = pool_iter_start(h);
    for (struct alloc_pool *pl; (pl = pool_iter_next(&it)) != NULL;) {
        size_t size = CLASS_SIZE(pl->cls);
        char *mem = pool_mem(pl);
        if (size < DEBUG_EXTRA) continue;
        for (size_t off = pool_first(pl); off + size <= pl->bump; off += size) {
            if (!ohmi_pool_is_block_start(h, mem + off)) continue;   /* a released page */
            ASAN_UNPOISON(mem + off, size);
            bad += (size_t)debug_check_block(h, (unsigned char *)mem + off, pool_kind(pl) != POOL_PLAIN);
        }
    }
    for (size_t i = 0; i < a->large.cap; i++) {
        const ohmi_ptrmap_ent *e = &a->large.ents[i];
        if (e->key) bad += (size_t)debug_check_block(h, (unsigned char *)e->key, (e->val & 3) != LARGE_PLAIN);
    }
    if (bad) {
        fprintf(stderr, "ohm: fatal error: ohm_heap_destroy: %zu damaged debug block%s\n", bad,
                bad == 1 ? "" : "s");
        fflush(stderr);
        abort();
    }
}
