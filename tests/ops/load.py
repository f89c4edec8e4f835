"""Steady load through the proxy for tests/ops/rolling.sh: WORKERS threads, each alternating a
read of a resident and a new conversation (with an Idempotency-Key of its own), until the file
STOP exists. A request that fails (no answer, or 502/503/504) is sent again, the same key for a
write, up to 8 times; a failure is counted against the phase named in the file PHASE at that
moment. Prints a JSON summary: per phase the requests, first-attempt failures and failures
after every retry; the ids the writes created; how many answers were idempotent replays.
Usage: load.py BASE_URL CA_FILE TOKEN RESIDENT_ID PHASE_FILE STOP_FILE WORKERS"""
import json
import os
import ssl
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid

BASE, CA, TOKEN, RESIDENT, PHASE_FILE, STOP_FILE, WORKERS = sys.argv[1:8]
CTX = ssl.create_default_context(cafile=CA)
LOCK = threading.Lock()
stats = {}   # phase -> {"requests", "first_failed", "failed", "reasons"}
created = []
replays = 0


def phase():
    try:
        with open(PHASE_FILE) as f:
            return f.read().strip() or "steady"
    except OSError:
        return "steady"


def count(ph, key, reason=None):
    with LOCK:
        s = stats.setdefault(ph, {"requests": 0, "first_failed": 0, "failed": 0, "reasons": {}})
        s[key] += 1
        if reason:
            s["reasons"][reason] = s["reasons"].get(reason, 0) + 1


def send(method, path, body=None, key=None):
    """One attempt: (status or None, headers, body bytes)."""
    headers = {"Authorization": "Bearer " + TOKEN}
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    if key:
        headers["Idempotency-Key"] = key
    req = urllib.request.Request(BASE + path, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(req, context=CTX, timeout=15) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()
    except Exception as e:  # no answer at all
        return None, {}, str(type(e).__name__).encode()


def one(method, path, body=None, key=None):
    global replays
    ph = phase()
    count(ph, "requests")
    for attempt in range(8):
        status, headers, data = send(method, path, body, key)
        if status is not None and status < 500:
            if status not in (200, 201):
                count(ph, "failed", "status %d" % status)
                return None
            if headers.get("Idempotent-Replayed") == "true":
                with LOCK:
                    replays += 1
            return data
        if attempt == 0:
            count(ph, "first_failed", str(status) if status else data.decode())
        time.sleep(0.25)
    count(ph, "failed", "gave up")
    return None


def worker(n):
    i = 0
    while not os.path.exists(STOP_FILE):
        i += 1
        if i % 2:
            one("GET", "/api/residents/" + RESIDENT)
        else:
            body = {"resident_id": RESIDENT, "occurred_at": "2025-06-04T09:30:00Z",
                    "kind": "phone", "outcome": "held"}
            data = one("POST", "/api/conversations", body, key=str(uuid.uuid4()))
            if data:
                with LOCK:
                    created.append(json.loads(data)["id"])


threads = [threading.Thread(target=worker, args=(n,)) for n in range(int(WORKERS))]
for t in threads:
    t.start()
for t in threads:
    t.join()
print(json.dumps({"phases": stats, "created": created, "replays": replays}))
