#!/bin/bash
# usage: run_ssl.sh [ROUTER_BIN (default /tmp/glacier-under-test)] [case-filter]
#   ZG_MODE=cmdline (default; router props on the command line exactly as test.py) or ZG_MODE=cfg
#   (same router props written to a file passed with --Ice.Config). Logs: /tmp/zg/work/<router>/ssl/
exec python3 /tmp/zg/zgrun.py "${1:-/tmp/glacier-under-test}" ssl "${@:2}"
