#!/usr/bin/env python3
"""ZeroC Ice server of DatagramTest::Sink (Datagram.ice) on a tcp and a udp endpoint, for
tests/tests/driver_datagram.rs. Prints `READY <tcp port>` then `UDP <udp port>`."""

import os
import re
import sys
import threading

import Ice

HERE = os.path.dirname(os.path.abspath(__file__))
if Ice.intVersion() >= 30800:
    Ice.loadSlice([os.path.join(HERE, "Datagram.ice")])
else:
    Ice.loadSlice("'" + os.path.join(HERE, "Datagram.ice") + "'")
import DatagramTest  # noqa: E402


class SinkI(DatagramTest.Sink):
    def __init__(self):
        self.lock = threading.Lock()
        self.count = 0
        self.total = 0

    def tick(self, current):
        with self.lock:
            self.count += 1

    def put(self, data, current):
        with self.lock:
            self.count += 1
            self.total += len(data)

    def getCount(self, current):
        with self.lock:
            return self.count

    def getTotal(self, current):
        with self.lock:
            return self.total


def main():
    extra = [a for a in sys.argv[1:] if a != "--watch-stdin"]
    communicator = Ice.initialize(sys.argv[:1] + ["--Ice.Warn.Dispatch=0"] + extra)
    try:
        adapter = communicator.createObjectAdapterWithEndpoints(
            "Sink", "tcp -h 127.0.0.1 -p 0:udp -h 127.0.0.1 -p 0")
        adapter.add(SinkI(), Ice.stringToIdentity("sink"))
        adapter.activate()
        ports = {}
        for e in adapter.getEndpoints():
            s = str(e)
            ports[s.split(" ")[0]] = re.search(r"-p (\d+)", s).group(1)
        print("READY " + ports["tcp"], flush=True)
        print("UDP " + ports["udp"], flush=True)

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
