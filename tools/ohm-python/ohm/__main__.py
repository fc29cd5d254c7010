"""ohm-python -m ohm [options] SCRIPT [args...]  (or -m MODULE [args...])

Run a Python program with ohm's tracing on from its first line and write a snapshot
of what it still holds when it ends (normally, by an exception or by sys.exit), for
ohm-prof (top, diff, leaks, lines, flamegraph, folded). The program runs as
`python SCRIPT args...` would run it: sys.argv, __main__ and sys.path[0] are its own,
and its tracebacks end at its own <module> (the runner's frames are left out).

  -n, --frames N         frames per traceback (default 16)
  --sample BYTES         sampled tracing: a block per BYTES allocated on average
                         (suffix K or M: 512K); sizes become estimates
  -o, --output SNAP      the snapshot file (default: NAME.ohmsnap, NAME the script's
                         or module's, in the current directory)
  --timeline FILE[:MS]   also record memory over time, a sample every MS ms (10)
  --signal               also write SNAP.1, SNAP.2, ... each time the process gets
                         SIGUSR1 (a long-running service: kill -USR1 PID)
"""
import os
import runpy
import signal
import sys

import ohm


def usage(msg):
    sys.stderr.write("ohm: %s\n\n%s" % (msg, __doc__))
    sys.exit(2)


def size(text):
    mult = {"K": 1024, "M": 1024 ** 2, "G": 1024 ** 3}.get(text[-1:].upper(), 1)
    try:
        n = int(text[:-1] if mult > 1 else text) * mult
    except ValueError:
        usage("--sample: not a size: %r" % text)
    if n <= 0:
        usage("--sample must be > 0")
    return n


def main(argv):
    frames, sample, out, timeline, on_signal = 16, 0, None, None, False
    i = 0
    while i < len(argv) and argv[i].startswith("-") and argv[i] != "-m":
        a = argv[i]
        if a in ("-h", "--help"):
            sys.stdout.write(__doc__)
            return 0
        if a == "--signal":
            on_signal, i = True, i + 1
            continue
        if a not in ("-n", "--frames", "--sample", "-o", "--output", "--timeline"):
            usage("unknown option %s" % a)
        if i + 1 >= len(argv):
            usage("%s needs a value" % a)
        v = argv[i + 1]
        if a in ("-n", "--frames"):
            if not v.isdigit() or not 1 <= int(v) <= 128:
                usage("%s: a number of frames in 1..128, not %r" % (a, v))
            frames = int(v)
        elif a == "--sample":
            sample = size(v)
        elif a in ("-o", "--output"):
            out = v
        else:
            timeline = v
        i += 2
    rest = argv[i:]
    if not rest or rest == ["-m"]:
        usage("no script or module to run")
    module = rest[0] == "-m"
    target = rest[1] if module else rest[0]
    name = target if module else os.path.splitext(os.path.basename(target))[0]
    out = out or name + ".ohmsnap"

    if timeline:
        path, _, ms = timeline.rpartition(":") if ":" in timeline else (timeline, "", "10")
        ohm.timeline_start(path or timeline, int(ms) if ms.isdigit() else 10)
    count = [0]

    def dump(*_):
        count[0] += 1
        ohm.take_snapshot("%s.%d" % (out, count[0]))

    if on_signal:
        signal.signal(signal.SIGUSR1, dump)
    sys.argv = rest[1:] if module else rest
    if not module:
        sys.path[0] = os.path.dirname(os.path.abspath(target))
    ohm._root(runpy._run_code.__code__)   # tracebacks end at the program's own <module>
    ohm.start(frames, sample)
    try:
        if module:
            runpy.run_module(target, run_name="__main__", alter_sys=True)
        else:
            runpy.run_path(target, run_name="__main__")
    finally:
        ohm.take_snapshot(out)
        sys.stderr.write("ohm: wrote %s (ohm-prof top %s)\n" % (out, out))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
