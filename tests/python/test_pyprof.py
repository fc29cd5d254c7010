#!/usr/bin/env python3
"""test_pyprof.py — profiling Python programs with ohm (docs/python.md, "Profiling").

Run by ctest (python_prof) with OHM_PYTHON_BIN, PYTHON, CC and WORK_DIR in the
environment; ohm-prof is beside ohm-python. Checks, each with a small script run
under ohm-python:
  - the `ohm` module: its functions, its errors, and its ImportError outside ohm-python;
  - Python frames in snapshots: file, line and function of each frame, newest first,
    the C function that allocated after them; in threads, generators, coroutines,
    finalizers run by the collector, weakref callbacks, signal handlers; during
    start-up and shutdown (no crash; C frames where Python has none yet);
  - a C extension's block (badmem.hold) under the Python line that called it;
  - agreement with tracemalloc: `ohm-prof top --key lineno` against
    statistics('lineno'), the same top lines with sizes within 5%, in one process
    (both tracing the same allocations) and in two (plain CPython and ohm);
  - the reports: top, diff, leaks, folded, flamegraph (Python frames above the C
    frames), lines SCRIPT.py, timeline;
  - sampled tracing;
  - every CPython 3.7 to 3.13 on the machine: its frames read right.
Ends with "N passed, N failed"; exit 1 when anything failed.
"""
import glob
import json
import os
import re
import shutil
import subprocess
import sys
import textwrap

OHM = os.environ["OHM_PYTHON_BIN"]
PROF = os.path.join(os.path.dirname(OHM), "ohm-prof")
MODDIR = os.path.join(os.path.dirname(OHM), "python")
PY = subprocess.run([os.environ["PYTHON"], "-c", "import sys; print(sys.executable)"],
                    capture_output=True, text=True, check=True).stdout.strip()
CC = os.environ.get("CC") or shutil.which("cc")
HERE = os.path.dirname(os.path.abspath(__file__))
WORK = os.path.join(os.environ["WORK_DIR"], "python_prof")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from checklib import check, clean_env, finish  # noqa: E402


def run(args, env=None, timeout=300, python=None):
    p = subprocess.run([OHM, "--python", python or PY] + list(args), capture_output=True,
                       text=True, env=env or clean_env(), cwd=WORK, timeout=timeout)
    return p.returncode, p.stdout, p.stderr


def detail(rc, out, err):
    return "rc=%d\n--- stdout\n%s--- stderr\n%s" % (rc, out[-3000:], err[-3000:])


def write(name, text):
    path = os.path.join(WORK, name)
    with open(path, "w") as f:
        f.write(textwrap.dedent(text))
    return path


def prof(*args):
    p = subprocess.run([PROF] + list(args), capture_output=True, text=True, cwd=WORK)
    return p.returncode, p.stdout, p.stderr


def stats(snap, key="traceback", *opts):
    """ohm-prof top --json: the statistics, each traceback oldest first as
    [(filename, lineno, function)]."""
    rc, out, err = prof("top", snap, "--json", "--limit", "0", "--key", key, *opts)
    if rc:
        raise RuntimeError("ohm-prof top %s: %s" % (snap, err))
    st = json.loads(out)["stats"]
    for s in st:
        s["frames"] = [(f["filename"], f["lineno"], f.get("function"))
                       for f in s.get("traceback", [])]
    return st


def is_py(frame):
    return frame[0].endswith(".py") or frame[0].startswith("<")


def py_part(frames):
    """The Python frames of an oldest-first traceback (the C frames come first)."""
    return [f for f in frames if is_py(f)]


def find(st, file, line):
    """The statistics whose newest frame is file:line."""
    return [s for s in st if s["filename"].endswith(file) and s["lineno"] == line]


shutil.rmtree(WORK, ignore_errors=True)
os.makedirs(WORK)
VER = tuple(int(x) for x in subprocess.run(
    [PY, "-c", "import sys; print('%d %d' % sys.version_info[:2])"],
    capture_output=True, text=True, check=True).stdout.split())
