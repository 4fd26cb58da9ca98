#!/usr/bin/env python3
"""ZeroC Ice client of DriverTypes::Types (DriverTypes.ice), run by
tests/tests/driver_interop_types.rs against the Rust server. Usage: types_client.py --proxy
<proxy> [--encoding 1.0]. Prints `OK <check>` per check, exits 1 on the first failure. In
encoding 1.0 optionals do not exist: every optional is expected absent."""

import sys
import traceback

import Ice

import types_common as C
from types_common import T, UNSET, icepeer

check = icepeer.check

Color = T.Color
Point = T.Point


def absent(value):
    return not C.present(value)


def line(a, b, c, d, label, color):
    return T.Line(Point(a, b), Point(c, d), label, color)


def check_primitives(t):
    for args in [
        (True, 7, -32767, 2**31 - 1, -(2**63 - 1), 3.5, -1.0e300, "h\u00e9llo w\u00f6rld \u20ac\u65e5\u672c"),
        (False, 255, 32767, -(2**31 - 1), 2**63 - 1, -0.125, 5e-324, ""),
        (True, 0, 0, 0, 0, 0.0, 0.0, "a\u0000b"),
    ]:
        got = tuple(t.primitives(*args))
        check(got == C.primitives(*args), (args, got))


def check_enum(t):
    for c in (Color.Red, Color.Green, Color.Blue):
        got = t.nextColor(c)
        check(got == C.NEXT_COLOR[c], (c, got))


def check_struct(t):
    for l in (line(1, -2, -32768, 32767, "ab\u20ac", Color.Blue), line(0, 0, 0, 0, "", Color.Red)):
        got = t.flipLine(l)
        check(got == C.flip_line(l), (l, got))


def full_seqs():
    return T.Seqs(
        [True, False, False],
        bytes([0, 1, 255, 128]),
        [-32768, 0, 32767],
        [-(2**31), 1, 2**31 - 1],
        [-(2**63), 0, 2**63 - 1],
        [1.5, -0.25, 2.0**20, float("-inf")],
        [1e300, -2.5, 5e-324],
        ["", "a", "\u65e5\u672c\u8a9e"],
        [Color.Blue, Color.Red, Color.Green],
        [Point(1, 2), Point(3, 4)],
        [line(1, 2, 3, 4, "x", Color.Green), line(5, 6, 7, 8, "y", Color.Red)],
    )


def check_sequences(t):
    for s in (full_seqs(), T.Seqs()):
        got = t.reverseSeqs(s)
        want = C.reverse_seqs(s)
        for field in ("bools", "bytes", "shorts", "ints", "longs", "floats", "doubles",
                      "strings", "colors", "points", "lines"):
            g, w = getattr(got, field), getattr(want, field)
            if field == "bytes":
                g = bytes(g)
            check(list(g) == list(w), (field, g, w))


def check_dictionaries(t):
    d = {"a": 1, "b": -2, "\u20ac": 2**31 - 1}
    check(t.invert(d) == C.invert(d))
    check(t.invert({}) == {})
    lines = [line(1, 2, 3, 4, "one", Color.Green), line(-1, -2, -3, -4, "two", Color.Blue)]
    check(t.byLabel(lines) == C.by_label(lines))


def check_classes(t, v10):
    check(t.grow(None) is None)
    g = t.grow(T.Shape("square"))
    check(type(g) is T.Shape and g.name == "square!", g)
    g = t.grow(T.Circle("c", Point(1, 2), 21))
    check(isinstance(g, T.Circle), g)
    check((g.name, g.center, g.radius) == ("c!", Point(1, 2), 42), g)
    # A list of three nodes whose first and last share one Circle.
    shared = T.Circle("shared", Point(5, 6), 7)
    n2 = T.Node(3, None, shared, UNSET, Point(9, 9))
    n1 = T.Node(2, n2, None, "mid", UNSET)
    n0 = T.Node(1, n1, shared, "first", Point(0, 0))
    r = t.reverse(n0)
    nodes = [r, r.next, r.next.next]
    check(r.next.next.next is None)
    check([n.value for n in nodes] == [-3, -2, -1], [n.value for n in nodes])
    check(nodes[0].shape is nodes[2].shape, "the shared shape came back as two instances")
    check(isinstance(nodes[0].shape, T.Circle) and nodes[0].shape.radius == 7)
    check((nodes[0].shape.name, nodes[0].shape.center) == ("shared", Point(5, 6)))
    check(nodes[1].shape is None)
    if v10:
        check(all(absent(n.note) and absent(n.where) for n in nodes))
    else:
        check(absent(nodes[0].note) and nodes[0].where == Point(9, 9))
        check(nodes[1].note == "mid" and absent(nodes[1].where))
        check(nodes[2].note == "first" and nodes[2].where == Point(0, 0))
    check(t.reverse(None) is None)


