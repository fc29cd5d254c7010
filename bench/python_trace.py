#!/usr/bin/env python3
"""python_trace.py — what profiling a Python program costs: ohm's tracing under
ohm-python against tracemalloc (issue 13; docs/python.md, "Profiling").

    python_trace.py OHM_PYTHON [PYTHON]       rows for bench/run.sh, notes on stderr
    python_trace.py --child WORKLOAD MODE     one timed run (what the parent starts)

Six Python workloads (below), each timed in a process of its own, in seven modes:
  off      ohm-python, no tracing          ohm1    ohm.start(1)       ohm16  ohm.start(16)
  sampled  ohm.start(16, 512 KiB)          plain   CPython, no tracing
  tm1      CPython, tracemalloc.start(1)   tm16    tracemalloc.start(16)
Tracing starts after the imports, right before the timed run, as a program that
profiles itself would start it. Each (workload, mode) runs REPS times (5; 3 with
OHM_BENCH_QUICK=1, which also shrinks the workloads tenfold; OHM_BENCH_PY_RUNS=N sets
it; OHM_BENCH_PY_DIV=N divides the workloads by N, as make bench does to fit its time), the modes alternating within each round so that a slow spell of the machine hits
all of them. ohm's slowdowns are against `off` (the same allocator, untraced) in the
same round, tracemalloc's against `plain`; the summary rows are geometric means over
the workloads, per round. A figure is the median over the rounds, printed with the
rounds' min and max: "ROW <tab> key <tab> impl <tab> median <tab> min <tab> max" (impl
ohm, or CPython for tracemalloc and plain CPython), as bench/run.sh reads them.
"""
import json
import math
import os
import pickle
import random
import re
import statistics
import subprocess
import sys
import time

QUICK = os.environ.get("OHM_BENCH_QUICK", "0") not in ("", "0")
REPS = int(os.environ.get("OHM_BENCH_PY_RUNS") or ("3" if QUICK else "5"))
DIV = int(os.environ.get("OHM_BENCH_PY_DIV") or ("10" if QUICK else "1"))
SEED = 0x5EED


