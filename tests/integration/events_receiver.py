"""The events receiver (tests/integration/receiver/receiver.js) driven from Python tests.

wagate's outgoing events and pre-send hook calls are verified there by the official `standardwebhooks`
npm package; this wrapper starts it, points endpoints at it and reads back what it recorded:

    rx = Receiver(self.tmp, secrets=[secret]).start()
    self.track(rx.proc)                       # WagateTestCase stops it and prints its log on failure
    url = rx.url("orders")                    # http://127.0.0.1:PORT/hook/orders
    rx.behave("orders", status=503, retry_after="2", fail_times=2)
    items = rx.wait_received("orders", 3)     # each: verified, verified_with, body, headers, seq, ...

Standard library only. The control API is documented in receiver/README.md.
"""

import base64
import hashlib
import hmac
import os
import shutil
import urllib.parse

import harness

RECEIVER_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "receiver")


def new_secret(n=24):
    """A Standard Webhooks secret: whsec_ + base64 of random bytes."""
    return "whsec_" + base64.b64encode(os.urandom(n)).decode()


def sign(secret, msg_id, timestamp, body):
    """The Standard Webhooks v1 signature, computed independently of wagate: "v1,<base64 HMAC-SHA256
    of '{id}.{timestamp}.{body}'>" keyed with the base64-decoded part of the secret after whsec_."""
    key = base64.b64decode(secret[len("whsec_"):] if secret.startswith("whsec_") else secret)
    body = body if isinstance(body, bytes) else body.encode()
    mac = hmac.new(key, b"%s.%d." % (msg_id.encode(), int(timestamp)) + body, hashlib.sha256).digest()
    return "v1," + base64.b64encode(mac).decode()


class Receiver:
    def __init__(self, workdir, secrets=(), fast=False, max_items=None, name="receiver"):
        self.workdir = workdir
        self.secrets = list(secrets)
        self.fast = fast
        self.max_items = max_items
        self.name = name
        self.ready_file = os.path.join(workdir, name + ".ready")
        self.proc = None
        self.host = self.port = None
        self.http = None

    def start(self, timeout=30.0):
        node = shutil.which("node")
        if node is None:
            raise RuntimeError("node not found on PATH: run scripts/install-deps.sh")
        if not os.path.isdir(os.path.join(RECEIVER_DIR, "node_modules", "standardwebhooks")):
            raise RuntimeError("%s/node_modules/standardwebhooks is missing: run scripts/install-node-deps.sh"
                               % RECEIVER_DIR)
        if os.path.exists(self.ready_file):
            os.unlink(self.ready_file)
        args = [node, os.path.join(RECEIVER_DIR, "receiver.js"), "--ready-file", self.ready_file]
        for s in self.secrets:
            args += ["--secret", s]
        if self.fast:
            args.append("--fast")
        if self.max_items is not None:
            args += ["--max-items", str(self.max_items)]
        self.proc = harness.Proc(self.name, args, os.path.join(self.workdir, self.name + ".log")).start()
        self.host, self.port = harness.wait_ready_file(self.proc, self.ready_file, timeout)
        self.http = harness.HttpClient(self.host, self.port, timeout=30)
        return self

    @property
    def base_url(self):
        return "http://%s:%d" % (self.host, self.port)

    def url(self, name):
        """The event endpoint URL for `name` (any name: one receiver serves many endpoints)."""
        return "%s/hook/%s" % (self.base_url, urllib.parse.quote(name, safe=""))

    def presend_url(self, name):
        return "%s/presend/%s" % (self.base_url, urllib.parse.quote(name, safe=""))

    def _ok(self, r):
        if r.status != 200:
            raise AssertionError("receiver answered %d: %r" % (r.status, r.body[:500]))
        return r.json()

    def behave(self, name, **kw):
        """Set endpoint `name`'s answer ('*': every endpoint without its own). kw: status (default 200),
        delay_ms, retry_after, fail_times (that many answers, then back to 200), drop. Replaces the
        previous behaviour whole; behave(name) alone restores the default."""
        return self._ok(self.http.post("/_control/behaviour", dict(kw, name=name)))

    def presend(self, name, verdict=None, status=200, delay_ms=0, drop=False):
        """What POST /presend/<name> answers: verdict {"action": "allow"|"deny"|"modify", ...} as JSON."""
        body = {"name": name, "verdict": verdict or {"action": "allow"}, "status": status,
                "delay_ms": delay_ms, "drop": drop}
        return self._ok(self.http.post("/_control/presend", body))

    def set_secrets(self, secrets):
        self.secrets = list(secrets)
        return self._ok(self.http.post("/_control/secrets", {"secrets": self.secrets}))

    def received(self, name=None, since_seq=0, kind=None):
        """Recorded requests with seq > since_seq, oldest first (kind: "hook" or "presend")."""
        q = {"since_seq": since_seq}
        if name is not None:
            q["name"] = name
        if kind is not None:
            q["kind"] = kind
        return self._ok(self.http.get("/_control/received?" + urllib.parse.urlencode(q)))["items"]

    def wait_received(self, name, count, since_seq=0, kind="hook", timeout=30.0):
        """Wait until at least `count` requests for `name` were recorded; return them."""
        def cond():
            items = self.received(name, since_seq, kind)
            return items if len(items) >= count else None
        return harness.wait_until(cond, timeout, msg="%d requests at receiver endpoint %r" % (count, name))

    def stats(self):
        """{"hook": {name: {received, verified, failed_verification, answered: {"200": n, "drop": n}}},
        "presend": {...}, "kept", "evicted", "seq"}"""
        return self._ok(self.http.get("/_control/stats"))

    def reset(self):
        """Forget recorded items, counters, behaviours and verdicts (secrets stay; seq keeps growing)."""
        return self._ok(self.http.post("/_control/reset", {}))

    def stop(self):
        if self.proc:
            self.proc.stop(grace=3.0)
