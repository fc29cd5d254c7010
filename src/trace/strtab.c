/*
 * trace_strtab.c — the tracer's memory: a bump arena of C-library chunks, and strings
 * interned by content in it.
 *
 * Everything tracing keeps besides its hash tables (tracebacks, symbolized frames,
 * names) is carved from the arena and released all at once (ohm_trace_clear/stop, or
 * ohm_snapshot_free), so nothing here is freed piecemeal and nothing ever comes from
 * the traced heap. Interning: an open-addressing index of ids (id + 1, 0 = empty),
 * FNV-1a hash of the bytes, linear probing, at most half full. Interned strings never
 * move, so callers keep plain `const char *` and compare interned strings by address.
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
        c = malloc(size);
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

static int strtab_grow(struct trace_strtab *t) {
    if (t->len == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 64;
        char **s = realloc(t->strs, cap * sizeof *s);
        if (!s) return -1;
        t->mem += (cap - t->cap) * sizeof *s;
        t->strs = s;
        t->cap = cap;
    }
    if ((t->len + 1) * 2 > t->index_cap) {
        size_t cap = t->index_cap ? t->index_cap * 2 : 128;
        uint32_t *ix = calloc(cap, sizeof *ix);
        if (!ix) return -1;
        for (size_t i = 0; i < t->len; i++) {
            size_t j = ohmi_hash_bytes(t->strs[i], strlen(t->strs[i]), OHMI_FNV_BASIS) & (cap - 1);
            while (ix[j]) j = (j + 1) & (cap - 1);
            ix[j] = (uint32_t)i + 1;
        }
        free(t->index);
        t->mem += (cap - t->index_cap) * sizeof *ix;
        t->index = ix;
        t->index_cap = cap;
    }
    return 0;
}

const char *ohmi_strtab_intern_len(struct trace_strtab *t, const char *s, size_t len) {
    uint64_t hv = ohmi_hash_bytes(s, len, OHMI_FNV_BASIS);
    if (t->index_cap) {
        for (size_t j = hv & (t->index_cap - 1); t->index[j]; j = (j + 1) & (t->index_cap - 1)) {
            const char *c = t->strs[t->index[j] - 1];
            if (!strncmp(c, s, len) && c[len] == '\0') return c;
        }
    }
    if (t->len >= UINT32_MAX - 1 || strtab_grow(t) < 0) return NULL;
    char *c = ohmi_strtab_alloc(t, len + 1);
    if (!c) return NULL;
    memcpy(c, s, len);
    c[len] = '\0';
    size_t j = hv & (t->index_cap - 1);
    while (t->index[j]) j = (j + 1) & (t->index_cap - 1);
    t->index[j] = (uint32_t)t->len + 1;
    t->strs[t->len++] = c;
    return c;
}

const char *ohmi_strtab_intern(struct trace_strtab *t, const char *s) {
    return ohmi_strtab_intern_len(t, s, strlen(s));
}

uint32_t ohmi_strtab_id(const struct trace_strtab *t, const char *s) {
    if (!t->index_cap || !s) return UINT32_MAX;
    uint64_t hv = ohmi_hash_bytes(s, strlen(s), OHMI_FNV_BASIS);
    for (size_t j = hv & (t->index_cap - 1); t->index[j]; j = (j + 1) & (t->index_cap - 1))
        if (t->strs[t->index[j] - 1] == s) return t->index[j] - 1;
    return UINT32_MAX;
}

void ohmi_strtab_free(struct trace_strtab *t) {
    struct trace_chunk *c = t->chunks;
    while (c) { struct trace_chunk *n = c->next; free(c); c = n; }
    free(t->strs);
    free(t->index);
    memset(t, 0, sizeof *t);
}
