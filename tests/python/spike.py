"""The spike: build 1M small tuples, drop a random 99.9% of them, gc.collect(), and
print the resident set at its peak and after, in KiB, as "peak=N kept=N" (Linux
/proc/self/status: VmHWM, VmRSS). Run by test_ohm_python.py plainly and under ohm."""
import gc
import random


def rss():
    f = {}
    with open("/proc/self/status") as st:
        for line in st:
            k, _, v = line.partition(":")
            f[k] = v.split()[0] if v.split() else "0"
    return int(f["VmHWM"]), int(f["VmRSS"])


random.seed(12)
objs = [(i, i + 1) for i in range(1000000)]
keep = set(random.sample(range(len(objs)), len(objs) // 1000))
objs = [o for i, o in enumerate(objs) if i in keep]
del keep
gc.collect()
peak, kept = rss()
print("peak=%d kept=%d survivors=%d" % (peak, kept, len(objs)))
