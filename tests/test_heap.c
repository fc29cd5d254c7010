/* test_heap.c — heap creation, configuration from the environment, errors. */
#include "check.h"
#include "ohm.h"

static void test_env(void) {
    ohm_config cfg;
    setenv("OHM_MALLOC", "bogus", 1);
    ohm_config_init(&cfg);
    CHECK(ohm_heap_new(&cfg) == NULL);
    CHECK_CONTAINS(ohm_last_error(NULL), "OHM_MALLOC");
    CHECK_CONTAINS(ohm_last_error(NULL), "pymalloc");
    setenv("OHM_MALLOC", "debug", 1);
    ohm_config_init(&cfg);
    CHECK_EQ_INT(cfg.debug, 1);
    setenv("OHM_MALLOC", "malloc", 1);
    ohm_config_init(&cfg);
    CHECK_EQ_INT(cfg.use_malloc, 1);
    CHECK_EQ_INT(cfg.debug, 0);
    unsetenv("OHM_MALLOC");
    setenv("OHM_MALLOCSTATS", "7", 1);
    ohm_config_init(&cfg);
    CHECK(ohm_heap_new(&cfg) == NULL);
    CHECK_CONTAINS(ohm_last_error(NULL), "OHM_MALLOCSTATS");
    unsetenv("OHM_MALLOCSTATS");
    setenv("OHM_TRACEMALLOC", "x", 1);
    ohm_config_init(&cfg);
    CHECK(ohm_heap_new(&cfg) == NULL);
    CHECK_CONTAINS(ohm_last_error(NULL), "OHM_TRACEMALLOC");
    unsetenv("OHM_TRACEMALLOC");
    setenv("OHM_GC_STRESS", "2", 1);
    ohm_config_init(&cfg);
    CHECK(ohm_heap_new(&cfg) == NULL);
    CHECK_EQ_STR(ohm_last_error(NULL), "OHM_GC_STRESS: expected 0 or 1");
    setenv("OHM_GC_STRESS", "1", 1);
    ohm_config_init(&cfg);
    CHECK_EQ_INT(cfg.gc_stress, 1);
    setenv("OHM_GC_STRESS", "0", 1);
    ohm_config_init(&cfg);
    CHECK_EQ_INT(cfg.gc_stress, 0);
    unsetenv("OHM_GC_STRESS");
}

static void test_defaults(void) {
    ohm_config cfg;
    ohm_config_init(&cfg);
    CHECK_EQ_INT(cfg.gc_threshold[0], 2000);
    CHECK_EQ_INT(cfg.gc_threshold[1], 10);
    CHECK_EQ_INT(cfg.gc_threshold[2], 10);
    CHECK_EQ_INT(cfg.gc_enabled, 1);
    CHECK_EQ_INT(cfg.gc_stress, 0);
    ohm_heap *h = ohm_heap_new(NULL);
    CHECK(h != NULL);
    CHECK_EQ_STR(ohm_last_error(h), "");
    void *p = ohm_malloc(h, 100);
    CHECK(p != NULL);
    ohm_free(h, p);
    ohm_heap_destroy(h);
    ohm_heap_destroy(NULL);
}

int main(void) {
    unsetenv("OHM_MALLOC");
    unsetenv("OHM_MALLOCSTATS");
    unsetenv("OHM_TRACEMALLOC");
    unsetenv("OHM_GC_STRESS");
    test_env();
    test_defaults();
    return check_done();
}
