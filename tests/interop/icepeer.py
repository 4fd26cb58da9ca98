"""Helpers shared by the ZeroC Python peers in this folder.

They hide the few API differences between ZeroC Ice 3.7 (Debian's python3-zeroc-ice) and
Ice 3.8 (PyPI zeroc-ice), and implement the conventions the Rust harness relies on
(`tests/src/peers.rs`):

* a server prints exactly `READY <port>` on stdout once its object adapter is active, so it can
  listen on port 0 and tell the harness which port it got;
* with `--watch-stdin` a peer shuts down when its stdin reaches end-of-file, so it never outlives
  the test process that spawned it, even if that process is killed;
* every option that starts with `--Ice.` is an Ice property (`--Ice.Trace.Protocol=1`).
"""

import argparse
import os
import re
import signal
import sys
import threading

import Ice

SLICE_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "slice")

# Ice 3.8 renumbered nothing on the wire, but its Python API changed in a few places.
ICE_38 = Ice.intVersion() >= 30800


def check(condition, detail=None):
    """Fails the peer's check unless `condition` holds. Unlike `assert`, which `python -O` and
    PYTHONOPTIMIZE remove, it always runs."""
    if not condition:
        raise AssertionError(detail if detail is not None else "check failed")


def fail_step(communicator, step, error):
    """Reports the step a stepwise client failed at (`FAIL <step>: <error>`), destroys its
    communicator and exits with status 1."""
    print("FAIL {0}: {1!r}".format(step, error), flush=True)
    communicator.destroy()
    sys.exit(1)


def load_slice(file_name):
    """Compiles a Slice file of `slice/` at run time, so no generated code is committed."""
    load_slice_path(os.path.join(SLICE_DIR, file_name))


def load_slice_path(path):
    """Compiles the Slice file at `path` at run time."""
    if ICE_38:
        Ice.loadSlice([path])
    else:
        # 3.7 takes one command-line string and splits it like a shell would.
        Ice.loadSlice("'" + path + "'")


def parse_args(description, add_arguments):
    """Parses our options; everything that looks like `--Ice.X=Y` is kept for Ice."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument(
        "--watch-stdin",
        action="store_true",
        help="shut down when stdin reaches end-of-file (used by the Rust test harness)",
    )
    add_arguments(parser)
    args, rest = parser.parse_known_args()
    ice_args = [a for a in rest if a.startswith("--Ice.") or a.startswith("--IceSSL.")]
    unknown = [a for a in rest if a not in ice_args]
    if unknown:
        parser.error("unrecognized arguments: " + " ".join(unknown))
    return args, ice_args


def with_ssl_plugin(ice_args):
    """`ice_args` plus, on Ice 3.7, the IceSSL plugin when they configure it (3.8 has SSL
    built in, and refuses the plugin property)."""
    wants_ssl = any(a.startswith("--IceSSL.") for a in ice_args)
    if wants_ssl and not ICE_38:
        return ["--Ice.Plugin.IceSSL=IceSSL:createIceSSL"] + list(ice_args)
    return list(ice_args)


def initialize(ice_args, defaults=None):
    """Creates a communicator; `ice_args` (`--Ice.X=Y`) override `defaults` ({name: value})."""
    argv = [sys.argv[0]]
    for name, value in (defaults or {}).items():
        argv.append("--{0}={1}".format(name, value))
    argv.extend(with_ssl_plugin(ice_args))
    return Ice.initialize(argv)


def endpoint_port(endpoint):
    """The port of a TCP/UDP endpoint, read from its string form (`tcp -h ... -p N ...`)."""
    match = re.search(r"-p (\d+)", str(endpoint))
    return int(match.group(1)) if match else None


def print_ready(adapter):
    """Prints `READY <port>` for the adapter's first endpoint that has a port."""
    for endpoint in adapter.getEndpoints():
        port = endpoint_port(endpoint)
        if port is not None:
            print("READY {0}".format(port), flush=True)
            return port
    raise RuntimeError("adapter has no endpoint with a port: {0}".format(adapter.getEndpoints()))


def shutdown_on_signals_and_eof(communicator, watch_stdin):
    """Shuts the communicator down on SIGINT/SIGTERM, and on stdin EOF when asked to."""

    def handler(signum, frame):
        communicator.shutdown()

    signal.signal(signal.SIGINT, handler)
    signal.signal(signal.SIGTERM, handler)
    if watch_stdin:
        # The main thread handles the signal (waitForShutdown polls), so Ice is never called
        # from this thread while the interpreter shuts down.
        def watch():
            while os.read(0, 4096):
                pass
            os.kill(os.getpid(), signal.SIGTERM)

        threading.Thread(target=watch, daemon=True).start()


def wait_for_shutdown(communicator):
    """Blocks until the communicator is shut down (both versions poll, so signals still work)."""
    communicator.waitForShutdown()
