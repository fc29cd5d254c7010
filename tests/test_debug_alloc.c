/* test_debug_alloc.c — the allocator's debug hooks: fill patterns, and each fatal
 * detection (overrun, underrun, double free, wrong domain, wrong heap, never
 * allocated), run in a child process, asserting the message, the address, the size and
 * the hex dump. */
#include "check.h"
#include "api/api.h"

#include <stdint.h>

static ohm_heap *H, *H2;

static void test_patterns(void) {
    unsigned char *p = ohm_malloc(H, 24);
    int ok = 1;
    for (int i = 0; i < 24; i++) ok &= p[i] == 0xCD;
    CHECK(ok);                                   /* new: CLEANBYTE */
    for (int i = 1; i <= 7; i++) CHECK_EQ_INT(p[-i], 0xFD);   /* guards */
    CHECK_EQ_INT(p[-8], 'm');                    /* API id */
    for (int i = 0; i < 8; i++) CHECK_EQ_INT(p[24 + i], 0xFD);
    CHECK_EQ_SIZE(ohmi_alloc_usable_size(H, p), 24);
    unsigned char *c = ohm_calloc(H, 4, 4);
    CHECK(c[0] == 0 && c[15] == 0 && c[16] == 0xFD);
    unsigned char *r = ohm_raw_malloc(H, 5);
    CHECK_EQ_INT(r[-8], 'r');
    p = ohm_realloc(H, p, 600);                  /* content kept, new tail guarded */
    CHECK(p[0] == 0xCD && p[23] == 0xCD && p[24] == 0xCD && p[600] == 0xFD);
    ohm_object *o = ohmi_alloc_object(H, 48, 1);
    CHECK_EQ_INT(((unsigned char *)o)[-8], 'o');
    CHECK(o->ohm_type == NULL && o->ohm_rc == 0);
    ohm_free(H, p);
    ohm_free(H, c);
    ohm_raw_free(H, r);
    ohmi_alloc_object_free(H, o);
#ifndef OHM_SANITIZER
    if (!ohmi_alloc_of(H)->valgrind) {   /* reading freed memory on purpose: not under the tools */
        /* freed: DEADBYTE (a pool block; nothing reuses it before we look) */
        unsigned char *d = ohm_malloc(H, 40), *keep = ohm_malloc(H, 40);
        ohm_free(H, d);
        ok = 1;
        for (int i = 0; i < 40; i++) ok &= d[i] == 0xDD;
        CHECK(ok);
        ohm_free(H, keep);
    }
#endif
    /* OHM_MALLOC=debug turns them on */
    setenv("OHM_MALLOC", "debug", 1);
    ohm_heap *e = ohm_heap_new(NULL);
    unsetenv("OHM_MALLOC");
    unsigned char *q = ohm_malloc(e, 3);
    CHECK(q[0] == 0xCD && q[3] == 0xFD);
    ohm_free(e, q);
    ohm_heap_destroy(e);
}

/* Each death: the parent allocates and corrupts, the child frees. */
static unsigned char *P;

static void do_overrun(void *arg) { (void)arg; P[24] = 'x'; ohm_free(H, P); }
static void do_underrun(void *arg) { (void)arg; P[-1] = 0; ohm_free(H, P); }
static void do_double_free(void *arg) { (void)arg; ohm_free(H, P); ohm_free(H, P); }
static void do_wrong_domain_obj(void *arg) { (void)arg; ohmi_alloc_free(H, OHM_DOMAIN_OBJ, P); }
static void do_wrong_domain_raw(void *arg) { (void)arg; ohm_raw_free(H, P); }
static void do_wrong_heap(void *arg) { (void)arg; ohm_free(H2, P); }
static void do_interior(void *arg) { (void)arg; ohm_free(H, P + 16); }
static void do_misaligned(void *arg) { (void)arg; ohm_free(H, P + 1); }
static _Alignas(16) unsigned char not_ours[256];
static void do_static(void *arg) { (void)arg; ohm_free(H, not_ours + 128); }
static void do_realloc_overrun(void *arg) { (void)arg; P[24] = 0; ohm_realloc(H, P, 100); }
static void do_large_overrun(void *arg) { (void)arg; P[2000] = 1; ohm_free(H, P); }
static void do_object_overrun(void *arg) {
    (void)arg;
    ohm_object *o = (ohm_object *)P;
    ((unsigned char *)o)[48] = 1;
    ohmi_alloc_object_free(H, o);
}
static void do_large_double_free(void *arg) { (void)arg; ohm_free(H, P); ohm_free(H, P); }
/* Issue 9 finding 6: a live block overrun and never freed; a freed block written to,
 * found at destroy or when the ring of held-back blocks lets it go. */
