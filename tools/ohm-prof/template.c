/*
 * template.c — the HTML templates, filled in: each template is a file of this folder
 * (flamegraph.html, timeline.html) turned into a C string at build time (embed.cmake),
 * with {{NAME}} placeholders that a callback writes.
 */
#include "prof.h"

#include <string.h>

int prof_fill_template(const char *tpl, FILE *out, void (*fill)(const char *name, size_t len, void *arg, FILE *out),
                       void *arg) {
    const char *p = tpl;
    for (;;) {
        const char *open = strstr(p, "{{");
        const char *close = open ? strstr(open + 2, "}}") : NULL;
        if (!close) { fputs(p, out); break; }
        fwrite(p, 1, (size_t)(open - p), out);
        fill(open + 2, (size_t)(close - open - 2), arg, out);
        p = close + 2;
    }
    return ferror(out) ? -1 : 0;
}
