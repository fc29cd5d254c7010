#!/usr/bin/env python3
"""run.py BUILD_DIR [OUT.md] — issue 12's Python benchmarks: each workload of
workloads.py under each allocator, alternated run by run, then Markdown tables.

Allocators: pymalloc (CPython's default), glibc (PYTHONMALLOC=malloc), jemalloc and
mimalloc (their Debian .so preloaded, with PYTHONMALLOC=malloc), ohm (BUILD_DIR/ohm-python,
or the launcher named by $OHM_BENCH_OHM_PYTHON). One that is missing gives a "skipped:"
line. Every allocator runs the same interpreter: $OHM_PYTHON, else python3 from PATH.

Runs go round robin, A B C D E A B C D E ..., workload by workload, so that a slow
spell of a shared machine falls on every allocator alike; each cell is the median of
the runs with their min–max, a ⚠ when that spread is over 10% of the median. Ratios
are median / pymalloc's median; the geometric means are over the workloads.

Environment: OHM_BENCH_QUICK=1 (workloads at a tenth, 3 runs), OHM_BENCH_PY_RUNS=N
(runs per allocator; default 5), OHM_BENCH_TIMEOUT (seconds per process, default 300).
Progress and notes go to stderr, the tables to stdout and OUT.md.
"""
import glob
import math
import os
import shutil
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
WORKLOADS = os.path.join(HERE, "workloads.py")
QUICK = os.environ.get("OHM_BENCH_QUICK", "0") not in ("", "0")
RUNS = int(os.environ.get("OHM_BENCH_PY_RUNS", "3" if QUICK else "5"))
TIMEOUT = float(os.environ.get("OHM_BENCH_TIMEOUT", "300"))
SPREAD_FLAG = 0.10

# name, label (the table's first column)
CASES = [
    ("json_dumps", "json dumps: records, nested dicts, indent+sort_keys"),
    ("json_loads", "json loads of the same documents"),
    ("dict_churn", "dict churn: a 30k-entry cache, random set and pop"),
    ("str_churn", "str churn: format, split/join, replace, upper"),
    ("list_churn", "list churn: append/pop, slices, sorts, 2k live lists"),
    ("object_tree", "object trees (plain class), depth 14 ×4, one of 15 kept"),
    ("object_tree_slots", "the same with __slots__"),
    ("regex", "regex: log lines parsed, findall, sub with a function"),
    ("pickle_roundtrip", "pickle round trips, protocols 2 and 5"),
    ("gc_cycles", "GC-heavy: 10-object rings dropped over 100k live objects"),
    ("threads", "threaded: 4 workers, queues, records → JSON"),
    ("spike", "spike: 1M tuples built, a random 99.9% dropped, gc.collect()"),
]
ALLOCS = ["pymalloc", "glibc", "jemalloc", "mimalloc", "ohm"]


def note(msg):
    print(msg, file=sys.stderr, flush=True)


def find_so(name):
    """The path of a shared library by its soname: ldconfig's cache, then the usual
    directories. None when absent."""
    try:
        out = subprocess.run(["ldconfig", "-p"], capture_output=True, text=True).stdout
        for line in out.splitlines():
            if line.strip().startswith(name + " ") and "=>" in line:
                path = line.split("=>")[1].strip()
                if os.path.exists(path):
                    return path
    except OSError:
        pass
    for d in ("/usr/lib/*-linux-gnu", "/usr/lib64", "/usr/lib", "/usr/local/lib"):
        for path in glob.glob(os.path.join(d, name)):
            return path
    return None


def base_env():
    """The caller's environment less anything that would change what is measured."""
    env = dict(os.environ)
    for k in list(env):
        if k.startswith(("OHM_MALLOC", "OHM_TRACEMALLOC", "OHM_GC_STRESS", "OHM_TIMELINE")) \
                or k in ("PYTHONMALLOC", "PYTHONTRACEMALLOC", "PYTHONMALLOCSTATS",
                         "PYTHONDEVMODE", "LD_PRELOAD"):
            del env[k]
    return env


def setup(build):
    """{allocator: (command prefix, environment, preloaded peer, pymalloc expected)} for those
    found; notes a "skipped:" line for each missing one. Returns it and the notes."""
    python = shutil.which(os.environ.get("OHM_PYTHON") or "python3")
    if not python:
        return None, ["skipped: Python benchmarks: no python3 (or $OHM_PYTHON) found"]
    env = base_env()
    malloc_env = dict(env, PYTHONMALLOC="malloc")
    setups = {
        "pymalloc": ([python], env, None, True),
        "glibc": ([python], malloc_env, None, False),
    }
    notes = []
    for peer in ("jemalloc", "mimalloc"):
        so = find_so("lib%s.so.2" % peer)
        if so:
            setups[peer] = ([python], dict(malloc_env, LD_PRELOAD=so), peer, False)
        else:
            notes.append("skipped: %s (lib%s.so.2) not found" % (peer, peer))
    launcher = os.environ.get("OHM_BENCH_OHM_PYTHON") or os.path.join(build, "ohm-python")
    if os.access(launcher, os.X_OK):
        setups["ohm"] = ([os.path.abspath(launcher), "--python", python], env, None, False)
    else:
        notes.append("skipped: ohm-python not built (%s)" % launcher)
    return setups, notes


