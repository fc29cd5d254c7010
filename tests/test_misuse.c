/* test_misuse.c — misuse that debug mode must catch with a message (issue 9, findings
 * 5 and 6), each in a forked child with its fatal message asserted: an object's
 * overrun found when it dies and named by its type, overruns of live objects found at
 * ohm_heap_destroy, an object written after its death. docs/debugging.md lists every
 * class with the test that shows it. */
#include "check.h"
#include "ohm.h"

typedef struct thing { ohm_object ob; int x; int y; } thing;
static const ohm_type thing_type = { .name = "thing", .basicsize = sizeof(thing) };

static ohm_heap *debug_heap(void) {
    ohm_config cfg;
    ohm_config_init(&cfg);
    cfg.debug = 1;
    return ohm_heap_new(&cfg);
}

/* Finding 5: reported 16384 deaths later, without the type. */
static void object_overrun_at_death(void *arg) {
    (void)arg;
    ohm_heap *h = debug_heap();
    ohm_object *o = ohm_new(h, &thing_type);
    ((unsigned char *)o)[sizeof(thing)] = 'x';
    ohm_decref(o);
}

/* Finding 6: never freed, never found. */
static void object_overrun_at_destroy(void *arg) {
    (void)arg;
    ohm_heap *h = debug_heap();
    ohm_object *o = ohm_new(h, &thing_type);
    ((unsigned char *)o)[sizeof(thing) + 2] = 'x';
    ohm_heap_destroy(h);
}

static void object_write_after_free_destroy(void *arg) {
    (void)arg;
    ohm_heap *h = debug_heap();
    thing *t = (thing *)ohm_new(h, &thing_type);
    ohm_decref(&t->ob);
    t->y = 7;
    ohm_heap_destroy(h);
}

static void object_write_after_free_late(void *arg) {
    (void)arg;
    ohm_heap *h = debug_heap();
    thing *t = (thing *)ohm_new(h, &thing_type);
    ohm_decref(&t->ob);
    t->y = 7;
    for (int i = 0; i < 16384; i++) ohm_decref(ohm_new(h, &thing_type));   /* pushes t out */
}

int main(void) {
    unsetenv("OHM_MALLOC");
    unsetenv("OHM_TRACEMALLOC");
    expect_death(object_overrun_at_death, NULL, "ohm: fatal error: object release: buffer "
                 "overrun (bytes after the block were overwritten)\n");
    expect_death(object_overrun_at_death, NULL, "    an object of type 'thing'\n");
    expect_death(object_overrun_at_death, NULL, "at tail+0: 0x78 *** OUCH");
    expect_death(object_overrun_at_destroy, NULL, "ohm: fatal error: ohm_heap_destroy: buffer "
                 "overrun (bytes after the block were overwritten)\n");
    expect_death(object_overrun_at_destroy, NULL, "    an object of type 'thing'\n");
    expect_death(object_overrun_at_destroy, NULL, "at tail+2: 0x78 *** OUCH");
    expect_death(object_overrun_at_destroy, NULL,
                 "ohm: fatal error: ohm_heap_destroy: 1 damaged debug block\n");
    expect_death(object_write_after_free_destroy, NULL, "ohm: fatal error: ohm_heap_destroy: "
                 "write after free (a freed block was written to)\n");
    expect_death(object_write_after_free_destroy, NULL, "at p+20: 0x07 *** OUCH");
    expect_death(object_write_after_free_late, NULL, "ohm: fatal error: object quarantine: "
                 "write after free (a freed block was written to)\n");
    expect_death(object_write_after_free_late, NULL, "at p+20: 0x07 *** OUCH");
    return check_done();
}
