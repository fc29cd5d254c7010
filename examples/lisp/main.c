/*
 * main.c — `lisp [--stats] [script.scm]`: a script (the first error stops it, exit 1),
 * or a REPL on stdin. Also where the interpreter meets the heap: setup, the frame
 * provider, and at exit the leak check: once the interpreter has dropped its
 * references and collected the cycles that leaves, ohm_live_objects must be 0
 * (else ohm_report_live's table, exit 3).
 */
#include <stdlib.h>
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

/* Read and evaluate the forms of r, printing each value when echo. Returns 0 at the end
 * of the text, -1 after an error (printed), or LISP_READ_INCOMPLETE when incomplete_ok
 * and the text ends inside a form (r is then left at the form's start). */
static int run(lisp *L, lisp_reader *r, int echo, int incomplete_ok) {
    for (;;) {
        lisp_reader start = *r;
        ohm_object *form, *value = NULL;
        L->error[0] = '\0';
        int status = lisp_read(L, r, &form);
        if (status == LISP_READ_EOF) return 0;
        if (status == LISP_READ_INCOMPLETE && incomplete_ok) return *r = start, status;
        if (status == LISP_READ_OK) {
            value = lisp_eval(L, form, L->global);
            ohm_decref(form);
        }
        if (!value) {
            if (!L->error[0]) lisp_error(L, "%s", ohm_last_error(L->h));   /* the reader's ohm call failed */
            fflush(stdout);
            fputs(L->error, stderr);
            return -1;
        }
        if (echo && value != L->none) lisp_print(L, value, 1, stdout), putchar('\n');
        ohm_decref(value);
    }
}

/* The whole file, up to a NUL byte, in the C library's memory: the host's, not the
 * program's. */
static int run_file(lisp *L, const char *path) {
    FILE *f = fopen(path, "rb");
    char *text = NULL;
    size_t cap = 0;
    ssize_t len = f ? getdelim(&text, &cap, '\0', f) : -1;
    if (len < 0 && (!f || ferror(f))) {
        fprintf(stderr, "lisp: cannot read %s\n", path);
        len = -2;
    }
    if (f) fclose(f);
    lisp_reader r = { text, text + (len > 0 ? len : 0), 1 };
    int rc = len == -2 ? EXIT_USAGE : run(L, &r, 0, 0) < 0 ? EXIT_ERROR : 0;
    free(text);
    return rc;
}

/* The REPL: lines are gathered until they hold whole forms, which are then run. After
 * an error the rest of what was gathered is dropped. */
static int repl(lisp *L) {
    int tty = isatty(STDIN_FILENO);
    char *line = NULL, *text = NULL;
    size_t cap = 0, len = 0;
    unsigned lines = 0, first = 1;   /* lines read; the line number of text[0] */
    ssize_t n;
    for (;;) {
        if (tty) fputs(len ? "... " : "> ", stdout), fflush(stdout);
        if ((n = getline(&line, &cap, stdin)) <= 0) break;
        char *grown = realloc(text, len + (size_t)n);
        if (!grown) break;
        memcpy((text = grown) + len, line, (size_t)n);
        len += (size_t)n;
        lines++;
        lisp_reader r = { text, text + len, first };
        if (run(L, &r, 1, 1) == LISP_READ_INCOMPLETE) {   /* keep the form's start */
            memmove(text, r.p, len -= (size_t)(r.p - text));
            first = r.line;
        } else {
            len = 0;
            first = lines + 1;
        }
    }
    lisp_reader r = { text, text + len, first };
    run(L, &r, 1, 0);   /* the input ended inside a form: say so */
    if (tty) putchar('\n');
    free(line);
    free(text);
    return 0;
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
    ohm_config cfg;
    ohm_config_init(&cfg);          /* OHM_MALLOC, OHM_TRACEMALLOC, ... from the environment */
    ohm_heap *h = ohm_heap_new(&cfg);
    if (!h) {
        fprintf(stderr, "lisp: %s\n", ohm_last_error(NULL));
        return EXIT_USAGE;
    }
    if (lisp_init(&L, h, path ? path : "<stdin>") < 0) {
        fprintf(stderr, "lisp: cannot start: %s\n", ohm_last_error(h));
        status = EXIT_ERROR;
    } else {
        status = path ? run_file(&L, path) : repl(&L);
    }
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
