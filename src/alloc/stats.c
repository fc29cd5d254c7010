/*
 * stats.c — the allocator's numbers: ohm_heap_stats_get for programs, and
 * ohmi_alloc_print_stats, which prints them in the layout of CPython's
 * sys._debugmallocstats() for ohm_debug_mallocstats (api/heap.c; the free lists follow).
 *
 * Accounting, per arena of ARENA_SIZE bytes (it adds up to the total exactly):
 *   pool headers  = the arena header with its 64 pool headers (ARENA_HDR)
 *   used pools    = blocks in use + available blocks + quantization (the pool's tail
 *                   that no block fits in)
 *   unused pools  = free pools (pool 0 without the header)
 *   alignment     = 0: arenas are mapped aligned and trimmed
 */
#include "alloc/alloc_impl.h"

void ohm_heap_stats_get(ohm_heap *h, ohm_heap_stats *st) {
    struct alloc_state *a = ohmi_alloc_of(h);
    memset(st, 0, sizeof *st);
    for (int c = 0; c < OHM_NB_CLASSES; c++) st->classes[c].size = CLASS_SIZE(c);
    for (struct alloc_arena *ar = a->arenas; ar; ar = ar->next) {
        st->bytes_pool_headers += ARENA_HDR;
        for (unsigned i = 0; i < ARENA_POOLS; i++) {
            struct alloc_pool *pl = &ar->pools[i];
            size_t first = i ? 0 : ARENA_HDR;
            if (pool_kind(pl) == POOL_FREE) { st->bytes_unused_pools += POOL_SIZE - first; continue; }
            size_t size = CLASS_SIZE(pl->cls), cap = pool_capacity(pl), used = pool_used(pl);
            ohm_class_stats *cs = &st->classes[pl->cls];
            cs->pools++;
            cs->blocks_in_use += used;
            cs->blocks_available += cap - used;
            st->bytes_in_blocks += used * size;
            st->bytes_available += (cap - used) * size;
            st->bytes_quantization += POOL_SIZE - first - cap * size;
        }
    }
    st->arenas_allocated = a->arenas_allocated;
    st->arenas_reclaimed = a->arenas_reclaimed;
    st->arenas_highwater = a->arenas_highwater;
    st->arenas_current = a->narenas;
    st->bytes_arena_alignment = 0;
    st->bytes_total = a->narenas * ARENA_SIZE;
    st->pages_released = a->pages_released;
    st->large_blocks = a->large.len;
    st->large_bytes = a->large_bytes;
}

/* "1234567" -> "1,234,567" */
static const char *stats_commas(char *buf, size_t len, size_t v) {
    char tmp[32];
    int n = snprintf(tmp, sizeof tmp, "%zu", v), j = 0;
    for (int i = 0; i < n && (size_t)j + 2 < len; i++) {
        if (i && (n - i) % 3 == 0) buf[j++] = ',';
        buf[j++] = tmp[i];
    }
    buf[j] = '\0';
    return buf;
}

static void stats_line(FILE *out, const char *label, size_t v) {
    char buf[40];
    fprintf(out, "%-35s= %20s\n", label, stats_commas(buf, sizeof buf, v));
}

void ohmi_alloc_print_stats(ohm_heap *h, FILE *out) {
    ohm_heap_stats st;
    char label[80];
    ohm_heap_stats_get(h, &st);
    fprintf(out, "Small block threshold = %d, in %d size classes.\n\n", OHM_SMALL_MAX, OHM_NB_CLASSES);
    fprintf(out, "class   size   num pools   blocks in use  avail blocks\n");
    fprintf(out, "-----   ----   ---------   -------------  ------------\n");
    for (int c = 0; c < OHM_NB_CLASSES; c++) {
        const ohm_class_stats *cs = &st.classes[c];
        if (!cs->pools) continue;
        fprintf(out, "%5d %6zu %11zu %15zu %13zu\n", c, cs->size, cs->pools,
                cs->blocks_in_use, cs->blocks_available);
    }
    fputc('\n', out);
    stats_line(out, "# arenas allocated total", st.arenas_allocated);
    stats_line(out, "# arenas reclaimed", st.arenas_reclaimed);
    stats_line(out, "# arenas highwater mark", st.arenas_highwater);
    stats_line(out, "# arenas allocated current", st.arenas_current);
    snprintf(label, sizeof label, "%zu arenas * %zu bytes/arena", st.arenas_current, ARENA_SIZE);
    stats_line(out, label, st.bytes_total);
    fputc('\n', out);
    stats_line(out, "# bytes in allocated blocks", st.bytes_in_blocks);
    stats_line(out, "# bytes in available blocks", st.bytes_available);
    snprintf(label, sizeof label, "%zu unused pools * %zu bytes", st.bytes_unused_pools / POOL_SIZE,
             POOL_SIZE);
    stats_line(out, label, st.bytes_unused_pools);
    stats_line(out, "# bytes lost to pool headers", st.bytes_pool_headers);
    stats_line(out, "# bytes lost to quantization", st.bytes_quantization);
    stats_line(out, "# bytes lost to arena alignment", st.bytes_arena_alignment);
    stats_line(out, "Total", st.bytes_in_blocks + st.bytes_available + st.bytes_unused_pools +
               st.bytes_pool_headers + st.bytes_quantization + st.bytes_arena_alignment);
    fputc('\n', out);
    stats_line(out, "# pages released (madvise)", st.pages_released);
    stats_line(out, "# large blocks (> 512 bytes)", st.large_blocks);
    stats_line(out, "# bytes in large blocks", st.large_bytes);
    size_t held_bytes, held = ohmi_debug_held(h, &held_bytes);
    if (held) {   /* not a leak: freed, kept aside to catch writes after free */
        stats_line(out, "# debug: freed blocks held back", held);
        stats_line(out, "# debug: their bytes (allocated)", held_bytes);
    }
    fputc('\n', out);
}
