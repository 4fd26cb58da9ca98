#!/usr/bin/env python3
"""ZeroC Ice server of DriverTest::Hello (DriverTest.ice), the peer of the Rust clients in
tests/tests/driver_interop.rs. Prints `READY <port>`, exits when stdin closes (it always
watches stdin; `--watch-stdin` is accepted for the harness)."""

import os
import re
import sys
import threading

import Ice

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
from icepeer import with_ssl_plugin  # noqa: E402
if Ice.intVersion() >= 30800:
    Ice.loadSlice([os.path.join(HERE, "DriverTest.ice")])
else:
    # 3.7 takes one command-line string and splits it like a shell would.
    Ice.loadSlice("'" + os.path.join(HERE, "DriverTest.ice") + "'")
import DriverTest  # noqa: E402


class HelloI(DriverTest.Hello):
    def __init__(self):
        self._lock = threading.Lock()
        self._count = 0

    def sayHello(self, name, current):
        greeting = "Bonjour" if current.ctx.get("lang") == "fr" else "Hello"
        suffix = " [{0}]".format(current.facet) if current.facet else ""
        return "{0}, {1}!{2}".format(greeting, name, suffix)

    def fail(self, code, reason, current):
        raise DriverTest.Boom(code, reason)

    def tick(self, current):
        with self._lock:
            self._count += 1

    def getCount(self, current):
        with self._lock:
            return self._count

    def echo(self, data, current):
        return data

    def crash(self, current):
        raise RuntimeError("crash() called")

    def block(self, current):
        pass

    def unblock(self, current):
        pass

    def callback(self, identity, current):
        receiver = DriverTest.ReceiverPrx.uncheckedCast(
            current.con.createProxy(Ice.stringToIdentity(identity)))
        return receiver.notify("ping")

    def drop(self, current):
        if hasattr(current.con, "abort"):
            current.con.abort()  # 3.8 replaced close(Forcefully) with abort()
        else:
            current.con.close(Ice.ConnectionClose.Forcefully)

    def getContext(self, current):
        return current.ctx


def main():
    props = ["--Ice.MessageSizeMax=16384", "--Ice.Warn.Dispatch=0",
             "--Ice.ThreadPool.Server.Size=4", "--Ice.ThreadPool.Server.SizeMax=4"]
    extra = [a for a in sys.argv[1:] if a != "--watch-stdin"]
    communicator = Ice.initialize(sys.argv[:1] + props + with_ssl_plugin(extra))
    # Ice reads only its own prefixes from the command line: the adapter's properties
    # (--Test.AdapterId=..., --Test.ReplicaGroupId=...) are set here.
    for arg in extra:
        if arg.startswith("--Test.") and "=" in arg:
            name, value = arg[2:].split("=", 1)
            communicator.getProperties().setProperty(name, value)
    try:
        # --Test.Endpoints=ssl -h 127.0.0.1 -p 0, say; tcp by default.
        endpoints = communicator.getProperties().getPropertyWithDefault(
            "Test.Endpoints", "tcp -h 127.0.0.1 -p 0")
        adapter = communicator.createObjectAdapterWithEndpoints("Test", endpoints)
        adapter.add(HelloI(), Ice.stringToIdentity("hello"))
        adapter.addFacet(HelloI(), Ice.stringToIdentity("hello"), "admin")
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
