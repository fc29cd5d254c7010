/*
 * preload.c — libohm-python.so: a CPython's MEM and OBJ allocator domains served by
 * one ohm heap, installed from a constructor before the interpreter's main() runs.
 *
 * ohm-python (launcher.c) puts this library in LD_PRELOAD and execs the interpreter.
 * The dynamic loader runs our constructor before main(), so before CPython has made
 * a single MEM or OBJ allocation: the constructor finds PyMem_SetAllocator in the
 * process (dlsym(RTLD_DEFAULT): CPython exports its C API for extension modules, from
 * the executable or from libpython), makes one ohm heap with the OHM_* environment
 * applied (ohm_config_init), and gives CPython {ohm_malloc, ohm_calloc, ohm_realloc,
 * ohm_free} for both domains (PEP 445). RAW stays the system allocator: CPython calls
 * it without the GIL, and ohm's RAW domain is the system allocator anyway.
 *
 * Why one heap is enough: an ohm heap is used by one thread at a time, and CPython
 * calls MEM and OBJ only with the GIL held, so the GIL serializes every call on the
 * heap (and its mutex orders their memory effects). That is false in two kinds of
 * interpreter, which are refused with one line (ohm-python's exit status 125):
 *  - a free-threaded build (3.13t: no GIL). Py_GetVersion() names it;
 *  - a subinterpreter with its own GIL (PEP 684, 3.12+): Py_NewInterpreterFromConfig
 *    is wrapped below and fails for such a config with an error status.
 * Python 3.6 and older install their default allocators at start-up over ours (3.7
 * does so only for PYTHONMALLOC): refused too.
 * An image without PyMem_SetAllocator is not a CPython 3.4+: refused when it is the
 * interpreter ohm-python was asked to run (OHM_PYTHON_EXE); anything else (a shell,
 * a compiler a Python program starts) inherits LD_PRELOAD and is left alone.
 *
 * Blocks allocated before the switch: none (the constructor runs first; sys.
 * getallocatedblocks() stays 0 for the whole run, tests/python checks it). When
 * PYTHONMALLOC or -X dev makes CPython install its own allocators during pre-init,
 * ours are replaced before the first MEM/OBJ block, so that run is plain CPython:
 * harmless, which is why a child process may do it; ohm-python refuses it up front.
 *
 * The heap is never destroyed: CPython and the C library free Python memory after
 * the last exit handler we could hook, so the heap must outlive everything. At exit a
 * destructor only reports: OHM_MALLOCSTATS=1 prints ohm_debug_mallocstats, OHM_TRACEMALLOC
 * the traced memory and the top allocation sites, OHM_TIMELINE's recording is stopped
 * (its file completed). A forked child keeps a copy of the heap, and only its own
 * thread runs after the fork, so it goes on using it.
 */
#define OHM_NO_CALLSITE   /* our wrappers' lines would be every block's call site */
#include "ohm.h"
#include "pyframes.h"

#include <dlfcn.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* CPython's PyMemAllocatorEx and PyMemAllocatorDomain (Include/cpython/pymem.h), the
 * same since 3.4; no Python header is needed. */
typedef struct py_allocator {
    void *ctx;
    void *(*malloc)(void *ctx, size_t size);
    void *(*calloc)(void *ctx, size_t nelem, size_t elsize);
    void *(*realloc)(void *ctx, void *ptr, size_t new_size);
    void  (*free)(void *ctx, void *ptr);
} py_allocator;
enum { PY_DOMAIN_MEM = 1, PY_DOMAIN_OBJ = 2 };
typedef void (*py_set_allocator_fn)(int domain, py_allocator *allocator);
typedef void (*py_get_allocator_fn)(int domain, py_allocator *allocator);
typedef const char *(*py_get_version_fn)(void);

#define EXIT_REFUSED 125   /* as env(1): the launcher's own failure, not the program's */

static struct {
    ohm_heap *heap;        /* the one heap, never destroyed; NULL: not installed */
    ohm_config cfg;        /* what it was made with (print_stats, trace_frames) */
    pid_t pid;             /* the process that made it (a forked child differs) */
} py;

/* Each allocating wrapper notes its return address first: the C function that called
 * PyMem_Malloc or PyObject_Malloc (they jump to us), the C frame pyframes.c puts below
 * the Python ones. One store; the GIL orders it with the tracer's read. */