def run_one(setup_, case):
    """One process: (wall s, peak KiB, and for the spike: the fraction of the peak RSS
    kept, the peak in bytes, the fraction of the spike's growth kept; else None), or a
    string saying why it failed."""
    cmd, env, lib, want_pymalloc = setup_
    try:
        p = subprocess.run(cmd + [WORKLOADS, case], env=env, capture_output=True,
                           text=True, timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        return "failed: timeout"
    res = {}
    for line in p.stdout.splitlines():
        f = line.split("\t")
        res[f[0]] = f[1:]
    if p.returncode != 0 or "PYBENCH" not in res:
        tail = (p.stderr.strip().splitlines() or ["no output"])[-1]
        return "failed (exit %d: %s)" % (p.returncode, tail[:120])
    _, wall, hwm, libs, blocks = res["PYBENCH"]
    mapped = libs.split(",")
    pymalloc_on = int(blocks) > 0
    # the allocator asked for is the one that served: pymalloc's own blocks only under
    # pymalloc, and the preloaded peer mapped where one was preloaded (and only there)
    if pymalloc_on != want_pymalloc:
        return "failed: pymalloc %s" % ("still in use" if pymalloc_on else "not in use")
    for peer in ("jemalloc", "mimalloc"):
        if (peer in mapped) != (lib == peer):
            return "failed: %s %s" % (peer, "not preloaded" if lib == peer else "mapped")
    kept = peak = growth = None
    if "SPIKE" in res:
        start, peak, after = (int(x) for x in res["SPIKE"])
        kept = after / peak if peak else None
        growth = (after - start) / (peak - start) if peak > start else None
    return float(wall), int(hwm), kept, peak, growth


def stats(xs):
    med = statistics.median(xs)
    spread = (max(xs) - min(xs)) / med if med else 0.0
    return med, min(xs), max(xs), spread


def fmt(v):
    a = abs(v)
    if a >= 100:
        return "%.0f" % v
    if a >= 10:
        return "%.1f" % v
    return "%.2f" % v


def cell(xs, base_med):
    """median (min–max) ratio× ⚠ — the ratio against pymalloc's median."""
    if isinstance(xs, str):
        return xs
    med, lo, hi, spread = stats(xs)
    s = "%s (%s–%s)" % (fmt(med), fmt(lo), fmt(hi))
    if base_med:
        s += " %.2f×" % (med / base_med)
    if spread > SPREAD_FLAG:
        s += " ⚠"
    return s


def geomean(xs):
    return math.exp(sum(math.log(x) for x in xs) / len(xs)) if xs else None


def measure(setups, allocs):
    """Every workload under every allocator, RUNS times round robin:
    {alloc: {case: [run_one results] or the first failure's message}}."""
    results = {a: {c: [] for c, _ in CASES} for a in allocs}
    note("Python under ohm (issue 12): %d runs × %d workloads × %d allocators%s"
         % (RUNS, len(CASES), len(allocs), " (quick)" if QUICK else ""))
    for r in range(RUNS):
        t0 = time.time()
        for case, _ in CASES:
            for a in allocs:
                if isinstance(results[a][case], str):
                    continue        # failed before: not again
                res = run_one(setups[a], case)
                if isinstance(res, str):
                    results[a][case] = res.replace("|", "/")   # it goes into a table
                    note("  %-8s %-18s %s" % (a, case, res))
                else:
                    results[a][case].append(res)
        note("  run %d of %d: %.0f s" % (r + 1, RUNS, time.time() - t0))
    return results


def column(results, a, case, i, scale=1.0):
    """Field i of every run of (a, case), scaled; the failure message if it failed."""
    v = results[a][case]
    return v if isinstance(v, str) else [x[i] * scale for x in v if x[i] is not None]


def header(setups, notes):
    """The lines above the tables: commit, machine, interpreter, method, skips."""
    python = setups["pymalloc"][0][0]
    version = subprocess.run([python, "-c", "import sys; print(sys.version.split()[0])"],
                             capture_output=True, text=True).stdout.strip()
    commit = subprocess.run(["git", "-C", HERE, "rev-parse", "--short", "HEAD"],
                            capture_output=True, text=True).stdout.strip() or "?"
    cpu = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(l.split(":", 1)[1].strip() for l in f if l.startswith("model name"))
    except (OSError, StopIteration):
        pass
    lines = ["", "## Python under ohm (issue 12)", "",
             "Commit %s, %s, %s, %d cores." % (
                 commit, time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), cpu,
                 os.cpu_count() or 0),
             "%s (CPython %s), %d processes per allocator and workload, alternated "
             "round robin%s; each cell: median (min–max) and the ratio to pymalloc's "
             "median, ⚠ where the spread is over 10%% of the median. Lower is better."
             % (python, version, RUNS,
                ", QUICK (workloads /10: not for quoting)" if QUICK else "")]
    if "ohm" in setups:
        lines.append("ohm: %s." % setups["ohm"][0][0])
    return lines + [n + "." for n in notes]


