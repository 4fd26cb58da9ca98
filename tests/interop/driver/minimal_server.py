#!/usr/bin/env python3
"""ZeroC's 3.7 "minimal" demo server (adapter "Hello", identity "hello", Demo::Hello printing
"Hello World!"), on a free loopback port. Prints `READY <port>`, exits when stdin closes."""

import os
import re
import sys
import threading

import Ice

HERE = os.path.dirname(os.path.abspath(__file__))
Ice.loadSlice("'" + os.path.join(HERE, "DemoHello.ice") + "'")
import Demo  # noqa: E402


class HelloI(Demo.Hello):
    def sayHello(self, current):
        print("Hello World!", flush=True)


def main():
    communicator = Ice.initialize(sys.argv)
    try:
        adapter = communicator.createObjectAdapterWithEndpoints("Hello", "tcp -h 127.0.0.1 -p 0")
        adapter.add(HelloI(), Ice.stringToIdentity("hello"))
        adapter.activate()
        port = re.search(r"-p (\d+)", str(adapter.getEndpoints()[0])).group(1)
        print("READY " + port, flush=True)

        def watch():
            while os.read(0, 4096):
                pass
            communicator.shutdown()

        threading.Thread(target=watch, daemon=True).start()
        communicator.waitForShutdown()
    finally:
        communicator.destroy()
    return 0


if __name__ == "__main__":
    sys.exit(main())
