"""bench_alloc.py: the CPython twin of bench/alloc.c's fragmentation case.

frag: 1M small objects (floats: 24 B, a 32 B pymalloc block, like the C case's 32 B
blocks) in a list made before the baseline; all released but a random 0.1%;
resident memory kept as a percentage of what the objects raised it to.
"""
import random
import sys

from benchlib import main, rss_bytes, row, scaled, SEED


def frag():
    n = scaled(1_000_000)
    objs = [None] * n
    base = rss_bytes()
    for i in range(n):
        objs[i] = i + 0.5
    peak = rss_bytes()
    rng = random.Random(SEED)
    kept = 0
    for i in range(n):
        if rng.random() < 0.001:
            kept += 1
        else:
            objs[i] = None
    after = rss_bytes()
    print("frag CPython: base %d KiB, peak +%d KiB, after +%d KiB, %d kept"
          % (base >> 10, (peak - base) >> 10, (after - base) >> 10, kept), file=sys.stderr)
    row("alloc.frag", 100.0 * (after - base) / (peak - base) if peak > base else 0)


if __name__ == "__main__":
    main({"frag": frag})