print("interpreter: %s (%d.%d)" % (PY, VER[0], VER[1]))

# ------------------------------------------------------------------ the ohm module
r = subprocess.run([PY, "-c", "import ohm"], capture_output=True, text=True, cwd=WORK,
                   env=clean_env(PYTHONPATH=MODDIR))
check(r.returncode == 1 and "ImportError: ohm: this Python does not run on ohm" in r.stderr
      and "ohm-python" in r.stderr,
      "import ohm outside ohm-python: an ImportError saying how to run under ohm",
      detail(r.returncode, r.stdout, r.stderr))

TL = os.path.join(WORK, "api.ohmtl")
write("api.py", """\
    import io, sys, ohm
    out = []
    out.append(("frames", ohm.python_frames()))
    out.append(("off", ohm.is_tracing(), ohm.get_traceback_limit(), ohm.get_traced_memory()))
    ohm.start()
    out.append(("on", ohm.is_tracing(), ohm.get_traceback_limit(), ohm.get_sample_bytes()))
    x = [str(i) * 4 for i in range(5000)]
    cur, peak = ohm.get_traced_memory()
    del x
    cur2, peak2 = ohm.get_traced_memory()
    out.append(("memory", cur > 5000 * 40, peak >= cur, cur2 < cur, peak2 == peak))
    ohm.reset_peak()
    out.append(("reset", ohm.get_traced_memory()[1] < peak, ohm.get_tracing_memory() > 0))
    ohm.start(8, 512 * 1024)
    out.append(("sampled", ohm.get_traceback_limit(), ohm.get_sample_bytes()))
    for bad in ((0, 0), (129, 0), (4, -1)):
        try:
            ohm.start(*bad)
            out.append(("no error", bad))
        except ValueError as e:
            out.append(("ValueError", str(e)))
    ohm.stop()
    out.append(("stopped", ohm.is_tracing(), ohm.get_traced_memory()))
    try:
        ohm.take_snapshot("never.ohmsnap")
    except RuntimeError as e:
        out.append(("RuntimeError", str(e)))
    ohm.timeline_start(sys.argv[1], 1)
    with ohm.scope("build"):
        y = [bytes(1000) for _ in range(3000)]
    @ohm.scope()
    def drop():
        del y[:]
    drop()
    ohm.mark("dropped")
    out.append(("collect", isinstance(ohm.collect(), int)))
    ohm.timeline_stop()
    try:
        ohm.timeline_stop()
    except RuntimeError as e:
        out.append(("RuntimeError", str(e)))
    text = ohm.mallocstats(io.StringIO())
    out.append(("mallocstats", "Small block threshold = 512" in text))
    for line in out:
        print(line)
    """)
r = run(["api.py", TL])
want = """\
('frames', True)
('off', False, 0, (0, 0))
('on', True, 1, 0)
('memory', True, True, True, True)
('reset', True, True)
('sampled', 8, 524288)
('ValueError', 'ohm.start: nframes must be in 1..128, not 0')
('ValueError', 'ohm.start: nframes must be in 1..128, not 129')
('ValueError', 'ohm.start: sample_bytes must be >= 0, not -1')
('stopped', False, (0, 0))
('RuntimeError', 'ohm.take_snapshot: tracing is off (ohm.start() first, or OHM_TRACEMALLOC=N)')
('collect', True)
('RuntimeError', 'ohm_timeline_stop: no timeline is recording')
('mallocstats', True)
"""
check(r[0] == 0 and r[1] == want and r[2] == "", "the ohm module's functions and errors",
      detail(*r) + "--- want\n" + want)
t = prof("timeline", TL, "-o", TL + ".svg")
svg = open(TL + ".svg").read() if t[0] == 0 else ""
check(t[0] == 0 and "build" in svg and "drop" in svg and "dropped" in svg,
      "ohm.timeline_start, scope (context manager and decorator), mark: ohm-prof timeline "
      "draws them", detail(*t))

