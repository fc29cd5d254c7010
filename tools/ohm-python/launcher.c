/*
 * launcher.c — ohm-python: run a Python program with ohm serving CPython's MEM and OBJ
 * allocator domains (docs/python.md).
 *
 *   ohm-python [--python PATH] [python's own arguments...]
 *
 * The interpreter is --python PATH, else $OHM_PYTHON, else python3 from PATH. The
 * launcher finds libohm-python.so beside itself (the build tree) or in the library
 * directory of its prefix (bin/../lib...), prepends it to LD_PRELOAD, puts the `ohm`
 * module's directory (build/python, or share/ohm/python) first on PYTHONPATH so that
 * the program can `import ohm` (not with -E or -I, which ignore it), and execs the
 * interpreter with the arguments it was given, so the exit status is the program's
 * and every child process inherits the preload (preload.c does the rest). Its own
 * failures exit as env(1)'s do: 125 (refused, or no library), 126 (cannot run the
 * interpreter), 127 (no interpreter found).
 *
 * Refused before anything runs, each with one line: PYTHONMALLOC set, and -X dev or
 * PYTHONDEVMODE (either makes CPython install its own allocators over ohm's at
 * start-up; -E and -I make CPython ignore the two variables, and so does this check).
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef OHM_PYTHON_LIBDIR_REL
#define OHM_PYTHON_LIBDIR_REL "../lib"   /* the library directory, from the binary's */
#endif
#ifndef OHM_PYTHON_MODDIR_REL
#define OHM_PYTHON_MODDIR_REL "../share/ohm/python"   /* the `ohm` module's, likewise */
#endif
#define PRELOAD_NAME "libohm-python.so"

