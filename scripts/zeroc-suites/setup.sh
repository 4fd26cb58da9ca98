#!/usr/bin/env bash
# Prepares /tmp/zg to run ZeroC's own Glacier2 C++ test suites (Ice 3.7.8) against a router:
# extracts the test sources from a git clone of zeroc-ice/ice (ZEROC_ICE_GIT, a bare or
# normal repository that has the v3.7.8 tag), copies these scripts next to them, and builds
# the clients and servers with g++ against Debian's libzeroc-ice-dev (scripts/install-peers).
# Then: bash /tmp/zg/run_all.sh   (each suite on glacier2router and on /tmp/glacier-under-test,
# with the router's properties on the command line as ZeroC's test.py gives them, and in a
# config file). Copy target/release/glacier to /tmp/glacier-under-test first.
# Not run by CI: ZeroC's sources are not vendored in this repository.
set -euo pipefail
: "${ZEROC_ICE_GIT:?set ZEROC_ICE_GIT to a clone of https://github.com/zeroc-ice/ice}"
here="$(cd "$(dirname "$0")" && pwd)"
mkdir -p /tmp/zg/build
git -C "$ZEROC_ICE_GIT" archive v3.7.8 cpp/test/Glacier2 cpp/test/include cpp/test/Common scripts certs | tar -x -C /tmp/zg
cp "$here"/*.sh "$here"/*.py /tmp/zg/
bash "$here/make_certs.sh" /tmp/zg/certs
python3 /tmp/zg/gen_static.py
bash /tmp/zg/build.sh