# ohm-python -m ohm: a program traced from its first line, a snapshot at its end
write("runme.py", """\
    import os, signal, sys
    data = [bytearray(1000) for _ in range(200)]
    os.kill(os.getpid(), signal.SIGUSR1)
    print(sys.argv[1:], __name__)
    sys.exit(3)
    """)
r = run(["-m", "ohm", "-n", "4", "--signal", "-o", "run.ohmsnap", "runme.py", "a", "b"])
t1 = prof("top", "run.ohmsnap", "--limit", "1")
t2 = prof("top", "run.ohmsnap.1", "--limit", "1")
check(r[0] == 3 and r[1] == "['a', 'b'] __main__\n" and "ohm: wrote run.ohmsnap" in r[2]
      and re.match(r"\S*runme\.py:2: size=\d+ KiB, count=40\d", t1[1]) and t2[0] == 0,
      "ohm-python -m ohm SCRIPT: traced from its first line, its exit status, a snapshot at "
      "its end and one per SIGUSR1", detail(*r) + t1[1] + t1[2] + t2[2])
r = run(["-m", "ohm", "--sample", "64K", "-m", "json.tool", "--help"])
check(r[0] == 0 and "usage:" in r[1] and os.path.exists(os.path.join(WORK, "json.tool.ohmsnap")),
      "ohm-python -m ohm --sample 64K -m MODULE", detail(*r))
r = run(["-m", "ohm", "--frames", "0", "runme.py"])
check(r[0] == 2 and "ohm: --frames: a number of frames in 1..128, not '0'" in r[2], "-m ohm's usage errors",
      detail(*r))

# ------------------------------------------------------------------ Python frames
SNAP = os.path.join(WORK, "frames.ohmsnap")
write("frames.py", """\
    import ohm, sys
    def leaf(n):
        return [bytearray(100) for _ in range(n)]
    def mid(n):
        return leaf(n)
    class Service:
        def handle(self, n):
            return mid(n)
    ohm.start(16)
    keep = Service().handle(500)
    ohm.take_snapshot(sys.argv[1])
    """)
r = run(["frames.py", SNAP])
check(r[0] == 0, "frames.py runs", detail(*r))
st = stats(SNAP)
top = st[0] if st else {"filename": "", "lineno": 0, "frames": []}
py = py_part(top["frames"])
lines = [f[1] for f in py if f[0].endswith("frames.py")]
check(top["filename"].endswith("frames.py") and top["lineno"] == 3 and top["count"] >= 500,
      "the biggest statistic is the allocating Python line (frames.py:3)", json.dumps(top))
check(lines[:4] == [10, 8, 5, 3], "the traceback holds the Python frames, oldest first: "
      "<module>:10, handle:8, mid:5, leaf:3", repr(top["frames"]))
names = [f[2] for f in py if f[0].endswith("frames.py")][:4]
check(names[0] == "<module>" and names[1] in ("handle", "Service.handle") and names[2:] == ["mid", "leaf"],
      "each frame names its function (co_qualname from 3.11)", repr(names))
check(top["frames"] and not is_py(top["frames"][0]) and top["frames"][0][1] == 0,
      "after the Python frames (oldest-first: before them) the C function that allocated",
      repr(top["frames"]))

# ------------------------------------------------------------------ threads
write("threads.py", """\
    import ohm, sys, threading
    def worker(out):
        out.append([str(j) * 10 for j in range(3000)])
    ohm.start(8)
    out = []
    ts = [threading.Thread(target=worker, args=(out,)) for _ in range(4)]
    [t.start() for t in ts]
    [t.join() for t in ts]
    ohm.take_snapshot(sys.argv[1])
    """)