static void do_overrun_at_destroy(void *arg) { (void)arg; P[24] = 'x'; ohm_heap_destroy(H); }
static void do_write_after_free_destroy(void *arg) {
    (void)arg;
    ohm_free(H, P);
    P[5] = 0x42;
    ohm_heap_destroy(H);
}
static void do_write_after_free_reuse(void *arg) {
    (void)arg;
    ohm_free(H, P);
    P[5] = 0x42;
    for (int i = 0; i < 1024; i++) ohm_free(H, ohm_malloc(H, 24));   /* pushes P out */
}

/* The serial number debug_wrap wrote (the prefix's first word). */
static unsigned long long serial_of(const unsigned char *p) {
    unsigned long long n;
    memcpy(&n, p - 32, sizeof n);
    return n;
}

/* The report's line with the serial number, as it must read. */
static const char *made_by(const unsigned char *p) {
    static char line[128];
    snprintf(line, sizeof line, "The block was made by call #%llu to debug malloc/realloc.",
             serial_of(p));
    return line;
}

static void expect(void (*fn)(void *), const char *needle, const char *needle2) {
    char at[64];
    snprintf(at, sizeof at, "p=%p", (void *)P);
    expect_death(fn, NULL, needle, needle2 ? needle2 : at);
}

static void test_deaths(void) {
    char at[64];
    P = ohm_malloc(H, 24);
    unsigned char *neighbour = ohm_malloc(H, 24);   /* keeps the pool in use */
    expect(do_overrun, "ohm_free: buffer overrun", NULL);
    expect(do_overrun, "24 bytes originally requested", "at tail+0: 0x78 *** OUCH");
    expect(do_overrun, "hex dump of the tail", NULL);
    expect(do_underrun, "ohm_free: buffer underrun", "at p-1: 0x00 *** OUCH");
    expect(do_double_free, "ohm_free: double free", NULL);
    /* Issue 9 finding 5: the serial and the API byte of a freed block stay intact */
    snprintf(at, sizeof at, "p=%p: API 'm', freed\n", (void *)P);
    expect(do_double_free, "ohm_free: double free (the block was already freed)\n", at);
    expect_death(do_double_free, NULL, made_by(P));
    expect(do_overrun_at_destroy, "ohm: fatal error: ohm_heap_destroy: buffer overrun (bytes "
           "after the block were overwritten)\n", "at tail+0: 0x78 *** OUCH");
    expect(do_overrun_at_destroy, "ohm: fatal error: ohm_heap_destroy: 1 damaged debug block\n", NULL);
    expect(do_write_after_free_destroy, "ohm: fatal error: ohm_heap_destroy: write after free "
           "(a freed block was written to)\n", "at p+5: 0x42 *** OUCH");
    expect(do_write_after_free_reuse, "ohm: fatal error: ohm_free: write after free "
           "(a freed block was written to)\n", "at p+5: 0x42 *** OUCH");
    expect(do_wrong_domain_obj, "block freed into the wrong domain",
           "allocated using API 'm', verified using API 'o'");
    expect(do_wrong_domain_raw, "ohm_raw_free: block freed into the wrong domain",
           "allocated using API 'm', verified using API 'r'");
    expect(do_wrong_heap, "block freed into the wrong heap", NULL);
    snprintf(at, sizeof at, "p=%p", (void *)(P + 16));
    expect(do_interior, "pointer was never allocated", at);
    snprintf(at, sizeof at, "p=%p", (void *)(P + 1));
    expect(do_misaligned, "pointer was never allocated (not 16-byte aligned)", at);
    expect_death(do_static, NULL, "pointer was never allocated");
    expect(do_realloc_overrun, "ohm_realloc: buffer overrun", NULL);
    ohm_free(H, P);
    ohm_free(H, neighbour);

    P = ohm_malloc(H, 2000);
    expect(do_large_overrun, "buffer overrun", "2000 bytes originally requested");
    /* Issue 9 finding 5: was "pointer was never allocated" */
    expect(do_large_double_free, "ohm_free: double free (the block was already freed)\n", made_by(P));
    ohm_free(H, P);

    P = (unsigned char *)ohmi_alloc_object(H, 48, 1);
    expect(do_object_overrun, "ohmi_alloc_object_free: buffer overrun", "API 'o'");
    ohmi_alloc_object_free(H, (ohm_object *)P);
}

/* Release-mode heaps still refuse pointers that are none of theirs. */
static ohm_heap *R;
static void do_release_foreign(void *arg) { (void)arg; ohm_free(R, not_ours + 64); }

static void test_release_mode(void) {
    ohm_config cfg;
    ohm_config_init(&cfg);
    R = ohm_heap_new(&cfg);
    expect_death(do_release_foreign, NULL, "is not a block of heap");
    ohm_heap_destroy(R);
}

int main(void) {
    unsetenv("OHM_MALLOC");
    unsetenv("OHM_MALLOCSTATS");
    unsetenv("OHM_TRACEMALLOC");
    H = check_debug_heap();
    H2 = check_debug_heap();
    test_patterns();
    test_deaths();
    test_release_mode();
    ohm_heap_destroy(H2);
    ohm_heap_destroy(H);
    return check_done();
}
