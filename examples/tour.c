/* tour.c — a walk through ohm: `make demo` runs it. */
#include <stdio.h>
#include <string.h>
#include "ohm.h"

int main(void) {
    ohm_heap *h = ohm_heap_new(NULL);
    if (!h) { fprintf(stderr, "tour: %s\n", ohm_last_error(NULL)); return 1; }
    printf("== the private heap ==\n");
    void *blocks[64];
    for (int i = 0; i < 64; i++) blocks[i] = ohm_malloc(h, (size_t)(i + 1) * 8);
    for (int i = 0; i < 64; i += 2) ohm_free(h, blocks[i]);
    ohm_debug_mallocstats(h, stdout);
    for (int i = 1; i < 64; i += 2) ohm_free(h, blocks[i]);
    ohm_heap_destroy(h);
    return 0;
}
