"""workloads.py NAME: one Python workload of issue 12's benchmarks, timed in-process.

Run by bench/python/run.py under each allocator (pymalloc, glibc, jemalloc, mimalloc,
ohm), one process per run. The shapes follow pyperformance's (json_dumps, json_loads,
pickle, regex, gc_collect, concurrent_imap, object trees), written afresh here, with
fixed seeds and sizes. Prints one line

    PYBENCH <tab> name <tab> wall s <tab> VmHWM KiB <tab> preloaded allocators <tab> blocks

(blocks: sys.getallocatedblocks(), 0 when pymalloc serves nothing)

and, for "spike", a second line with the resident sets of the spike. The wall time is
time.perf_counter() around the workload alone, the interpreter's start-up and imports
left out: the best of 3 runs of it in the process (a slow spell of a shared machine
seldom hits all three), the spike once. OHM_BENCH_QUICK=1 runs a tenth of every
workload.
"""
import gc
import json
import os
import pickle
import queue
import random
import re
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from benchlib import QUICK, rss_bytes, scaled  # noqa: E402  (bench/benchlib.py)

SEED = 0x0DDB1A5E
REPS = 3          # runs of a workload in its process; the fastest counts


def hwm_kib():
    """Peak resident set of this process (VmHWM), in KiB; ru_maxrss without /proc."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    import resource
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def allocator_libs():
    """The allocator libraries mapped into this process (jemalloc, mimalloc, ohm), so
    that run.py can check that a preload took: a name of each, "-" for none."""
    found = set()
    try:
        with open("/proc/self/maps") as f:
            for line in f:
                name = os.path.basename(line.split()[-1]) if "/" in line else ""
                for lib in ("jemalloc", "mimalloc", "ohm"):
                    if lib in name:
                        found.add(lib)
    except OSError:
        pass
    return ",".join(sorted(found)) or "-"


# ---------------------------------------------------------------- the data

def _record(rng, i):
    """A record as a web service would encode it: str, int, float, bool, None, a list."""
    return {
        "id": i,
        "name": "user%06d" % rng.randrange(10 ** 6),
        "email": "u%d@example.org" % rng.randrange(10 ** 5),
        "score": rng.random() * 100,
        "active": rng.random() < 0.5,
        "parent": None,
        "tags": ["t%d" % rng.randrange(50) for _ in range(rng.randrange(1, 6))],
        "pos": [rng.randrange(-1000, 1000), rng.randrange(-1000, 1000)],
    }


def _documents(rng):
    """Small, medium and large documents, like pyperformance's json cases."""
    return [
        {},
        {"key": "value", "n": 12345, "f": 1.5, "ok": True},
        {"a": [_record(rng, i) for i in range(20)], "meta": {"page": 3, "of": 17}},
        [_record(rng, i) for i in range(400)],
        {"nested": {"l%d" % d: {"v": list(range(d)), "s": "x" * d} for d in range(40)}},
    ]


# ---------------------------------------------------------------- the workloads

def json_dumps():
    rng = random.Random(SEED)
    docs = _documents(rng)
    n = 0
    for _ in range(scaled(17)):
        for d in docs:
            n += len(json.dumps(d))
        n += len(json.dumps(docs, indent=2, sort_keys=True))
    return n


def json_loads():
    rng = random.Random(SEED)
    texts = [json.dumps(d) for d in _documents(rng)]
    n = 0
    for _ in range(scaled(100)):
        for t in texts:
            n += len(json.loads(t))
    return n


def dict_churn():
    """A cache under random replacement (a key set, another dropped: about 30k entries
    live, the table resized as deleted slots pile up), with merges and comprehensions
    of small dicts (keyword arguments, records) on the side."""
    rng = random.Random(SEED)
    keys = ["key:%d" % i for i in range(60000)]
    cache = {}
    n = 0
    for i in range(scaled(80000)):
        k = keys[rng.randrange(60000)]
        cache[k] = {"i": i, "k": k}
        cache.pop(keys[rng.randrange(60000)], None)
        if i % 50 == 0:
            small = {("f%d" % j): j for j in range(10)}
            merged = {**small, "extra": i}
            n += len(dict(merged, more=1))
    return n + len(cache)


