/*
 * timeline_load.c — a timeline recording (docs/timeline-format.md) as the struct
 * plot.c draws.
 *
 * The recorder and its loader are being written beside this tool (issue 11, item 1);
 * until the loader is linked in, every file is refused with a clear line. To connect
 * it: call the loader here, copy its samples, collections, marks and scopes into the
 * arrays of *tl (times in seconds from the start), and return a handle that owns them.
 */
#include "prof.h"

#include <stdlib.h>

void *prof_timeline_load(const char *path, struct prof_timeline *tl, char *err, size_t errlen) {
    (void)tl;
    snprintf(err, errlen, "%s: cannot read timeline recordings: this ohm-prof was built without the timeline loader",
             path);
    return NULL;
}

void prof_timeline_free(void *handle) {
    free(handle);
}
