#!/usr/bin/env python3
"""ZeroC Ice server of DriverTypes::Types (DriverTypes.ice) under identity `types`, the peer of
the Rust clients in tests/tests/driver_interop_types.rs. Prints `READY <port>`; with
--watch-stdin it exits when stdin closes. Options --Ice.X=Y are Ice properties."""

import sys

import Ice

import types_common as C
from types_common import T, icepeer


class TypesI(T.Types):
    def primitives(self, b, y, s, i, l, f, d, st, current):
        return C.primitives(b, y, s, i, l, f, d, st)

    def nextColor(self, c, current):
        return C.NEXT_COLOR[c]

    def flipLine(self, line, current):
        return C.flip_line(line)

    def reverseSeqs(self, s, current):
        return C.reverse_seqs(s)

    def invert(self, d, current):
        return C.invert(d)

    def byLabel(self, lines, current):
        return C.by_label(lines)

    def grow(self, s, current):
        return C.grow(s)

    def reverse(self, head, current):
        return C.reverse(head)

    def optionals(self, req, s, p, ints, c, current):
        return C.optionals(req, s, p, ints, c)

    def echoProxy(self, p, current):
        return p

    def getSelf(self, current):
        proxy = current.adapter.createProxy(current.id).ice_facet(current.facet)
        return T.TypesPrx.uncheckedCast(proxy)

    def throwError(self, kind, reason, code, detail, current):
        C.throw_error(kind, reason, code, detail)


def main():
    args, ice_args = icepeer.parse_args(__doc__.splitlines()[0], lambda parser: None)
    communicator = icepeer.initialize(ice_args, {"Ice.Warn.Dispatch": 0})
    try:
        icepeer.shutdown_on_signals_and_eof(communicator, args.watch_stdin)
        adapter = communicator.createObjectAdapterWithEndpoints("Types", "tcp -h 127.0.0.1 -p 0")
        adapter.add(TypesI(), Ice.stringToIdentity("types"))
        adapter.activate()
        icepeer.print_ready(adapter)
        icepeer.wait_for_shutdown(communicator)
    finally:
        communicator.destroy()
    return 0


if __name__ == "__main__":
    sys.exit(main())
