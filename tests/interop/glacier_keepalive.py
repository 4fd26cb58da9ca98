#!/usr/bin/env python3
"""Whether a Glacier2 router keeps an idle client's connection and session (Ice 3.7 only: ACM).

Usage: glacier_keepalive.py --router PROXY --backend-port N --acm-timeout S (--heartbeats | --silent)

The router's client connections have an ACM timeout of S seconds (`Glacier2.SessionTimeout`
or `Glacier2.Client.ACM.Timeout`) and it has the null permissions verifier; the back end is
lab_server.py. With --heartbeats the client heartbeats (as Glacier2.SessionHelper
does) and stays idle for three times the timeout: its connection and session must survive.
With --silent it sends nothing: the router must close its connection (the client sees the
close) and destroy the session. Prints `OK <step>` per step, `FAIL <step>: <reason>` and
status 1 at the first failure.
"""

import threading

import Ice

import icepeer

icepeer.load_slice("Hello.ice")
import Glacier2  # noqa: E402
import Lab  # noqa: E402


def check(condition, message, *args):
    if not condition:
        raise AssertionError(message.format(*args))


def main():
    def add(parser):
        parser.add_argument("--router", required=True)
        parser.add_argument("--backend-port", type=int, required=True)
        parser.add_argument("--acm-timeout", type=int, required=True)
        mode = parser.add_mutually_exclusive_group(required=True)
        mode.add_argument("--heartbeats", action="store_true")
        mode.add_argument("--silent", action="store_true")

    args, ice_args = icepeer.parse_args(__doc__, add)
    defaults = {"Ice.Default.Router": args.router, "Ice.Warn.Connections": "0",
                "Ice.RetryIntervals": "-1"}
    if args.heartbeats:
        # A heartbeat every second, whatever else happens.
        defaults.update({"Ice.ACM.Client.Timeout": "2", "Ice.ACM.Client.Heartbeat": "3",
                         "Ice.ACM.Client.Close": "0"})
    else:
        defaults.update({"Ice.ACM.Client.Timeout": "0"})
    communicator = icepeer.initialize(ice_args, defaults)
    step = "start"
    try:
        step = "create_session"
        router = Glacier2.RouterPrx.uncheckedCast(communicator.getDefaultRouter())
        router.createSession("idle", "")
        hello = Lab.HelloPrx.uncheckedCast(
            communicator.stringToProxy("hello:tcp -h 127.0.0.1 -p {0}".format(args.backend_port)))
        check(hello.sayHello("idle") == "Hello, idle!", "sayHello")
        connection = router.ice_getCachedConnection()
        closed = threading.Event()
        connection.setCloseCallback(lambda c: closed.set())
        print("OK " + step, flush=True)

        if args.heartbeats:
            step = "idle_with_heartbeats"
            # Nothing but heartbeats for three ACM timeouts: the router must not close.
            check(not closed.wait(3 * args.acm_timeout), "the router closed the connection")
            check(hello.sayHello("again") == "Hello, again!", "sayHello after idling")
            router.refreshSession()
            print("OK " + step, flush=True)
        else:
            step = "idle_without_heartbeats"
            # The router aborts the connection after its ACM timeout (checked every half).
            check(closed.wait(4 * args.acm_timeout), "the router kept the connection")
            # The session went with it: on a new connection, a routed call finds none and
            # the router closes that connection too. (Not refreshSession: Debian's IcePy
            # 3.7.8 crashes unmarshaling SessionNotExistException.)
            try:
                hello.ice_ping()
                raise AssertionError("routed without a session")
            except Ice.ConnectionLostException:
                pass
            print("OK " + step, flush=True)
    except Exception as error:  # noqa: BLE001 (report whatever went wrong)
        icepeer.fail_step(communicator, step, error)
    communicator.destroy()


if __name__ == "__main__":
    main()
