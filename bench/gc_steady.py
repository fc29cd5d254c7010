"""gc_steady.py — CPython on the shape of bench/gc_steady.c (issue 15's steady state).

    python3 bench/gc_steady.py N ITERATIONS

A list of N nodes (__slots__ a, b, seen: the C program's 48-byte node), each with two
references to random nodes; then for SECONDS seconds a loop that makes and drops a
3-node cycle, moves one edge of the long-lived graph and, every second iteration,
replaces a node of the list by a new one with random edges. Pauses: gc.callbacks'
start/stop in the thread's CPU time (as the C program measures); collector share:
their sum over the loop's CPU time. Peak RSS: VmHWM, reset after each second as the C
program does (it resets after its garbage census, which this twin does not take:
counting CPython's unreachable nodes would need a traversal of the whole heap).
Prints one line of key=value pairs, the C program's keys.
"""
import gc
import random
import sys
import time


class Node:
    __slots__ = ("a", "b", "seen")

    def __init__(self):
        self.a = self.b = None
        self.seen = 0


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
    nodes = [Node() for _ in range(n)]
    for x in nodes:
        x.a = nodes[rnd.randrange(n)]
        x.b = nodes[rnd.randrange(n)]
    gc.collect()
    pauses = []
    start = [0]

    def cb(phase, info):
        if phase == "start":
            start[0] = time.thread_time_ns()
        else:
            pauses.append(time.thread_time_ns() - start[0])

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
                a, b, d = Node(), Node(), Node()
                a.a = b; b.a = d; d.a = a
                del a, b, d
                setattr(nodes[randrange(n)], "ab"[iters & 1], nodes[randrange(n)])
                if not iters & 1:
                    x = Node()
                    x.a = nodes[randrange(n)]
                    x.b = nodes[randrange(n)]
                    nodes[randrange(n)] = x
                iters += 1
        loop_ns += time.thread_time_ns() - t
        hwm = max(hwm, vm_hwm_kb())
        reset_hwm()
    gc.callbacks.remove(cb)
    pauses.sort()
    p99 = pauses[int((len(pauses) - 1) * 0.99)] if pauses else 0
    gc_ns = sum(pauses)
    print("mode=cpython N=%d seconds=%d iters=%d pauses=%d longest_ms=%.3f p99_ms=%.3f "
          "gc_share=%.4f gc_s=%.3f loop_s=%.3f peak_rss_mb=%.1f garbage_max=- garbage_last=- "
          "garbage_mean=-" % (n, seconds, iters, len(pauses), (pauses[-1] if pauses else 0) / 1e6,
                              p99 / 1e6, gc_ns / loop_ns, gc_ns / 1e9, loop_ns / 1e9, hwm / 1024.0))


if __name__ == "__main__":
    main()