snap = os.path.join(WORK, "threads.ohmsnap")
r = run(["threads.py", snap], env=clean_env(PYTHONSWITCHINTERVAL="0.000001"))
st = stats(snap) if r[0] == 0 else []
mine = find(st, "threads.py", 3)
count = sum(s["count"] for s in mine)
fr = [f for s in mine for f in py_part(s["frames"])]
check(r[0] == 0 and count >= 4 * 3000 and any(f[0].endswith("threading.py") for f in fr),
      "threads: each thread's blocks under its own frames (worker, then threading's "
      "bootstrap)", detail(*r) + repr(mine[:2]))

# ------------------------------------------------------------------ generators, coroutines
write("gens.py", """\
    import asyncio, ohm, sys
    def gen(n):
        for i in range(n):
            yield [i] * 50
    def consume():
        return list(gen(300))
    async def fetch(i):
        return {"i": i, "data": bytearray(100 + i)}
    async def gather():
        return [await fetch(i) for i in range(300)]
    ohm.start(12)
    a = consume()
    b = asyncio.run(gather())
    ohm.take_snapshot(sys.argv[1])
    """)
snap = os.path.join(WORK, "gens.ohmsnap")
r = run(["gens.py", snap])
st = stats(snap) if r[0] == 0 else []
g = find(st, "gens.py", 4)
lines = [f[1] for f in py_part(g[0]["frames"])] if g else []
check(r[0] == 0 and g and sum(s["count"] for s in g) >= 300 and lines[-3:-1] == [12, 6] and lines[-1] == 4,
      "a generator's blocks: gen:4 under consume:6 under <module>:12", detail(*r) + repr(g[:1]))
c = find(st, "gens.py", 8)
fr = [f for s in c for f in py_part(s["frames"])]
check(c and sum(s["count"] for s in c) >= 300 and any(f[1] == 10 for f in fr)
      and any(f[0].endswith(("asyncio/events.py", "asyncio/base_events.py")) for f in fr),
      "a coroutine's blocks: fetch:8 awaited by gather:10, under asyncio's loop", repr(c[:1]))

# ------------------------------------------------------------------ gc, finalizers, signals
write("gcsig.py", """\
    import gc, ohm, os, signal, sys, weakref
    saved = []
    class Node:
        def __init__(self):
            self.other = None
        def __del__(self):
            saved.append(["fin"] * 100)
    def cycles(n):
        for _ in range(n):
            a, b = Node(), Node()
            a.other, b.other = b, a
    class Target:
        pass
    def callback(ref):
        saved.append(bytearray(300))
    def handler(sig, frame):
        saved.append([sig] * 64)
    gc.disable()
    ohm.start(16)
    cycles(50)
    gc.collect()
    refs = [weakref.ref(Target(), callback) for _ in range(20)]
    signal.signal(signal.SIGUSR1, handler)
    for _ in range(5):
        os.kill(os.getpid(), signal.SIGUSR1)
    gc.enable()
    gc.set_threshold(20)
    for _ in range(30):
        cycles(10)
    ohm.take_snapshot(sys.argv[1])
    """)
snap = os.path.join(WORK, "gcsig.ohmsnap")
r = run(["gcsig.py", snap], env=clean_env(OHM_MALLOC="debug"))
st = stats(snap) if r[0] == 0 else []
fin = find(st, "gcsig.py", 7)
by_collect = [s for s in fin if any(f[1] == 21 for f in py_part(s["frames"]))]
auto = [s for s in fin if any(f[1] == 29 for f in py_part(s["frames"]))]
check(r[0] == 0 and sum(s["count"] for s in by_collect) >= 100,   # (+ saved's own growth)
      "finalizers run by gc.collect(): Node.__del__:7 under <module>:21", detail(*r) + repr(fin[:2]))
check(auto and all(py_part(s["frames"])[-1][2] in ("__del__", "Node.__del__") for s in auto),
      "finalizers run by automatic collections inside allocations: __del__:7 under the "
      "allocating frames (cycles:10 from <module>:29)", repr(auto[:2]))