def check_optionals(t, v10):
    for args in [
        (5, "abc", Point(1, 2), [1, 2, 3], Color.Green),
        (6, UNSET, UNSET, UNSET, UNSET),
        (7, UNSET, Point(3, -4), UNSET, Color.Blue),
        (8, "", UNSET, [], UNSET),
    ]:
        got = tuple(t.optionals(*args))
        if v10:
            check(all(absent(v) for v in got), got)
            continue
        want = C.optionals(*args)
        check(len(got) == len(want), got)
        for g, w in zip(got, want):
            if absent(w):
                check(absent(g), (args, got))
            else:
                check(g == w or list(g) == list(w), (args, got, want))


def check_proxies(t, communicator):
    check(t.echoProxy(None) is None)
    p = communicator.stringToProxy("thing/one -f fac -o:tcp -h 127.0.0.1 -p 12345 -t 5000")
    r = t.echoProxy(p)
    check(r.ice_getIdentity() == p.ice_getIdentity(), r)
    check(r.ice_getFacet() == "fac" and r.ice_isOneway(), r)
    check(r.ice_getEndpoints() == p.ice_getEndpoints(), r)
    me = t.getSelf()
    check(Ice.identityToString(me.ice_getIdentity()) == "types", me)
    check(me.nextColor(Color.Blue) == Color.Red)


def check_exceptions(t, v10):
    try:
        t.throwError(0, "plain", 1, "none")
        raise AssertionError("no exception")
    except T.BaseError as e:
        check(type(e) is T.BaseError and e.reason == "plain", e)
    for kind in (1, 2):
        try:
            t.throwError(kind, "derived", -9, "why")
            raise AssertionError("no exception")
        except T.BaseError as e:  # the derived exception, caught as its base
            check(isinstance(e, T.DerivedError), e)
            check((e.reason, e.code) == ("derived", -9), e)
            if kind == 1 and not v10:
                check(e.detail == "why", e)
            else:
                check(absent(e.detail), e)
    t.throwError(3, "", 0, "")


def main():
    def options(parser):
        parser.add_argument("--proxy", required=True)
        parser.add_argument("--encoding", default="1.1", choices=["1.0", "1.1"])

    args, ice_args = icepeer.parse_args(__doc__.splitlines()[0], options)
    communicator = icepeer.initialize(ice_args)
    v10 = args.encoding == "1.0"
    try:
        base = communicator.stringToProxy(args.proxy).ice_invocationTimeout(30000)
        if v10:
            base = base.ice_encodingVersion(Ice.Encoding_1_0)
        t = T.TypesPrx.checkedCast(base)
        check(t is not None, "checkedCast returned None")
        for name, run in [
            ("primitives", lambda: check_primitives(t)),
            ("enum", lambda: check_enum(t)),
            ("struct", lambda: check_struct(t)),
            ("sequences", lambda: check_sequences(t)),
            ("dictionaries", lambda: check_dictionaries(t)),
            ("classes", lambda: check_classes(t, v10)),
            ("optionals", lambda: check_optionals(t, v10)),
            ("proxies", lambda: check_proxies(t, communicator)),
            ("exceptions", lambda: check_exceptions(t, v10)),
        ]:
            run()
            print("OK " + name, flush=True)
        return 0
    except Exception:
        traceback.print_exc()
        return 1
    finally:
        communicator.destroy()


if __name__ == "__main__":
    sys.exit(main())
