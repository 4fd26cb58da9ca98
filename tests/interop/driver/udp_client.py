#!/usr/bin/env python3
"""ZeroC Ice client of DatagramTest::Sink (Datagram.ice) sending datagrams to the Rust
server of tests/tests/driver_datagram.rs. Usage: udp_client.py [--watch-stdin] --proxy <proxy
with a tcp and a udp endpoint>. Prints `OK <check>` per check, exits 1 on the first failure."""

import os
import sys
import time
import traceback

import Ice

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
import icepeer  # noqa: E402
from icepeer import check  # noqa: E402

icepeer.load_slice_path(os.path.join(HERE, "Datagram.ice"))
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
    check(sink.getCount() == 10, "a batch arrived before it was flushed")
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
    args, ice_args = icepeer.parse_args(
        __doc__.splitlines()[0], lambda parser: parser.add_argument("--proxy", required=True))
    communicator = icepeer.initialize(ice_args)
    try:
        return run(communicator, args.proxy)
    except Exception:
        traceback.print_exc()
        print("FAIL", flush=True)
        return 1
    finally:
        communicator.destroy()


if __name__ == "__main__":
    sys.exit(main())
