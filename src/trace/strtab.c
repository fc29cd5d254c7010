/*
 * strtab.c — the tracer's memory: a bump arena of C-library chunks, and strings
 * interned by content in it.
 *
 * Everything tracing keeps besides its hash tables (tracebacks, symbolized frames,
 * names) is carved from the arena and released all at once (ohm_trace_clear/stop, or
 * ohm_snapshot_free), so nothing here is freed piecemeal and nothing ever comes from
 * the traced heap. Interning: an index of ids (base's ohmi_index; words id + 1) by the
 * FNV-1a hash of the bytes. Interned strings never move, so callers keep plain
 * `const char *` and compare interned strings by address.
 */
#include "trace/trace_impl.h"

#include <stdlib.h>

#define CHUNK_MIN 16384

void *ohmi_strtab_alloc(struct trace_strtab *t, size_t n) {
    n = (n + 15) & ~(size_t)15;
    struct trace_chunk *c = t->chunks;
    size_t hdr = (sizeof *c + 15) & ~(size_t)15;
    if (!c || c->size - c->used < n) {
        size_t size = n + hdr > CHUNK_MIN ? n + hdr : CHUNK_MIN;
        c = ohmi_sys_malloc(t->heap, size);
        if (!c) return NULL;
        c->next = t->chunks;
        c->size = size;
        c->used = hdr;
        t->chunks = c;
        t->mem += size;
    }
    void *p = (char *)c + c->used;
    c->used += n;
    return p;
}

static uint64_t strtab_hash(const void *t, uintptr_t w) {
    const char *s = ((const struct trace_strtab *)t)->strs[w - 1];
    return ohmi_hash_bytes(s, strlen(s), OHMI_FNV_BASIS);
}

struct strtab_key { const char *s; size_t len; };
static int strtab_eq(const void *t, const void *key, uintptr_t w) {
    const struct strtab_key *k = key;
    const char *c = ((const struct trace_strtab *)t)->strs[w - 1];
    return !strncmp(c, k->s, k->len) && c[k->len] == '\0';
}

static int strtab_is(const void *t, const void *s, uintptr_t w) {
    return ((const struct trace_strtab *)t)->strs[w - 1] == s;
}

static int strtab_grow(struct trace_strtab *t) {
    if (t->len == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 64;
        char **s = ohmi_sys_realloc(t->heap, t->strs, cap * sizeof *s);
        if (!s) return -1;
        t->mem += (cap - t->cap) * sizeof *s;
        t->strs = s;
        t->cap = cap;
    }
    size_t slots = t->index.cap;
    if (ohmi_index_reserve(t->heap, &t->index, 1, strtab_hash, t) < 0) return -1;
    t->mem += (t->index.cap - slots) * sizeof(uint32_t);
    return 0;
}

const char *ohmi_strtab_intern_len(struct trace_strtab *t, const char *s, size_t len) {
    uint64_t hv = ohmi_hash_bytes(s, len, OHMI_FNV_BASIS);
    struct strtab_key k = { s, len };
    uintptr_t w = ohmi_index_find(&t->index, hv, strtab_eq, t, &k);
    if (w) return t->strs[w - 1];
    if (t->len >= UINT32_MAX - 1 || strtab_grow(t) < 0) return NULL;
    char *c = ohmi_strtab_alloc(t, len + 1);
    if (!c) return NULL;
    memcpy(c, s, len);
    c[len] = '\0';
    ohmi_index_add(&t->index, hv, t->len + 1);
    t->strs[t->len++] = c;
    return c;
}

const char *ohmi_strtab_intern(struct trace_strtab *t, const char *s) {
    return ohmi_strtab_intern_len(t, s, strlen(s));
}

uint32_t ohmi_strtab_id(const struct trace_strtab *t, const char *s) {
    if (!t->index.len || !s) return UINT32_MAX;
    uint64_t hv = ohmi_hash_bytes(s, strlen(s), OHMI_FNV_BASIS);
    uintptr_t w = ohmi_index_find(&t->index, hv, strtab_is, t, s);
    return w ? (uint32_t)(w - 1) : UINT32_MAX;
}

void ohmi_strtab_free(struct trace_strtab *t) {
    struct trace_chunk *c = t->chunks;
    while (c) { struct trace_chunk *n = c->next; free(c); c = n; }
    free(t->strs);
    ohmi_index_free(&t->index);
    ohm_heap *owner = t->heap;
    memset(t, 0, sizeof *t);
    t->heap = owner;
}
