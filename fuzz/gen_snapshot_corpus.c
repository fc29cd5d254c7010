/*
 * gen_snapshot_corpus.c — writes the seed corpus of fuzz_snapshot_load into the
 * directory given as argv[1]: real dumps of traced heaps (exact and sampled, one and
 * several frames, a frame provider's frames with and without function names, every
 * domain, an empty snapshot), and edge files made from them (truncated, a bad magic,
 * version 1 with its old checksum). Not built by default; how the committed files were
 * made:
 *   cc -I include -I src fuzz/gen_snapshot_corpus.c build/libohm.a -lpthread -o gen
 *   ./gen fuzz/corpus/snapshot
 */
#include "ohm.h"
#include "base/base.h"
#include "alloc/alloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char dir[512];

static size_t frames3(void *arg, ohm_frame *fr, size_t max) {
    unsigned *line = arg;
    ohm_frame all[3] = { { "game.lua", *line, "update" }, { "game.lua", 40, NULL },
                         { "main.lua", 1, "main" } };
    size_t i;
    for (i = 0; i < 3 && i < max; i++) fr[i] = all[i];
    return 3;
}

static unsigned char *dump(ohm_heap *h, const char *name, size_t *len) {
    char path[600];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    ohm_snapshot *s = ohm_snapshot_take(h);
    if (!s || ohm_snapshot_dump(s, path) != 0) { fprintf(stderr, "dump %s failed\n", path); exit(1); }
    ohm_snapshot_free(s);
    FILE *f = fopen(path, "rb");
    static unsigned char buf[1 << 16];
    *len = fread(buf, 1, sizeof buf, f);
    fclose(f);
    return buf;
}

static void write_file(const char *name, const unsigned char *p, size_t n) {
    char path[600];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    fwrite(p, 1, n, f);
    fclose(f);
}

int main(int argc, char **argv) {
    if (argc != 2) { fprintf(stderr, "usage: %s DIR\n", argv[0]); return 2; }
    snprintf(dir, sizeof dir, "%s", argv[1]);
    size_t len;

    ohm_heap *h = ohm_heap_new(NULL);
    ohm_trace_start(h, 1);
    dump(h, "empty.bin", &len);
    void *p[8];
    for (int i = 0; i < 3; i++) p[i] = ohm_malloc(h, 24 + (size_t)i * 100);
    p[3] = ohm_raw_malloc(h, 7);
    dump(h, "exact-1frame.bin", &len);
    ohm_trace_start(h, 3);
    unsigned line = 12;
    ohm_trace_set_frame_provider(h, frames3, &line);
    p[4] = ohm_malloc(h, 4000);
    line = 13;
    p[5] = ohmi_alloc_malloc(h, OHM_DOMAIN_OBJ, 48);
    ohm_object *o = ohm_list_new(h);
    unsigned char *d = dump(h, "exact-3frames.bin", &len);
    unsigned char copy[1 << 16];
    memcpy(copy, d, len);
    write_file("truncated-header.bin", copy, 20);
    write_file("truncated-middle.bin", copy, len / 2);
    write_file("truncated-checksum.bin", copy, len - 3);
    copy[0] = 'X';
    write_file("bad-magic.bin", copy, len);
    memcpy(copy, d, len);
    copy[8] = 1;   /* version 1: its checksum from the old basis */
    uint64_t sum = ohmi_hash_bytes(copy, len - 8, 1469598103934665603ull);
    for (int i = 0; i < 8; i++) copy[len - 8 + (size_t)i] = (unsigned char)(sum >> (8 * i));
    write_file("version1.bin", copy, len);
    ohm_decref(o);
    for (int i = 0; i < 6; i++) if (i != 3 && i != 5) ohm_free(h, p[i]);
    ohm_raw_free(h, p[3]);
    ohmi_alloc_free(h, OHM_DOMAIN_OBJ, p[5]);
    ohm_heap_destroy(h);

    h = ohm_heap_new(NULL);
    ohm_trace_start_sampled(h, 2, 256);
    for (int i = 0; i < 8; i++) p[i] = ohm_malloc(h, 64 + (size_t)i * 300);
    dump(h, "sampled.bin", &len);
    for (int i = 0; i < 8; i++) ohm_free(h, p[i]);
    ohm_heap_destroy(h);
    return 0;
}
