#!/usr/bin/env python3
"""Stops a router through its admin object, as ZeroC's test harness does (Ice 3.7 or 3.8).

Usage: admin_shutdown.py --process PROXY

PROXY is the router's `Process` facet (`Glacier2/admin -f Process:ws -h 127.0.0.1 -p N`).
Calls `shutdown` once: prints `OK shutdown` when the reply came, then `OK closed` once the
router has closed the connection; else `FAIL <step>: <error>` and exits with status 1 (a reply
cut off by the router's exit is `ConnectionLostException`).
"""

import threading

import Ice

import icepeer


def main():
    def add(parser):
        parser.add_argument("--process", required=True)

    args, ice_args = icepeer.parse_args(__doc__, add)
    communicator = icepeer.initialize(ice_args, {"Ice.Warn.Connections": "0"})
    closed = threading.Event()
    try:
        process = Ice.ProcessPrx.uncheckedCast(communicator.stringToProxy(args.process))
        process.ice_getConnection().setCloseCallback(lambda connection: closed.set())
        process.shutdown()
    except Ice.Exception as error:
        icepeer.fail_step(communicator, "shutdown", error)
    print("OK shutdown", flush=True)
    # The router closes the connection gracefully after its reply; the transport's own close
    # (a WebSocket's close frames) completes before the close callback runs.
    if not closed.wait(10):
        icepeer.fail_step(communicator, "closed", "the router did not close the connection")
    print("OK closed", flush=True)
    communicator.destroy()


if __name__ == "__main__":
    main()
