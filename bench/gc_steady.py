"""gc_steady.py — CPython on the shape of bench/gc_steady.c (issue 15's steady state).

    python3 bench/gc_steady.py N ITERATIONS

A list of N nodes (__slots__ a, b, seen: the C program's 48-byte node), each with two
references to random nodes; then ITERATIONS times a loop that makes and drops a
3-node cycle, moves one edge of the long-lived graph and, every second iteration,
replaces a node of the list by a new one with random edges. Pauses: gc.callbacks'
start/stop in the thread's CPU time (as the C program measures); collector share:
their sum over the loop's CPU time. Peak RSS: VmHWM, reset after each second as the C
program does (it resets after its garbage census, which this twin does not take:
counting CPython's unreachable nodes would need a traversal of the whole heap).
Prints one line of key=value pairs, the C program's keys.

Garbage age, sampled: one node in SAMPLE (of the dropped cycles, and of the list's
nodes, initial or new) is a Probe, a Node with a __weakref__ slot (8 bytes more; the
others keep the C node's shape). A dropped cycle's Probe is watched by a weakref
without callback, looked at after each collection (gc.callbacks' "stop", once its pause
is timed): one that died in it was reclaimed at the collection's start; its age runs
from the drop (exact, as the C program's cyc_age_*). A Probe replaced in the list gets
a weakref whose callback notes, if it runs inside a collection, the age since the
removal from the list (a few appends inside the pauses, for the rare long-lived
garbage). Without a census (a traversal of the heap in Python costs seconds at 10M)
the moment such a node became unreachable is not known: this is the loosest upper
bound (node_age_*); one freed by refcounting is not garbage reclaimed and is not
counted. old_garbage_end: sampled cycles still alive at the end and dropped more than
2 s before, times SAMPLE (an estimate; long-lived nodes: not known, "-").
"""
import gc
import random
import sys
import time
import weakref


class Node:
    __slots__ = ("a", "b", "seen")

    def __init__(self):
        self.a = self.b = None
        self.seen = 0


class Probe(Node):
    __slots__ = ("__weakref__",)


SAMPLE = 64


class Ages:
    """The sampled nodes: dropped cycles' Probes as (weakref, drop_ns) in `cyc`; the
    weakrefs of Probes replaced in the list in `node` (kept alive for their callback)."""

    def __init__(self):
        self.cyc, self.node = [], set()
        self.cyc_ages, self.node_ages = [], []
        self.gc_start_ns = 0
        self.in_gc = False

    def watch_cycle(self, probe, now_ns):
        self.cyc.append((weakref.ref(probe), now_ns))

    def watch_node(self, probe, now_ns):
        def died(r):
            self.node.discard(r)
            if self.in_gc:
                self.node_ages.append(self.gc_start_ns - now_ns)
        self.node.add(weakref.ref(probe, died))

    def reap_cycles(self):
        """After a collection: the watched cycles it freed, their ages at its start."""
        alive = [w for w in self.cyc if w[0]() is not None]
        if len(alive) != len(self.cyc):
            self.cyc_ages.extend(self.gc_start_ns - t for r, t in self.cyc if r() is None)
        self.cyc = alive

    @staticmethod
    def over(ages, ns=2_000_000_000):
        """The reclaimed older than ns, scaled to all nodes."""
        return SAMPLE * sum(1 for a in ages if a > ns)

    def old_cycles_at(self, now_ns):
        return SAMPLE * sum(1 for r, t in self.cyc if r() is not None and now_ns - t > 2_000_000_000)

    @staticmethod
    def summary(ages):
        if not ages:
            return 0.0, 0.0
        ages.sort()
        return ages[int((len(ages) - 1) * 0.99)] / 1e9, ages[-1] / 1e9


def vm_hwm_kb():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return -1


def reset_hwm():
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        pass


def main():
    n, total = int(sys.argv[1]), int(sys.argv[2])
    seconds = 0
    rnd = random.Random(12345)
    nodes = [Probe() if not i % SAMPLE else Node() for i in range(n)]
    for x in nodes:
        x.a = nodes[rnd.randrange(n)]
        x.b = nodes[rnd.randrange(n)]
    gc.collect()
    pauses = []
    start = [0, 0]
    ages = Ages()

    def cb(phase, info):
        if phase == "start":
            ages.gc_start_ns = time.monotonic_ns()
            ages.in_gc = True
            start[0] = time.thread_time_ns()
        else:
            pauses.append(time.thread_time_ns() - start[0])
            ages.in_gc = False
            if ages.cyc:
                ages.reap_cycles()

    gc.callbacks.append(cb)
    loop_ns = 0
    iters = 0
    hwm = 0
    reset_hwm()
    randrange = rnd.randrange
    while iters < total:
        seconds += 1
        t_end = time.monotonic() + 1.0
        t = time.thread_time_ns()
        while time.monotonic() < t_end and iters < total:
            for _ in range(min(256, total - iters)):
                sampled = not iters % SAMPLE
                a, b, d = Probe() if sampled else Node(), Node(), Node()
                a.a = b; b.a = d; d.a = a
                if sampled:
                    ages.watch_cycle(a, time.monotonic_ns())
                del a, b, d
                setattr(nodes[randrange(n)], "ab"[iters & 1], nodes[randrange(n)])
                if not iters & 1:
                    x = Probe() if not iters % (2 * SAMPLE) else Node()
                    x.a = nodes[randrange(n)]
                    x.b = nodes[randrange(n)]
                    k = randrange(n)
                    if type(nodes[k]) is Probe:
                        ages.watch_node(nodes[k], time.monotonic_ns())
                    nodes[k] = x
                iters += 1
        loop_ns += time.thread_time_ns() - t
        hwm = max(hwm, vm_hwm_kb())
        reset_hwm()
    gc.callbacks.remove(cb)
    old_end = ages.old_cycles_at(time.monotonic_ns())
    cyc_p99, cyc_max = Ages.summary(ages.cyc_ages)
    node_p99, node_max = Ages.summary(ages.node_ages)
    pauses.sort()
    p99 = pauses[int((len(pauses) - 1) * 0.99)] if pauses else 0
    gc_ns = sum(pauses)
    print("mode=cpython N=%d seconds=%d iters=%d pauses=%d longest_ms=%.3f p99_ms=%.3f "
          "gc_share=%.4f gc_s=%.3f loop_s=%.3f peak_rss_mb=%.1f garbage_max=- garbage_last=- "
          "garbage_mean=- cyc_reclaimed=%d cyc_age_p99_s=%.4f cyc_age_max_s=%.4f "
          "node_reclaimed=%d node_age_p99_s=%.3f node_age_max_s=%.3f node_age_max_lb_s=- "
          "old_garbage_end=%d old_garbage_end_ub=- cyc_over_2s=%d node_over_2s=%d"
          % (n, seconds, iters, len(pauses), (pauses[-1] if pauses else 0) / 1e6,
             p99 / 1e6, gc_ns / loop_ns, gc_ns / 1e9, loop_ns / 1e9, hwm / 1024.0,
             len(ages.cyc_ages) * SAMPLE, cyc_p99, cyc_max, len(ages.node_ages) * SAMPLE,
             node_p99, node_max, old_end, Ages.over(ages.cyc_ages), Ages.over(ages.node_ages)))


if __name__ == "__main__":
    main()
