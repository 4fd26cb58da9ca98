#!/usr/bin/env python3
"""ZeroC Ice client of DriverTest::Hello (DriverTest.ice), run by tests/tests/driver_interop.rs
against the Rust server. Usage: client.py [--watch-stdin] --proxy <proxy>. Prints `OK <check>`
per check, exits 1 on the first failure."""

import argparse
import os
import sys
import time
import traceback

import Ice

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
from icepeer import check, with_ssl_plugin  # noqa: E402
if Ice.intVersion() >= 30800:
    Ice.loadSlice([os.path.join(HERE, "DriverTest.ice")])
else:
    # 3.7 takes one command-line string and splits it like a shell would.
    Ice.loadSlice("'" + os.path.join(HERE, "DriverTest.ice") + "'")
import DriverTest  # noqa: E402


class ReceiverI(DriverTest.Receiver):
    def notify(self, msg, current):
        return "py:" + msg


def expect_raises(kind, call):
    try:
        call()
    except kind as e:
        return e
    raise AssertionError("expected " + kind.__name__)


def wait_count(hello, expected):
    for _ in range(500):
        n = hello.getCount()
        if n == expected:
            return
        time.sleep(0.01)
    raise AssertionError("count is {0}, expected {1}".format(n, expected))


def local_port(proxy):
    return proxy.ice_getConnection().getInfo().localPort


def idle_check(hello, seconds):
    """Calls, stays idle `seconds`, calls again: the second call must reuse the connection
    (with Ice 3.8's idle check, a server that sends no heartbeats gets it aborted)."""
    check(hello.sayHello("idle") == "Hello, idle!")
    port = local_port(hello)
    time.sleep(seconds)
    check(hello.sayHello("idle") == "Hello, idle!")
    check(local_port(hello) == port, "the idle connection was replaced")
    print("OK idle {0:g}".format(seconds), flush=True)
    return 0


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--watch-stdin", action="store_true")
    parser.add_argument("--proxy", required=True)
    parser.add_argument("--idle", type=float, metavar="SECONDS",
                        help="only check that a connection idle this long is still used")
    args, rest = parser.parse_known_args()
    ice_args = [a for a in rest if a.startswith("--Ice.") or a.startswith("--IceSSL.")]
    if len(ice_args) != len(rest):
        parser.error("unrecognized arguments: " + " ".join(set(rest) - set(ice_args)))
    props = ["--Ice.MessageSizeMax=16384"]
    communicator = Ice.initialize(sys.argv[:1] + props + with_ssl_plugin(ice_args))
    try:
        base = communicator.stringToProxy(args.proxy).ice_invocationTimeout(30000)
        if args.idle is not None:
            return idle_check(DriverTest.HelloPrx.uncheckedCast(base), args.idle)
        hello = DriverTest.HelloPrx.checkedCast(base)
        check(hello is not None, "checkedCast returned None")
        print("OK checkedCast", flush=True)
        check(hello.sayHello("Py") == "Hello, Py!")
        check(hello.sayHello("Py", {"lang": "fr"}) == "Bonjour, Py!")
        check(hello.getContext({"a": "b"}) == {"a": "b"})
        print("OK twoway+context", flush=True)
        admin = DriverTest.HelloPrx.uncheckedCast(hello.ice_facet("admin"))
        check(admin.sayHello("Py") == "Hello, Py! [admin]")
        check(admin.getContext({"on": "facet"}) == {"on": "facet"})
        print("OK facet", flush=True)
        check(hello.ice_id() == "::DriverTest::Hello")
        check(hello.ice_ids() == ["::DriverTest::Hello", "::Ice::Object"])
        hello.ice_ping()
        print("OK builtins", flush=True)
        e = expect_raises(DriverTest.Boom, lambda: hello.fail(7, "nope"))
        check((e.code, e.reason) == (7, "nope"), (e.code, e.reason))
        print("OK user exception", flush=True)
        oneway = hello.ice_oneway()
        for _ in range(10):
            oneway.tick()
        wait_count(hello, 10)
        print("OK oneway", flush=True)
        batch = hello.ice_batchOneway()
        for _ in range(5):
            batch.tick()
        batch.ice_flushBatchRequests()
        wait_count(hello, 15)
        print("OK batch", flush=True)
        data = bytes(i // 100 % 256 for i in range(300000))
        check(hello.ice_compress(True).echo(data) == data)
        big = bytes(i * 7 % 251 for i in range(3000000))
        check(hello.echo(big) == big)
        print("OK compression+large", flush=True)
        expect_raises(Ice.UnknownException, hello.crash)
        ghost = hello.ice_identity(Ice.stringToIdentity("ghost"))
        expect_raises(Ice.ObjectNotExistException, ghost.ice_ping)
        e = expect_raises(Ice.FacetNotExistException, hello.ice_facet("nope").ice_ping)
        check(e.facet == "nope", e)
        e = expect_raises(Ice.OperationNotExistException,
                          lambda: hello.ice_invoke("frobnicate", Ice.OperationMode.Normal, b""))
        check(e.operation == "frobnicate", e)
        print("OK dispatch errors", flush=True)
        adapter = communicator.createObjectAdapter("")
        adapter.add(ReceiverI(), Ice.stringToIdentity("receiver"))
        adapter.activate()
        hello.ice_getConnection().setAdapter(adapter)
        check(hello.callback("receiver") == "py:ping")
        print("OK callback", flush=True)
        return 0
    except Exception:
        traceback.print_exc()
        return 1
    finally:
        communicator.destroy()


if __name__ == "__main__":
    sys.exit(main())
