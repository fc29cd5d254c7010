/*
 * check.h — the test programs' assertions, and death tests in a child process.
 *
 * CHECK(cond) and CHECK_EQ_*(a, b) report file:line and the values, count failures and
 * go on; a test's main ends with `return check_done();` which prints
 * "N passed, N failed" and returns nonzero when anything failed.
 * expect_death(fn, arg, needle, ...) runs fn once in a forked child with stderr
 * captured, and checks that it aborted (SIGABRT) with each needle in what it printed.
 */
#ifndef OHM_CHECK_H
#define OHM_CHECK_H

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ohm.h"

static int check_passed, check_failed;

#define CHECK(c) do { if (c) check_passed++; else { check_failed++; \
    fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #c); } } while (0)
#define CHECK_EQ_INT(a, b) do { long long a_ = (long long)(a), b_ = (long long)(b); \
    if (a_ == b_) check_passed++; else { check_failed++; \
    fprintf(stderr, "%s:%d: %s == %s failed: %lld != %lld\n", __FILE__, __LINE__, #a, #b, a_, b_); } } while (0)
#define CHECK_EQ_SIZE(a, b) do { size_t a_ = (size_t)(a), b_ = (size_t)(b); \
    if (a_ == b_) check_passed++; else { check_failed++; \
    fprintf(stderr, "%s:%d: %s == %s failed: %zu != %zu\n", __FILE__, __LINE__, #a, #b, a_, b_); } } while (0)
#define CHECK_EQ_STR(a, b) do { const char *a_ = (a), *b_ = (b); \
    if (a_ && b_ && !strcmp(a_, b_)) check_passed++; else { check_failed++; \
    fprintf(stderr, "%s:%d: %s == %s failed: \"%s\" != \"%s\"\n", __FILE__, __LINE__, #a, #b, \
            a_ ? a_ : "(null)", b_ ? b_ : "(null)"); } } while (0)
#define CHECK_CONTAINS(hay, needle) do { const char *h_ = (hay), *n_ = (needle); \
    if (h_ && strstr(h_, n_)) check_passed++; else { check_failed++; \
    fprintf(stderr, "%s:%d: \"%s\" does not contain \"%s\"\n", __FILE__, __LINE__, h_ ? h_ : "(null)", n_); } } while (0)

/* A heap in debug mode (as OHM_MALLOC=debug gives), for the misuse tests. */
static inline ohm_heap *check_debug_heap(void) {
    ohm_config cfg;
    ohm_config_init(&cfg);
    cfg.debug = 1;
    ohm_heap *h = ohm_heap_new(&cfg);
    if (!h) { fprintf(stderr, "check_debug_heap: %s\n", ohm_last_error(NULL)); abort(); }
    return h;
}

/* The mortal objects alive in h (ohm_live_objects: ohm_report_live's total). */
static inline size_t check_live_objects(ohm_heap *h) {
    return ohm_live_objects(h);
}

/* Under valgrind's memcheck (it preloads its library, which names it; the allocator
 * asks the same way): a test that reads freed memory on purpose skips that part, as
 * it does under the sanitizers. */
static inline int check_under_memcheck(void) {
    const char *pre = getenv("LD_PRELOAD");
    return pre && strstr(pre, "memcheck") != NULL;
}

static inline int check_done(void) {
    printf("%d passed, %d failed\n", check_passed, check_failed);
    return check_failed != 0;
}

/* Run fn(arg) in a child; return what it wrote to stderr (static buffer) and set
 * *sig to the signal that ended it (0 if it exited). */
static inline const char *run_child(void (*fn)(void *), void *arg, int *sig) {
    static char out[65536];
    int fd[2];
    out[0] = '\0';
    *sig = -1;
    if (pipe(fd) < 0) return out;
    fflush(stdout); fflush(stderr);
    pid_t pid = fork();
    if (pid == 0) {
        close(fd[0]);
        dup2(fd[1], 2);
        signal(SIGABRT, SIG_DFL);
        fn(arg);
        _exit(0);
    }
    close(fd[1]);
    size_t len = 0;
    ssize_t r;
    while ((r = read(fd[0], out + len, sizeof out - 1 - len)) > 0) len += (size_t)r;
    out[len] = '\0';
    close(fd[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    *sig = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
    return out;
}

/* One child, every needle checked in what it printed (one CHECK each). */
static inline void expect_death_at(const char *file, int line, void (*fn)(void *), void *arg,
                                   const char *const *needles) {
    int sig;
    const char *out = run_child(fn, arg, &sig);
    for (; *needles; needles++) {
        if (sig == SIGABRT && strstr(out, *needles)) { check_passed++; continue; }
        check_failed++;
        fprintf(stderr, "%s:%d: expected abort with \"%s\"; signal %d, stderr:\n%s\n",
                file, line, *needles, sig, out);
    }
}
#define expect_death(fn, arg, ...) \
    expect_death_at(__FILE__, __LINE__, fn, arg, (const char *const[]){ __VA_ARGS__, NULL })

#endif
