"""bench_gc.py: the CPython twins of bench/gc.c (see there for each case's shape).

Nodes are a __slots__ class with prev/next; the pyperformance shapes use
pyperformance's own code (bm_gc_collect, bm_gc_traversal). Pauses are timed with
gc.callbacks in CPU time.
"""
import gc
import sys

from benchlib import GcPauses, main, now_ns, row, scaled


class Node:
    __slots__ = ("prev", "next")

    def __init__(self):
        self.prev = None
        self.next = None


def ring(n):
    first = prev = Node()
    for _ in range(n - 1):
        cur = Node()
        prev.next = cur
        cur.prev = prev
        prev = cur
    prev.next = first
    first.prev = prev
    return first


def garbage():
    rings = scaled(100_000)
    gc.disable()
    gc.collect()
    held = [ring(10) for _ in range(rings)]
    held = None
    t0 = now_ns()
    found = gc.collect()
    t = now_ns() - t0
    print("garbage: %d unreachable of %d, %.1f ms" % (found, rings * 10, t / 1e6), file=sys.stderr)
    row("gc.garbage", t / found if found else 0)


def live_heap(lists):
    return [[Node() for _ in range(10)] for _ in range(lists)]


def live():
    gc.disable()
    top = live_heap(scaled(100_000))
    gc.collect()
    objs = len(gc.get_objects())
    t0 = now_ns()
    found = gc.collect()
    t = now_ns() - t0
    print("live: %d tracked, %d found, %.2f ms" % (objs, found, t / 1e6), file=sys.stderr)
    row("gc.live.ns", t / objs)
    row("gc.live.pause", t / 1e6)


# pyperformance bm_gc_collect
class PNode:
    def __init__(self):
        self.link = None


def create_cycle(node, n_links):
    current = node
    for i in range(n_links):
        next_node = PNode()
        current.link = next_node
        current = next_node
    current.link = node


def create_gc_cycles(n_cycles, n_links):
    cycles = []
    for _ in range(n_cycles):
        node = PNode()
        cycles.append(node)
        create_cycle(node, n_links)
    return cycles


def pyperf_collect():
    loops = scaled(200)
    total = 0
    for _ in range(loops):
        gc.collect()
        all_cycles = create_gc_cycles(100, 20)
        del all_cycles
        t0 = now_ns()
        gc.collect()
        total += now_ns() - t0
    row("gc.pyperf_collect", total / loops / 1e3)


# pyperformance bm_gc_traversal
def create_recursive_containers(n_levels):
    current_list = []
    for n in range(n_levels):
        new_list = [None] * n
        for index in range(n):
            new_list[index] = current_list
        current_list = new_list
    return current_list


def pyperf_traversal():
    loops = scaled(20)
    all_cycles = create_recursive_containers(1000)
    total = 0
    for _ in range(loops):
        gc.collect()
        t0 = now_ns()
        gc.collect()
        total += now_ns() - t0
    row("gc.pyperf_traversal", total / loops / 1e6)


def steady():
    top = live_heap(scaled(100_000))
    gc.collect()
    iters = scaled(1_000_000)
    with GcPauses() as st:
        t0 = now_ns()
        for _ in range(iters):
            ring(3)
        t = now_ns() - t0
    print("steady: %.1f ms, %d collections, %.1f ms in gc, longest %.3f ms"
          % (t / 1e6, st.n, st.total / 1e6, st.longest / 1e6), file=sys.stderr)
    row("gc.steady.share", 100.0 * st.total / t)
    row("gc.steady.pause", st.longest / 1e6)
    row("gc.steady.ns", st.total / (iters * 3))


if __name__ == "__main__":
    main({"garbage": garbage, "live": live, "pyperf_collect": pyperf_collect,
          "pyperf_traversal": pyperf_traversal, "steady": steady})
