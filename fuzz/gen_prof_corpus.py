#!/usr/bin/env python3
"""gen_prof_corpus.py — the seed corpus of fuzz_prof: gen_prof_corpus.py SNAPDIR OUTDIR.

SNAPDIR holds tests/prof/gen_snapshots' output (build/tests/prof/prof_commands after
`ctest -R prof_commands`). Each seed is: an option byte, the snapshot's length (u16
little-endian), the snapshot, then a source text or timeline numbers (fuzz_prof.c
says how it reads them). How the committed seeds were made:
  fuzz/gen_prof_corpus.py build/tests/prof/prof_commands fuzz/corpus/prof
"""
import os
import struct
import sys

src, out = sys.argv[1], sys.argv[2]
os.makedirs(out, exist_ok=True)


def snap(name):
    return open(os.path.join(src, name), "rb").read()


def seed(name, opt, snapshot, rest):
    with open(os.path.join(out, name), "wb") as f:
        f.write(bytes([opt]) + struct.pack("<H", len(snapshot)) + snapshot + rest)


load_py = "".join("line %d\n" % i for i in range(1, 23)).encode()
c_text = b"int main(void) {\n    char *p = ohm_malloc(h, 10);\n\treturn 0;\n}"   # no final newline
timeline = b"".join(bytes([k]) + struct.pack("<dd", t, d) for k, t, d in [
    (0, 0.0, 0), (4, 0.1, 0), (1, 0.15, 0.001), (8, 0.2, 0), (2, 0.25, 0), (3, 0.1, 0.3), (7, 0.2, -1.0),
    (12, float("nan"), 0), (16, float("inf"), 0), (5, -3.0, float("nan")), (20, 1e300, 0)])
seed("stacks-text", 0x00, snap("stacks.ohmsnap"), load_py)
seed("stacks-inverted-diff", 0xe5, snap("stacks.ohmsnap"), load_py)
seed("stacks-count-traceback", 0x12, snap("stacks.ohmsnap"), timeline)
seed("stacks-old-timeline", 0x47, snap("stacks_old.ohmsnap"), timeline)
seed("csites", 0x01, snap("lines_new.ohmsnap"), c_text)
seed("csites-cumulative", 0x9c, snap("lines_old.ohmsnap"), c_text + b"\r\n\0binary\xff\xfe")
seed("empty", 0x00, snap("empty.ohmsnap"), b"")
seed("no-snapshot", 0x33, b"OHMSNAP\0", timeline)
