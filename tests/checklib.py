"""checklib.py — what the Python test scripts of tests/ share.

    sys.path.insert(0, <tests/>); from checklib import check, clean_env, finish

check(cond, what, detail) counts a check and prints "FAIL: what" (and the detail) on
stderr when cond is false; finish() prints "N passed, N failed" and exits 1 when any
failed (0 otherwise); clean_env() is this process's environment without what would
change how a child program allocates (OHM_*, CPython's allocator and tracing
variables, LD_PRELOAD, PYTHONPATH), plus the given variables.
"""
import os
import sys

counts = {"passed": 0, "failed": 0}


def check(cond, what, detail=""):
    if cond:
        counts["passed"] += 1
    else:
        counts["failed"] += 1
        print("FAIL: %s%s" % (what, ("\n" + str(detail)) if detail != "" else ""), file=sys.stderr)
    return bool(cond)


def clean_env(**extra):
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("OHM_", "PYTHONMALLOC", "PYTHONDEVMODE", "PYTHONTRACEMALLOC"))
           and k not in ("LD_PRELOAD", "PYTHONPATH")}
    env.update(extra)
    return env


def finish():
    print("%d passed, %d failed" % (counts["passed"], counts["failed"]))
    sys.exit(1 if counts["failed"] else 0)
