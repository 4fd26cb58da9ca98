#!/usr/bin/env python3
"""ZeroC's 3.7 "bidir" demo server: `sender` (Demo::CallbackSender) on a free loopback port;
every <interval> seconds (argument 1) it calls callback(num) on every receiver passed to
addClient, over the connection the client opened. Prints `READY <port>`, exits when stdin
closes."""

import os
import re
import sys
import threading

import Ice

HERE = os.path.dirname(os.path.abspath(__file__))
Ice.loadSlice("'" + os.path.join(HERE, "DemoCallback.ice") + "'")
import Demo  # noqa: E402


class CallbackSenderI(Demo.CallbackSender):
    def __init__(self, interval):
        self._interval = interval
        self._cond = threading.Condition()
        self._clients = []
        self._stopped = False

    def addClient(self, receiver, current):
        print("adding client `{0}'".format(Ice.identityToString(receiver.ice_getIdentity())),
              flush=True)
        with self._cond:
            self._clients.append(receiver.ice_fixed(current.con))

    def run(self):
        num = 0
        while True:
            with self._cond:
                self._cond.wait(self._interval)
                if self._stopped:
                    return
                clients = list(self._clients)
            if clients:
                num += 1
                for c in clients:
                    c.callbackAsync(num).add_done_callback(
                        lambda f, c=c: f.exception() and self.remove(c))

    def remove(self, client):
        with self._cond:
            if client in self._clients:
                self._clients.remove(client)

    def stop(self):
        with self._cond:
            self._stopped = True
            self._cond.notify()


def main():
    communicator = Ice.initialize(sys.argv[:1])
    sender = CallbackSenderI(float(sys.argv[1]) if len(sys.argv) > 1 else 2.0)
    thread = threading.Thread(target=sender.run, daemon=True)
    try:
        adapter = communicator.createObjectAdapterWithEndpoints("Callback.Server",
                                                                "tcp -h 127.0.0.1 -p 0")
        adapter.add(sender, Ice.stringToIdentity("sender"))
        adapter.activate()
        thread.start()
        port = re.search(r"-p (\d+)", str(adapter.getEndpoints()[0])).group(1)
        print("READY " + port, flush=True)

        def watch():
            while os.read(0, 4096):
                pass
            communicator.shutdown()

        threading.Thread(target=watch, daemon=True).start()
        communicator.waitForShutdown()
    finally:
        sender.stop()
        communicator.destroy()
    return 0


if __name__ == "__main__":
    sys.exit(main())
