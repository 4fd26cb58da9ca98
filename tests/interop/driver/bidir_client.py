#!/usr/bin/env python3
"""ZeroC's 3.7 "bidir" demo client: registers a receiver (no endpoints, adapter attached to
the connection) with the sender proxy (argument 1), waits for 3 callbacks numbered one by one,
prints `OK` and exits 0; exits 1 otherwise (30 s limit)."""

import os
import sys
import threading
import traceback

import Ice

HERE = os.path.dirname(os.path.abspath(__file__))
Ice.loadSlice("'" + os.path.join(HERE, "DemoCallback.ice") + "'")
import Demo  # noqa: E402

WANTED = 3


class CallbackReceiverI(Demo.CallbackReceiver):
    def __init__(self):
        self.nums = []
        self.done = threading.Event()

    def callback(self, num, current):
        self.nums.append(num)
        if len(self.nums) >= WANTED:
            self.done.set()


def main():
    communicator = Ice.initialize(sys.argv[:1])
    try:
        server = Demo.CallbackSenderPrx.checkedCast(communicator.stringToProxy(sys.argv[1]))
        if server is None:
            print("invalid proxy", file=sys.stderr)
            return 1
        adapter = communicator.createObjectAdapter("")
        receiver = CallbackReceiverI()
        proxy = Demo.CallbackReceiverPrx.uncheckedCast(adapter.addWithUUID(receiver))
        adapter.activate()
        server.ice_getConnection().setAdapter(adapter)
        server.addClient(proxy)
        if not receiver.done.wait(30):
            print("got callbacks {0}".format(receiver.nums), file=sys.stderr)
            return 1
        nums = receiver.nums[:WANTED]
        if nums != list(range(nums[0], nums[0] + WANTED)):
            print("callbacks not numbered one by one: {0}".format(nums), file=sys.stderr)
            return 1
        print("OK", flush=True)
        return 0
    except Exception:
        traceback.print_exc()
        return 1
    finally:
        communicator.destroy()


if __name__ == "__main__":
    sys.exit(main())
