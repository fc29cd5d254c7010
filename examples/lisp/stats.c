/*
 * stats.c — counting what is alive, and the --stats report.
 *
 * lisp_live_objects counts the mortal objects of the heap; at exit it must be 0 (the
 * interpreter has dropped every reference and the collector has freed every cycle).
 * ohm has no call that returns that count, so it is read from the "total" row of
 * ohm_report_live's table (a public count, when ohm has one, replaces this function).
 */
#include <stdlib.h>
#include <string.h>
#include "lisp.h"

size_t lisp_live_objects(ohm_heap *h) {
    char *text = NULL;
    size_t len = 0, n = (size_t)-1;
    FILE *f = open_memstream(&text, &len);
    if (!f) return n;
    ohm_report_live(h, f);
    fclose(f);
    const char *total = strstr(text, "\n  total ");
    if (total) n = strtoull(total + strlen("\n  total "), NULL, 10);
    free(text);
    return n;
}

static int count_one(ohm_object *o, void *arg) {
    (void)o;
    ++*(size_t *)arg;
    return 0;
}

/* Objects the collector tracks (cons, env, closure, and ohm's containers). */
size_t lisp_tracked_objects(ohm_heap *h) {
    size_t n = 0;
    ohm_gc_get_objects(h, -1, count_one, &n);
    return n;
}

/* The collector's totals per generation, then the allocator's table as it is now. */
void lisp_print_stats(ohm_heap *h, FILE *out) {
    ohm_gc_stats gc[3];
    ohm_gc_get_stats(h, gc);
    fprintf(out, "\n;; ohm cycle collector\n");
    fprintf(out, ";;   gen  collections    collected  uncollectable   seconds\n");
    for (int g = 0; g < 3; g++)
        fprintf(out, ";;   %3d  %11zu  %11zu  %13zu  %8.4f\n", g, gc[g].collections, gc[g].collected,
                gc[g].uncollectable, gc[g].duration);
    fprintf(out, "\n;; ohm allocator (the program's data still alive)\n");
    ohm_debug_mallocstats(h, out);
}
