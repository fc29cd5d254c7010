/* test_misuse.c — misuse that debug mode must catch with a message (issue 9, findings
 * 5 and 6), each in a forked child with its fatal message asserted: an object's
 * overrun found when it dies and named by its type, overruns of live objects found at
 * ohm_heap_destroy, an object written after its death. docs/debugging.md lists every
 * class with the test that shows it. */
#include "check.h"

#include <signal.h>
#include "ohm.h"

typedef struct thing { ohm_object ob; int x; int y; } thing;
static const ohm_type thing_type = { .name = "thing", .basicsize = sizeof(thing) };

/* Finding 5: reported 16384 deaths later, without the type. */
static void object_overrun_at_death(void *arg) {
    (void)arg;
    ohm_heap *h = check_debug_heap();
    ohm_object *o = ohm_new(h, &thing_type);
    ((unsigned char *)o)[sizeof(thing)] = 'x';
    ohm_decref(o);
}

/* Finding 6: never freed, never found. */
static void object_overrun_at_destroy(void *arg) {
    (void)arg;
    ohm_heap *h = check_debug_heap();
    ohm_object *o = ohm_new(h, &thing_type);
    ((unsigned char *)o)[sizeof(thing) + 2] = 'x';
    ohm_heap_destroy(h);
}

static void object_write_after_free_destroy(void *arg) {
    (void)arg;
    ohm_heap *h = check_debug_heap();
    thing *t = (thing *)ohm_new(h, &thing_type);
    ohm_decref(&t->ob);
    t->y = 7;
    ohm_heap_destroy(h);
}

static void object_write_after_free_late(void *arg) {
    (void)arg;
    ohm_heap *h = check_debug_heap();
    thing *t = (thing *)ohm_new(h, &thing_type);
    ohm_decref(&t->ob);
    t->y = 7;
    for (int i = 0; i < 16384; i++) ohm_decref(ohm_new(h, &thing_type));   /* pushes t out */
}

/* Finding 6: a freed object stored in a container returned 0 (debug mode: fatal). */
static void append_freed(void *arg) {
    (void)arg;
    ohm_heap *h = check_debug_heap();
    ohm_object *l = ohm_list_new(h), *o = ohm_new(h, &thing_type);
    ohm_decref(o);
    ohm_list_append(l, o);
}

static void list_set_freed(void *arg) {
    (void)arg;
    ohm_heap *h = check_debug_heap();
    ohm_object *l = ohm_list_new(h), *o = ohm_new(h, &thing_type);
    ohm_list_append(l, o);
    ohm_decref(o);
    o = ohm_new(h, &thing_type);
    ohm_decref(o);
    ohm_list_set(l, 0, o);
}

static void tuple_set_freed(void *arg) {
    (void)arg;
    ohm_heap *h = check_debug_heap();
    ohm_object *t = ohm_tuple_new(h, 1), *o = ohm_new(h, &thing_type);
    ohm_decref(o);
    ohm_tuple_set(t, 0, o);
}

static void dict_set_freed(void *arg) {
    (void)arg;
    ohm_heap *h = check_debug_heap();
    ohm_object *d = ohm_dict_new(h), *k = ohm_str_new(h, "k", 1), *o = ohm_new(h, &thing_type);
    ohm_decref(o);
    ohm_dict_set(d, k, o);
}

/* Finding 6: an item of another heap was stored with no error (both modes). */
static void test_other_heap(int debug) {
    ohm_config cfg;
    ohm_config_init(&cfg);
    cfg.debug = debug;
    ohm_heap *h = ohm_heap_new(&cfg), *g = ohm_heap_new(&cfg);
    ohm_object *l = ohm_list_new(h), *t = ohm_tuple_new(h, 1), *d = ohm_dict_new(h);
    ohm_object *k = ohm_str_new(h, "k", 1), *x = ohm_str_new(g, "other", 5);
    CHECK_EQ_INT(ohm_list_append(l, x), -1);
    CHECK_EQ_STR(ohm_last_error(h), "ohm_list_append: item belongs to another heap");
    CHECK_EQ_INT(ohm_list_append(l, k), 0);
    CHECK_EQ_INT(ohm_list_set(l, 0, x), -1);
    CHECK_EQ_STR(ohm_last_error(h), "ohm_list_set: item belongs to another heap");
    CHECK_EQ_INT(ohm_tuple_set(t, 0, x), -1);
    CHECK_EQ_STR(ohm_last_error(h), "ohm_tuple_set: item belongs to another heap");
    CHECK_EQ_INT(ohm_dict_set(d, k, x), -1);
    CHECK_EQ_STR(ohm_last_error(h), "ohm_dict_set: value belongs to another heap");
    CHECK_EQ_INT(ohm_dict_set(d, x, k), -1);
    CHECK_EQ_STR(ohm_last_error(h), "ohm_dict_set: key belongs to another heap");
    CHECK_EQ_SIZE(ohm_refcount(x), 1);   /* no reference taken */
    CHECK_EQ_SIZE(ohm_dict_len(d), 0);
    ohm_decref(x);
    ohm_decref(k);
    ohm_decref(l);
    ohm_decref(t);
    ohm_decref(d);
    ohm_heap_destroy(g);
    ohm_heap_destroy(h);
}

