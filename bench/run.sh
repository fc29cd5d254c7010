#!/usr/bin/env bash
# run.sh BUILD_DIR — run every benchmark of `make bench` and print one table per issue,
# ohm next to its peers with ratios (ohm / peer: below 1 means ohm is better: every
# figure here is lower-is-better). The table also goes to BUILD_DIR/bench.md
# (Markdown, to paste into the README); the programs' own notes to BUILD_DIR/bench.log.
#
# Every timed figure is the median of OHM_BENCH_ROUNDS (default 5) runs, each run a
# process of its own, ohm's and its peers' processes alternated run by run; the table
# prints the min-max beside it and flags a spread above 10% (see `measure` below, and
# docs/benchmarks.md). The callgrind rows are one run each (instruction counts do not
# drift). A program that failed to build, crashed, or ran past OHM_BENCH_TIMEOUT
# seconds (default 300) gives "failed" cells and the run goes on. A peer that is not
# installed gives a "skipped:" line.
# OHM_BENCH_QUICK=1 runs every workload at a tenth of its size (`make bench-quick`
# adds OHM_BENCH_ROUNDS=1: one run of each row, for development).
set -u
B=${1:-build-bench}
BIN=$B/bench
SRC=$(cd "$(dirname "$0")" && pwd)
RAW=$B/bench.raw
ROWS=$B/bench.rows
LOG=$B/bench.log
SPEC=$B/bench.spec
TIMEOUT=${OHM_BENCH_TIMEOUT:-300}
ROUNDS=${OHM_BENCH_ROUNDS:-5}
QUICK=${OHM_BENCH_QUICK:-0}
[ "$QUICK" = "" ] && QUICK=0
: > "$RAW"
: > "$LOG"
START=$(date +%s)
# Measure the defaults: no debug hooks, tracing or stats from the caller's environment.
unset OHM_MALLOC OHM_TRACEMALLOC OHM_MALLOCSTATS OHM_TIMELINE OHM_GC_STRESS PYTHONMALLOC PYTHONTRACEMALLOC PYTHONMALLOCSTATS

HAVE_JEMALLOC=0 HAVE_MIMALLOC=0 HAVE_BOEHM=0
[ -f "$BIN/peers.env" ] && . "$BIN/peers.env"
PY=$(command -v python3 || true)
VG=$(command -v valgrind || true)

note() { printf '%s\n' "$*" >&2; }
[ "$HAVE_JEMALLOC" = 1 ] || note "skipped: jemalloc not found"
[ "$HAVE_MIMALLOC" = 1 ] || note "skipped: mimalloc not found"
[ "$HAVE_BOEHM" = 1 ] || note "skipped: Boehm GC not found"
[ -n "$PY" ] || note "skipped: CPython (python3) not found"
[ -n "$VG" ] || note "skipped: callgrind (valgrind) not found"

# ---------------------------------------------------------------- the runs
# Rows are measured in groups: a group lists the processes that make one set of rows,
# ohm's and its peers' (`member IMPL KEY... -- COMMAND...`), and `measure` runs them
# alternated, run by run, $ROUNDS times: ohm, mimalloc, jemalloc, glibc, ..., then ohm
# again, so that a slow spell of the machine hits every implementation alike. Each
# run's rows go to $RAW; the table gives each figure's median over the runs with its
# min-max (bench/table.awk). A member that crashed, timed out or did not print a KEY it
# should have gets a "failed" cell and is not run again.
G_IMPL=() G_KEYS=() G_CMD=() G_WHAT=() G_DEAD=() G_SECS=()

