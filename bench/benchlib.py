"""benchlib.py: what the Python twins of the C benchmarks share.

Same conventions as bench/common.h: one line "ROW<tab>key<tab>CPython<tab>value" per
case, CPU time of the process (time.process_time_ns), resident set from
/proc/self/statm, OHM_BENCH_QUICK=1 for a tenth of every workload, fixed seeds.
"""
import os
import sys
import time

SEED = 0x0DDB1A5E
QUICK = os.environ.get("OHM_BENCH_QUICK", "0") not in ("", "0")
now_ns = time.process_time_ns


def scaled(full):
    return max(1, full // 10) if QUICK else full


def tree_iters(full):
    """Iterations of the tree workloads: `full`, or 4 at most in a quick run."""
    return min(full, 4) if QUICK else full


def rss_bytes():
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGESIZE")
    except OSError:
        return 0


class GcPauses:
    """The collector's pauses in CPU time, from gc.callbacks, while in a `with` block:
    total, longest (ns) and n (collections); as on_gc in bench/onode.h."""

    def __init__(self):
        self.start = self.total = self.longest = self.n = 0

    def _on_gc(self, phase, info):
        if phase == "start":
            self.start = now_ns()
            return
        d = now_ns() - self.start
        self.total += d
        self.n += 1
        self.longest = max(self.longest, d)

    def __enter__(self):
        import gc
        gc.callbacks.append(self._on_gc)
        return self

    def __exit__(self, *exc):
        import gc
        gc.callbacks.remove(self._on_gc)


def row(key, value, impl="CPython"):
    print("ROW\t%s\t%s\t%.6g" % (key, impl, value), flush=True)


def main(cases):
    """Run the case named in sys.argv[1] (one per process, like the C programs)."""
    if len(sys.argv) < 2 or sys.argv[1] not in cases:
        sys.exit("usage: %s {%s}" % (sys.argv[0], ",".join(cases)))
    cases[sys.argv[1]](*sys.argv[2:])
