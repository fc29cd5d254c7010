/*
 * main.c — the program: `lisp [--stats] [script.scm]`.
 *
 * With a script: read and evaluate its forms in order; the first error is printed
 * with its file:line and the program exits 1. Without: a REPL on stdin (with prompts
 * when stdin is a terminal) that prints each value and carries on after errors.
 *
 * At exit everything is torn down and the heap must hold no object: the global env
 * and the closures defined in it are cycles, so dropping our references leaves them
 * to the collector; then the live objects are counted, and a leak is reported with
 * ohm_report_live's table and exit status 3. --stats prints the collector's and the
 * allocator's statistics on stderr first.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "lisp.h"

enum { EXIT_ERROR = 1, EXIT_USAGE = 2, EXIT_LEAK = 3 };

static int lisp_init(lisp *L, ohm_heap *h, const char *file) {
    static const char *const names[] = { "quote", "if", "define", "set!", "lambda", "begin", "let" };
    ohm_object **slots[] = { &L->s_quote, &L->s_if, &L->s_define, &L->s_set, &L->s_lambda, &L->s_begin, &L->s_let };
    memset(L, 0, sizeof *L);
    L->h = h;
    L->file = file;
    if (lisp_frames_init(L) < 0 || lisp_consts_init(L) < 0 || !(L->symbols = ohm_dict_new(h)))
        return -1;
    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        if (!(*slots[i] = lisp_intern(L, names[i], strlen(names[i])))) return -1;
    if (!(L->global = lisp_env_new(L, NULL))) return -1;
    return lisp_builtins_init(L);
}

/* Drop every reference the interpreter holds (L may be half made), then collect the
 * cycles that leaves: the global env with its closures, and whatever they built. */
static void lisp_fini(lisp *L) {
    ohm_object **slots[] = { &L->global, &L->s_quote, &L->s_if, &L->s_define, &L->s_set,
                             &L->s_lambda, &L->s_begin, &L->s_let, &L->symbols };
    for (size_t i = 0; i < sizeof slots / sizeof *slots; i++) {
        ohm_xdecref(*slots[i]);
        *slots[i] = NULL;
    }
    ohm_gc_collect(L->h, 2);
    lisp_frames_fini(L);
}

/* Read and evaluate the forms of r, printing each value when echo. Returns 0 at the
 * end of the text, -1 after an error (printed), or LISP_READ_INCOMPLETE when
 * incomplete_ok and the text ends inside a form (r is then left at the form's start). */
static int run(lisp *L, lisp_reader *r, int echo, int incomplete_ok) {
    for (;;) {
        lisp_reader start = *r;
        ohm_object *form, *value;
        int status = lisp_read(L, r, &form);
        if (status == LISP_READ_EOF) return 0;
        if (status == LISP_READ_INCOMPLETE && incomplete_ok) { *r = start; return status; }
        if (status != LISP_READ_OK) { fputs(L->error, stderr); return -1; }
        value = lisp_eval(L, form, L->global);
        ohm_decref(form);
        if (!value) {
            fflush(stdout);
            fputs(L->error, stderr);
            return -1;
        }
        if (echo && value != L->unspecified) {
            lisp_print(L, value, 1, stdout);
            putchar('\n');
        }
        ohm_decref(value);
    }
}

/* The whole file, in memory from the C library (it is the host's, not the program's). */
static char *slurp(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    char *text = NULL;
    size_t cap = 0, n;
    *len = 0;
    if (!f) return NULL;
    do {
        if (*len == cap) {
            char *grown = realloc(text, cap = cap * 2 + 4096);
            if (!grown) { free(text); text = NULL; break; }
            text = grown;
        }
        *len += n = fread(text + *len, 1, cap - *len, f);
    } while (n > 0);
    fclose(f);
    return text;
}

static int run_file(lisp *L, const char *path) {
    size_t len;
    char *text = slurp(path, &len);
    if (!text) {
        fprintf(stderr, "lisp: cannot read %s\n", path);
        return EXIT_USAGE;
    }
    lisp_reader r = { text, text + len, 1 };
    int rc = run(L, &r, 0, 0);
    free(text);
    return rc < 0 ? EXIT_ERROR : 0;
}

static unsigned count_lines(const char *p, const char *end) {
    unsigned n = 0;
    for (; p < end; p++) n += *p == '\n';
    return n;
}

/* The REPL: lines are gathered until they hold whole forms, which are then run. */
static int repl(lisp *L) {
    int tty = isatty(STDIN_FILENO);
    char *line = NULL, *text = NULL;
    size_t cap = 0, len = 0;
    unsigned first_line = 1;        /* the line number of text[0] */
    ssize_t n;
    for (;;) {
        if (tty) fputs(len ? "... " : "> ", stdout), fflush(stdout);
        if ((n = getline(&line, &cap, stdin)) <= 0) break;
        char *grown = realloc(text, len + (size_t)n);
        if (!grown) break;
        text = grown;
        memcpy(text + len, line, (size_t)n);
        len += (size_t)n;
        lisp_reader r = { text, text + len, first_line };
        int rc = run(L, &r, 1, 1);
        const char *rest = rc == LISP_READ_INCOMPLETE ? r.p : text + len;  /* after an error: drop the rest */
        first_line += count_lines(text, rest);
        len -= (size_t)(rest - text);
        memmove(text, rest, len);
    }
    if (len) {   /* the input ended inside a form */
        lisp_reader r = { text, text + len, first_line };
        run(L, &r, 1, 0);
    }
    if (tty) putchar('\n');
    free(line);
    free(text);
    return 0;
}

int main(int argc, char **argv) {
    int stats = 0, status;
    const char *path = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--stats") == 0) {
            stats = 1;
        } else if ((argv[i][0] == '-' && argv[i][1]) || path) {
            fprintf(stderr, "usage: lisp [--stats] [script.scm]\n");
            return EXIT_USAGE;
        } else {
            path = argv[i];
        }
    }
    ohm_config cfg;
    ohm_config_init(&cfg);          /* OHM_MALLOC, OHM_TRACEMALLOC, ... from the environment */
    ohm_heap *h = ohm_heap_new(&cfg);
    if (!h) {
        fprintf(stderr, "lisp: %s\n", ohm_last_error(NULL));
        return EXIT_USAGE;
    }
    lisp L;
    if (lisp_init(&L, h, path ? path : "<stdin>") < 0) {
        fprintf(stderr, "lisp: cannot start: %s\n", ohm_last_error(h));
        status = EXIT_ERROR;
    } else {
        status = path ? run_file(&L, path) : repl(&L);
    }
    fflush(stdout);
    if (stats) lisp_print_stats(h, stderr);
    lisp_fini(&L);
    size_t live = lisp_live_objects(h);
    if (stats) fprintf(stderr, ";; after teardown: %zu live objects\n", live);
    if (live != 0) {
        fprintf(stderr, "lisp: %zu objects still alive at exit\n", live);
        ohm_report_live(h, stderr);
        status = EXIT_LEAK;
    }
    ohm_heap_destroy(h);
    return status;
}
