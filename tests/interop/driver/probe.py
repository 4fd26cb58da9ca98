#!/usr/bin/env python3
"""Pings a proxy once and reports how it went, for the tests of refused ssl/wss connections
(tests/tests/transport_interop.rs). Usage: probe.py [--watch-stdin] --proxy P [--IceSSL.X=Y...].
Prints `OK` or `ERROR <exception type>: <message>`; exits 0 either way, 2 on bad usage."""

import argparse
import os
import sys

import Ice

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
from icepeer import with_ssl_plugin  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--watch-stdin", action="store_true")
    parser.add_argument("--proxy", required=True)
    args, rest = parser.parse_known_args()
    ice_args = [a for a in rest if a.startswith("--Ice.") or a.startswith("--IceSSL.")]
    if len(ice_args) != len(rest):
        parser.error("unrecognized arguments: " + " ".join(set(rest) - set(ice_args)))
    communicator = Ice.initialize(sys.argv[:1] + with_ssl_plugin(ice_args))
    try:
        proxy = communicator.stringToProxy(args.proxy).ice_invocationTimeout(20000)
        try:
            proxy.ice_ping()
            print("OK", flush=True)
        except Ice.Exception as e:
            print("ERROR {0}: {1}".format(type(e).__name__, str(e).replace("\n", " ")), flush=True)
    finally:
        communicator.destroy()
    return 0


if __name__ == "__main__":
    sys.exit(main())