const void *ohmpy_caller;
static void *py_malloc(void *ctx, size_t n) {
    ohmpy_caller = __builtin_return_address(0);
    return ohm_malloc(ctx, n);
}
static void *py_calloc(void *ctx, size_t ne, size_t es) {
    ohmpy_caller = __builtin_return_address(0);
    return ohm_calloc(ctx, ne, es);
}
static void *py_realloc(void *ctx, void *p, size_t n) {
    ohmpy_caller = __builtin_return_address(0);
    return ohm_realloc(ctx, p, n);
}
static void  py_free(void *ctx, void *p) { ohm_free(ctx, p); }

/* One line on stderr, then exit before the interpreter starts (nothing to flush). */
__attribute__((format(printf, 1, 2), noreturn))
static void refuse(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fputs("ohm-python: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    _exit(EXIT_REFUSED);
}

/* Is this image the interpreter ohm-python resolved and exec'd (OHM_PYTHON_EXE)? A
 * shim script (pyenv's) runs a shell first, which is not it, and goes on to exec the
 * real one. */
static int launched_image(char *exe, size_t len) {
    const char *want = getenv("OHM_PYTHON_EXE");
    ssize_t n = readlink("/proc/self/exe", exe, len - 1);
    if (n < 0) { snprintf(exe, len, "this program"); return 0; }
    exe[n] = '\0';
    return want && !strcmp(want, exe);
}

/* Is this the process ohm-python exec'd (OHM_PYTHON_PID), whatever the image? */
static int launched_process(void) {
    const char *want = getenv("OHM_PYTHON_PID");
    return want && strtol(want, NULL, 10) == (long)getpid();
}

__attribute__((constructor))
static void ohm_python_start(void) {
    char exe[PATH_MAX];
    int launched = launched_image(exe, sizeof exe);
    py_set_allocator_fn set = (py_set_allocator_fn)dlsym(RTLD_DEFAULT, "PyMem_SetAllocator");
    if (!set) {
        if (launched)
            refuse("%s does not export PyMem_SetAllocator: it is not CPython 3.4 or later "
                   "(or was linked without its C API), so ohm cannot serve its memory", exe);
        return;   /* not a Python: a shell, a compiler, a tool the program runs */
    }
    py_get_version_fn version = (py_get_version_fn)dlsym(RTLD_DEFAULT, "Py_GetVersion");
    const char *v = version ? version() : "";
    int major = 0, minor = 0;
    if (sscanf(v, "%d.%d", &major, &minor) == 2 && (major < 3 || (major == 3 && minor < 7))) {
        /* before 3.7, Py_Main installs the default allocators whether PYTHONMALLOC is
         * set or not: it would run on pymalloc, ours replaced before its first block */
        if (launched || launched_process())
            refuse("%s is Python %d.%d: before 3.7 CPython installs its own allocators at "
                   "start-up over any other; ohm needs 3.7 or later", exe, major, minor);
        return;
    }
    if (strstr(v, "free-threading")) {
        /* no GIL serializes MEM and OBJ there, and its objects need mimalloc's heaps */
        if (launched || launched_process())
            refuse("%s is a free-threaded build: no GIL serializes its allocations, and "
                   "one ohm heap needs that; use a build with the GIL", exe);
        return;
    }
    ohm_config_init(&py.cfg);
    /* OHM_TIMELINE records this process: out of the environment before CPython copies
     * it, so that a child (sys.executable) does not truncate the same file */
    static char timeline[PATH_MAX + 32];
    if (py.cfg.timeline) {
        snprintf(timeline, sizeof timeline, "%s", py.cfg.timeline);
        py.cfg.timeline = timeline;
        unsetenv("OHM_TIMELINE");
    }
    ohm_heap *h = ohm_heap_new(&py.cfg);
    if (!h) refuse("%s", ohm_last_error(NULL));
    ohmpy_frames_install(h, major, minor);   /* Python frames in traces (pyframes.c) */
    py_allocator a = { h, py_malloc, py_calloc, py_realloc, py_free };
    set(PY_DOMAIN_MEM, &a);
    set(PY_DOMAIN_OBJ, &a);
    py.heap = h;
    py.pid = getpid();
}

ohm_heap *ohmpy_heap(void) { return py.heap; }

/* Did ohm serve anything? PYTHONMALLOC or -X dev (in a child: ohm-python refuses them)
 * make CPython replace our allocators during pre-init, before its first block. */
static int served(ohm_heap *h) {
    ohm_heap_stats st;
    ohm_heap_stats_get(h, &st);
    return st.arenas_allocated > 0 || st.large_blocks > 0;
}

/* While tracing (OHM_TRACEMALLOC=N): the traced memory, and the top allocation sites
 * of what is still allocated at exit (tracemalloc's snapshot.statistics('lineno')[:10]):
 * what CPython's finalization left, often nothing. The peak says how high it went;
 * OHM_TIMELINE records it over time. */
static void report_traces(ohm_heap *h) {
    size_t current, peak;
    ohm_trace_get_traced_memory(h, &current, &peak);
    fprintf(stderr, "ohm-python: traced memory at exit: current %zu B, peak %zu B\n", current, peak);
    ohm_snapshot *s = ohm_snapshot_take(h);
    if (!s) return;
    ohm_stat *st;
    size_t n = ohm_snapshot_statistics(s, OHM_KEY_LINENO, 0, &st);
    if (n == 0)
        fprintf(stderr, "ohm-python: every traced block was freed by exit\n");
    else
        fprintf(stderr, "ohm-python: top %zu of %zu allocation sites still holding memory:\n",
                n < 10 ? n : 10, n);
    ohm_stats_print(st, n, 10, 0, stderr);
    ohm_stats_free(st);
    ohm_snapshot_free(s);
}

__attribute__((destructor))
static void ohm_python_exit(void) {
    ohm_heap *h = py.heap;
    if (!h) return;
    int report = py.cfg.print_stats || ohm_trace_is_tracing(h);
    fflush(stdout);
    if (report && !served(h)) {
        fprintf(stderr, "ohm-python: CPython replaced ohm's allocators at start-up "
                "(PYTHONMALLOC or -X dev): nothing to report\n");
        return;
    }
    if (py.cfg.print_stats) ohm_debug_mallocstats(h, stderr);
    if (ohm_trace_is_tracing(h)) report_traces(h);
    /* the recording's file belongs to the process that started it, not to a fork */
    if (py.cfg.timeline && getpid() == py.pid && ohm_timeline_stop(h) < 0)
        fprintf(stderr, "ohm-python: %s\n", ohm_last_error(h));
}

/* ------------------------------------------------- subinterpreters (3.12+) */

/* PEP 684's PyInterpreterConfig and PyStatus (Include/cpython/initconfig.h,
 * pylifecycle.h), the same in 3.12 and 3.13. */
typedef struct py_interp_config {
    int use_main_obmalloc, allow_fork, allow_exec, allow_threads, allow_daemon_threads,
        check_multi_interp_extensions, gil;
} py_interp_config;
enum { PY_OWN_GIL = 2 };
typedef struct py_status { int type; const char *func, *err_msg; int exitcode; } py_status;
typedef py_status (*py_new_interp_fn)(void **tstate, const py_interp_config *config);

/* An interpreter with its own GIL would call the heap from its own thread while the
 * main interpreter's threads do: refuse it (the caller gets an error status, which
 * _interpreters raises as an exception) and say why on stderr. Other configs go on to
 * CPython's. This definition wins over libpython's for callers outside it (extension
 * modules such as _xxsubinterpreters and _testcapi, and libpython's own calls when
 * it is a shared library built with semantic interposition); a statically linked
 * interpreter's internal calls do not see it (docs/python.md). */
__attribute__((visibility("default")))
py_status Py_NewInterpreterFromConfig(void **tstate, const py_interp_config *config);
py_status Py_NewInterpreterFromConfig(void **tstate, const py_interp_config *config) {
    static const char why[] = "ohm-python: a subinterpreter with its own GIL would use "
        "ohm's one heap from two threads at once; create it with a shared GIL";
    if (py.heap && config && config->gil == PY_OWN_GIL) {
        fprintf(stderr, "%s\n", why);
        *tstate = NULL;
        return (py_status){ 1, "Py_NewInterpreterFromConfig", why, 0 };
    }
    py_new_interp_fn real = (py_new_interp_fn)dlsym(RTLD_NEXT, "Py_NewInterpreterFromConfig");
    if (!real) {
        *tstate = NULL;
        return (py_status){ 1, "Py_NewInterpreterFromConfig", "not found", 0 };
    }
    return real(tstate, config);
}