cb = find(st, "gcsig.py", 15)
check(cb and sum(s["count"] for s in cb) >= 20 and any(f[1] == 22 for s in cb for f in py_part(s["frames"])),
      "weakref callbacks: callback:15 under the line whose release called them (22)", repr(cb[:1]))
sig = find(st, "gcsig.py", 17)
check(sig and sum(s["count"] for s in sig) >= 5
      and all(py_part(s["frames"])[-2][1] in (24, 25) for s in sig),
      "a signal handler's blocks: handler:17 above the line it interrupted (24-25)", repr(sig[:1]))

# ------------------------------------------------------------------ start-up and shutdown
write("lifetime.py", """\
    import atexit, ohm, sys
    class Late:
        def __del__(self):
            global late
            late = [str(i) for i in range(100)]
    keep = Late()
    atexit.register(lambda: [dict(a=i) for i in range(100)])
    ohm.take_snapshot(sys.argv[1])
    """)
snap = os.path.join(WORK, "lifetime.ohmsnap")
r = run(["lifetime.py", snap], env=clean_env(OHM_TRACEMALLOC="16", OHM_MALLOC="debug"))
st = stats(snap) if r[0] == 0 else []
c_only = [s for s in st if not py_part(s["frames"])]
boot = [s for s in st if any(f[0].startswith("<frozen importlib") for f in s["frames"])]
check(r[0] == 0 and "fatal" not in r[2] and "traced memory at exit" in r[2],
      "OHM_TRACEMALLOC=16 from start-up to shutdown (atexit, __del__ at exit) under "
      "OHM_MALLOC=debug: no crash, the exit report", detail(*r))
check(c_only and boot, "start-up: blocks from before any Python frame have C frames; "
      "the import system's have its frames (<frozen importlib._bootstrap>)",
      "%d C-only, %d importlib" % (len(c_only), len(boot)))

# ------------------------------------------------------------------ a C extension
inc, suffix = subprocess.run(
    [PY, "-c", "import sysconfig; print(sysconfig.get_paths()['include']); "
     "print(sysconfig.get_config_var('EXT_SUFFIX'))"],
    capture_output=True, text=True, check=True).stdout.split("\n")[:2]
if not os.path.exists(os.path.join(inc, "Python.h")):
    print("skipped: the C extension's checks (no Python.h in %s)" % inc)
else:
    b = subprocess.run([CC, "-shared", "-fPIC", "-O1", "-g", "-fno-omit-frame-pointer", "-I", inc,
                        os.path.join(HERE, "badmem.c"), "-o",
                        os.path.join(WORK, "badmem" + suffix)], capture_output=True, text=True)
    check(b.returncode == 0, "badmem.c builds", b.stderr)
    write("ext.py", """\
        import badmem, ohm, sys
        def store(n):
            return badmem.hold(n)
        ohm.start(int(sys.argv[2]))
        keep = [store(1000 + i) for i in range(10)]
        ohm.take_snapshot(sys.argv[1])
        """)
    for nf in (8, 1):
        snap = os.path.join(WORK, "ext%d.ohmsnap" % nf)
        r = run(["ext.py", snap, str(nf)], env=clean_env(PYTHONPATH=WORK))
        st = stats(snap) if r[0] == 0 else []
        held = [s for s in st if s["size"] >= 1000 and s["filename"].endswith("ext.py")]
        s0 = held[0] if held else {"frames": [], "lineno": 0, "count": 0, "size": 0}
        if nf == 8:
            check(s0["lineno"] == 3 and s0["count"] == 10 and s0["frames"][0][2] == "badmem_hold"
                  and [f[1] for f in py_part(s0["frames"])][-1] == 3
                  and 5 in [f[1] for f in py_part(s0["frames"])],
                  "a C extension's blocks: badmem_hold (C) below store:3, under <module>:5",
                  detail(*r) + repr(held))
        else:
            check(s0["lineno"] == 3 and s0["count"] == 20 and len(s0["frames"]) == 1
                  and s0["size"] > sum(1000 + i for i in range(10)),
                  "with 1 frame, the extension's blocks (and their capsules) are the Python "
                  "line's (store:3)",
                  detail(*r) + repr(held))
    r = run(["-c", "import badmem\nbadmem.overrun(1)"],
            env=clean_env(PYTHONPATH=WORK, OHM_MALLOC="debug", OHM_TRACEMALLOC="16"))
    check(r[0] == -6 and re.search(r"allocated at <string>:2 \(<module>\)\n\s+from \S+badmem\S*:0 "
                                   r"\(badmem_overrun\)", r[2]) is not None,
          "OHM_MALLOC=debug's report: the Python line, then the extension function that "
          "allocated the block", detail(*r))

