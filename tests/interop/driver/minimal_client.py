#!/usr/bin/env python3
"""ZeroC's 3.7 "minimal" demo client: checkedCast the proxy (argument 1) to Demo::Hello, then
sayHello(). Prints `OK` and exits 0 on success."""

import os
import sys
import traceback

import Ice

HERE = os.path.dirname(os.path.abspath(__file__))
Ice.loadSlice("'" + os.path.join(HERE, "DemoHello.ice") + "'")
import Demo  # noqa: E402


def main():
    communicator = Ice.initialize(sys.argv[:1])
    try:
        hello = Demo.HelloPrx.checkedCast(communicator.stringToProxy(sys.argv[1]))
        if hello is None:
            print("invalid proxy", file=sys.stderr)
            return 1
        hello.sayHello()
        print("OK", flush=True)
        return 0
    except Exception:
        traceback.print_exc()
        return 1
    finally:
        communicator.destroy()


if __name__ == "__main__":
    sys.exit(main())
