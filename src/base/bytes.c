/*
 * bytes.c — what the loaders of ohm's binary files share (snapshots, trace/snapshot_io.c;
 * timelines, api/timeline_io.c): the bounds-checked cursor and its "offset N: reason"
 * messages, and reading a whole file into memory. The little-endian field helpers are
 * inline in base.h.
 *
 * The cursor's rule: a loader never reads a byte it has not asked ohmi_rd_need for, and
 * never allocates for a count it has not checked with ohmi_rd_count_fits, so a corrupt
 * or hostile file can neither read out of bounds nor cause a huge allocation.
 */
#include "base/base.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

void ohmi_rd_fail(ohmi_rd *r, size_t at, const char *fmt, ...) {
    if (r->failed) return;
    r->failed = 1;
    if (!r->err || !r->errlen) return;
    int k = snprintf(r->err, r->errlen, "offset %zu: ", at);
    if (k < 0 || (size_t)k >= r->errlen) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->err + k, r->errlen - (size_t)k, fmt, ap);
    va_end(ap);
}

int ohmi_rd_need(ohmi_rd *r, size_t n, const char *what) {
    if (r->failed) return 0;
    if (r->len - r->pos >= n) return 1;
    ohmi_rd_fail(r, r->pos, "truncated %s: %zu bytes needed, %zu left", what, n, r->len - r->pos);
    return 0;
}

uint32_t ohmi_rd_u32(ohmi_rd *r, const char *what) {
    if (!ohmi_rd_need(r, 4, what)) return 0;
    uint32_t v = ohmi_le_get32(r->p + r->pos);
    r->pos += 4;
    return v;
}

uint64_t ohmi_rd_u64(ohmi_rd *r, const char *what) {
    if (!ohmi_rd_need(r, 8, what)) return 0;
    uint64_t v = ohmi_le_get64(r->p + r->pos);
    r->pos += 8;
    return v;
}

int ohmi_rd_count_fits(ohmi_rd *r, size_t at, uint64_t n, size_t each, const char *what) {
    if (r->failed) return 0;
    if (n <= (r->len - r->pos) / each) return 1;
    ohmi_rd_fail(r, at, "%llu %s need %llu bytes, only %zu left", (unsigned long long)n, what,
                 (unsigned long long)n * each, r->len - r->pos);
    return 0;
}

unsigned char *ohmi_file_read(const char *path, size_t *len, char *err, size_t errlen) {
    if (err && errlen) err[0] = '\0';
    *len = 0;
    FILE *f = fopen(path, "rb");
    if (!f) {
        if (err && errlen) snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return NULL;
    }
    unsigned char *buf = NULL;
    size_t n = 0, cap = 0;
    for (;;) {
        if (cap - n < 65536) {
            size_t ncap = cap ? cap * 2 : 65536;
            unsigned char *b = realloc(buf, ncap);
            if (!b) {
                free(buf);
                fclose(f);
                if (err && errlen) snprintf(err, errlen, "%s: out of memory", path);
                return NULL;
            }
            buf = b;
            cap = ncap;
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0) break;
    }
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        free(buf);
        if (err && errlen) snprintf(err, errlen, "%s: read error", path);
        return NULL;
    }
    *len = n;
    return buf;
}