/* Outside debug mode a freed object still in its pool (its slot free) is refused with an
 * error; reading its header is reading freed memory, so not under the sanitizers or
 * memcheck. */
static void test_freed_nodebug(void) {
#ifndef OHM_SANITIZER
    if (check_under_memcheck()) return;
    ohm_heap *h = ohm_heap_new(NULL);
    ohm_object *l = ohm_list_new(h), *o = ohm_new(h, &thing_type), *keep = ohm_new(h, &thing_type);
    ohm_decref(o);
    char want[128];
    snprintf(want, sizeof want, "ohm_list_append: item at %p is a freed object", (void *)o);
    CHECK_EQ_INT(ohm_list_append(l, o), -1);
    CHECK_EQ_STR(ohm_last_error(h), want);
    CHECK_EQ_SIZE(ohm_list_len(l), 0);
    ohm_decref(keep);
    ohm_decref(l);
    ohm_heap_destroy(h);
#endif
}

#ifndef OHM_SANITIZER   /* there the heap is C-library memory: ASan reports the use */
/* A debug heap used after ohm_heap_destroy: its structure is a tombstone. */
static void use_after_destroy(void *arg) {
    const char *what = arg;
    ohm_heap *h = check_debug_heap();
    char buf[64];
    snprintf(buf, sizeof buf, "heap %p was used", (void *)h);
    fprintf(stderr, "expect: %s\n", buf);
    ohm_heap_destroy(h);
    if (!strcmp(what, "malloc")) ohm_malloc(h, 24);
    else if (!strcmp(what, "list")) ohm_list_new(h);
    else if (!strcmp(what, "collect")) ohm_gc_collect(h, 2);
    else fputs(ohm_last_error(h), stderr);   /* reads the heap's message */
}

/* The message names the heap: the child prints the address it expects first. */
static void check_use_after_destroy(const char *what) {
    int sig;
    const char *out = run_child(use_after_destroy, (void *)what, &sig);
    const char *e = strstr(out, "expect: ");
    char want[96] = "";
    if (e) snprintf(want, sizeof want, "ohm: fatal error: %.*s after ohm_heap_destroy\n",
                    (int)(strchr(e, '\n') - e - 8), e + 8);
    CHECK(sig == SIGABRT);
    CHECK(e && strstr(out, want));
    if (!e || !strstr(out, want)) fprintf(stderr, "use after destroy (%s): got: %s\n", what, out);
}
#endif

int main(void) {
    unsetenv("OHM_MALLOC");
    unsetenv("OHM_TRACEMALLOC");
    expect_death(object_overrun_at_death, NULL, "ohm: fatal error: object release: buffer "
                 "overrun (bytes after the block were overwritten)\n",
                 "    an object of type 'thing'\n",
                 "at tail+0: 0x78 *** OUCH");
    expect_death(object_overrun_at_destroy, NULL, "ohm: fatal error: ohm_heap_destroy: buffer "
                 "overrun (bytes after the block were overwritten)\n",
                 "    an object of type 'thing'\n",
                 "at tail+2: 0x78 *** OUCH",
                 "ohm: fatal error: ohm_heap_destroy: 1 damaged debug block\n");
    expect_death(object_write_after_free_destroy, NULL, "ohm: fatal error: ohm_heap_destroy: "
                 "write after free (a freed block was written to)\n",
                 "at p+20: 0x07 *** OUCH");
    expect_death(object_write_after_free_late, NULL, "ohm: fatal error: object quarantine: "
                 "write after free (a freed block was written to)\n",
                 "at p+20: 0x07 *** OUCH");
    expect_death(append_freed, NULL, "ohm: fatal error: ohm_list_append: item at 0x",
                 " is a freed object\n");
    expect_death(list_set_freed, NULL, "ohm: fatal error: ohm_list_set: item at 0x");
    expect_death(tuple_set_freed, NULL, "ohm: fatal error: ohm_tuple_set: item at 0x");
    expect_death(dict_set_freed, NULL, "ohm: fatal error: ohm_dict_set: value at 0x",
                 " is a freed object\n");
    test_other_heap(0);
    test_other_heap(1);
    test_freed_nodebug();
#ifndef OHM_SANITIZER   /* there the heap is C-library memory: ASan reports the use */
    check_use_after_destroy("malloc");
    check_use_after_destroy("list");
    check_use_after_destroy("collect");
    check_use_after_destroy("last_error");
#endif
    return check_done();
}
