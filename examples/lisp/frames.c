/*
 * frames.c — the Lisp call stack: where errors say they happened, and what ohm's
 * tracer sees through the frame provider.
 *
 * frames[0] is the top level; eval pushes a frame when it enters a closure and
 * overwrites it on a tail call (so a loop by tail recursion keeps one frame, as its
 * C stack does), and sets the top frame's line at every form that has one.
 *
 * The frame provider hands these frames to the tracer, so a snapshot taken while a
 * script runs groups memory by the script's file:line and function, not by the C
 * lines of the interpreter. It runs inside ohm's allocation hooks: it only reads.
 */
#include <stdarg.h>
#include <stdlib.h>
#include "lisp.h"

#define TRACEBACK_FRAMES 10   /* frames an error message shows, newest first */

static size_t frame_provider(void *arg, ohm_frame *out, size_t max) {
    lisp *L = arg;
    if (L->nesting == 0) return 0;   /* not evaluating (reading, setting up): C frames */
    for (size_t i = 0; i < max && i < L->depth; i++) {
        const lisp_frame *f = &L->frames[L->depth - 1 - i];
        out[i] = (ohm_frame){ .filename = L->file, .lineno = f->line, .function = f->function };
    }
    return L->depth;
}

int lisp_frames_init(lisp *L) {
    /* One block for the deepest stack eval allows: it never moves, so the provider can
     * read it from inside any allocation (a realloc would run the hooks mid-move).
     * From the C library: it is the interpreter's bookkeeping, not the program's
     * memory, and should not top the program's traces. */
    L->frames = malloc((LISP_MAX_NESTING + 1) * sizeof *L->frames);
    if (!L->frames) return -1;
    L->depth = 0;
    lisp_frame_push(L, "<toplevel>", 0);
    ohm_trace_set_frame_provider(L->h, frame_provider, L);
    return 0;
}

void lisp_frames_fini(lisp *L) {
    ohm_trace_set_frame_provider(L->h, NULL, NULL);
    free(L->frames);
    L->frames = NULL;
}

/* Never full: each lisp_eval under way pushes at most one frame, and there are at
 * most LISP_MAX_NESTING of them, so with the top level's the array's size is enough. */
void lisp_frame_push(lisp *L, const char *function, unsigned line) {
    L->frames[L->depth++] = (lisp_frame){ function, line };
}

void lisp_frame_pop(lisp *L) { L->depth--; }

/* Append to L->error, keeping it NUL-terminated when it fills up. */
static void error_append(lisp *L, size_t *used, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    if (*used < sizeof L->error) {
        int n = vsnprintf(L->error + *used, sizeof L->error - *used, fmt, ap);
        *used += n > 0 ? (size_t)n : 0;
    }
    va_end(ap);
}

/* "file:line: error: message", then the stack, newest first. Formatted now, while
 * the frames that led here are still on the stack. Returns NULL, for `return`. */
ohm_object *lisp_error(lisp *L, const char *fmt, ...) {
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    size_t used = 0;
    error_append(L, &used, "%s:%u: error: %s\n", L->file, L->frames[L->depth - 1].line, msg);
    for (size_t i = 0; i < L->depth; i++) {
        if (i == TRACEBACK_FRAMES) {
            error_append(L, &used, "  ... %zu more\n", L->depth - i);
            break;
        }
        const lisp_frame *f = &L->frames[L->depth - 1 - i];
        error_append(L, &used, "  %s:%u: in %s\n", L->file, f->line, f->function);
    }
    return NULL;
}

ohm_object *lisp_ohm_error(lisp *L, const char *what) {
    return lisp_error(L, "%s: %s", what, ohm_last_error(L->h));
}