member() {
    local impl=$1; shift
    local keys=""
    while [ "$1" != "--" ]; do keys="$keys $1"; shift; done
    shift
    local what; what="$(basename "$1")"
    case "${2:-}" in */*) what="$what $(basename "$2") ${3:-}" ;; *) what="$what ${2:-}" ;; esac
    G_IMPL+=("$impl") G_KEYS+=("$keys") G_CMD+=("$(printf '%q ' "$@")") G_WHAT+=("$what")
    G_SECS+=(0)
    if [ ! -x "$1" ] && ! command -v "$1" >/dev/null; then
        G_DEAD+=("failed: not built")
        for k in $keys; do printf '%s\t%s\tfailed: not built\n' "$k" "$impl" >> "$RAW"; done
    else
        G_DEAD+=("")
    fi
}

# run_member I: one run of the group's member I.
run_member() {
    local i=$1 impl=${G_IMPL[$1]} out r k t0
    t0=$(date +%s.%N)
    echo "== $impl: ${G_CMD[$i]}" >> "$LOG"
    out=$(eval "timeout $TIMEOUT ${G_CMD[$i]}" 2>> "$LOG"); r=$?
    G_SECS[$i]=$(awk -v s="${G_SECS[$i]}" -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN {print s + b - a}')
    printf '%s\n' "$out" | awk -F'\t' -v OFS='\t' '$1 == "ROW" { $1 = ""; print substr($0, 2) }' >> "$RAW"
    if [ $r != 0 ]; then
        G_DEAD[$i]="failed"
        [ $r = 124 ] && G_DEAD[$i]="failed: timeout"
    fi
    for k in ${G_KEYS[$i]}; do
        printf '%s\n' "$out" | grep -q "^ROW	$k	$impl	" ||
            printf '%s\t%s\t%s\n' "$k" "$impl" "${G_DEAD[$i]:-failed}" >> "$RAW"
    done
    [ $r = 0 ] || note "    $impl ${G_WHAT[$i]}: exit $r"
}

# measure [-n N]: run the group's members alternated, $ROUNDS times (or N: a member
# that makes its own medians), then forget the group.
measure() {
    local rounds=$ROUNDS i r
    [ "${1:-}" = "-n" ] && rounds=$2
    for ((r = 0; r < rounds; r++)); do
        for i in "${!G_IMPL[@]}"; do [ -z "${G_DEAD[$i]}" ] && run_member "$i"; done
    done
    for i in "${!G_IMPL[@]}"; do
        note "$(printf '  %-8s %-40s %6.1fs %s' "${G_IMPL[$i]}" "${G_WHAT[$i]}" "${G_SECS[$i]}" \
            "$([ -n "${G_DEAD[$i]}" ] && echo "(${G_DEAD[$i]})" || echo "($rounds runs)")")"
    done
    G_IMPL=() G_KEYS=() G_CMD=() G_WHAT=() G_DEAD=() G_SECS=()
}

# cg_run FUNC COMMAND...: run under callgrind counting inside FUNC; prints the
# instructions collected and FUNC's own share of them (its self cost, which
# callgrind_annotate gives; 0 when that script is missing).
cg_run() {
    local fn=$1; shift
    local out; out=$(mktemp)
    local total self
    total=$(valgrind --tool=callgrind --callgrind-out-file="$out" --toggle-collect="$fn" "$@" 2>&1 |
            awk '/Collected :/ {print $NF}')
    self=$(callgrind_annotate --inclusive=no "$out" 2>/dev/null |
           awk -v f=":$fn" 'index($0, f " ") || index($0, f "\t") || $0 ~ f "$" {gsub(",", "", $1); print $1; exit}')
    rm -f "$out"
    echo "${total:-x} ${self:-0}"
}

# callgrind IMPL KEY FUNC MODE PER N1 N2 COMMAND...: instructions per unit, from
# COMMAND N1 and COMMAND N2 (the difference removes start-up and warm-up) divided by
# (N2 - N1) * PER. MODE "all": everything inside FUNC; "callees": what FUNC calls, its
# own loop left out (as the anchors count malloc+free); a number: everything inside
# FUNC less that many instructions per unit. Sets CG_SELF to FUNC's own per unit.
callgrind() {
    local impl=$1 key=$2 fn=$3 mode=$4 per=$5 n1=$6 n2=$7; shift 7
    [ -n "$VG" ] || return 0
    if [ ! -x "$1" ]; then printf '%s\t%s\tfailed: not built\n' "$key" "$impl" >> "$RAW"; return; fi
    local r1 r2
    r1=$(cg_run "$fn" "$@" "$n1")
    r2=$(cg_run "$fn" "$@" "$n2")
    local v
    v=$(awk -v r1="$r1" -v r2="$r2" -v n="$(( (n2 - n1) * per ))" -v mode="$mode" 'BEGIN {
        split(r1, a, " "); split(r2, b, " ")
        if (a[1] == "x" || b[1] == "x") { print "failed"; exit }
        all = (b[1] - a[1]) / n; self = (b[2] - a[2]) / n
        if (mode == "all") v = all; else if (mode == "callees") v = all - self; else v = all - mode
        printf "%.1f %.2f\n", v, self }')
    CG_SELF=${v#* }
    printf '%s\t%s\t%s\n' "$key" "$impl" "${v%% *}" >> "$RAW"
    note "$(printf '  %-8s callgrind %-18s %s: %s per unit (%s in %s itself)' "$impl" "$fn" "$(basename "$1")" "${v%% *}" "$CG_SELF" "$fn")"
}

# py KEY... -- ARGS...: CPython running a twin script, as a member of the group.
py() { [ -z "$PY" ] || member CPython "$@"; }

# Which allocator binaries exist on this machine, by name in the rows, in the order
# of each round: ohm first, then its closest peer.
ALLOCS="ohm:bench_alloc"
[ "$HAVE_MIMALLOC" = 1 ] && ALLOCS="$ALLOCS mimalloc:bench_alloc_mimalloc"
[ "$HAVE_JEMALLOC" = 1 ] && ALLOCS="$ALLOCS jemalloc:bench_alloc_jemalloc"
ALLOCS="$ALLOCS glibc:bench_alloc_glibc"

note "Benchmarks (OHM_BENCH_QUICK=$QUICK, $ROUNDS runs of each, alternated):"
# ---------------------------------------------------------------- issue 2 and 14: allocator
for c in churn lifo fifo realloc rnull callback frag; do
    case $c in
    rnull) keys="alloc.rnull.pair alloc.rnull.alloc alloc.rnull.free" ;;
    *) keys="alloc.$c" ;;
    esac
    for a in $ALLOCS; do member "${a%%:*}" $keys -- "$BIN/${a#*:}" "$c"; done
    [ "$c" = frag ] && py alloc.frag -- "$PY" "$SRC/bench_alloc.py" frag
    measure
done
# The trees, malloc'd and as tracked objects, in one group: the object rows' peer
# columns are the allocators' malloc trees (and Boehm's GC_MALLOC trees).
for a in $ALLOCS; do
    if [ "${a%%:*}" = ohm ]; then member ohm alloc.trees alloc.trees.first -- "$BIN/${a#*:}" trees
    else member "${a%%:*}" alloc.trees alloc.trees.first obj.trees obj.trees_nogc -- "$BIN/${a#*:}" trees; fi
done
[ "$HAVE_BOEHM" = 1 ] && member Boehm alloc.trees alloc.trees.first obj.trees -- "$BIN/bench_alloc_boehm" trees
member ohm obj.trees -- "$BIN/bench_objects" trees
member ohm obj.trees_nogc -- "$BIN/bench_objects" trees_nogc
member ohm obj.trees.gc_ns -- "$BIN/bench_objects" trees_gcns
py obj.trees obj.trees.gc_ns -- "$PY" "$SRC/bench_objects.py" trees
py obj.trees_nogc -- "$PY" "$SRC/bench_objects.py" trees_nogc
measure

# malloc+free inside the allocators (the loop around them left out, as the anchors
# count). ohm: a library copy without valgrind.h (bench/CMakeLists.txt), called without
# ohm.h's call-site macros; then with them, the macros' inlined code counted.
CG_SELF=
callgrind ohm alloc.fastpath fastpath_loop callees 16 2000 4000 "$BIN/bench_alloc_cg_nocs" fastpath
[ -n "$CG_SELF" ] && callgrind ohm alloc.fastpath_cs fastpath_loop "$CG_SELF" 16 2000 4000 "$BIN/bench_alloc_cg" fastpath
for a in $ALLOCS; do
    [ "${a%%:*}" = ohm ] && continue
    callgrind "${a%%:*}" alloc.fastpath fastpath_loop callees 16 2000 4000 "$BIN/${a#*:}" fastpath
done

# ---------------------------------------------------------------- issue 3: objects
TYPES="int float str tuple list dict"
churn_keys=$(for t in $TYPES; do printf 'obj.%s.warm obj.%s.cold ' "$t" "$t"; done)
member ohm obj.bytes -- "$BIN/bench_objects" bytes
py obj.bytes -- "$PY" "$SRC/bench_objects.py" bytes
measure
member ohm $churn_keys -- "$BIN/bench_objects" churn
py $churn_keys -- "$PY" "$SRC/bench_objects.py" churn
measure
member ohm obj.user.plain obj.user.freelist -- "$BIN/bench_objects" user
py obj.user.plain obj.user.freelist -- "$PY" "$SRC/bench_objects.py" user
measure
callgrind ohm obj.incdec incdec_loop all 4 100000 200000 "$BIN/bench_objects" incdec
callgrind ohm obj.incdec_call incdec_call_loop all 4 100000 200000 "$BIN/bench_objects" incdec_call
callgrind ohm obj.listget listget_loop all 4 100000 200000 "$BIN/bench_objects" listget
callgrind ohm obj.listget_call listget_call_loop all 4 100000 200000 "$BIN/bench_objects" listget_call
callgrind ohm obj.newfree newfree_loop all 16 2000 4000 "$BIN/bench_objects" newfree

# ---------------------------------------------------------------- issue 4: collector
for c in garbage pyperf_collect pyperf_traversal; do
    member ohm "gc.$c" -- "$BIN/bench_gc" "$c"
    py "gc.$c" -- "$PY" "$SRC/bench_gc.py" "$c"
    measure
done
member ohm gc.live.ns gc.live.pause -- "$BIN/bench_gc" live
py gc.live.ns gc.live.pause -- "$PY" "$SRC/bench_gc.py" live
measure
member ohm gc.steady.share gc.steady.pause gc.steady.ns -- "$BIN/bench_gc" steady
py gc.steady.share gc.steady.pause gc.steady.ns -- "$PY" "$SRC/bench_gc.py" steady
measure

# ---------------------------------------------------------------- issue 5: tracing
for w in churn trees; do
    member ohm trace.$w.off trace.$w.1 trace.$w.16 trace.$w.sampled -- "$BIN/bench_trace" "$w"
    py trace.$w.off trace.$w.1 trace.$w.16 -- "$PY" "$SRC/bench_trace.py" "$w"
    measure
done
member ohm trace.memory.1 trace.memory.16 -- "$BIN/bench_trace" memory
py trace.memory.1 trace.memory.16 -- "$PY" "$SRC/bench_trace.py" memory
measure

# ---------------------------------------------------------------- issue 11: memory over time
for w in churn trees; do
    member ohm timeline.$w.off timeline.$w.10ms timeline.$w.1ms -- "$BIN/bench_timeline" "$w"
    measure
done

# ---------------------------------------------------------------- issue 12: Python under ohm
# bench/python/run.py: CPython workloads under pymalloc, glibc, jemalloc, mimalloc and
# ohm (BUILD_DIR/ohm-python), runs alternated, medians: its own tables, in $PYMD.
# It makes its own alternation (OHM_BENCH_PY_RUNS runs: $ROUNDS unless set).
PYMD=$B/bench-python.md
: > "$PYMD"
if [ -n "$PY" ]; then
    t0=$(date +%s)
    export OHM_BENCH_PY_RUNS=${OHM_BENCH_PY_RUNS:-$ROUNDS}
    "$PY" "$SRC/python/run.py" "$B" "$PYMD" > /dev/null   # its notes: to stderr
    r=$?
    [ $r = 0 ] || printf '\n## Python under ohm (issue 12)\n\nfailed: bench/python/run.py exited %s (%s).\n' "$r" "$LOG" > "$PYMD"
    note "  CPython  python/run.py                              $(( $(date +%s) - t0 )).0s"
fi

# ---------------------------------------------------------------- issue 13: profiling Python
# ohm-python's tracing against tracemalloc on six Python workloads, medians of
# $ROUNDS alternating runs made by bench/python_trace.py itself (it prints each
# figure's median, min and max); one run of it here. Its workloads at a quarter
# (OHM_BENCH_PY_DIV=4; a tenth in a quick run): at full size its 5 x 42 processes
# take longer than the rest of the run together (`python3 bench/python_trace.py`
# gives the full size). One long case: a larger timeout.
OHMPY=$B/ohm-python
PYW="json trees dicts text pickle service"
pykeys="py.trace.off py.trace.1 py.trace.16 py.trace.sampled"
for w in $PYW; do pykeys="$pykeys py.trace.$w.1 py.trace.$w.16 py.trace.$w.sampled"; done
if [ -n "$PY" ] && [ -x "$OHMPY" ]; then
    [ "$QUICK" = 0 ] && export OHM_BENCH_PY_DIV=${OHM_BENCH_PY_DIV:-4}
    member ohm $pykeys -- "$PY" "$SRC/python_trace.py" "$OHMPY" "$PY"
    TIMEOUT=$(( TIMEOUT * 4 )) measure -n 1
else
    note "skipped: profiling Python (no python3, or ohm-python not built)"
fi

# ---------------------------------------------------------------- the figures
# Each (key, impl): the median of its runs' figures, with min and max when it had
# more than one run (or when the program gave them: python_trace.py); a cell that
# failed in any run stays failed.
awk -F'\t' -v OFS='\t' -f "$SRC/aggregate.awk" "$RAW" > "$ROWS"

# ---------------------------------------------------------------- the table
cat > "$SPEC" <<'EOF'
## Allocator (issues 2, 14)
alloc.churn|churn: 10k live, 8–512 B, free+malloc at random slots|ns/pair|mimalloc 0.85
alloc.lifo|LIFO batches of 1,000 blocks, 16–64 B|ns/pair|mimalloc 1.0
alloc.fifo|FIFO batches of 1,000 blocks, 16–64 B|ns/pair|mimalloc 1.0
alloc.realloc|realloc growth 16 B → 4 KiB, 16 B steps|ns/realloc
alloc.rnull.pair|malloc+free, LIFO batches of 4,096 blocks, 16–64 B (the base of the next two rows)|ns/pair
alloc.rnull.alloc|realloc(NULL, n) against malloc(n), the same batches, same process|× malloc|ohm 1.05
alloc.rnull.free|free of the blocks realloc(NULL, n) gave against free of malloc's|× free|ohm 1.05
alloc.callback|one realloc-style callback (lua_Alloc's shape) serving every allocation: Lua's binarytrees as Lua allocates, depth 16 ×40|ns/node|mimalloc 0.95
alloc.trees|binary trees depth 18 ×20, malloc/walk/free, the fresh heap's first tree included|ns/node|mimalloc 1.0
alloc.trees.first|the same: the first tree of the fresh heap alone|ns/node|mimalloc 1.0
alloc.frag|RSS kept after freeing a random 99.9% of 1M × 32 B|% of peak|ohm 15
alloc.fastpath|malloc+free pair inside the allocator, batches of 16 × 32 B (callgrind)|instr/pair|ohm 25
alloc.fastpath_cs|the same with ohm.h's inlined call-site macros (what a caller pays)|instr/pair
## Objects (issues 3, 14)
obj.trees|binary trees of 2-ref GC objects, depth 18 ×20 (peers: their malloc trees, Boehm: GC_MALLOC; CPython: __slots__)|ns/node|mimalloc 3;Boehm 1.0
obj.trees_nogc|the same, automatic collection off (peers: their malloc trees)|ns/node|mimalloc 2
obj.trees.gc_ns|the same, collection on: the collector's CPU time per object created, the trees after the first|ns/object|ohm 5
obj.bytes|RSS per live 2-ref GC object, 1M alive|bytes|ohm 32
obj.int.warm|int create+release, free list warm|ns/op
obj.int.cold|int, 10k live per batch, free lists emptied|ns/op
obj.float.warm|float create+release, free list warm|ns/op
obj.float.cold|float, 10k live per batch, free lists emptied|ns/op
obj.str.warm|str (10 chars) create+release|ns/op
obj.str.cold|str, 10k live per batch|ns/op
obj.tuple.warm|tuple(3) create+release, free list warm|ns/op
obj.tuple.cold|tuple(3), 10k live per batch, free lists emptied|ns/op
obj.list.warm|empty list create+release, free list warm|ns/op
obj.list.cold|list, 10k live per batch, free lists emptied|ns/op
obj.dict.warm|empty dict create+release, free list warm|ns/op
obj.dict.cold|dict, 10k live per batch, free lists emptied|ns/op
obj.user.plain|user GC type (2 refs) create+release (CPython: a __slots__ class)|ns/op
obj.user.freelist|the same type with freelist_max 100 (its own free list)|ns/op
obj.incdec|incref+decref pair, inline (callgrind, loop unrolled ×4 included)|instr/pair
obj.incdec_call|incref+decref pair, out-of-line functions with their calls (callgrind)|instr/pair
obj.listget|ohm_list_get + ohm_list_len per item, inline (callgrind, loop included)|instr/item
obj.listget_call|the same through the out-of-line functions|instr/item
obj.newfree|ohm_new+ohm_decref pair of a 32 B non-GC object, batches of 16 (callgrind, the loop included)|instr/pair
## Cycle collector (issues 4, 14)
gc.garbage|100k rings of 10 doubly-linked nodes (1M objects) unreachable, one full collection|ns/object|CPython 0.25
gc.live.ns|full collection over 1M nodes in 100k lists (1.1M live objects), nothing found|ns/object|CPython 0.25
gc.live.pause|the same: the pause|ms
gc.pyperf_collect|pyperformance gc_collect: 100 rings of 21 nodes, collect|µs/collection
gc.pyperf_traversal|pyperformance gc_traversal: 1000 lists, n refs to list n−1, collect|ms/collection
gc.steady.share|steady state: 3-node cycles dropped over a 1M-node heap: time in GC|% of time
gc.steady.pause|steady state: longest pause|ms
gc.steady.ns|steady state: collector time per object created|ns/object
## Tracing (issues 5, 14): slowdown against tracing off (CPython: tracemalloc)
trace.churn.off|churn (2M pairs; CPython: bytes objects, 100k), tracing off|ns/pair
trace.churn.1|churn, 1 frame|× off|ohm 1.3
trace.churn.16|churn, 16 frames|× off|ohm 3
trace.churn.sampled|churn, sampled at 512 KiB, 16 frames|× off|ohm 1.03
trace.trees.off|object trees depth 18, one after an untimed one, tracing off|ns/node
trace.trees.1|object trees, 1 frame|× off|ohm 1.5
trace.trees.16|object trees, 16 frames|× off|ohm 3;CPython 1.0
trace.trees.sampled|object trees, sampled at 512 KiB, 16 frames|× off|ohm 1.03
trace.memory.1|tracing's own memory per live traced block, 1 frame|bytes|ohm 8
trace.memory.16|tracing's own memory per live traced block, 16 frames|bytes|ohm 8
## Memory over time (issue 11): slowdown against no recording
timeline.churn.off|churn (2M pairs), no recording|ns/pair
timeline.churn.10ms|churn, ohm_timeline_start at 10 ms|× off
timeline.churn.1ms|churn, at 1 ms|× off
timeline.trees.off|object trees depth 18 ×2 (their collections recorded), no recording|ns/node
timeline.trees.10ms|object trees, at 10 ms|× off
timeline.trees.1ms|object trees, at 1 ms|× off
## Profiling Python programs (issue 13): slowdown against the untraced run (ohm: ohm-python's tracing; CPython: tracemalloc against plain CPython); workloads at a quarter of bench/python_trace.py's full size
py.trace.off|six Python workloads untraced, geometric mean (ohm: on ohm-python; CPython: on pymalloc)|ms
py.trace.1|exact, 1 frame (CPython: tracemalloc, 1 frame), geometric mean|× untraced|ohm 1.5
py.trace.16|exact, 16 frames (CPython: tracemalloc, 16 frames), geometric mean|× untraced|ohm 2
py.trace.sampled|sampled at 512 KiB, 16 frames, geometric mean (CPython: no sampled mode)|× untraced|ohm 1.05
py.trace.json.1|json: dumps and loads of 2,000 records, 1 frame|× untraced
py.trace.json.16|json, 16 frames|× untraced
py.trace.json.sampled|json, sampled|× untraced
py.trace.trees.1|trees: binary trees of __slots__ objects, depth 14, built recursively, 1 frame|× untraced
py.trace.trees.16|trees, 16 frames|× untraced
py.trace.trees.sampled|trees, sampled|× untraced
py.trace.dicts.1|dicts: a word count, an index of lists, their merge, 1 frame|× untraced
py.trace.dicts.16|dicts, 16 frames|× untraced
py.trace.dicts.sampled|dicts, sampled|× untraced
py.trace.text.1|text: a regex tokenizer and an HTML-ish render, 1 frame|× untraced
py.trace.text.16|text, 16 frames|× untraced
py.trace.text.sampled|text, sampled|× untraced
py.trace.pickle.1|pickle: dumps and loads of nested dicts, 1 frame|× untraced
py.trace.pickle.16|pickle, 16 frames|× untraced
py.trace.pickle.sampled|pickle, sampled|× untraced
py.trace.service.1|service: a request router with a cache, 6-8 frames deep, 1 frame|× untraced
py.trace.service.16|service, 16 frames|× untraced
py.trace.service.sampled|service, sampled|× untraced
EOF

COMMIT=$(git -C "$SRC" rev-parse --short HEAD 2>/dev/null || echo "?")
CPU=$(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo 2>/dev/null)
{
    echo "# ohm benchmarks"
    echo
    echo "Commit $COMMIT, $(date -u '+%Y-%m-%d %H:%M UTC'), ${CPU:-unknown CPU}, $(nproc) cores;" \
         "$( [ -n "$PY" ] && "$PY" -c 'import sys; print("CPython", sys.version.split()[0])')" \
         "$( [ "$QUICK" != 0 ] && echo '— QUICK run (workloads /10: not for quoting)')."
    echo "CPU time per operation, lower is better everywhere. Each figure is the median of $ROUNDS runs,"
    echo "ohm's and its peers' processes alternated run by run, with their min–max; ⚠ marks a spread"
    echo "(max − min) / median above 10% (a figure not to trust closer than that). The callgrind rows"
    echo "are one run (instruction counts do not drift). A peer's cell ends with the ratio of the"
    echo "medians ohm / peer (below 1: ohm is better). Targets are the issues' (✔ met, ✘ missed)."
    awk -F'\t' -v spec="$SPEC" -f "$SRC/table.awk" "$ROWS"
    cat "$PYMD"
} > "$B/bench.md"
cat "$B/bench.md"
note ""
note "Written to $B/bench.md (program notes in $LOG); $(( $(date +%s) - START )) s."