# ------------------------------------------------------------------ agreement with tracemalloc
AGREE = write("agree_work.py", """\
    import random
    class Record:
        def __init__(self, i, rng):
            self.i = i
            self.name = "user%06d" % rng.randrange(10 ** 6)
            self.tags = ["t%d" % rng.randrange(50) for _ in range(rng.randrange(1, 6))]
    def build(rng):
        index = {}
        for i in range(20000):
            r = Record(i, rng)
            index[r.name] = r
        return index
    def blobs(rng):
        return [bytes(rng.randrange(200, 2000)) for _ in range(3000)]
    def words(rng):
        return {w: len(w) for w in ("w%d" % rng.randrange(10 ** 5) for _ in range(30000))}
    def work():
        rng = random.Random(7)
        return build(rng), blobs(rng), words(rng), [(i, str(i)) for i in range(20000)]
    """)
write("agree_both.py", """\
    import json, ohm, sys, tracemalloc
    sys.path.insert(0, ".")
    import agree_work
    nf = int(sys.argv[2])
    ohm.start(nf)
    tracemalloc.start(nf)
    kept = agree_work.work()
    snap = tracemalloc.take_snapshot().filter_traces([tracemalloc.Filter(True, "*agree_work.py")])
    stats = [(s.traceback[0].filename, s.traceback[0].lineno, s.size, s.count)
             for s in snap.statistics("lineno")]
    tracemalloc.stop()
    ohm.take_snapshot(sys.argv[1])
    json.dump(stats, sys.stdout)
    """)
write("agree_tm.py", """\
    import json, sys, tracemalloc
    sys.path.insert(0, ".")
    import agree_work
    tracemalloc.start(1)
    kept = agree_work.work()
    snap = tracemalloc.take_snapshot().filter_traces([tracemalloc.Filter(True, "*agree_work.py")])
    json.dump([(s.traceback[0].filename, s.traceback[0].lineno, s.size, s.count)
               for s in snap.statistics("lineno")], sys.stdout)
    """)
write("agree_ohm.py", """\
    import ohm, sys
    sys.path.insert(0, ".")
    import agree_work
    ohm.start(1)
    kept = agree_work.work()
    ohm.take_snapshot(sys.argv[1])
    """)


def agree(tm, snap, what, tol):
    """tracemalloc's statistics tm against ohm-prof top --key lineno on snap: the same
    top 10 lines, each size within tol."""
    ours = stats(snap, "lineno", "--include", "*agree_work.py")
    a = [(t[1], t[2]) for t in tm[:10]]
    b = [(s["lineno"], s["size"]) for s in ours[:10]]
    same = [x[0] for x in a] == [x[0] for x in b]
    worst = max((abs(x[1] - y[1]) / x[1] for x, y in zip(a, b) if x[1]), default=1.0)
    rows = "\n".join("  line %3d: tracemalloc %9d B, ohm %9d B" % (x[0], x[1], y[1] if y[0] == x[0] else -1)
                     for x, y in zip(a, b))
    print("%s: worst size difference %.3f%%\n%s" % (what, 100 * worst, rows))
    check(len(a) >= 8 and same and worst <= tol, what + ": the same top lines, sizes within "
          "%g%%" % (100 * tol), "tracemalloc %r\nohm %r" % (a, b))


