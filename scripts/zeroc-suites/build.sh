#!/bin/bash
# Build ZeroC Glacier2 C++ tests (C++11 mapping) into /tmp/zg/build/<test>
set -e
Z=${ZG:-/tmp/zg}
CXX="g++ -O1 -std=c++11 -Wno-deprecated-declarations -I$Z/cpp/test/include"  # C++98 mapping: Glacier2 tests are C++98-only
LIBS="-lGlacier2 -lIce -lpthread"
cd $Z/build
[ -f TestHelper.o ] || $CXX -c $Z/cpp/test/Common/TestHelper.cpp -o TestHelper.o
build() { # test ice client_srcs -- server_srcs
  t=$1; shift; ice=$1; shift
  src=$Z/cpp/test/Glacier2/$t; out=$Z/build/$t; mkdir -p $out; cd $out
  for i in $ice; do slice2cpp -I/usr/share/ice/slice -I$src --output-dir . $src/$i; done
  csrc=(); ssrc=(); mode=c
  for s in "$@"; do if [ "$s" = "--" ]; then mode=s; continue; fi; [ $mode = c ] && csrc+=($s) || ssrc+=($s); done
  gen=$(for i in $ice; do echo ${i%.ice}.cpp; done)
  objs() { for f in "$@"; do o=$(basename ${f%.cpp}).o; [ -f $o ] || $CXX -I. -I$src -c $( [ -f $f ] && echo $f || echo $src/$f ) -o $o; echo -n "$o "; done; }
  g=$(objs $gen); c=$(objs ${csrc[@]}); $CXX -o client $c $g ../TestHelper.o $LIBS ${EXTRA_LIBS:-}
  if [ ${#ssrc[@]} -gt 0 ]; then s=$(objs ${ssrc[@]}); $CXX -o server $s $g ../TestHelper.o $LIBS ${EXTRA_LIBS:-}; fi
  cd $Z/build; echo "built $t"
}
build router Callback.ice Client.cpp CallbackI.cpp -- Server.cpp CallbackI.cpp
build sessionControl Session.ice Client.cpp -- Server.cpp SessionI.cpp
build attack Backend.ice Client.cpp BackendI.cpp -- Server.cpp BackendI.cpp
build override Callback.ice Client.cpp CallbackI.cpp -- Server.cpp CallbackI.cpp
build dynamicFiltering Test.ice Client.cpp -- Server.cpp TestControllerI.cpp BackendI.cpp SessionI.cpp
build staticFiltering Backend.ice Client.cpp BackendI.cpp -- Server.cpp BackendI.cpp
build sessionHelper Callback.ice Client.cpp -- Server.cpp
build application Callback.ice Client.cpp -- Server.cpp
EXTRA_LIBS=-lIceSSL build ssl "" Client.cpp -- Server.cpp
