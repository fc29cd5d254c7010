/*
 * tags.c — block tags: a 32-bit word per 16-byte granule of the heap's arenas, kept
 * for the observer (alloc.h, "block tags"). The tracer keeps each traced pool block's
 * trace in its tag, so tracing a pool block costs one store and one load, with no
 * hashing and no probing; the allocator's direct paths even tag and untag blocks
 * themselves for call sites the tracer cached (alloc_impl.h, the inline tagger).
 *
 * Layout: leaves of 2^16 words, one per arena that ever had a tagged block (256 KiB
 * of address space each, pages touched only where written), hang off a two-level
 * directory by address bits 34..46 and 20..33, all reserved lazily from the OS. A
 * direct-mapped cache of 64 leaves by arena number makes the usual lookup one
 * compare. Tags outlive their arenas: a leaf stays until ohmi_tags_clear, so a
 * block's tag can be read after its arena went back to the OS.
 */
#include "alloc/alloc_impl.h"

#define TAG_MID_BITS 14
#define TAG_TOP_BITS (47 - ALLOC_ARENA_SHIFT - TAG_MID_BITS)
#define TAG_SLOTS ((size_t)1 << (ALLOC_ARENA_SHIFT - 4))
#define TAG_TOP_BYTES (((size_t)1 << TAG_TOP_BITS) * sizeof(uint32_t **))
#define TAG_MID_BYTES (((size_t)1 << TAG_MID_BITS) * sizeof(uint32_t *))
#define TAG_LEAF_BYTES (TAG_SLOTS * sizeof(uint32_t))

static inline size_t tag_index(uintptr_t p) { return (p & (ALLOC_ARENA_SIZE - 1)) >> 4; }

/* p's word, or NULL when its leaf does not exist (the directory walk). */
static uint32_t *tag_walk(const struct alloc_tags *tg, uintptr_t p) {
    if (!tg->top || p >> 47) return NULL;
    uint32_t **mid = tg->top[p >> (ALLOC_ARENA_SHIFT + TAG_MID_BITS)];
    if (!mid) return NULL;
    uint32_t *leaf = mid[(p >> ALLOC_ARENA_SHIFT) & (((size_t)1 << TAG_MID_BITS) - 1)];
    return leaf ? &leaf[tag_index(p)] : NULL;
}

const uint32_t *ohmi_tags_leaf(const struct alloc_tags *tg, uintptr_t p) {
    const uint32_t *s = tag_walk(tg, p);
    return s ? s - tag_index(p) : NULL;
}

uint32_t *ohmi_tag_slot_miss(struct alloc_tags *tg, uintptr_t p) {
    uint32_t *s = tag_walk(tg, p);
    if (s) {
        uintptr_t ar = p >> ALLOC_ARENA_SHIFT;
        tg->cache[ar & 63].arena = ar;
        tg->cache[ar & 63].leaf = s - tag_index(p);
    }
    return s;
}

uint32_t *ohmi_tag_slot_make(struct alloc_tags *tg, uintptr_t p) {
    if (p >> 47) return NULL;
    if (!tg->top && !(tg->top = ohmi_os_reserve(TAG_TOP_BYTES))) return NULL;
    uint32_t ***mid = &tg->top[p >> (ALLOC_ARENA_SHIFT + TAG_MID_BITS)];
    if (!*mid && !(*mid = ohmi_os_reserve(TAG_MID_BYTES))) return NULL;
    uint32_t **leaf = &(*mid)[(p >> ALLOC_ARENA_SHIFT) & (((size_t)1 << TAG_MID_BITS) - 1)];
    if (!*leaf) {
        if (!(*leaf = ohmi_os_reserve(TAG_LEAF_BYTES))) return NULL;
        tg->leaves++;
    }
    return ohmi_tag_slot_miss(tg, p);   /* and into the cache */
}

void ohmi_tags_clear(struct alloc_tags *tg) {
    if (tg->top) {
        for (size_t i = 0; i < (size_t)1 << TAG_TOP_BITS; i++) {
            uint32_t **mid = tg->top[i];
            if (!mid) continue;
            for (size_t j = 0; j < (size_t)1 << TAG_MID_BITS; j++)
                if (mid[j]) ohmi_os_unmap(mid[j], TAG_LEAF_BYTES);
            ohmi_os_unmap(mid, TAG_MID_BYTES);
        }
        ohmi_os_unmap(tg->top, TAG_TOP_BYTES);
    }
    tg->top = NULL;
    tg->leaves = 0;
    for (size_t i = 0; i < 64; i++) {
        tg->cache[i].arena = UINTPTR_MAX;
        tg->cache[i].leaf = NULL;
    }
    tg->untagged_elsewhere = 0;
}

size_t ohmi_tags_memory(const struct alloc_tags *tg) {
    if (!tg->top) return 0;
    size_t mem = ohmi_os_resident(tg->top, TAG_TOP_BYTES);
    for (size_t i = 0; i < (size_t)1 << TAG_TOP_BITS; i++) {
        uint32_t **mid = tg->top[i];
        if (!mid) continue;
        mem += ohmi_os_resident(mid, TAG_MID_BYTES);
        for (size_t j = 0; j < (size_t)1 << TAG_MID_BITS; j++)
            if (mid[j]) mem += ohmi_os_resident(mid[j], TAG_LEAF_BYTES);
    }
    return mem;
}

int ohmi_tags_walk(const struct alloc_tags *tg, ohmi_tag_fn fn, void *arg) {
    int r;
    for (size_t i = 0; tg->top && i < (size_t)1 << TAG_TOP_BITS; i++) {
        uint32_t **mid = tg->top[i];
        if (!mid) continue;
        for (size_t j = 0; j < (size_t)1 << TAG_MID_BITS; j++) {
            const uint32_t *leaf = mid[j];
            if (!leaf) continue;
            uintptr_t base = (uintptr_t)i << (ALLOC_ARENA_SHIFT + TAG_MID_BITS) |
                             (uintptr_t)j << ALLOC_ARENA_SHIFT;
            for (size_t k = 0; k < TAG_SLOTS; k++)
                if (leaf[k] && (r = fn(arg, base + (k << 4), leaf[k])) != 0) return r;
        }
    }
    return 0;
}
