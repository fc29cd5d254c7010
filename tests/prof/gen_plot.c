/*
 * gen_plot.c — a timeline with known values drawn by ohm-prof's plot renderer, for
 * the tests of the SVG and HTML plots until recordings can be loaded (test_prof.py,
 * browser_test.py): `gen_plot OUT.svg OUT.html`.
 *
 * 31 samples, one every 0.1 s: sample i has traced = i MiB (peak the same), RSS =
 * 20 + i/2 MiB, arenas = i / 4, pools = 10 * i, objects = 100 * i. Collections of
 * generation 0 at 0.5 s, 1 at 1.5 s, 2 at 2.5 s; marks "load" at 1 s and "report"
 * at 2 s; scopes "parse" 0.2..1.8 s with "tokenize" 0.4..0.9 s inside it.
 * BIG.svg: an hour at 10 ms (360,000 samples), RSS 50 MiB but 900 MiB at sample
 * 123456 alone, to check the curves are thinned without losing the spike.
 */
#include <stdlib.h>
#include <stdio.h>

#include "prof.h"

int main(int argc, char **argv) {
    if (argc != 3 && argc != 4) { fprintf(stderr, "usage: gen_plot OUT.svg OUT.html [BIG.svg]\n"); return 2; }
    struct prof_tl_sample s[31];
    for (int i = 0; i <= 30; i++) {
        s[i].t = i / 10.0;
        s[i].traced = s[i].traced_peak = (uint64_t)i << 20;
        s[i].rss = (uint64_t)(20 << 20) + ((uint64_t)i << 19);
        s[i].arenas = (uint64_t)i / 4;
        s[i].pools = 10 * (uint64_t)i;
        s[i].objects = 100 * (uint64_t)i;
    }
    struct prof_tl_collection c[] = { { 0.5, 0, 0.0002, 12 }, { 1.5, 1, 0.0011, 40 }, { 2.5, 2, 0.004, 300 } };
    struct prof_tl_mark m[] = { { 1.0, "load" }, { 2.0, "report <&>" } };
    struct prof_tl_scope sc[] = { { 0.2, 1.8, "parse" }, { 0.4, 0.9, "tokenize" } };
    struct prof_timeline tl = { 1, s, 31, c, 3, m, 2, sc, 2 };
    FILE *f = fopen(argv[1], "w");
    if (!f || prof_write_timeline_svg(&tl, "gen_plot: known values", f) < 0 || fclose(f)) return 1;
    f = fopen(argv[2], "w");
    if (!f || prof_write_timeline_html(&tl, "gen_plot: known values", f) < 0 || fclose(f)) return 1;
    if (argc == 4) {
        size_t n = 360000;
        struct prof_tl_sample *big = calloc(n, sizeof *big);
        if (!big) return 1;
        for (size_t i = 0; i < n; i++) {
            big[i].t = (double)i / 100.0;
            big[i].traced = (uint64_t)(i % 1000) << 12;
            big[i].rss = (uint64_t)50 << 20;
            big[i].arenas = i / 10000;
        }
        big[123456].rss = (uint64_t)900 << 20;
        struct prof_timeline bt = { 1, big, n, NULL, 0, NULL, 0, NULL, 0 };
        f = fopen(argv[3], "w");
        if (!f || prof_write_timeline_svg(&bt, "an hour at 10 ms", f) < 0 || fclose(f)) return 1;
        free(big);
    }
    return 0;
}
