/*
 * hash.c — the one byte hash: FNV-1a, 64 bits (offset basis 14695981039346656037,
 * prime 1099511628211), as docs/snapshot-format.md specifies for the snapshot
 * checksum. Strings interned by the tracer, str hashes and checksums all use it.
 */
#include "base/base.h"

uint64_t ohmi_hash_bytes(const void *p, size_t n, uint64_t h) {
    const unsigned char *s = p;
    for (size_t i = 0; i < n; i++) {
        h ^= s[i];
        h *= OHMI_FNV_PRIME;
    }
    return h;
}
