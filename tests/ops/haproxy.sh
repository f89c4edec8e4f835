#!/usr/bin/env bash
# The TLS front door (issue 12): deploy/haproxy.cfg, unchanged, in front of two Samspil
# servers on one database, with a self-signed certificate made here. Checks: requests through
# TLS work, with HSTS; plain HTTP is redirected; both servers get requests; the client's
# address (the test connects from 127.0.0.7) arrives in the audit log and the access log,
# and an X-Forwarded-For the client wrote itself does not; the servers' /metrics is not
# served to the public; stopping one server (SIGTERM) fails no request; the proxy's own
# metrics answer.
# Usage: SAMSPIL_BIN=build-test/samspil tests/ops/haproxy.sh (./dev test runs it).
set -euo pipefail
OPS_NAME=haproxy
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
trap ops_cleanup EXIT
STARTED=$SECONDS
RESIDENT=40000000-0000-4000-8000-000000000001
CLIENT_IP=127.0.0.7
command -v haproxy >/dev/null || ops_die "haproxy is not installed (apt-get install haproxy)"

ops_work_dir
DB=$OPS_WORK/pg
ops_initdb "$DB" "fsync = off" "synchronous_commit = off"
ops_pg_start "$DB"
ops_samspil_db "$DB"

# A self-signed certificate for 127.0.0.1; HAProxy reads certificate and key from one file.
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=127.0.0.1" \
  -addext "subjectAltName=IP:127.0.0.1" -keyout "$OPS_WORK/key.pem" -out "$OPS_WORK/cert.pem" \
  >/dev/null 2>&1 || ops_die "openssl could not make a certificate"
cat "$OPS_WORK/cert.pem" "$OPS_WORK/key.pem" >"$OPS_WORK/tls.pem"

HTTPS_PORT=$(ops_free_port) HTTP_PORT=$(ops_free_port) METRICS_PORT=$(ops_free_port)
P1=$(ops_free_port) P2=$(ops_free_port)
ORIGIN=https://127.0.0.1:$HTTPS_PORT
OPS_JWT_SECRET=$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')
APP_URL=$(ops_url "$DB" samspil_app)
ops_serve "$P1" "$APP_URL" "$OPS_WORK/app1.log" TRUSTED_PROXIES=127.0.0.1 PUBLIC_ORIGIN="$ORIGIN"
APP1=$OPS_LAST_PID
ops_serve "$P2" "$APP_URL" "$OPS_WORK/app2.log" TRUSTED_PROXIES=127.0.0.1 PUBLIC_ORIGIN="$ORIGIN"
APP2=$OPS_LAST_PID

export SAMSPIL_TLS_CERT=$OPS_WORK/tls.pem SAMSPIL_HTTPS_BIND=127.0.0.1:$HTTPS_PORT SAMSPIL_PUBLIC_ORIGIN=$ORIGIN
export SAMSPIL_HTTP_BIND=127.0.0.1:$HTTP_PORT SAMSPIL_PROXY_METRICS_BIND=127.0.0.1:$METRICS_PORT
export SAMSPIL_SERVER1=127.0.0.1:$P1 SAMSPIL_SERVER2=127.0.0.1:$P2
export SAMSPIL_HTTP_REQUEST_TIMEOUT=2s   # (10s by default) so the slow client below shows soon
haproxy -c -q -f "$OPS_ROOT/deploy/haproxy.cfg" || ops_die "deploy/haproxy.cfg does not check"
haproxy -db -f "$OPS_ROOT/deploy/haproxy.cfg" >"$OPS_WORK/haproxy.log" 2>&1 &
PROXY=$!
OPS_PIDS+=("$PROXY")

# curl through the proxy from the client's own address, trusting only our certificate
https() { curl -sS --cacert "$OPS_WORK/cert.pem" --interface "$CLIENT_IP" --max-time 10 "$@"; }
status_of() { https -o /dev/null -w '%{http_code}' "$@" || echo 000; }
# both servers UP in HAProxy's eyes (rise 2, inter 1s)
for (( i = 0; i < 100; i++ )); do
  up=$(curl -fsS "http://127.0.0.1:$METRICS_PORT/stats;csv" 2>/dev/null | grep -c '^samspil,app[12],.*,UP,' || true)
  [[ $up == 2 ]] && break
  sleep 0.2
done
[[ $up == 2 ]] || { tail -n 20 "$OPS_WORK/haproxy.log" >&2; ops_die "the servers did not come up behind the proxy"; }
ops_say "two servers behind HAProxy on $ORIGIN ($((SECONDS - STARTED))s)"

# TLS, HSTS, the redirect; the servers' metrics not public
HEADERS=$(https -D - -o /dev/null "$ORIGIN/healthz")
grep -q '^HTTP/[0-9.]* 200' <<<"$HEADERS" || ops_die "GET /healthz over TLS: $HEADERS"
grep -qi '^strict-transport-security: max-age=31536000' <<<"$HEADERS" || ops_die "no HSTS header: $HEADERS"
REDIRECT=$(curl -sS -o /dev/null -w '%{http_code} %{redirect_url}' "http://127.0.0.1:$HTTP_PORT/api/me?x=1")
[[ $REDIRECT == "301 $ORIGIN/api/me?x=1" ]] || ops_die "plain HTTP was not redirected to $ORIGIN: $REDIRECT"
[[ $(status_of "$ORIGIN/metrics") == 404 ]] || ops_die "the servers' /metrics is reachable through the proxy"
[[ $(curl -sS -o /dev/null -w '%{http_code}' "http://127.0.0.1:$P1/metrics") == 200 ]] ||
  ops_die "a server's own /metrics does not answer"
