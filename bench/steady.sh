#!/bin/sh
# steady.sh BUILD_DIR — the steady-state benchmark of issue 15 (`make bench-steady`;
# STEADY_SCALE="N ..." first runs `gc_steady scale N`: `make bench-scale`). Builds bench/gc_steady.c against
# BUILD_DIR/libohm.a, then for each N:ITERATIONS in STEADY_SIZES (default
# "1000000:4000000 10000000:12000000": the same work for each collector, enough for two
# or more full collections or cycles at either size; ~6 s and ~25 s for ohm) runs generational ohm,
# incremental ohm and CPython (bench/gc_steady.py) in turn, STEADY_RUNS times (default
# 3), and prints the medians of each figure as a markdown table (also in
# BUILD_DIR/steady.md). Garbage age (gc_steady.c's header): a dropped cycle's, exact (p99,
# max, how many reclaimed older than 2 s); a long-lived node's, an upper bound (max;
# CPython's: since it left the list);
# garbage alive at the end and certainly older than 2 s (CPython: sampled cycles only).
set -e
B=${1:-build-steady}
SIZES=${STEADY_SIZES:-"1000000:4000000 10000000:12000000"}
RUNS=${STEADY_RUNS:-3}
PY=${STEADY_PYTHON:-python3}
cc -O2 -Wall -Wextra -Iinclude -Isrc bench/gc_steady.c "$B/libohm.a" -lpthread -lm -o "$B/gc_steady"
if [ -n "$STEADY_SCALE" ]; then   # make bench-scale: the scale figures, then the loop
    for n in $STEADY_SCALE; do "$B/gc_steady" scale "$n" | tee -a "$B/scale.txt"; done
fi
case "$SIZES" in *[0-9]*) ;; *) exit 0 ;; esac   # scale only: keep the last table
raw="$B/steady.raw"
: > "$raw"
for spec in $SIZES; do
    n=${spec%%:*}
    ITERS=${spec#*:}
    r=0
    while [ "$r" -lt "$RUNS" ]; do
        "$B/gc_steady" "$n" "$ITERS" generational | head -1 >> "$raw"
        "$B/gc_steady" "$n" "$ITERS" incremental | head -1 >> "$raw"
        if [ -z "$STEADY_NO_PYTHON" ] && command -v "$PY" >/dev/null; then
            "$PY" bench/gc_steady.py "$n" "$ITERS" >> "$raw" || true
        fi
        r=$((r + 1))
    done
done
# medians per (mode, N): longest, p99, gc share, peak RSS, garbage max and mean, ages
awk '
function kv(s,   a, i, p) { for (i = 1; i <= NF; i++) { split($i, p, "="); v[p[1]] = p[2] } }
function med(key,   n, i, j, t, a) {
    n = split(vals[key], a, " ")
    for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
    return n ? a[int((n + 1) / 2)] : "-"
}
{
    delete v; kv($0); k = v["mode"] " " v["N"]
    if (!(k in seen)) { seen[k] = 1; order[++nk] = k }
    split("longest_ms longest_iter_ms p99_ms gc_share peak_rss_mb garbage_max garbage_mean cyc_age_p99_s cyc_age_max_s cyc_over_2s node_age_max_s old_garbage_end", f, " ")
    for (i in f) vals[k SUBSEP f[i]] = vals[k SUBSEP f[i]] " " v[f[i]]
}
END {
    print "| N | collector | longest pause ms | longest iteration ms | p99 pause ms | time in collector | peak RSS MB | garbage at a second, max | mean | cycle age p99 s | cycle age max s | cycle nodes reclaimed > 2 s | long-lived garbage age max s (bound) | garbage > 2 s at end |"
    print "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
    for (i = 1; i <= nk; i++) {
        split(order[i], m, " ")
        printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", m[2], m[1],
            med(order[i] SUBSEP "longest_ms"), med(order[i] SUBSEP "longest_iter_ms"), med(order[i] SUBSEP "p99_ms"),
            med(order[i] SUBSEP "gc_share"), med(order[i] SUBSEP "peak_rss_mb"),
            med(order[i] SUBSEP "garbage_max"), med(order[i] SUBSEP "garbage_mean"),
            med(order[i] SUBSEP "cyc_age_p99_s"), med(order[i] SUBSEP "cyc_age_max_s"),
            med(order[i] SUBSEP "cyc_over_2s"),
            med(order[i] SUBSEP "node_age_max_s"), med(order[i] SUBSEP "old_garbage_end")
    }
}' "$raw" | tee "$B/steady.md"
