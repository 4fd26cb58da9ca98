#!/usr/bin/env python3
"""ZeroC Ice client of DatagramTest::Sink (Datagram.ice) sending datagrams to the Rust
server of tests/tests/driver_datagram.rs. Usage: udp_client.py [--watch-stdin] --proxy <proxy
with a tcp and a udp endpoint>. Prints `OK <check>` per check, exits 1 on the first failure."""

import argparse
import os
import sys
import time
import traceback

import Ice

HERE = os.path.dirname(os.path.abspath(__file__))
if Ice.intVersion() >= 30800:
    Ice.loadSlice([os.path.join(HERE, "Datagram.ice")])
else:
    Ice.loadSlice("'" + os.path.join(HERE, "Datagram.ice") + "'")
import DatagramTest  # noqa: E402


def wait_for(what, get, expected):
    value = None
    for _ in range(500):
        value = get()
        if value == expected:
            return
        if value > expected:
            break
        time.sleep(0.01)
    raise AssertionError("{0} is {1}, expected {2}".format(what, value, expected))


def run(communicator, proxy):
    sink = DatagramTest.SinkPrx.checkedCast(communicator.stringToProxy(proxy))
    datagram = sink.ice_datagram()
    for _ in range(10):
        datagram.tick()
    wait_for("count", sink.getCount, 10)
    print("OK datagram", flush=True)

    batch = sink.ice_batchDatagram()
    for _ in range(5):
        batch.put(b"x" * 100)
    time.sleep(0.2)
    assert sink.getCount() == 10, "a batch arrived before it was flushed"
    batch.ice_flushBatchRequests()
    wait_for("count", sink.getCount, 15)
    wait_for("total", sink.getTotal, 500)
    print("OK batch datagram", flush=True)

    # ZeroC applies the datagram limit before compressing: stay under it.
    datagram.ice_compress(True).put(bytes(60000))
    wait_for("total", sink.getTotal, 60500)
    print("OK compressed datagram", flush=True)

    try:
        datagram.put(os.urandom(70000))
        raise AssertionError("a 70 000-byte datagram was accepted")
    except Ice.DatagramLimitException:
        pass
    print("OK datagram limit", flush=True)
    return 0


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--proxy", required=True)
    parser.add_argument("--watch-stdin", action="store_true")
    args, rest = parser.parse_known_args()
    with Ice.initialize(sys.argv[:1] + rest) as communicator:
        try:
            return run(communicator, args.proxy)
        except Exception:
            traceback.print_exc()
            print("FAIL", flush=True)
            return 1


if __name__ == "__main__":
    sys.exit(main())
