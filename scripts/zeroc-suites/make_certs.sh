#!/bin/bash
# ZeroC's 3.7.8 test certificates (certs/) expired in 2026. Makes fresh ones with the same
# subjects, in the same order (the Glacier2 ssl test compares them) into ${1:-/tmp/zg/certs}: cacert.pem, and
# server.p12 / client.p12 with the password "password", as ZeroC's test harness expects.
set -euo pipefail
dir=${1:-/tmp/zg/certs}
mkdir -p "$dir"; cd "$dir"
tail="/OU=Ice/O=ZeroC, Inc./L=Jupiter/ST=Florida/C=US/emailAddress=info@zeroc.com"
openssl req -x509 -newkey rsa:2048 -nodes -keyout cakey.pem -out cacert.pem -days 3650 \
  -subj "/CN=Ice Tests CA$tail" -addext "basicConstraints=critical,CA:TRUE" \
  -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
for who in server client; do
  openssl req -newkey rsa:2048 -nodes -keyout $who.key -out $who.csr -subj "/CN=$who$tail" 2>/dev/null
  printf "subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\n" > $who.ext
  openssl x509 -req -in $who.csr -CA cacert.pem -CAkey cakey.pem -CAcreateserial -days 3650 \
    -extfile $who.ext -out $who.pem 2>/dev/null
  openssl pkcs12 -export -in $who.pem -inkey $who.key -certfile cacert.pem -name $who \
    -passout pass:password -out $who.p12
done
echo "certificates in $dir"
