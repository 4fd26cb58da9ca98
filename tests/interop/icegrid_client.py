#!/usr/bin/env python3
"""A ZeroC Ice client of DriverTest::Hello that reaches it through an indirect proxy resolved
by an IceGrid locator (run by tests/tests/icegrid_interop.rs).

Usage: icegrid_client.py --proxy "hello@HelloAdapter" [--calls N] --Ice.Default.Locator=<locator>

Prints `OK <check>` per check and exits 1 on the first failure."""

import os
import sys
import traceback

import Ice

import icepeer
from icepeer import check

HERE = os.path.dirname(os.path.abspath(__file__))
icepeer.load_slice_path(os.path.join(HERE, "driver", "DriverTest.ice"))
import DriverTest  # noqa: E402


def main():
    def options(parser):
        parser.add_argument("--proxy", required=True)
        parser.add_argument("--calls", type=int, default=1)

    args, ice_args = icepeer.parse_args(__doc__.splitlines()[0], options)
    communicator = icepeer.initialize(ice_args)
    try:
        base = communicator.stringToProxy(args.proxy)
        check(base.ice_getEndpoints() == () or len(base.ice_getEndpoints()) == 0, "indirect")
        hello = DriverTest.HelloPrx.checkedCast(base)
        check(hello is not None, "checkedCast found a DriverTest::Hello")
        print("OK resolved", flush=True)
        for _ in range(args.calls):
            got = hello.sayHello("grid")
            check(got == "Hello, grid!", got)
        print("OK called", flush=True)
        return 0
    except Exception:
        traceback.print_exc()
        return 1
    finally:
        communicator.destroy()


if __name__ == "__main__":
    sys.exit(main())
