/*
 * timeline_load.c — a timeline recording (docs/timeline-format.md) as the struct
 * plot.c draws: the library's loader (api/timeline.h, ohmi_timeline_load), whose
 * "offset N: reason" errors pass through, then its records converted to seconds.
 */
#include "prof.h"

#include "api/timeline.h"

#include <stdlib.h>
#include <string.h>

struct tl_handle {
    ohmi_timeline *t;
    struct prof_tl_sample *samples;
    struct prof_tl_collection *collections;
    struct prof_tl_mark *marks;
    struct prof_tl_scope *scopes;
};

static double secs(uint64_t ns) { return (double)ns / 1e9; }

void *prof_timeline_load(const char *path, struct prof_timeline *tl, char *err, size_t errlen) {
    ohmi_timeline *t = ohmi_timeline_load(path, err, errlen);
    if (!t) return NULL;
    struct tl_handle *hd = calloc(1, sizeof *hd);
    if (hd) {
        hd->t = t;
        hd->samples = calloc(t->nsamples + 1, sizeof *hd->samples);
        hd->collections = calloc(t->ncollections + 1, sizeof *hd->collections);
        hd->marks = calloc(t->nmarks + 1, sizeof *hd->marks);
        hd->scopes = calloc(t->nscopes + 1, sizeof *hd->scopes);
    }
    if (!hd || !hd->samples || !hd->collections || !hd->marks || !hd->scopes) {
        snprintf(err, errlen, "%s: out of memory", path);
        prof_timeline_free(hd);
        if (!hd) ohmi_timeline_free(t);
        return NULL;
    }
    memset(tl, 0, sizeof *tl);
    for (size_t i = 0; i < t->nsamples; i++) {
        const ohmi_timeline_sample *s = &t->samples[i];
        hd->samples[i] = (struct prof_tl_sample){
            .t = secs(s->time_ns), .traced = s->traced_current, .traced_peak = s->traced_peak,
            .rss = s->rss, .arenas = s->arenas, .pools = s->pools, .objects = s->objects };
        if (s->flags & OHMI_TL_TRACING) tl->tracing = 1;
    }
    for (size_t i = 0; i < t->ncollections; i++) {
        const ohmi_timeline_collection *c = &t->collections[i];
        /* drawn where it began: it ended at time_ns, after duration_ns */
        hd->collections[i] = (struct prof_tl_collection){
            .t = secs(c->time_ns - c->duration_ns), .generation = c->generation,
            .duration = secs(c->duration_ns), .collected = c->collected };
    }
    for (size_t i = 0; i < t->nmarks; i++)
        hd->marks[i] = (struct prof_tl_mark){ secs(t->marks[i].time_ns), t->marks[i].label };
    for (size_t i = 0; i < t->nscopes; i++)
        hd->scopes[i] = (struct prof_tl_scope){ secs(t->scopes[i].start_ns), secs(t->scopes[i].end_ns),
                                                t->scopes[i].name };
    tl->samples = hd->samples;         tl->nsamples = t->nsamples;
    tl->collections = hd->collections; tl->ncollections = t->ncollections;
    tl->marks = hd->marks;             tl->nmarks = t->nmarks;
    tl->scopes = hd->scopes;           tl->nscopes = t->nscopes;
    return hd;
}

void prof_timeline_free(void *handle) {
    struct tl_handle *hd = handle;
    if (!hd) return;
    ohmi_timeline_free(hd->t);
    free(hd->samples);
    free(hd->collections);
    free(hd->marks);
    free(hd->scopes);
    free(hd);
}
