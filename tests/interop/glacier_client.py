#!/usr/bin/env python3
"""A ZeroC Ice client that uses a Glacier2 router the way applications do (Ice 3.7 or 3.8).

Usage: glacier_client.py --router "Glacier2/router:tcp -h 127.0.0.1 -p 4063" --backend-port N
                         --user U --password P [--session-timeout S]

The back end is lab_server.py. Run against ZeroC's glacier2router and against ours, the same
steps must pass: it prints `OK <step>` per step and exits with status 1 at the first failure
(printing `FAIL <step>: <reason>`). The router must use a password file holding U / P, no
session manager, and server endpoints (callbacks).
"""

import threading

import Ice

import icepeer

icepeer.load_slice("Hello.ice")
import Glacier2  # noqa: E402
import Lab  # noqa: E402

CALLBACK_TIMEOUT = 10.0


def check(condition, message, *args):
    if not condition:
        raise AssertionError(message.format(*args))


def expect(exception_type, call):
    try:
        result = call()
    except exception_type as error:
        return error
    raise AssertionError("expected {0}, got {1!r}".format(exception_type.__name__, result))


class CallbackI(Lab.Callback):
    def __init__(self):
        self.messages = []
        self.cond = threading.Condition()

    def notify(self, msg, current):
        with self.cond:
            self.messages.append(msg)
            self.cond.notify_all()


def main():
    def add(parser):
        parser.add_argument("--router", required=True)
        parser.add_argument("--backend-port", type=int, required=True)
        parser.add_argument("--user", required=True)
        parser.add_argument("--password", required=True)
        parser.add_argument("--session-timeout", type=int, default=None)

    args, ice_args = icepeer.parse_args(__doc__, add)
    defaults = {"Ice.Default.Router": args.router, "Ice.Warn.Connections": "0"}
    communicator = icepeer.initialize(ice_args, defaults)
    step = "start"
    try:
        step = "checked_cast_router"
        router = Glacier2.RouterPrx.checkedCast(communicator.getDefaultRouter())
        check(router is not None, "not a Glacier2::Router")
        print("OK " + step, flush=True)

        step = "router_finder"
        endpoints = args.router.split(":", 1)[1]
        finder = Ice.RouterFinderPrx.uncheckedCast(
            communicator.stringToProxy("Ice/RouterFinder:" + endpoints).ice_router(None))
        found = finder.getRouter()
        check(Ice.identityToString(found.ice_getIdentity()) == "Glacier2/router", "{0}", found)
        print("OK " + step, flush=True)

        if args.session_timeout is not None:
            step = "session_timeout_without_session"
            check(router.getSessionTimeout() == args.session_timeout, "{0}", router.getSessionTimeout())
            print("OK " + step, flush=True)

        hello = Lab.HelloPrx.uncheckedCast(
            communicator.stringToProxy("hello:tcp -h 127.0.0.1 -p {0}".format(args.backend_port)))

        # (destroySession without a session is not tried here: Debian's IcePy 3.7.8 crashes
        # with a segmentation fault unmarshaling SessionNotExistException, whichever router
        # sends it. The Rust client tests it.)

        step = "routed_call_without_session_loses_the_connection"
        expect(Ice.ConnectionLostException, hello.ice_ping)
        print("OK " + step, flush=True)

        step = "wrong_password"
        e = expect(Glacier2.PermissionDeniedException, lambda: router.createSession(args.user, "wrong"))
        check(e.reason == "permission denied", "reason {0!r}", e.reason)
        print("OK " + step, flush=True)

        step = "create_session"
        session = router.createSession(args.user, args.password)
        check(session is None, "session proxy {0}", session)
        print("OK " + step, flush=True)

        step = "second_session"
        e = expect(Glacier2.CannotCreateSessionException, lambda: router.createSession(args.user, args.password))
        check(e.reason == "session exists", "reason {0!r}", e.reason)
        print("OK " + step, flush=True)

        step = "routed_calls"
        check(hello.sayHello("Python") == "Hello, Python!", "sayHello")
        # The router does not forward client contexts by default.
        check(hello.sayHello("Python", {"lang": "fr"}) == "Hello, Python!", "context was forwarded")
        facet = Lab.HelloPrx.uncheckedCast(hello, "admin-facet")
        check(facet.sayHello("P") == "Hello, P! [admin-facet]", "facet")
        e = expect(Lab.HelloError, lambda: hello.fail(7, "seven"))
        check(e.code == 7 and e.reason == "seven", "{0}", e)
        ghost = Lab.HelloPrx.uncheckedCast(hello.ice_identity(Ice.stringToIdentity("ghost")))
        expect(Ice.ObjectNotExistException, ghost.ice_ping)
        print("OK " + step, flush=True)

        step = "oneways_in_order"
        hello.resetCount()
        oneway = Lab.HelloPrx.uncheckedCast(hello.ice_oneway())
        for _ in range(200):
            oneway.tick()
        check(hello.getCount() == 200, "count {0}", hello.getCount())
        print("OK " + step, flush=True)

        step = "callbacks"
        category = router.getCategoryForClient()
        check(category != "", "empty category")
        adapter = communicator.createObjectAdapterWithRouter("CallbackAdapter", router)
        adapter.activate()
        if icepeer.ICE_38:
            # Ice 3.8 dispatches requests from the router connection only to an adapter set on it.
            router.ice_getCachedConnection().setAdapter(adapter)
        servant = CallbackI()
        cb = Lab.CallbackPrx.uncheckedCast(adapter.add(servant, Ice.Identity("cb", category)))
        for n in (1, 2):
            hello.subscribe(cb)
            with servant.cond:
                servant.cond.wait_for(lambda: len(servant.messages) >= n, CALLBACK_TIMEOUT)
            check(len(servant.messages) == n and servant.messages[-1].startswith("callback #"),
                  "{0}", servant.messages)
        # A callback to a category no session has fails at the back end.
        stranger = Lab.CallbackPrx.uncheckedCast(cb.ice_identity(Ice.Identity("cb", "dummy")))
        expect(Ice.ObjectNotExistException, lambda: hello.subscribe(stranger))
        print("OK " + step, flush=True)

        step = "destroy_session"
        router.destroySession()
        expect(Ice.ConnectionLostException, hello.ice_ping)
        print("OK " + step, flush=True)
    except Exception as error:  # noqa: BLE001 (report whatever went wrong)
        icepeer.fail_step(communicator, step, error)
    communicator.destroy()


if __name__ == "__main__":
    main()
