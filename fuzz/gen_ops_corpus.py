#!/usr/bin/env python3
"""gen_ops_corpus.py — writes the seed corpus of fuzz_ops into fuzz/corpus/ops/: short
operation sequences, one per scenario, each in normal and debug mode, decoded as
fuzz_ops.c says (an opcode byte, two argument bytes a and b, then the extra bytes some
operations read). Run from the repository root: fuzz/gen_ops_corpus.py"""
import os

NSLOT, NBLOCK = 12, 8
NEW_INT, NEW_STR, NEW_TUPLE, NEW_LIST, NEW_DICT, NEW_NODE, NEW_LAZ, WEAK, DUP, DROP = range(10)
APPEND, LSET, POP, TSET, DSET, DDEL, DGET, NSET, COLLECT, FREEZE, BLOCK, MISC = range(10, 22)

def op(code, a=0, b=0, *extra): return bytes([code, a, b, *extra])
def node_set(n, field, item): return op(NSET, n + NSLOT * field, item)
def node_clear(n, field): return op(NSET, n + NSLOT * field, 2 * NSLOT)
def weak(slot, target, cb): return op(WEAK, slot + NSLOT * cb, target)
def collect(gen): return op(COLLECT, 0, gen + 1)   # gen -1..2
def block(k, mode, b): return op(BLOCK, k + NBLOCK * mode, b)
def fault(n, rest): return bytes([0xF0 + n]) + rest

seeds = {
    "cycle": op(NEW_NODE, 0) + op(NEW_NODE, 1) + node_set(0, 0, 1) + node_set(1, 1, 0)
        + weak(2, 0, 1) + weak(3, 1, 0) + op(DROP, 0) + op(DROP, 1) + collect(0) + collect(2),
    "lazarus": op(NEW_LAZ, 0) + node_set(0, 0, 0) + op(NEW_NODE, 1) + node_set(0, 1, 1)
        + weak(3, 0, 1) + weak(4, 1, 1) + op(DROP, 0) + op(DROP, 1) + collect(2)
        + op(MISC, 4, 0) + op(DROP, 3) + op(DROP, 4) + collect(2),
    "containers": op(NEW_LIST, 0) + op(NEW_INT, 1, 5) + op(NEW_STR, 2, 7) + op(NEW_DICT, 3)
        + op(NEW_TUPLE, 4, 2) + op(APPEND, 0, 1) + op(APPEND, 0, 2) + op(DSET, 3, 1, 2)
        + op(DSET, 3, 2, 0) + op(TSET, 4, 0, 0) + op(APPEND, 0, 4) + op(DGET, 3, 1, 0)
        + op(NEW_INT, 6, 5) + op(DSET, 3, 6, 6) + op(DDEL, 3, 1, 0) + op(DSET, 3, 1, 4)
        + op(POP, 0, 5) + op(LSET, 0, 3, 1) + op(DUP, 7, 0) + weak(8, 0, 1)
        + b"".join(op(DROP, i) for i in range(8)) + collect(2),
    "blocks": block(0, 0, 100) + block(1, 1, 51) + block(2, 0, 0) + block(0, 2, 201)
        + block(1, 3, 0) + block(0, 2, 10) + block(3, 0, 255) + block(3, 2, 2) + block(2, 3, 0),
    "faults": fault(0, op(NEW_LIST, 0)) + fault(1, op(NEW_DICT, 1)) + op(NEW_LIST, 0)
        + op(NEW_INT, 2, 3) + fault(0, op(APPEND, 0, 2)) + op(NEW_DICT, 1)
        + fault(0, op(DSET, 1, 2, 2)) + fault(0, block(0, 0, 40)) + block(0, 0, 40)
        + fault(0, block(0, 2, 99)) + fault(2, op(NEW_NODE, 3)) + fault(0, weak(4, 0, 1))
        + fault(0, op(NEW_STR, 5, 9)) + fault(3, op(NEW_TUPLE, 6, 3)) + collect(2),
    "freeze": op(NEW_NODE, 0) + op(NEW_NODE, 1) + node_set(0, 0, 1) + node_set(1, 0, 0)
        + weak(2, 0, 1) + op(FREEZE, 0, 0) + op(DROP, 0) + op(DROP, 1) + collect(2)
        + op(FREEZE, 0, 1) + collect(2),
    "trace": op(MISC, 1, 0, 2) + op(NEW_LIST, 0) + block(0, 0, 80) + op(NEW_NODE, 1)
        + op(MISC, 1, 2) + op(MISC, 1, 0, 3) + block(1, 0, 77) + op(MISC, 1, 3)
        + op(MISC, 1, 1) + op(MISC, 1, 2),
}

out = "fuzz/corpus/ops"
os.makedirs(out, exist_ok=True)
for name, body in seeds.items():
    for mode, cfg in (("", 0), ("-debug", 1)):
        with open(os.path.join(out, name + mode + ".bin"), "wb") as f:
            f.write(bytes([cfg]) + body)