for nf in (1, 16):
    snap = os.path.join(WORK, "agree%d.ohmsnap" % nf)
    r = run(["agree_both.py", snap, str(nf)], timeout=600)
    if r[0] == 0:
        agree(json.loads(r[1]), snap, "tracemalloc and ohm in one process, %d frame%s"
              % (nf, "s" if nf > 1 else ""), 0.0)
    else:
        check(False, "agree_both.py runs", detail(*r))
p = subprocess.run([PY, "agree_tm.py"], capture_output=True, text=True, cwd=WORK, env=clean_env())
snap = os.path.join(WORK, "agree_ohm.ohmsnap")
r = run(["agree_ohm.py", snap])
if p.returncode == 0 and r[0] == 0:
    agree(json.loads(p.stdout), snap, "plain CPython's tracemalloc and ohm-python's ohm, "
          "two processes, 1 frame", 0.05)
else:
    check(False, "agree_tm.py and agree_ohm.py run", p.stderr + detail(*r))

# ------------------------------------------------------------------ the reports
write("leaky.py", """\
    import ohm, sys
    history = []
    def handle(i):
        body = "request %d " % i + "x" * 200
        history.append(body)
        return len(body)
    def serve(n):
        return sum(handle(i) for i in range(n))
    ohm.start(16)
    serve(100)
    ohm.take_snapshot(sys.argv[1])
    serve(1000)
    ohm.take_snapshot(sys.argv[2])
    """)
old, new = os.path.join(WORK, "leaky1.ohmsnap"), os.path.join(WORK, "leaky2.ohmsnap")
r = run(["leaky.py", old, new])
check(r[0] == 0, "leaky.py runs", detail(*r))
d = prof("diff", old, new, "--limit", "3")
check(d[0] == 0 and re.search(r"leaky\.py:4: size=\d+ KiB \(\+\d+ KiB\), count=1100 \(\+1000\)",
                             d[1]) is not None,
      "ohm-prof diff: the leaking line first, +1000 blocks", d[1] + d[2])
lk = prof("leaks", new, "--limit", "1")
check(lk[0] == 0 and 'File "%s", line 8, in serve' % os.path.join(WORK, "leaky.py") in lk[1]
      and re.search(r'line 4, in handle\n', lk[1]) is not None,
      "ohm-prof leaks: the site with its whole Python traceback", lk[1] + lk[2])
ln = prof("lines", new, "leaky.py")
row = re.search(r"^\s+4\s+([\d.]+) MiB\s+([\d.]+) MiB\s+1100\s+body = ", ln[1], re.M)
call = re.search(r"^\s+8\s+[\d.]+ MiB\s+[\d.]+ MiB\s+(\d+)\s+return sum", ln[1], re.M)
check(ln[0] == 0 and ln[1].startswith("Filename: leaky.py\n\nLine #    Mem usage    Increment  "
                                      "Occurrences   Line Contents\n") and row and call
      and int(call.group(1)) >= 1100,
      "ohm-prof lines leaky.py: memory_profiler's listing, the leaking line and the line "
      "calling it", ln[1] + ln[2])
fo = prof("folded", new)
stacks = [l.rsplit(" ", 1)[0].split(";") for l in fo[1].splitlines()]
leak_stacks = [s for s in stacks if s[-1].startswith("handle (") and "leaky.py:4)" in s[-1]]
check(fo[0] == 0 and leak_stacks and all(not s[0].endswith(".py:0)") and ".py:" not in s[0]
                                         and all(".py:" in x for x in s[1:]) for s in leak_stacks),
      "ohm-prof folded (root first): the C frame, then the Python frames: in a flame graph "
      "drawn root at the bottom, Python above C", fo[1][:2000])
fg = prof("flamegraph", new, "-o", os.path.join(WORK, "leaky.html"))
html = open(os.path.join(WORK, "leaky.html")).read() if fg[0] == 0 else ""
check(fg[0] == 0 and "leaky.py" in html and "handle" in html, "ohm-prof flamegraph writes the page",
      fg[2])
