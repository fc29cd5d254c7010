#define _POSIX_C_SOURCE 200809L
/* gen_timeline.c OUT — record a timeline with known events for test_prof.py: two
 * scopes ("build", "drop"), one mark ("built"), exactly two full collections inside
 * "drop" (automatic collection off), and 40 rounds of allocation between. */
#include "ohm.h"

#include <stdio.h>
#include <time.h>

int main(int argc, char **argv) {
    if (argc != 2) { fprintf(stderr, "usage: gen_timeline OUT\n"); return 2; }
    ohm_heap *h = ohm_heap_new(NULL);
    if (!h) return 1;
    ohm_gc_disable(h);
    if (ohm_trace_start(h, 1) < 0 || ohm_timeline_start(h, argv[1], 1) < 0) {
        fprintf(stderr, "gen_timeline: %s\n", ohm_last_error(h));
        return 1;
    }
    ohm_object *keep = ohm_list_new(h);
    ohm_timeline_enter(h, "build");
    for (int r = 0; r < 40; r++) {
        for (int i = 0; i < 2000; i++) {
            ohm_object *s = ohm_str_new(h, "hello, timeline", 15);
            ohm_list_append(keep, s);
            ohm_decref(s);
        }
        struct timespec ts = { 0, 1000000 };
        nanosleep(&ts, NULL);
    }
    ohm_timeline_leave(h);
    ohm_timeline_mark(h, "built");
    ohm_timeline_enter(h, "drop");
    ohm_decref(keep);
    ohm_gc_collect(h, 2);
    ohm_gc_collect(h, 2);
    ohm_timeline_leave(h);
    if (ohm_timeline_stop(h) < 0) { fprintf(stderr, "gen_timeline: %s\n", ohm_last_error(h)); return 1; }
    ohm_heap_destroy(h);
    return 0;
}
