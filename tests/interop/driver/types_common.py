"""DriverTypes (DriverTypes.ice) for the ZeroC peers types_server.py and types_client.py:
loads the Slice and defines what each operation answers, so the server computes results and
the client its expectations with the same functions (the Rust side implements them on its
own, in tests/tests/types/)."""

import os
import sys

import Ice

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
import icepeer  # noqa: E402

if icepeer.ICE_38:
    Ice.loadSlice([os.path.join(HERE, "DriverTypes.ice")])
else:
    # 3.7 takes one command-line string and splits it like a shell would.
    Ice.loadSlice("'" + os.path.join(HERE, "DriverTypes.ice") + "'")
import DriverTypes as T  # noqa: E402

# An absent optional: Ice.Unset in 3.7, None in 3.8.
UNSET = getattr(Ice, "Unset", None)

NEXT_COLOR = {T.Color.Red: T.Color.Green, T.Color.Green: T.Color.Blue, T.Color.Blue: T.Color.Red}


def present(value):
    return value is not UNSET and value is not None


def primitives(b, y, s, i, l, f, d, st):
    return (not b, 255 - y, -s, -i, -l, f * 2, d * 2, st[::-1])


def flip_line(line):
    return T.Line(line.end, line.start, line.label[::-1], NEXT_COLOR[line.color])


def reverse_seqs(s):
    def rev(seq):
        return seq[::-1] if seq is not None else []

    return T.Seqs(
        [bool(b) for b in rev(s.bools)],
        bytes(rev(s.bytes)),
        list(rev(s.shorts)),
        list(rev(s.ints)),
        list(rev(s.longs)),
        list(rev(s.floats)),
        list(rev(s.doubles)),
        list(rev(s.strings)),
        list(rev(s.colors)),
        list(rev(s.points)),
        list(rev(s.lines)),
    )


def invert(d):
    return {v: k for k, v in d.items()}


def by_label(lines):
    return {line.label: line for line in lines}


def grow(shape):
    if shape is None:
        return None
    if isinstance(shape, T.Circle):
        return T.Circle(shape.name + "!", shape.center, shape.radius * 2)
    return T.Shape(shape.name + "!")


def reverse(head):
    result = None
    node = head
    while node is not None:
        result = T.Node(-node.value, result, node.shape, node.note, node.where)
        node = node.next
    return result


def optionals(req, s, p, ints, c):
    def opt(value, f):
        return f(value) if present(value) else UNSET

    anything = any(present(v) for v in (s, p, ints, c))
    return (
        req if anything else UNSET,
        opt(s, lambda v: v[::-1]),
        opt(p, lambda v: T.Point(v.y, v.x)),
        opt(ints, lambda v: list(v)[::-1]),
        opt(c, lambda v: NEXT_COLOR[v]),
    )


def throw_error(kind, reason, code, detail):
    if kind == 0:
        raise T.BaseError(reason)
    if kind == 1:
        raise T.DerivedError(reason, code, detail)
    if kind == 2:
        raise T.DerivedError(reason, code)