def table(lines, results, allocs, title, i, scale):
    """One table of field i, workloads × allocators, with the geometric means of the
    ratios to pymalloc; returns those means and {alloc: {case: ratio}}."""
    lines.extend(["", title, "", "| workload | " + " | ".join(allocs) + " |",
                  "|---|" + "---:|" * len(allocs)])
    ratios = {a: {} for a in allocs}
    for case, label in CASES:
        base = column(results, "pymalloc", case, i, scale)
        base_med = None if isinstance(base, str) else statistics.median(base)
        cells = []
        for a in allocs:
            xs = column(results, a, case, i, scale)
            cells.append(cell(xs, None if a == "pymalloc" else base_med))
            if base_med and not isinstance(xs, str):
                ratios[a][case] = statistics.median(xs) / base_med
        lines.append("| %s | %s |" % (label, " | ".join(cells)))
    gm = {a: geomean(list(ratios[a].values())) for a in allocs}

    def gm_cell(a):
        if not gm[a]:
            return "—"
        part = len(ratios[a]) < len(CASES)     # some failed: say over how many
        return "**%.2f×**%s" % (gm[a], " (%d of %d)" % (len(ratios[a]), len(CASES)) if part else "")
    lines.append("| **geometric mean, × pymalloc** | %s |" % " | ".join(map(gm_cell, allocs)))
    return gm, ratios


def spike_table(lines, results, allocs):
    """The spike's resident sets; returns {alloc: kept % of the peak, per run}."""
    lines.extend(["", "**RSS kept after the spike** (1M tuples of two ints built, a random "
                  "99.9% dropped, gc.collect(): the resident set then, against the one "
                  "at the peak)", "",
                  "| | " + " | ".join(allocs) + " |", "|---|" + "---:|" * len(allocs)])
    rows = [("kept, % of peak", 2, 100.0), ("peak, MiB", 3, 1 / 2 ** 20),
            ("kept of the spike's growth (RSS before it left out), %", 4, 100.0)]
    for label, i, scale in rows:
        lines.append("| %s | %s |" % (label, " | ".join(
            cell(column(results, a, "spike", i, scale), None) for a in allocs)))
    return {a: column(results, a, "spike", 2, 100.0) for a in allocs}


def targets(lines, gm_time, gm_rss, rss_ratios, kept):
    """Issue 12's three targets for ohm, each with ✔ or ✘ and the measured figure."""
    lines.extend(["", "**Targets** (issue 12), ohm against pymalloc:", ""])
    if "ohm" not in kept:
        lines.append("- not measured: ohm-python not built")
        return

    def mark(ok):
        return "✔" if ok else "✘"
    t = gm_time["ohm"]
    lines.append("- geometric-mean time ≤ 1.0× pymalloc: %s" %
                 ("%s %.3f×" % (mark(t <= 1.0), t) if t else "✘ no figure"))
    m = gm_rss["ohm"]
    worst = max(((x, c) for c, x in rss_ratios["ohm"].items()), default=None)
    over = sum(1 for x in rss_ratios["ohm"].values() if x > 1.0)
    lines.append("- peak RSS ≤ 1.0× pymalloc: %s" % (
        "%s %.3f× (geometric mean; %d of %d workloads above 1.0×, the highest %.2f× %s)"
        % (mark(m <= 1.0), m, over, len(rss_ratios["ohm"]), worst[0], worst[1])
        if m else "✘ no figure"))
    k = kept["ohm"]
    lines.append("- RSS kept after the spike ≤ 10%% of the peak: %s" % (
        "✘ %s" % (k or "no figure") if isinstance(k, str) or not k else
        "%s %.1f%%" % (mark(statistics.median(k) <= 10.0), statistics.median(k))))


def main():
    if len(sys.argv) < 2:
        sys.exit("usage: run.py BUILD_DIR [OUT.md]")
    build = sys.argv[1]
    out = sys.argv[2] if len(sys.argv) > 2 else os.path.join(build, "bench-python.md")
    start = time.time()
    setups, notes = setup(build)
    for n in notes:
        note(n)
    if setups is None:
        return
    allocs = [a for a in ALLOCS if a in setups]
    results = measure(setups, allocs)
    lines = header(setups, notes)
    gm_time, _ = table(lines, results, allocs, "**Wall time** (ms, the workload alone, "
                       "start-up left out; in each process the best of 3 runs of it, the "
                       "spike's one)", 0, 1000.0)
    gm_rss, rss_ratios = table(lines, results, allocs,
                               "**Peak RSS** (MiB, VmHWM of the process)", 1, 1 / 1024)
    kept = spike_table(lines, results, allocs)
    targets(lines, gm_time, gm_rss, rss_ratios, kept)
    text = "\n".join(lines) + "\n"
    with open(out, "w") as f:
        f.write(text)
    sys.stdout.write(text)
    note("Python benchmarks: %.0f s; written to %s" % (time.time() - start, out))


if __name__ == "__main__":
    main()
