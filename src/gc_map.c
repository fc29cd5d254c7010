/*
 * gc_map.c — a pointer-keyed hash map for the collector's side tables (the weakref
 * table, ohm_gc_explain's bookkeeping). Memory from the C library, never from the
 * scanned heap.
 *
 * Open addressing with linear probing; deletion shifts the following entries back
 * (no tombstones), so a lookup stops at the first empty slot. Load stays <= 1/2.
 * Key 0 marks an empty slot (no object lives at address 0).
 */
#include "internal.h"

#include <stdlib.h>

static inline size_t gc_map_hash(uintptr_t k, size_t cap) {
    uint64_t x = (uint64_t)k >> 4;          /* objects are 16-byte aligned */
    x *= 0x9E3779B97F4A7C15ull;
    return (size_t)(x >> 32) & (cap - 1);
}

uintptr_t *gc_map_find(const gc_map *m, const void *key) {
    if (!m->len) return NULL;
    uintptr_t k = (uintptr_t)key;
    for (size_t i = gc_map_hash(k, m->cap);; i = (i + 1) & (m->cap - 1)) {
        if (m->keys[i] == k) return &m->vals[i];
        if (!m->keys[i]) return NULL;
    }
}

static int gc_map_resize(gc_map *m, size_t cap) {
    uintptr_t *keys = calloc(cap, sizeof *keys);
    uintptr_t *vals = malloc(cap * sizeof *vals);
    if (!keys || !vals) { free(keys); free(vals); return -1; }
    for (size_t j = 0; j < m->cap; j++) {
        uintptr_t k = m->keys[j];
        if (!k) continue;
        size_t i = gc_map_hash(k, cap);
        while (keys[i]) i = (i + 1) & (cap - 1);
        keys[i] = k;
        vals[i] = m->vals[j];
    }
    free(m->keys);
    free(m->vals);
    m->keys = keys;
    m->vals = vals;
    m->cap = cap;
    return 0;
}

int gc_map_put(gc_map *m, const void *key, uintptr_t val) {
    uintptr_t *slot = gc_map_find(m, key);
    if (slot) { *slot = val; return 0; }
    if ((m->len + 1) * 2 > m->cap && gc_map_resize(m, m->cap ? m->cap * 2 : 16) < 0) return -1;
    uintptr_t k = (uintptr_t)key;
    size_t i = gc_map_hash(k, m->cap);
    while (m->keys[i]) i = (i + 1) & (m->cap - 1);
    m->keys[i] = k;
    m->vals[i] = val;
    m->len++;
    return 0;
}

int gc_map_del(gc_map *m, const void *key) {
    uintptr_t *slot = gc_map_find(m, key);
    if (!slot) return -1;
    size_t mask = m->cap - 1, i = (size_t)(slot - m->vals);
    /* shift back every entry of the run after i that may move to i */
    for (size_t j = (i + 1) & mask; m->keys[j]; j = (j + 1) & mask) {
        size_t home = gc_map_hash(m->keys[j], m->cap);
        /* j's entry may fill the hole at i when i lies cyclically in [home, j) */
        if (((j - home) & mask) >= ((j - i) & mask)) {
            m->keys[i] = m->keys[j];
            m->vals[i] = m->vals[j];
            i = j;
        }
    }
    m->keys[i] = 0;
    m->len--;
    if (m->len == 0 && m->cap > 1024) gc_map_free(m);   /* a burst's table goes back */
    return 0;
}

void gc_map_free(gc_map *m) {
    free(m->keys);
    free(m->vals);
    m->keys = m->vals = NULL;
    m->cap = m->len = 0;
}