def scaled(n):
    return max(1, n // DIV)


# ---------------------------------------------------------------- the workloads

def _record(rng, i):
    return {"id": i, "name": "user%06d" % rng.randrange(10 ** 6),
            "email": "u%d@example.org" % rng.randrange(10 ** 5), "score": rng.random() * 100,
            "tags": ["t%d" % rng.randrange(50) for _ in range(rng.randrange(1, 6))],
            "pos": [rng.randrange(-1000, 1000), rng.randrange(-1000, 1000)]}


def w_json():
    """json.dumps and json.loads of a list of records (allocation in C, shallow stacks)."""
    rng = random.Random(SEED)
    docs = [_record(rng, i) for i in range(2000)]
    n = 0
    for _ in range(scaled(12)):
        text = json.dumps(docs)
        n += len(json.loads(text))
    return n


class _Node:
    __slots__ = ("left", "right", "value")

    def __init__(self, left, right, value):
        self.left, self.right, self.value = left, right, value


def _tree(depth, rng):
    if depth == 0:
        return _Node(None, None, rng.random())
    return _Node(_tree(depth - 1, rng), _tree(depth - 1, rng), depth)


def _check(node):
    return 1 if node.left is None else 1 + _check(node.left) + _check(node.right)


def w_trees():
    """Binary trees of small objects built and walked recursively (deep stacks)."""
    rng = random.Random(SEED)
    return sum(_check(_tree(14, rng)) for _ in range(scaled(10)))


def w_dicts():
    """Dicts and strings built and dropped: a word count, an index, their merge."""
    rng = random.Random(SEED)
    words = ["w%d" % rng.randrange(20000) for _ in range(scaled(200000))]
    counts = {}
    for w in words:
        counts[w] = counts.get(w, 0) + 1
    index = {w: [i for i in range(c)] for w, c in counts.items()}
    merged = {("%s:%d" % (w, len(v))): tuple(v) for w, v in index.items()}
    return len(merged)


_TOKEN = re.compile(r"\s*(?:(\d+\.\d*|\d+)|(\w+)|(.))")


def w_text():
    """A tokenizer and a template renderer over text: regex matches, slices, joins."""
    rng = random.Random(SEED)
    src = " ".join("x%d = %d.%d * (y + %d)" % (i, rng.randrange(100), rng.randrange(10), i)
                   for i in range(scaled(30000)))
    toks = [m.group(0).strip() for m in _TOKEN.finditer(src)]
    lines = ["<li>%s</li>" % " ".join(toks[i:i + 8]) for i in range(0, len(toks), 8)]
    return len("\n".join(lines).upper().split("<LI>"))


def w_pickle():
    """pickle.dumps and pickle.loads of nested lists, dicts and tuples."""
    rng = random.Random(SEED)
    data = [{"k%d" % j: (j, str(j), [rng.random()] * 3) for j in range(20)} for _ in range(500)]
    n = 0
    for _ in range(scaled(10)):
        n += len(pickle.loads(pickle.dumps(data, protocol=4)))
    return n


class _Request:
    def __init__(self, i, rng):
        self.path = "/api/v1/items/%d" % rng.randrange(5000)
        self.headers = {"user-agent": "bench/%d" % (i % 7), "accept": "application/json"}
        self.query = {"page": str(rng.randrange(10)), "q": "term%d" % rng.randrange(300)}


class _Service:
    def __init__(self):
        self.cache = {}

    def route(self, req):
        parts = req.path.strip("/").split("/")
        return self.handler(parts[-1], req)

    def handler(self, item, req):
        key = (item, req.query["page"])
        if key not in self.cache:
            self.cache[key] = self.render(item, req)
        return self.cache[key]

    def render(self, item, req):
        rows = [{"item": item, "n": n, "label": "%s-%d" % (req.query["q"], n)} for n in range(10)]
        return json.dumps({"rows": rows, "agent": req.headers["user-agent"]})


def w_service():
    """A request router with a cache: small objects, dicts, f-strings, 6-8 frames deep."""
    rng = random.Random(SEED)
    svc = _Service()
    total = 0
    for i in range(scaled(12000)):
        total += len(svc.route(_Request(i, rng)))
        if len(svc.cache) > 2000:
            svc.cache.clear()
    return total


WORKLOADS = {"json": w_json, "trees": w_trees, "dicts": w_dicts, "text": w_text,
             "pickle": w_pickle, "service": w_service}
MODES = ["off", "ohm1", "ohm16", "sampled", "plain", "tm1", "tm16"]


# ---------------------------------------------------------------- one run

def child(workload, mode):
    fn = WORKLOADS[workload]
    if mode.startswith("tm"):
        import tracemalloc
        tracemalloc.start(int(mode[2:]))
    elif mode != "off" and mode != "plain":
        import ohm
        if mode == "sampled":
            ohm.start(16, 512 * 1024)
        else:
            ohm.start(int(mode[3:]))
    t = time.perf_counter()
    fn()
    print("TIME %.6f" % (time.perf_counter() - t))


# ---------------------------------------------------------------- the parent

def measure(ohm_python, python, workload, mode):
    cmd = [python] if mode in ("plain", "tm1", "tm16") else [ohm_python, "--python", python]
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("OHM_TRACE", "OHM_MALLOC", "OHM_TIMELINE", "PYTHONTRACEMALLOC"))}
    p = subprocess.run(cmd + [os.path.abspath(__file__), "--child", workload, mode],
                       capture_output=True, text=True, env=env, timeout=600)
    m = re.search(r"^TIME (\S+)$", p.stdout, re.M)
    if p.returncode or not m:
        raise RuntimeError("%s %s: exit %d\n%s" % (workload, mode, p.returncode, p.stderr[-2000:]))
    return float(m.group(1))


