/*
 * main.c — `lisp [--stats] [script.scm]`: a script (the first error stops it, exit 1),
 * or a REPL on stdin. Also where the interpreter meets the heap: setup, the frame
 * provider, and at exit the leak check: once the interpreter has dropped its
 * references and collected the cycles that leaves, ohm_live_objects must be 0
 * (else ohm_report_live's table, exit 3).
 */
#include <string.h>
#include <unistd.h>
#include "lisp.h"

enum { EXIT_ERROR = 1, EXIT_USAGE = 2, EXIT_LEAK = 3 };

/* The frame provider makes ohm's tracer speak Lisp: every block allocated while Lisp
 * code runs is charged to the script's file:line and function that allocated it, so
 * snapshots (statistics, compare, dumps for ohm-prof) show the script's lines, not the
 * interpreter's. It runs inside ohm's allocation hooks, so it only reads: the frame
 * stack is an array that never moves. */
static size_t frame_provider(void *arg, ohm_frame *out, size_t max) {
    lisp *L = arg;
    if (L->nesting == 0) return 0;   /* not evaluating (reading, setting up): C frames */
    for (size_t i = 0; i < max && i < L->depth; i++) {
        const lisp_frame *f = &L->frames[L->depth - 1 - i];
        out[i] = (ohm_frame){ .filename = L->file, .lineno = f->line, .function = f->function };
    }
    return L->depth;
}

static int lisp_init(lisp *L, ohm_heap *h, const char *file) {
    L->h = h;
    L->file = file;
    L->frames[L->depth++] = (lisp_frame){ "<toplevel>", 0 };
    ohm_trace_set_frame_provider(h, frame_provider, L);
    /* The immortal constants first: once made, ohm_bool_new and ohm_none cannot fail. */
    return !(L->nil = ohm_tuple_new(h, 0)) || !(L->t = ohm_true(h)) || !(L->f = ohm_false(h))
        || !(L->none = ohm_none(h)) || !(L->symbols = ohm_dict_new(h)) || !(L->global = lisp_env_new(L, NULL))
        || lisp_forms_init(L) < 0 || lisp_builtins_init(L) < 0 ? -1 : 0;
}

/* Drop every reference the interpreter holds (L may be half made), then collect the
 * cycles that leaves: the global env with its closures, and whatever they built. */
static void lisp_fini(lisp *L) {
    ohm_xdecref(L->global);
    ohm_xdecref(L->symbols);
    L->global = L->symbols = NULL;
    ohm_gc_collect(L->h, 2);
    ohm_trace_set_frame_provider(L->h, NULL, NULL);
}

/* Read and evaluate the forms of in, in order. A script stops at the first error
 * (returns -1); the REPL prints each value, and after an error skips the rest of the
 * line and goes on. */
static int run(lisp *L, FILE *in, int repl) {
    lisp_reader r = { in, 1 };
    for (int status;;) {
        ohm_object *form, *value = NULL;
        if (repl && isatty(fileno(in))) fputs("> ", stdout), fflush(stdout);
        L->error[0] = '\0';
        if ((status = lisp_read(L, &r, &form)) == LISP_READ_EOF) return 0;
        if (status == LISP_READ_OK) {
            value = lisp_eval(L, form, L->global);
            ohm_decref(form);
        }
        if (!value) {
            if (!L->error[0]) lisp_error(L, "%s", ohm_last_error(L->h));   /* the reader's ohm call failed */
            fflush(stdout);
            fputs(L->error, stderr);
            if (!repl) return -1;
            for (int c; (c = getc(in)) != EOF && c != '\n';) {}
            r.line++;
        } else if (repl && value != L->none) {
            lisp_print(L, value, 1, stdout);
            putchar('\n');
        }
        ohm_xdecref(value);
    }
}

/* --stats: the collector's totals per generation, then the allocator's table. */
static void print_stats(ohm_heap *h) {
    ohm_gc_stats gc[3];
    ohm_gc_get_stats(h, gc);
    fputs("\n;; ohm cycle collector\n;;   gen  collections    collected  uncollectable   seconds\n", stderr);
    for (int g = 0; g < 3; g++)
        fprintf(stderr, ";;   %3d  %11zu  %11zu  %13zu  %8.4f\n", g, gc[g].collections, gc[g].collected,
                gc[g].uncollectable, gc[g].duration);
    fputs("\n;; ohm allocator (the program's data still alive)\n", stderr);
    ohm_debug_mallocstats(h, stderr);
}

int main(int argc, char **argv) {
    static lisp L;   /* static: its frame stack is big, and must not move */
    int stats = argc > 1 && strcmp(argv[1], "--stats") == 0, status;
    const char *path = argc > 1 + stats ? argv[1 + stats] : NULL;
    if (argc > 2 + stats || (path && path[0] == '-' && path[1])) {
        fprintf(stderr, "usage: lisp [--stats] [script.scm]\n");
        return EXIT_USAGE;
    }
    ohm_heap *h = ohm_heap_new(NULL);   /* configured by OHM_MALLOC, OHM_TRACEMALLOC, ... */
    if (!h) {
        fprintf(stderr, "lisp: %s\n", ohm_last_error(NULL));
        return EXIT_USAGE;
    }
    FILE *in = path ? fopen(path, "r") : stdin;
    if (lisp_init(&L, h, path ? path : "<stdin>") < 0) {
        fprintf(stderr, "lisp: cannot start: %s\n", ohm_last_error(h));
        status = EXIT_ERROR;
    } else {
        status = in && run(&L, in, !path) == 0 ? 0 : EXIT_ERROR;
    }
    if (!in || ferror(in)) {   /* a missing file, a directory */
        fprintf(stderr, "lisp: cannot read %s\n", path ? path : "stdin");
        status = EXIT_USAGE;
    }
    if (in && in != stdin) fclose(in);
    fflush(stdout);
    if (stats) print_stats(h);
    lisp_fini(&L);
    size_t live = ohm_live_objects(h);
    if (stats) fprintf(stderr, ";; after teardown: %zu live objects\n", live);
    if (live != 0) {
        fprintf(stderr, "lisp: %zu objects still alive at exit\n", live);
        ohm_report_live(h, stderr);
        status = EXIT_LEAK;
    }
    ohm_heap_destroy(h);
    return status;
}
