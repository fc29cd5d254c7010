/*
 * fuzz_timeline_load.c — libFuzzer target for the timeline loader (api/timeline_io.c,
 * docs/timeline-format.md).
 *
 * Each input is parsed twice by ohmi_timeline_parse: as it is, and with every chunk's
 * checksum rewritten to what the bytes before it give (the chunks found by their
 * lengths from offset 32, as far as they fit), so that mutations get past the
 * checksums and reach the record checks and everything after a successful load. A
 * rejected input must leave "offset N: ..." in err.
 *
 * A loaded timeline must keep what api/timeline.h promises: each array in time order
 * and nothing after end_ns; traced figures only with OHMI_TL_TRACING, the peak not
 * below the current; known reasons and flags; collections of generation 0..2 no longer
 * than the time since the start; every label NUL-terminated within
 * OHMI_TL_LABEL_MAX bytes; every scope ended, no deeper than max_depth, and inside the
 * last scope one level up entered before it. Any break is abort() with a message; the
 * sanitizers catch the rest.
 *
 * Built with -DOHM_FUZZ_REPLAY it is a plain program replaying files (fuzz_replay.h).
 */
#include "ohm.h"
#include "base/base.h"
#include "api/timeline.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FAIL(...) do { fprintf(stderr, "fuzz_timeline_load: " __VA_ARGS__); \
                       fputc('\n', stderr); abort(); } while (0)

static void check_label(const char *s) {
    if (!s) FAIL("a NULL label");
    if (strnlen(s, OHMI_TL_LABEL_MAX + 1) > OHMI_TL_LABEL_MAX) FAIL("a label over %d bytes", OHMI_TL_LABEL_MAX);
}

static void check_timeline(const ohmi_timeline *t) {
    if (t->version != OHMI_TL_VERSION) FAIL("version %u loaded", t->version);
    if (t->interval_ms < 1 || t->interval_ms > OHMI_TL_INTERVAL_MAX) FAIL("interval %u loaded", t->interval_ms);
    for (size_t i = 0; i < t->nsamples; i++) {
        const ohmi_timeline_sample *s = &t->samples[i];
        if (i && s->time_ns < s[-1].time_ns) FAIL("sample %zu goes back in time", i);
        if (s->time_ns > t->end_ns) FAIL("sample %zu after the end", i);
        if (s->reason < 0 || s->reason >= OHMI_TL_NREASONS) FAIL("sample %zu: reason %d", i, s->reason);
        if (s->flags & ~(OHMI_TL_TRACING | OHMI_TL_SAMPLED)) FAIL("sample %zu: flags %#x", i, s->flags);
        if (!(s->flags & OHMI_TL_TRACING) && (s->traced_current || s->traced_peak))
            FAIL("sample %zu: traced bytes without tracing", i);
        if (s->traced_peak < s->traced_current) FAIL("sample %zu: peak below current", i);
    }
    for (size_t i = 0; i < t->ncollections; i++) {
        const ohmi_timeline_collection *c = &t->collections[i];
        if (i && c->time_ns < c[-1].time_ns) FAIL("collection %zu goes back in time", i);
        if (c->time_ns > t->end_ns) FAIL("collection %zu after the end", i);
        if (c->generation < 0 || c->generation > 2) FAIL("collection %zu: generation %d", i, c->generation);
        if (c->duration_ns > c->time_ns) FAIL("collection %zu began before the start", i);
    }
    for (size_t i = 0; i < t->nmarks; i++) {
        if (i && t->marks[i].time_ns < t->marks[i - 1].time_ns) FAIL("mark %zu goes back in time", i);
        if (t->marks[i].time_ns > t->end_ns) FAIL("mark %zu after the end", i);
        check_label(t->marks[i].label);
    }
    unsigned deepest = 0;
    for (size_t i = 0; i < t->nscopes; i++) {
        const ohmi_timeline_scope *s = &t->scopes[i];
        check_label(s->name);
        if (i && s->start_ns < s[-1].start_ns) FAIL("scope %zu entered back in time", i);
        if (s->end_ns < s->start_ns || s->end_ns > t->end_ns) FAIL("scope %zu: ends at %llu, entered at %llu",
            i, (unsigned long long)s->end_ns, (unsigned long long)s->start_ns);
        if (s->depth >= t->max_depth) FAIL("scope %zu: depth %u, max_depth %u", i, s->depth, t->max_depth);
        if (s->depth + 1 > deepest) deepest = s->depth + 1;
        if (!s->depth) continue;
        size_t j = i;
        while (j-- > 0 && t->scopes[j].depth != s->depth - 1) {}
        if (j == (size_t)-1) FAIL("scope %zu: depth %u with no parent", i, s->depth);
        if (s->start_ns < t->scopes[j].start_ns || s->end_ns > t->scopes[j].end_ns)
            FAIL("scope %zu is not inside scope %zu", i, j);
    }
    if (deepest != t->max_depth) FAIL("max_depth %u, the deepest scope says %u", t->max_depth, deepest);
}

static void parse_one(const uint8_t *data, size_t size) {
    char err[256];
    err[0] = 'x';
    ohmi_timeline *t = ohmi_timeline_parse(data, size, err, sizeof err);
    if (!t) {
        if (strncmp(err, "offset ", 7) && strcmp(err, "out of memory")) FAIL("rejected without an offset: '%s'", err);
        return;
    }
    if (err[0]) FAIL("loaded, yet err is '%s'", err);
    check_timeline(t);
    ohmi_timeline_free(t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    parse_one(data, size);
    if (size < OHMI_TL_HEADER + 12) return 0;
    uint8_t *c = malloc(size);
    if (!c) return 0;
    memcpy(c, data, size);
    uint64_t sum = OHMI_FNV_BASIS;
    size_t done = 0, pos = OHMI_TL_HEADER;
    while (size - pos >= 12) {
        size_t n = ohmi_le_get32(c + pos);
        if (n > size - pos - 12) break;
        sum = ohmi_tl_checksum(sum, c + done, pos + 4 + n - done);
        done = pos + 4 + n;
        ohmi_le_put64(c + done, sum);
        pos = done + 8;
    }
    if (memcmp(c, data, size)) parse_one(c, size);
    free(c);
    return 0;
}

#include "fuzz_replay.h"
