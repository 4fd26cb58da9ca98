#!/bin/bash
# Runs every suite against glacier2router and glacier (cmdline and cfg modes). Summary lines only.
for s in router ssl sessionControl attack override dynamicFiltering staticFiltering sessionHelper application; do
  for r in /usr/bin/glacier2router /tmp/glacier-under-test; do
    for m in cmdline cfg; do [ $s = staticFiltering ] && [ $m = cfg ] && continue; ZG_MODE=$m /tmp/zg/run_$s.sh $r; done
  done
done 2>&1 | grep -E '^\[.*(PASS|FAIL)'
