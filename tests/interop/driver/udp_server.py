#!/usr/bin/env python3
"""ZeroC Ice server of DatagramTest::Sink (Datagram.ice) on a tcp and a udp endpoint, for
tests/tests/driver_datagram.rs. Prints `READY <tcp port>` then `UDP <udp port>`."""

import os
import sys
import threading

import Ice

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
import icepeer  # noqa: E402

icepeer.load_slice_path(os.path.join(HERE, "Datagram.ice"))
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
    args, ice_args = icepeer.parse_args(__doc__.splitlines()[0], lambda parser: None)
    communicator = icepeer.initialize(ice_args, {"Ice.Warn.Dispatch": 0})
    try:
        icepeer.shutdown_on_signals_and_eof(communicator, args.watch_stdin)
        adapter = communicator.createObjectAdapterWithEndpoints(
            "Sink", "tcp -h 127.0.0.1 -p 0:udp -h 127.0.0.1 -p 0")
        adapter.add(SinkI(), Ice.stringToIdentity("sink"))
        adapter.activate()
        icepeer.print_ready(adapter)
        udp = [e for e in adapter.getEndpoints() if str(e).startswith("udp")]
        print("UDP {0}".format(icepeer.endpoint_port(udp[0])), flush=True)
        icepeer.wait_for_shutdown(communicator)
    finally:
        communicator.destroy()
    return 0


if __name__ == "__main__":
    sys.exit(main())
