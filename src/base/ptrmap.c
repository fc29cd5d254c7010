/*
 * ptrmap.c — a pointer-keyed hash map for side tables (the weakref
 * table, ohm_gc_explain's bookkeeping). Memory from the C library, never from the
 * scanned heap.
 *
 * Open addressing with linear probing; deletion shifts the following entries back
 * (no tombstones), so a lookup stops at the first empty slot. Load stays <= 1/2.
 * Key 0 marks an empty slot (no object lives at address 0).
 */
#include "base.h"

#include <stdlib.h>

static inline size_t ptrmap_slot(uintptr_t k, size_t cap) {
    return (size_t)(ohmi_hash_ptr(k) >> 32) & (cap - 1);
}

uintptr_t *ohmi_ptrmap_find(const ohmi_ptrmap *m, const void *key) {
    if (!m->len) return NULL;
    uintptr_t k = (uintptr_t)key;
    for (size_t i = ptrmap_slot(k, m->cap);; i = (i + 1) & (m->cap - 1)) {
        if (m->keys[i] == k) return &m->vals[i];
        if (!m->keys[i]) return NULL;
    }
}

static int ptrmap_resize(ohmi_ptrmap *m, size_t cap) {
    uintptr_t *keys = calloc(cap, sizeof *keys);
    uintptr_t *vals = malloc(cap * sizeof *vals);
    if (!keys || !vals) { free(keys); free(vals); return -1; }
    for (size_t j = 0; j < m->cap; j++) {
        uintptr_t k = m->keys[j];
        if (!k) continue;
        size_t i = ptrmap_slot(k, cap);
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

int ohmi_ptrmap_put(ohmi_ptrmap *m, const void *key, uintptr_t val) {
    uintptr_t *slot = ohmi_ptrmap_find(m, key);
    if (slot) { *slot = val; return 0; }
    if ((m->len + 1) * 2 > m->cap && ptrmap_resize(m, m->cap ? m->cap * 2 : 16) < 0) return -1;
    uintptr_t k = (uintptr_t)key;
    size_t i = ptrmap_slot(k, m->cap);
    while (m->keys[i]) i = (i + 1) & (m->cap - 1);
    m->keys[i] = k;
    m->vals[i] = val;
    m->len++;
    return 0;
}

int ohmi_ptrmap_del(ohmi_ptrmap *m, const void *key) {
    uintptr_t *slot = ohmi_ptrmap_find(m, key);
    if (!slot) return -1;
    size_t mask = m->cap - 1, i = (size_t)(slot - m->vals);
    /* shift back every entry of the run after i that may move to i */
    for (size_t j = (i + 1) & mask; m->keys[j]; j = (j + 1) & mask) {
        size_t home = ptrmap_slot(m->keys[j], m->cap);
        /* j's entry may fill the hole at i when i lies cyclically in [home, j) */
        if (((j - home) & mask) >= ((j - i) & mask)) {
            m->keys[i] = m->keys[j];
            m->vals[i] = m->vals[j];
            i = j;
        }
    }
    m->keys[i] = 0;
    m->len--;
    if (m->len == 0 && m->cap > 1024) ohmi_ptrmap_free(m);   /* a burst's table goes back */
    return 0;
}

void ohmi_ptrmap_free(ohmi_ptrmap *m) {
    free(m->keys);
    free(m->vals);
    m->keys = m->vals = NULL;
    m->cap = m->len = 0;
}