tp = prof("top", new, "--limit", "1")
check(tp[0] == 0 and re.match(r"\S+leaky\.py:4: size=\d+ KiB, count=1100, average=\d+ B\n", tp[1]),
      "ohm-prof top: the Python line", tp[1] + tp[2])

# ------------------------------------------------------------------ docs/python.md's walkthrough
wt = os.path.join(WORK, "walkthrough")
p = subprocess.run(["sh", os.path.join(os.path.dirname(os.path.dirname(HERE)), "examples", "python",
                                       "walkthrough.sh"), os.path.dirname(OHM), wt],
                   capture_output=True, text=True, env=clean_env(OHM_PYTHON=PY), timeout=600)
def text(name):
    try:
        return open(os.path.join(wt, name)).read()
    except OSError:
        return ""
top_, tb_, lines_, fixed_ = text("top.txt"), text("traceback.txt"), text("lines.txt"), text("fixed.txt")
row = re.search(r"^\s+40\s+([\d.]+) MiB .*return json\.loads\(body\)$", lines_, re.M)
total = re.search(r"^Total: size=([\d.]+) (KiB|MiB)", fixed_, re.M)
check(p.returncode == 0 and re.match(r"\S+json/decoder\.py:\d+: size=1\d\.\d MiB", top_)
      and 'File "service.py", line 40, in parse' in tb_ and 'File "service.py", line 44, in handle' in tb_
      and row and float(row.group(1)) > 10 and total and (total.group(2) == "KiB" or float(total.group(1)) < 2),
      "examples/python/walkthrough.sh: the leak found (service.py:40, under lru_cache), the fix "
      "checked", "rc=%d\n%s\n%s\n%s%s%s" % (p.returncode, p.stderr[-2000:], top_, tb_, lines_[-1500:], fixed_))

# ------------------------------------------------------------------ sampled
write("sampled.py", """\
    import ohm, sys
    def load():
        return [bytearray(100000) for _ in range(500)]
    ohm.start(16, 512 * 1024)
    data = load()
    ohm.take_snapshot(sys.argv[1])
    print(ohm.get_traced_memory()[0])
    """)
snap = os.path.join(WORK, "sampled.ohmsnap")
r = run(["sampled.py", snap])
st = stats(snap) if r[0] == 0 else []
est = sum(s["size"] for s in find(st, "sampled.py", 3))
check(r[0] == 0 and 0.7 * 50e6 < est < 1.3 * 50e6 and st[0]["lineno"] == 3,
      "sampled at 512 KiB: the Python line holds about the 50 MB it allocated (%.1f MB)" % (est / 1e6),
      detail(*r))

# ------------------------------------------------------------------ every CPython here
cands = glob.glob(os.path.expanduser("~/.pyenv/versions/3.*/bin/python3.*[0-9]"))
cands += ["/usr/bin/python3.%d" % n for n in range(7, 14)]
seen = set()
for c in sorted(cands):
    if not os.path.exists(c) or os.path.realpath(c) in seen:
        continue
    seen.add(os.path.realpath(c))
    v = subprocess.run([c, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
                       capture_output=True, text=True)
    if v.returncode or not (3, 7) <= tuple(int(x) for x in v.stdout.split(".")) <= (3, 13):
        continue
    snap = os.path.join(WORK, "v%s.ohmsnap" % v.stdout.strip())
    r = run(["frames.py", snap], python=c)
    st = stats(snap) if r[0] == 0 else []
    lines = [f[1] for f in py_part(st[0]["frames"]) if f[0].endswith("frames.py")] if st else []
    ok = r[0] == 0 and lines[:4] == [10, 8, 5, 3]
    print("  %s %s: %s" % (v.stdout.strip(), c, "Python frames" if ok else "FAILED"))
    check(ok, "Python %s (%s): the frames of frames.py" % (v.stdout.strip(), c),
          detail(*r) + repr(st[:1]))

finish()
