"""bench_objects.py: the CPython twins of bench/objects.c.

trees       binary trees of a __slots__ class with two references: build depth 18,
            walk, release the root; 4 times (ohm: 20). ns per node; and the collector's CPU
            time per object created over the trees after the first.
trees_nogc  the same with gc.disable().
bytes       resident bytes per live object, 1M objects in a chain.
churn       create+release of int, float, str, tuple(3), list, dict: one at a time
            ("warm": the free lists serve them) and in batches of 10,000 live
            ("cold"); the cost of an empty loop of the same shape is subtracted
            (the warm loops make four objects per turn, so it weighs little).
"""
import gc
import sys

from benchlib import GcPauses, main, now_ns, rss_bytes, row, scaled, tree_iters


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


# 4 trees rather than ohm's 20: CPython's trees cost 100 times as much, and the figure
# per node holds from the second tree on (run.sh takes the median of 5 processes).
CPY_TREES = 4


def trees_run(depth, iters):
    nodes = 0
    t0 = now_ns()
    for _ in range(iters):
        root = make(depth)
        nodes += walk(root)
        root = None
    return (now_ns() - t0) / nodes


def trees():
    """The trees; and the collector's CPU time per object created over the trees after
    the first (obj.trees.gc_ns; ohm measures it in a process of its own)."""
    iters = tree_iters(CPY_TREES)
    first = trees_run(18, 1)
    with GcPauses() as p:
        rest = trees_run(18, iters - 1)
    row("obj.trees", (first + rest * (iters - 1)) / iters)
    row("obj.trees.gc_ns", p.total / (((1 << 19) - 1) * (iters - 1)))


def trees_nogc():
    gc.disable()
    row("obj.trees_nogc", trees_run(18, tree_iters(CPY_TREES)))


def bytes_():
    n = scaled(1_000_000)
    base = rss_bytes()
    head = None
    for _ in range(n):
        head = Node(head, None)
    after = rss_bytes()
    print("bytes: %d objects, rss +%d KiB" % (n, (after - base) >> 10), file=sys.stderr)
    row("obj.bytes", (after - base) / n)
    # leave without releasing the chain: the process ends


# Four create+release per iteration (rebinding x releases the previous object); the
# cost of the bare loop (w_base) is subtracted and the rest divided by 4n.
def w_base(n):
    for i in range(n):
        pass


def w_int(n):
    k = 1000
    for i in range(n):
        x = i + k
        x = i + k
        x = i + k
        x = i + k


def w_float(n):
    f = 2.0
    for i in range(n):
        x = f * 1.5
        x = f * 1.5
        x = f * 1.5
        x = f * 1.5


def w_str(n):
    s, t = "bench", "marks"
    for i in range(n):
        x = s + t
        x = s + t
        x = s + t
        x = s + t


def w_tuple(n):
    a, b = 1, 2
    for i in range(n):
        x = (a, b, i)
        x = (a, b, i)
        x = (a, b, i)
        x = (a, b, i)


def w_list(n):
    for i in range(n):
        x = []
        x = []
        x = []
        x = []


def w_dict(n):
    for i in range(n):
        x = {}
        x = {}
        x = {}
        x = {}


BATCH = 10000


def batched(expr):
    """A function filling a 10,000-slot list with `expr`, then emptying it, per round."""
    src = ("def f(rounds):\n"
           "    a, b, k, f, s, t = 1, 2, 1000, 2.0, 'bench', 'marks'\n"
           "    xs = [None] * %d\n"
           "    for _ in range(rounds):\n"
           "        for i in range(%d):\n"
           "            xs[i] = %s\n"
           "        for i in range(%d):\n"
           "            xs[i] = None\n" % (BATCH, BATCH, expr, BATCH))
    ns = {}
    exec(src, ns)
    return ns["f"]


TYPES = [("int", w_int, "i + k"), ("float", w_float, "f * 1.5"), ("str", w_str, "s + t"),
         ("tuple", w_tuple, "(a, b, i)"), ("list", w_list, "[]"), ("dict", w_dict, "{}")]


def timed(fn, arg, repeat=3):
    """Best of `repeat` runs: the bare loop subtracted needs its least disturbed figure."""
    fn(min(arg, 1000))
    best = None
    for _ in range(repeat):
        t0 = now_ns()
        fn(arg)
        t = now_ns() - t0
        best = t if best is None else min(best, t)
    return best


def churn():
    n = scaled(1_000_000)      # ohm: 2M; half here for the run's time (per op, the same)
    rounds = max(1, n // BATCH)
    base = timed(w_base, n // 4, repeat=3)
    # the batches' bare loop stores an object that exists already (storing i would keep
    # the loop's own ints alive: as costly as what is measured)
    bbase = timed(batched("a"), rounds, repeat=3)
    for name, warm, expr in TYPES:
        row("obj.%s.warm" % name, max(0.0, (timed(warm, n // 4, repeat=3) - base) / n))
        row("obj.%s.cold" % name,
            max(0.0, (timed(batched(expr), rounds, repeat=3) - bbase) / (rounds * BATCH)))


def w_user(n):
    for i in range(n):
        x = Node(None, None)
        x = Node(None, None)
        x = Node(None, None)
        x = Node(None, None)


def user():
    """A __slots__ class instance made and released (the twin of ohm's user type)."""
    n = scaled(1_000_000)      # ohm: 4M; a quarter here for the run's time
    base = timed(w_base, n // 4, repeat=3)
    t = max(0.0, (timed(w_user, n // 4, repeat=3) - base) / n)
    row("obj.user.plain", t)
    row("obj.user.freelist", t)


if __name__ == "__main__":
    main({"trees": trees, "trees_nogc": trees_nogc, "bytes": bytes_, "churn": churn,
          "user": user})
