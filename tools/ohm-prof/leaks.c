/*
 * leaks.c — what is still alive, by allocation site, each with its whole traceback:
 * for a snapshot taken at the program's end (valgrind's and heaptrack's leak list,
 * in tracemalloc's words). Biggest first; the header gives the total.
 *
 *   3 blocks, 1536 B still alive, allocated at (most recent call last):
 *     File "main.c", line 20, in main
 *     File "parse.c", line 42, in parse_line
 */
#include "prof.h"

#include <stdlib.h>

int prof_write_leaks(const ohm_snapshot *s, size_t limit, FILE *out) {
    ohm_stat *st;
    size_t n = ohm_snapshot_statistics(s, OHM_KEY_TRACEBACK, 0, &st);
    size_t bytes = 0, blocks = 0;
    for (size_t i = 0; i < n; i++) { bytes += st[i].size; blocks += st[i].count; }
    char a[32];
    const char *est = ohm_snapshot_sample_mean(s) ? "~" : "";
    if (!n) {
        fputs("No leaks: no traced block is alive in this snapshot.\n", out);
        ohm_stats_free(st);
        return ferror(out) ? -1 : 0;
    }
    fprintf(out, "%s%zu blocks, %s%s still alive, from %zu places:\n", est, blocks, est,
            prof_size(prof_ll((double)bytes), 0, a, sizeof a), n);
    size_t k = limit && limit < n ? limit : n;
    for (size_t i = 0; i < k; i++) {
        fprintf(out, "\n%s%zu block%s, %s%s still alive, allocated at (most recent call last):\n", est,
                st[i].count, st[i].count == 1 ? "" : "s", est,
                prof_size(prof_ll((double)st[i].size), 0, a, sizeof a));
        const ohm_traceback *tb = st[i].traceback;
        for (size_t f = 0; tb && f < tb->nframe; f++) {
            const ohm_frame *fr = &tb->frames[f];
            fprintf(out, "    File \"%s\", line %u", fr->filename ? fr->filename : "<unknown>", fr->lineno);
            if (fr->function) fprintf(out, ", in %s", fr->function);
            fputc('\n', out);
        }
        if (tb && tb->total_nframe > tb->nframe)
            fprintf(out, "    (%zu older frames not recorded: raise the traceback limit)\n",
                    tb->total_nframe - tb->nframe);
    }
    if (k < n) fprintf(out, "\n%zu more places (--limit 0 lists them all)\n", n - k);
    ohm_stats_free(st);
    return ferror(out) ? -1 : 0;
}