__attribute__((format(printf, 2, 3), noreturn))
static void die(int status, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fputs("ohm-python: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(status);
}

static int is_file(const char *path) {
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* The preload library: beside the launcher (build tree), else in the prefix's
 * library directory (installed). */
static void find_library(char *out, size_t len) {
    char self[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n < 0) die(125, "cannot find its own path (/proc/self/exe): %s", strerror(errno));
    self[n] = '\0';
    char *slash = strrchr(self, '/');
    *slash = '\0';
    const char *tries[] = { "", "/" OHM_PYTHON_LIBDIR_REL };
    for (size_t i = 0; i < sizeof tries / sizeof *tries; i++) {
        char path[PATH_MAX + 64];
        snprintf(path, sizeof path, "%s%s/%s", self, tries[i], PRELOAD_NAME);
        if (is_file(path) && realpath(path, out) && strlen(out) < len) return;
    }
    die(125, "cannot find %s beside %s or in %s/%s", PRELOAD_NAME, self, self,
        OHM_PYTHON_LIBDIR_REL);
}

/* The directory holding the `ohm` module: python/ beside the launcher (build tree),
 * else the prefix's share/ohm/python (installed); "" when neither has it. */
static void find_module_dir(char *out, size_t len) {
    char self[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    out[0] = '\0';
    if (n < 0) return;
    self[n] = '\0';
    *strrchr(self, '/') = '\0';
    const char *tries[] = { "/python", "/" OHM_PYTHON_MODDIR_REL };
    for (size_t i = 0; i < sizeof tries / sizeof *tries; i++) {
        char dir[PATH_MAX + 64], init[PATH_MAX + 96];
        snprintf(dir, sizeof dir, "%s%s", self, tries[i]);
        snprintf(init, sizeof init, "%s/ohm/__init__.py", dir);
        if (is_file(init) && realpath(dir, out) && strlen(out) < len) return;
        out[0] = '\0';
    }
}

/* PYTHONPATH with dir first (once: a nested ohm-python finds it there already). */
static void set_pythonpath(const char *dir) {
    if (!*dir) return;
    const char *old = getenv("PYTHONPATH");
    if (old && !strncmp(old, dir, strlen(dir)) && (!old[strlen(dir)] || old[strlen(dir)] == ':'))
        return;
    size_t len = strlen(dir) + (old ? strlen(old) + 2 : 1);
    char *v = malloc(len);
    if (!v) die(125, "out of memory");
    snprintf(v, len, "%s%s%s", dir, old && *old ? ":" : "", old ? old : "");
    if (setenv("PYTHONPATH", v, 1) < 0) die(125, "cannot set PYTHONPATH: %s", strerror(errno));
    free(v);
}

/* name as execvp would find it: a path when it has a slash, else the first
 * executable file of that name on PATH. */
static int resolve(const char *name, char *out, size_t len) {
    if (strchr(name, '/')) return realpath(name, out) && access(out, X_OK) == 0;
    const char *path = getenv("PATH");
    if (!path || !*path) path = "/usr/local/bin:/usr/bin:/bin";
    while (*path) {
        size_t dlen = strcspn(path, ":");
        char cand[PATH_MAX + 256];
        snprintf(cand, sizeof cand, "%.*s/%s", (int)(dlen ? dlen : 1), dlen ? path : ".", name);
        if (is_file(cand) && access(cand, X_OK) == 0 && realpath(cand, out) && strlen(out) < len)
            return 1;
        path += dlen + (path[dlen] == ':');
    }
    return 0;
}

/* What python's own options (before the script, -c or -m) say about the allocators:
 * -X dev sets dev mode; -E and -I make it ignore PYTHON* variables. */
struct py_opts { int dev, ignore_env; };

static void scan_options(char **argv, struct py_opts *o) {
    for (int i = 0; argv[i]; i++) {
        const char *a = argv[i];
        if (a[0] != '-' || !a[1] || !strcmp(a, "--")) return;   /* the script, or stdin */
        if (a[1] == '-') {                                      /* --help, --version, ... */
            if (!strcmp(a, "--check-hash-based-pycs") && argv[i + 1]) i++;
            continue;
        }
        for (int j = 1; a[j]; j++) {
            char c = a[j];
            if (c == 'c' || c == 'm') return;    /* the rest belongs to the program */
            if (c == 'E' || c == 'I') o->ignore_env = 1;
            if (c == 'W' || c == 'X') {
                const char *v = a[j + 1] ? a + j + 1 : argv[i + 1];
                if (!a[j + 1] && argv[i + 1]) i++;
                if (c == 'X' && v && (!strcmp(v, "dev") || !strncmp(v, "dev=", 4))) o->dev = 1;
                break;
            }
        }
    }
}

static void refuse_allocator_overrides(char **pyargs) {
    struct py_opts o = { 0, 0 };
    scan_options(pyargs, &o);
    const char *pm = getenv("PYTHONMALLOC"), *dm = getenv("PYTHONDEVMODE");
    if (!o.ignore_env && pm && *pm)
        die(125, "PYTHONMALLOC=%s is set: CPython would put its own allocators in place of "
            "ohm's; unset it (OHM_MALLOC=debug gives ohm's debug hooks, OHM_MALLOC=malloc "
            "the system allocator behind ohm)", pm);
    if (o.dev || (!o.ignore_env && dm && *dm))
        die(125, "%s: development mode puts CPython's debug allocators in place of ohm's; "
            "OHM_MALLOC=debug gives ohm's own debug hooks", o.dev ? "-X dev" : "PYTHONDEVMODE");
}

/* LD_PRELOAD with lib first (once: a nested ohm-python finds it there already). */
static void set_preload(const char *lib) {
    const char *old = getenv("LD_PRELOAD");
    if (old && strstr(old, lib)) return;
    size_t len = strlen(lib) + (old ? strlen(old) + 2 : 1);
    char *v = malloc(len);
    if (!v) die(125, "out of memory");
    snprintf(v, len, "%s%s%s", lib, old && *old ? ":" : "", old ? old : "");
    if (setenv("LD_PRELOAD", v, 1) < 0) die(125, "cannot set LD_PRELOAD: %s", strerror(errno));
    free(v);
}

int main(int argc, char **argv) {
    const char *python = NULL;
    int first = 1;
    if (argc > 1 && !strcmp(argv[1], "--python")) {
        if (argc < 3) die(125, "--python needs the interpreter's path");
        python = argv[2];
        first = 3;
    } else if (argc > 1 && !strncmp(argv[1], "--python=", 9)) {
        python = argv[1] + 9;
        first = 2;
    }
    if (!python || !*python) python = getenv("OHM_PYTHON");
    if (!python || !*python) python = "python3";

    char exe[PATH_MAX], lib[PATH_MAX], moddir[PATH_MAX];
    if (!resolve(python, exe, sizeof exe))
        die(127, "no Python interpreter '%s'%s", python,
            strchr(python, '/') ? "" : " on PATH (name one with --python PATH or OHM_PYTHON)");
    refuse_allocator_overrides(argv + first);
    find_library(lib, sizeof lib);
    set_preload(lib);
    find_module_dir(moddir, sizeof moddir);
    set_pythonpath(moddir);
    /* for preload.c's refusals: an image that is this interpreter but no CPython; a
     * free-threaded CPython in this process (the pid survives a shim's exec) */
    char pid[32];
    snprintf(pid, sizeof pid, "%ld", (long)getpid());
    if (setenv("OHM_PYTHON_EXE", exe, 1) < 0 || setenv("OHM_PYTHON_PID", pid, 1) < 0)
        die(125, "cannot set the environment: %s", strerror(errno));

    /* argv[0] as the user named it, so that CPython computes sys.executable as it
     * would have; the rest untouched */
    char **args = calloc((size_t)(argc - first) + 2, sizeof *args);
    if (!args) die(125, "out of memory");
    args[0] = (char *)python;
    for (int i = first; i < argc; i++) args[i - first + 1] = argv[i];
    execv(exe, args);
    die(126, "cannot run %s: %s", exe, strerror(errno));
}