if curl -sS -o /dev/null "$ORIGIN/healthz" 2>/dev/null; then
  ops_die "a client that does not trust the certificate was not refused"
fi

# A slow client (a head that never ends) is answered 408 by the proxy after its timeout.
SLOW=$(/usr/bin/python3 - "$HTTPS_PORT" "$OPS_WORK/cert.pem" "$CLIENT_IP" <<'PY'
import socket, ssl, sys, time
port, ca, src = int(sys.argv[1]), sys.argv[2], sys.argv[3]
ctx = ssl.create_default_context(cafile=ca)
raw = socket.create_connection(("127.0.0.1", port), timeout=10, source_address=(src, 0))
s = ctx.wrap_socket(raw, server_hostname="127.0.0.1")
t0 = time.monotonic()
s.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
data = b""
try:
    while b"\r\n" not in data:
        chunk = s.recv(4096)
        if not chunk:
            break
        data += chunk
except (socket.timeout, ssl.SSLError, OSError):
    pass
print("%s after %.1f s" % (data.split(b"\r\n")[0].decode() or "nothing", time.monotonic() - t0))
PY
)
[[ $SLOW == "HTTP/1.1 408"*" after "[2-4].* ]] || ops_die "a slow head was not cut off by the proxy: $SLOW"
ops_say "slow head: $SLOW (timeout http-request 2s)"

# The client address: a read of a resident, with an X-Forwarded-For the client made up.
TOKEN=$(https -H 'Content-Type: application/json' \
  -d '{"email":"clinician@slagelse.demo","password":"demo-password"}' "$ORIGIN/api/auth/login" | ops_json token)
[[ -n $TOKEN ]] || ops_die "log-in through the proxy failed"
HEADERS=$(https -D - -o /dev/null -H "Authorization: Bearer $TOKEN" -H 'X-Forwarded-For: 198.51.100.9' \
  "$ORIGIN/api/residents/$RESIDENT")
grep -q '^HTTP/[0-9.]* 200' <<<"$HEADERS" || ops_die "reading a resident through the proxy: $HEADERS"
RID=$(sed -nE 's/^[Xx]-[Rr]equest-[Ii]d: *([0-9a-f]+).*/\1/p' <<<"$HEADERS" | tr -d '\r')
AUDITED=$(ops_sql "$DB" "SELECT string_agg(DISTINCT client_addr, ',') FROM audit_log WHERE request_id = '$RID'")
[[ $AUDITED == "$CLIENT_IP" ]] || ops_die "the audit row of request $RID names '$AUDITED', not $CLIENT_IP"
grep -h "\"request_id\":\"$RID\"" "$OPS_WORK/app1.log" "$OPS_WORK/app2.log" | grep -q "\"client\":\"$CLIENT_IP\",\"peer\":\"127.0.0.1\"" ||
  ops_die "the access log does not show client $CLIENT_IP behind peer 127.0.0.1"
ops_say "client address through TLS: audit_log.client_addr = $AUDITED (the client claimed 198.51.100.9)"

# Round robin: both servers answer.
for (( i = 0; i < 10; i++ )); do
  [[ $(status_of -H "Authorization: Bearer $TOKEN" "$ORIGIN/api/me") == 200 ]] || ops_die "GET /api/me failed"
done
n1=$(grep -c '"route":"/api/me"' "$OPS_WORK/app1.log" || true)
n2=$(grep -c '"route":"/api/me"' "$OPS_WORK/app2.log" || true)
(( n1 > 0 && n2 > 0 )) || ops_die "the requests did not reach both servers ($n1 and $n2)"
ops_say "round robin: $n1 and $n2 of 10 requests on the two servers"

# One server stops: every request still succeeds (refused connections go to the other one
# until the health check takes it out).
ops_stop_pid "$APP1" || ops_die "server 1 did not stop cleanly (exit $?)"
sent=0 failed=0
deadline=$((SECONDS + 6))
while (( SECONDS < deadline )); do
  code=$(status_of -H "Authorization: Bearer $TOKEN" "$ORIGIN/api/residents/$RESIDENT")
  sent=$((sent + 1))
  [[ $code == 200 ]] || { failed=$((failed + 1)); printf '  request %d: %s\n' "$sent" "$code" >&2; }
done
down=$(curl -fsS "http://127.0.0.1:$METRICS_PORT/stats;csv" | grep -c '^samspil,app1,.*,DOWN' || true)
ops_say "server 1 stopped: $sent requests in 6 s through the proxy, $failed failed; app1 DOWN in HAProxy: $down"
(( failed == 0 )) || ops_die "$failed of $sent requests failed while one server was stopped"
(( down == 1 )) || ops_die "HAProxy did not mark the stopped server down"

curl -fsS "http://127.0.0.1:$METRICS_PORT/metrics" | grep -q '^haproxy_backend_active_servers{proxy="samspil"} 1' ||
  ops_die "HAProxy's /metrics does not show one active server"
ops_stop_pid "$APP2" || ops_die "server 2 did not stop cleanly"
ops_say "passed in $((SECONDS - STARTED))s"
