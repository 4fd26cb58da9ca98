#!/usr/bin/env python3
"""A ZeroC back end for a Glacier2 router's authentication (Ice 3.7 or 3.8).

Serves, on one adapter (prints `READY <port>`):

* `verifier` (Glacier2::PermissionsVerifier): accepts a password equal to "ok" + user id;
  refuses others with reason "bad password <user>"; raises PermissionDeniedException("no way")
  for user "raise";
* `manager` (Glacier2::SessionManager): for user "cannot" raises
  CannotCreateSessionException("nope"), for user "one" raises ObjectNotExistException; else
  creates a Glacier2::Session whose destroy() is counted;
* `stats` (Lab::Hello's getCount): how many sessions were destroyed; sayHello(key) returns the
  value of `key` in the last context the verifier got ("" if none), and "control:<bool>" for
  key "control" (whether the last create got a SessionControl proxy).
"""

import threading
import uuid

import Ice

import icepeer

icepeer.load_slice("Hello.ice")
import Glacier2  # noqa: E402
import Lab  # noqa: E402


class State:
    def __init__(self):
        self.lock = threading.Lock()
        self.destroyed = 0
        self.context = {}
        self.control = False


class VerifierI(Glacier2.PermissionsVerifier):
    def __init__(self, state):
        self.state = state

    def checkPermissions(self, user, password, current):
        with self.state.lock:
            self.state.context = dict(current.ctx)
        if user == "raise":
            raise Glacier2.PermissionDeniedException("no way")
        if password == "ok" + user:
            return (True, "")
        return (False, "bad password " + user)


class SessionI(Glacier2.Session):
    def __init__(self, state):
        self.state = state

    def destroy(self, current):
        with self.state.lock:
            self.state.destroyed += 1
        current.adapter.remove(current.id)


class ManagerI(Glacier2.SessionManager):
    def __init__(self, state):
        self.state = state

    def create(self, user, control, current):
        with self.state.lock:
            self.state.control = control is not None
        if user == "cannot":
            raise Glacier2.CannotCreateSessionException("nope")
        if user == "one":
            raise Ice.ObjectNotExistException()
        proxy = current.adapter.add(SessionI(self.state), Ice.Identity(str(uuid.uuid4()), "session"))
        return Glacier2.SessionPrx.uncheckedCast(proxy)


class StatsI(Lab.Hello):
    def __init__(self, state):
        self.state = state

    def getCount(self, current):
        with self.state.lock:
            return self.state.destroyed

    def sayHello(self, key, current):
        with self.state.lock:
            if key == "control":
                return "control:{0}".format(self.state.control)
            return self.state.context.get(key, "")


def main():
    def add(parser):
        parser.add_argument("--endpoints", default="tcp -h 127.0.0.1 -p 0")

    args, ice_args = icepeer.parse_args(__doc__, add)
    communicator = icepeer.initialize(ice_args)
    icepeer.shutdown_on_signals_and_eof(communicator, args.watch_stdin)
    adapter = communicator.createObjectAdapterWithEndpoints("Auth", args.endpoints)
    state = State()
    adapter.add(VerifierI(state), Ice.stringToIdentity("verifier"))
    adapter.add(ManagerI(state), Ice.stringToIdentity("manager"))
    adapter.add(StatsI(state), Ice.stringToIdentity("stats"))
    adapter.activate()
    icepeer.print_ready(adapter)
    icepeer.wait_for_shutdown(communicator)
    communicator.destroy()


if __name__ == "__main__":
    main()