def str_churn():
    """Formatting, concatenation, split/join, replace and case changes, with a ring
    of recent results kept alive."""
    rng = random.Random(SEED)
    words = ["".join(chr(97 + rng.randrange(26)) for _ in range(rng.randrange(2, 12)))
             for _ in range(5000)]
    ring = [""] * 4096
    n = 0
    for i in range(scaled(80000)):
        w = words[i % 5000]
        s = "%s-%d:%s" % (w, i, words[(i * 7) % 5000])
        s = f"{s}/{w.upper()}"
        parts = s.split("-")
        t = "_".join(reversed(parts)).replace("a", "ä")
        ring[i & 4095] = t
        n += len(t)
        if i % 100 == 0:
            n += len(" ".join(ring[:64]).title())
    return n


def list_churn():
    """Appends and pops, slices, sorts of short lists and comprehensions, with a
    working set of 2,000 lists replaced at random."""
    rng = random.Random(SEED)
    live = [[] for _ in range(2000)]
    n = 0
    for i in range(scaled(80000)):
        j = rng.randrange(2000)
        lst = live[j]
        lst.append(i)
        if len(lst) > 40:
            live[j] = lst[len(lst) // 2:]
        if i % 3 == 0:
            tmp = [x * 2 for x in lst if x & 1]
            tmp.sort(reverse=True)
            n += len(tmp[:5]) + len(lst[1:-1])
        if i % 7 == 0 and lst:
            lst.pop(0)
    return n + sum(map(len, live))


class Node:
    def __init__(self, left, right, value):
        self.left = left
        self.right = right
        self.value = value


class SlotNode:
    __slots__ = ("left", "right", "value")

    def __init__(self, left, right, value):
        self.left = left
        self.right = right
        self.value = value


def _trees(cls):
    """Binary trees of depth 14 built, walked and dropped, one long-lived tree of depth
    15 kept meanwhile (the binary-trees shape)."""
    def make(d):
        return cls(make(d - 1), make(d - 1), d) if d else cls(None, None, 0)

    def check(t):
        return 1 if t.left is None else 1 + check(t.left) + check(t.right)

    keep = make(15)
    n = 0
    for _ in range(scaled(4)):
        n += check(make(14))
    return n + check(keep)


def object_tree():
    return _trees(Node)


def object_tree_slots():
    return _trees(SlotNode)


def regex():
    """Compiled patterns searched, matched and substituted over generated log lines."""
    rng = random.Random(SEED)
    lines = ["%d.%d.%d.%d - - [%02d/Mar/2024:%02d:%02d:%02d] \"GET /p/%d?q=%s HTTP/1.1\" %d %d"
             % (rng.randrange(256), rng.randrange(256), rng.randrange(256), rng.randrange(256),
                rng.randrange(1, 29), rng.randrange(24), rng.randrange(60), rng.randrange(60),
                rng.randrange(10000), "abc" * rng.randrange(4), rng.choice((200, 404, 500)),
                rng.randrange(100000)) for _ in range(2000)]
    text = "\n".join(lines)
    log = re.compile(r'^(\S+) \S+ \S+ \[([^\]]+)\] "(\w+) (\S+) [^"]*" (\d{3}) (\d+)$', re.M)
    ip = re.compile(r"\b(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\b")
    word = re.compile(r"[a-z]+")
    n = 0
    for _ in range(scaled(8)):
        for m in log.finditer(text):
            n += len(m.group(4)) + int(m.group(5))
        n += len(ip.findall(text))
        n += len(word.sub(lambda m: m.group(0).upper(), text))
        for line in lines[:500]:
            if ip.match(line):
                n += len(line.split('"')[1])
    return n


def pickle_roundtrip():
    """dumps and loads of records, tuples, sets and instances (pickle's shape)."""
    rng = random.Random(SEED)
    data = {
        "records": [_record(rng, i) for i in range(300)],
        "tuples": [(i, str(i), float(i)) for i in range(500)],
        "sets": [set(range(i % 20)) for i in range(200)],
        "nodes": [SlotNode(None, None, i) for i in range(300)],
        "bytes": [bytes(range(i % 256)) for i in range(100)],
    }
    n = 0
    for _ in range(scaled(33)):
        for proto in (2, pickle.HIGHEST_PROTOCOL):
            blob = pickle.dumps(data, proto)
            n += len(pickle.loads(blob)["records"]) + len(blob)
    return n


class Link:
    def __init__(self):
        self.next = None
        self.prev = None
        self.data = []


def gc_cycles():
    """Rings of doubly-linked objects, each with a list pointing back to it, made and
    dropped under automatic collection, over 50,000 long-lived objects the collector
    has to walk too (the gc_collect shape, with allocation around it)."""
    keep = [Link() for _ in range(50000)]
    made = 0
    for _ in range(scaled(10000)):
        first = prev = Link()
        for _ in range(9):
            link = Link()
            link.prev = prev
            prev.next = link
            link.data.append(link)
            prev = link
        prev.next = first
        first.prev = prev
        made += 10
    gc.collect()
    return made + len(keep)


def threads():
    """Four worker threads take jobs from a queue, build records and JSON, and hand
    the results back through a second queue (the concurrent_imap shape, with threads)."""
    jobs, results = queue.Queue(256), queue.Queue()

    def worker(seed):
        rng = random.Random(seed)
        while True:
            job = jobs.get()
            if job is None:
                return
            recs = [_record(rng, job * 10 + i) for i in range(10)]
            results.put((job, len(json.dumps(recs)), {r["name"]: r for r in recs}))

    pool = [threading.Thread(target=worker, args=(SEED + i,)) for i in range(4)]
    for t in pool:
        t.start()
    count = scaled(800)
    n = 0
    for job in range(count):
        jobs.put(job)
        if job % 64 == 63:
            while not results.empty():
                n += results.get()[1]
    for _ in pool:
        jobs.put(None)
    for t in pool:
        t.join()
    while not results.empty():
        n += results.get()[1]
    return n


SPIKE = {}


def spike():
    """1M small tuples built (a request's worth of objects), a random 99.9% dropped,
    gc.collect(): the resident set after, against the resident set at the peak."""
    rng = random.Random(SEED)
    count = scaled(1000000)
    start = rss_bytes()
    objs = [(i, i * 2) for i in range(count)]
    SPIKE["start"] = start
    SPIKE["peak"] = rss_bytes()
    kept = [objs[i] for i in sorted(rng.sample(range(count), count // 1000))]
    del objs
    gc.collect()
    SPIKE["after"] = rss_bytes()
    return len(kept)


WORKLOADS = {f.__name__: f for f in (
    json_dumps, json_loads, dict_churn, str_churn, list_churn, object_tree,
    object_tree_slots, regex, pickle_roundtrip, gc_cycles, threads, spike)}


def main():
    if len(sys.argv) != 2 or sys.argv[1] not in WORKLOADS:
        sys.exit("usage: workloads.py {%s}" % ",".join(WORKLOADS))
    name = sys.argv[1]
    wall = None
    for _ in range(1 if name == "spike" else REPS):
        t0 = time.perf_counter()
        WORKLOADS[name]()
        t = time.perf_counter() - t0
        wall = t if wall is None else min(wall, t)
    print("PYBENCH\t%s\t%.6f\t%d\t%s\t%d" % (name, wall, hwm_kib(), allocator_libs(),
                                             sys.getallocatedblocks()), flush=True)
    if name == "spike":
        print("SPIKE\t%d\t%d\t%d" % (SPIKE["start"], SPIKE["peak"], SPIKE["after"]), flush=True)


if __name__ == "__main__":
    main()
