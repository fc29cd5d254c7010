"""bench_trace.py: CPython's tracemalloc on workloads shaped as bench/trace.c's.

churn   10k live bytes objects whose sizes (with the object header) are 8..512 B,
        three quarters <= 128 B, replaced at random slots: 100k replacements.
trees   binary trees of a __slots__ class, depth 17, once, after an untimed one of
        depth 16 (ohm: 18 and 18; CPython under tracemalloc costs 100 times more).
Each runs in a child process without tracemalloc and with -X tracemalloc=1, 16;
the rows give the slowdown. memory: tracemalloc's own memory per live traced block
(250k floats alive), at 1 and 16 frames.
"""
import random
import subprocess
import sys
import tracemalloc

from benchlib import QUICK, main, now_ns, row, scaled, SEED

MODES = [("off", None), ("1", 1), ("16", 16)]


def work_churn():
    rng = random.Random(SEED)
    live = 10000
    idx = [rng.randrange(live) for _ in range(65536)]
    sizes = []
    for _ in range(65536):
        n = rng.randint(8, 128) if rng.random() < 0.75 else rng.randint(129, 512)
        sizes.append(max(0, n - 33))     # bytes(k) takes k + 33 bytes
    slots = [bytes(sizes[i]) for i in range(live)]
    pairs = scaled(100_000)
    t0 = now_ns()
    for k in range(pairs):
        j = k & 65535
        slots[idx[j]] = bytes(sizes[j])
    return (now_ns() - t0) / pairs


class Node:
    __slots__ = ("a", "b")

    def __init__(self, a, b):
        self.a = a
        self.b = b


def make(d):
    if d:
        return Node(make(d - 1), make(d - 1))
    return Node(None, None)


def walk(n):
    if n.a is not None:
        return 1 + walk(n.a) + walk(n.b)
    return 1


def work_trees():
    depth = 14 if QUICK else 17
    walk(make(depth - 1))   # untimed: warms the allocator up, as bench/trace.c does
    t0 = now_ns()
    nodes = walk(make(depth))
    return (now_ns() - t0) / nodes


WORK = {"churn": work_churn, "trees": work_trees}


def child(name):
    print("T\t%r" % WORK[name](), flush=True)


def by_mode(name):
    base = None
    for mode, frames in MODES:
        cmd = [sys.executable] + (["-X", "tracemalloc=%d" % frames] if frames else [])
        cmd += [__file__, "child", name]
        out = subprocess.run(cmd, check=True, stdout=subprocess.PIPE, text=True).stdout
        t = float(out.split("\t")[1])
        print("%s, tracemalloc %s: %.1f ns" % (name, mode, t), file=sys.stderr)
        key = "trace.%s.%s" % (name, mode)
        if frames is None:
            base = t
            row(key, t)
        else:
            row(key, t / base)


def memory():
    n = scaled(250_000)       # ohm: 1M; a quarter here for the run's time (the same per block)
    objs = [None] * n
    for frames in (1, 16):
        tracemalloc.start(frames)
        m0 = tracemalloc.get_tracemalloc_memory()
        for i in range(n):
            objs[i] = i + 0.5
        m1 = tracemalloc.get_tracemalloc_memory()
        row("trace.memory.%d" % frames, (m1 - m0) / n)
        for i in range(n):
            objs[i] = None
        tracemalloc.stop()


if __name__ == "__main__":
    main({"churn": lambda: by_mode("churn"), "trees": lambda: by_mode("trees"),
          "memory": memory, "child": child})