def geomean(xs):
    return math.exp(sum(math.log(x) for x in xs) / len(xs))


def main():
    ohm_python = sys.argv[1]
    python = sys.argv[2] if len(sys.argv) > 2 else sys.executable
    times = {(w, m): [] for w in WORKLOADS for m in MODES}
    for r in range(REPS):
        for w in WORKLOADS:
            for m in MODES:
                times[w, m].append(measure(ohm_python, python, w, m))
        print("round %d of %d done" % (r + 1, REPS), file=sys.stderr)
    # per round: each traced mode against its untraced base of the same round
    ratios = {}
    for w in WORKLOADS:
        for m in ("ohm1", "ohm16", "sampled"):
            ratios[w, m] = [t / b for t, b in zip(times[w, m], times[w, "off"])]
        for m in ("tm1", "tm16"):
            ratios[w, m] = [t / b for t, b in zip(times[w, m], times[w, "plain"])]
    med = {k: statistics.median(v) for k, v in times.items()}
    ratio = {k: statistics.median(v) for k, v in ratios.items()}

    def row(key, impl, per_round):
        print("ROW\t%s\t%s\t%.4g\t%.4g\t%.4g" % (key, impl, statistics.median(per_round),
                                               min(per_round), max(per_round)))

    def geo_rounds(series):      # the geometric mean over the workloads, round by round
        return [geomean(xs) for xs in zip(*series)]

    row("py.trace.off", "ohm", geo_rounds([[1000 * t for t in times[w, "off"]] for w in WORKLOADS]))
    row("py.trace.off", "CPython", geo_rounds([[1000 * t for t in times[w, "plain"]] for w in WORKLOADS]))
    for key, ours, theirs in (("1", "ohm1", "tm1"), ("16", "ohm16", "tm16"), ("sampled", "sampled", None)):
        row("py.trace." + key, "ohm", geo_rounds([ratios[w, ours] for w in WORKLOADS]))
        if theirs:
            row("py.trace." + key, "CPython", geo_rounds([ratios[w, theirs] for w in WORKLOADS]))
    for w in WORKLOADS:
        row("py.trace.%s.off" % w, "ohm", [1000 * t for t in times[w, "off"]])
        row("py.trace.%s.off" % w, "CPython", [1000 * t for t in times[w, "plain"]])
        for key, ours, theirs in (("1", "ohm1", "tm1"), ("16", "ohm16", "tm16"), ("sampled", "sampled", None)):
            row("py.trace.%s.%s" % (w, key), "ohm", ratios[w, ours])
            if theirs:
                row("py.trace.%s.%s" % (w, key), "CPython", ratios[w, theirs])
    # the same, readable, for the log and docs/python.md
    print("%-8s %9s %9s | %6s %6s %7s | %6s %6s" % ("workload", "off ms", "plain ms", "ohm1", "ohm16",
                                                    "sampled", "tm1", "tm16"), file=sys.stderr)
    for w in WORKLOADS:
        print("%-8s %9.1f %9.1f | %6.2f %6.2f %7.3f | %6.2f %6.2f" % (
            w, 1000 * med[w, "off"], 1000 * med[w, "plain"], ratio[w, "ohm1"], ratio[w, "ohm16"],
            ratio[w, "sampled"], ratio[w, "tm1"], ratio[w, "tm16"]), file=sys.stderr)
    print("%-8s %9s %9s | %6.2f %6.2f %7.3f | %6.2f %6.2f  (geometric means)" % (
        "all", "", "", *(geomean([ratio[w, m] for w in WORKLOADS])
                         for m in ("ohm1", "ohm16", "sampled", "tm1", "tm16"))), file=sys.stderr)


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--child":
        child(sys.argv[2], sys.argv[3])
    elif len(sys.argv) in (2, 3) and not sys.argv[1].startswith("-"):
        main()
    else:
        sys.exit(__doc__)
