#!/bin/sh
# A self-signed certificate for the proxy (docker-compose.yml, service tls-init), made once
# into the tls volume when none is there. For a real certificate put its PEM (chain and key)
# in that volume as tls.pem, or mount it over /tls/tls.pem in the proxy service.
set -eu
if [ ! -s /tls/tls.pem ]; then
  host=${TLS_HOSTNAME:-localhost}
  openssl req -x509 -newkey rsa:2048 -nodes -days 365 -subj "/CN=$host" \
    -addext "subjectAltName=DNS:$host,IP:127.0.0.1" -keyout /tls/key.pem -out /tls/cert.pem
  cat /tls/cert.pem /tls/key.pem >/tls/tls.pem
  rm /tls/key.pem
  # HAProxy runs as its own unprivileged user in its image; the volume is mounted only here
  # and in the proxy
  chmod 0644 /tls/tls.pem /tls/cert.pem
  echo "tls-init: made a self-signed certificate for $host (trust /tls/cert.pem)"
fi
