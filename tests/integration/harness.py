"""Integration-test harness for wagate: real processes on loopback, ephemeral ports.

Everything here is standard library only. A test typically does:

    class T(harness.WagateTestCase):
        def test_x(self):
            stack = self.start_stack()           # sandbox + gateway, torn down automatically
            fx = stack.default_fixture()         # tenant + outlet + tenant api key
            r = stack.send(fx, "hello")

Rules the harness follows (and tests should too): never sleep blindly, wait for a condition with a
deadline (`wait_until`); kill every child process at teardown, even when the test fails; print the
tail of every process log when a test fails.
"""

import atexit
import hashlib
import hmac
import http.client
import json
import os
import random
import re
import shutil
import signal
import socket
import string
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import urllib.parse
import uuid

WAGATE_BIN = os.environ.get("WAGATE_BIN", "/work/main/build/wagate")
KEEP_TMP = os.environ.get("WAGATE_KEEP_TMP") == "1"

ISO_TS = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")
FINAL_OK = ("sent", "delivered", "read")
STATUS_ORDER = {"queued": 0, "sending": 1, "sent": 2, "delivered": 3, "read": 4}

# Every child process we ever start, so that an interpreter exit (even after an error in
# setUpClass) never leaves one running.
_ALL_PROCS = []
_ALL_PROCS_LOCK = threading.Lock()


def _kill_all_children():
    with _ALL_PROCS_LOCK:
        procs = list(_ALL_PROCS)
    for p in procs:
        if p.poll() is None:
            try:
                os.killpg(p.pid, signal.SIGKILL)
            except OSError:
                try:
                    p.kill()
                except OSError:
                    pass
            try:
                p.wait(timeout=5)
            except Exception:
                pass


atexit.register(_kill_all_children)


def _exit_on_sigterm(signum, frame):
    # Children run in their own sessions (so a test can kill -9 one without hitting the others); a
    # test runner's SIGTERM therefore does not reach them. Exit normally so that atexit kills them.
    sys.exit(128 + signum)


if signal.getsignal(signal.SIGTERM) == signal.SIG_DFL:
    signal.signal(signal.SIGTERM, _exit_on_sigterm)


def rand_token(prefix="", n=24):
    alphabet = string.ascii_letters + string.digits
    return prefix + "".join(random.SystemRandom().choice(alphabet) for _ in range(n))


def rand_phone_number_id():
    return "1" + "".join(random.choice(string.digits) for _ in range(14))


_recipient_lock = threading.Lock()
_recipient_seq = [random.randint(0, 10_000_000)]


def recipient():
    """A distinct valid Indonesian mobile number (+62 812 xxxx xxxx) on every call."""
    with _recipient_lock:
        _recipient_seq[0] = (_recipient_seq[0] + 7919) % 100_000_000
        n = _recipient_seq[0]
    return "+62812%08d" % n


# --------------------------------------------------------------------------------------------
# Waiting


class Timeout(AssertionError):
    pass


def wait_until(cond, timeout, interval=0.05, msg="condition"):
    """Poll `cond()` until it returns a truthy value; return that value. Fail after `timeout` s."""
    deadline = time.monotonic() + timeout
    last_exc = None
    last = None
    while True:
        try:
            last = cond()
            last_exc = None
            if last:
                return last
        except (OSError, http.client.HTTPException) as e:  # process restarting etc.
            last_exc = e
        if time.monotonic() >= deadline:
            detail = " (last value: %r)" % (last,) if last_exc is None else " (last error: %r)" % (last_exc,)
            raise Timeout("timed out after %.1fs waiting for %s%s" % (timeout, msg, detail))
        time.sleep(interval)


def assert_stays(cond, duration, interval=0.1, msg="condition"):
    """Assert that `cond()` holds during the whole of `duration` seconds (for absence checks)."""
    deadline = time.monotonic() + duration
    while True:
        v = cond()
        if not v:
            raise AssertionError("%s stopped holding (value %r)" % (msg, v))
        if time.monotonic() >= deadline:
            return v
        time.sleep(interval)


# --------------------------------------------------------------------------------------------
# HTTP


class Response:
    def __init__(self, status, reason, headers, body):
        self.status = status
        self.reason = reason
        self.headers = headers  # dict, lower-case names
        self.body = body
        self._json = None

    @property
    def text(self):
        return self.body.decode("utf-8", "replace")

    def json(self):
        if self._json is None:
            try:
                self._json = json.loads(self.body.decode("utf-8"))
            except (ValueError, UnicodeDecodeError) as e:
                raise AssertionError("response %d is not JSON (%s): %r" % (self.status, e, self.body[:500]))
        return self._json

    def __repr__(self):
        return "<Response %d %s>" % (self.status, self.body[:400])


class HttpClient:
    """A tiny JSON-over-HTTP client.

    keepalive=False (default): one connection per request (thread-safe).
    keepalive=True: one persistent connection per thread; never retries a request silently.
    `record`, when a list, receives every Response (used to scan answers for secrets).
    """

    def __init__(self, host, port, key=None, timeout=30.0, keepalive=False, record=None):
        self.host = host
        self.port = port
        self.key = key
        self.timeout = timeout
        self.keepalive = keepalive
        self.record = record
        self._local = threading.local()
        self._all_conns = []
        self._all_lock = threading.Lock()

    def with_key(self, key):
        return HttpClient(self.host, self.port, key=key, timeout=self.timeout, keepalive=self.keepalive,
                          record=self.record)

    def _conn(self, timeout):
        if not self.keepalive:
            return http.client.HTTPConnection(self.host, self.port, timeout=timeout)
        c = getattr(self._local, "conn", None)
        if c is None:
            c = http.client.HTTPConnection(self.host, self.port, timeout=timeout)
            self._local.conn = c
            with self._all_lock:
                self._all_conns.append(c)
        c.timeout = timeout
        if c.sock is not None:
            c.sock.settimeout(timeout)
        return c

    def close(self):
        """Close the persistent connections of every thread that used this client."""
        with self._all_lock:
            conns, self._all_conns = self._all_conns, []
        for c in conns:
            c.close()
        self._local = threading.local()

    def request(self, method, path, body=None, headers=None, raw=None, key=..., timeout=None):
        """body: a JSON-able value; raw: bytes sent as is. key=None sends no Authorization."""
        hdrs = {}
        k = self.key if key is ... else key
        if k is not None:
            hdrs["Authorization"] = "Bearer " + k
        payload = None
        if raw is not None:
            payload = raw if isinstance(raw, bytes) else raw.encode("utf-8")
            hdrs["Content-Type"] = "application/json"
        elif body is not None:
            payload = json.dumps(body).encode("utf-8")
            hdrs["Content-Type"] = "application/json"
        if headers:
            hdrs.update(headers)
        conn = self._conn(timeout or self.timeout)
        try:
            conn.request(method, path, body=payload, headers=hdrs)
            resp = conn.getresponse()
            data = resp.read()
            out = Response(resp.status, resp.reason, {k.lower(): v for k, v in resp.getheaders()}, data)
            if resp.will_close and self.keepalive:
                conn.close()
        except BaseException:
            conn.close()
            if self.keepalive:
                self._local.conn = None
            raise
        finally:
            if not self.keepalive:
                conn.close()
        if self.record is not None:
            self.record.append(out)
        return out

    def post_streamed(self, path, payload, headers=None, key=..., timeout=None):
        """POST `payload` on a fresh connection, reading the answer as soon as the server gives one (a server
        may refuse a large body before reading it, then close). Returns a Response."""
        k = self.key if key is ... else key
        hdrs = {"Host": "%s:%d" % (self.host, self.port), "Content-Length": str(len(payload))}
        if k is not None:
            hdrs["Authorization"] = "Bearer " + k
        hdrs.update(headers or {})
        head = ("POST %s HTTP/1.1\r\n" % path + "".join("%s: %s\r\n" % kv for kv in hdrs.items()) + "\r\n").encode()
        view = memoryview(payload)
        chunks = (view[i:i + (1 << 20)] for i in range(0, len(payload), 1 << 20))
        status, raw, _ = stream_request(self.host, self.port, head, chunks, timeout=timeout or self.timeout,
                                        read_limit=1 << 30)
        out = parse_raw_response(raw)
        if self.record is not None:
            self.record.append(out)
        return out

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, body=None, **kw):
        return self.request("POST", path, body=body, **kw)

    def delete(self, path, **kw):
        return self.request("DELETE", path, **kw)


def raw_http(host, port, data, timeout=10.0, read_limit=1 << 20):
    """Send raw bytes on a fresh socket, then read until close/timeout.

    Returns (status or None, whole response bytes). Tolerates the peer closing while we send.
    """
    s = socket.create_connection((host, port), timeout=timeout)
    out = b""
    try:
        try:
            s.sendall(data)
        except (BrokenPipeError, ConnectionResetError):
            pass
        try:
            s.shutdown(socket.SHUT_WR)
        except OSError:
            pass
        out = _read_response(s, time.monotonic() + timeout, read_limit)
    finally:
        s.close()
    return _status_of(out), out


def _read_response(s, deadline, read_limit):
    """Reads one HTTP response from socket `s` until it is complete, the peer closes or the deadline."""
    out = b""
    while time.monotonic() < deadline and len(out) < read_limit:
        s.settimeout(max(0.05, deadline - time.monotonic()))
        try:
            chunk = s.recv(65536)
        except (socket.timeout, ConnectionResetError):
            break
        if not chunk:
            break
        out += chunk
        if _complete_http_response(out):
            break
    return out


def _status_of(response):
    m = re.match(rb"HTTP/1\.[01] (\d{3})", response)
    return int(m.group(1)) if m else None


def _complete_http_response(buf):
    head, sep, rest = buf.partition(b"\r\n\r\n")
    if not sep:
        return False
    m = re.search(rb"(?im)^content-length:\s*(\d+)", head)
    if m:
        return len(rest) >= int(m.group(1))
    return False


def parse_raw_response(raw):
    """Raw HTTP/1.1 response bytes (Content-Length framed) → Response; AssertionError when there is none."""
    head, sep, body = raw.partition(b"\r\n\r\n")
    m = re.match(rb"HTTP/1\.[01] (\d{3}) ?([^\r\n]*)", head)
    if not sep or not m:
        raise AssertionError("no HTTP response (connection closed?): %r" % raw[:300])
    headers = {}
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        headers[name.strip().lower().decode("latin-1")] = value.strip().decode("latin-1")
    if "content-length" in headers:
        body = body[:int(headers["content-length"])]
    return Response(int(m.group(1)), m.group(2).decode("latin-1"), headers, body)


def raw_body_json(resp_bytes):
    head, _, body = resp_bytes.partition(b"\r\n\r\n")
    return json.loads(body.decode("utf-8"))


def multipart_encode(fields, files, boundary=None):
    """multipart/form-data: fields {name: str}, files {name: (filename, content_type, bytes)}.

    Returns (content_type_header, body_bytes).
    """
    boundary = boundary or ("----wagate" + rand_token(n=24))
    out = []
    for name, value in fields.items():
        out.append(("--%s\r\nContent-Disposition: form-data; name=\"%s\"\r\n\r\n" % (boundary, name)).encode())
        out.append(value.encode("utf-8") if isinstance(value, str) else value)
        out.append(b"\r\n")
    for name, (filename, ctype, data) in files.items():
        head = "--%s\r\nContent-Disposition: form-data; name=\"%s\"; filename=\"%s\"\r\n" % (boundary, name, filename)
        if ctype:
            head += "Content-Type: %s\r\n" % ctype
        out.append((head + "\r\n").encode())
        out.append(data)
        out.append(b"\r\n")
    out.append(("--%s--\r\n" % boundary).encode())
    return "multipart/form-data; boundary=%s" % boundary, b"".join(out)


def stream_request(host, port, head, chunks, timeout=60.0, read_limit=1 << 20):
    """Send `head` (request line + headers, bytes) then each bytes chunk of the iterable `chunks`, stopping
    early as soon as the server answers (it may refuse a body before reading it) or closes.

    Memory stays at one chunk. Returns (status or None, response bytes, body bytes sent).
    """
    import select
    deadline = time.monotonic() + timeout
    s = socket.create_connection((host, port), timeout=timeout)
    out = b""
    sent = 0
    try:
        s.sendall(head)
        closed = False
        for chunk in chunks:
            if time.monotonic() >= deadline:
                break
            readable, _, _ = select.select([s], [], [], 0)
            if readable:
                break  # an early answer: read it before our writes could make the peer reset
            view = memoryview(chunk)
            while view:
                _, writable, _ = select.select([], [s], [], max(0.0, deadline - time.monotonic()))
                if not writable:
                    break
                try:
                    n = s.send(view)
                except (BrokenPipeError, ConnectionResetError):
                    closed = True
                    break
                sent += n
                view = view[n:]
                readable, _, _ = select.select([s], [], [], 0)
                if readable:
                    break
            if closed or time.monotonic() >= deadline or view:
                break
        out = _read_response(s, deadline, read_limit)
    finally:
        s.close()
    return _status_of(out), out, sent


# --------------------------------------------------------------------------------------------
# Webhooks (Meta-shaped)


def sign(body_bytes, secret):
    return "sha256=" + hmac.new(secret.encode("utf-8"), body_bytes, hashlib.sha256).hexdigest()


def status_obj(wamid, status, recipient_id="628123456789", biz=None, timestamp=None, errors=None):
    s = {
        "id": wamid,
        "status": status,
        "timestamp": str(int(timestamp if timestamp is not None else time.time())),
        "recipient_id": recipient_id.lstrip("+"),
    }
    if biz is not None:
        s["biz_opaque_callback_data"] = biz
    if status in ("sent", "delivered", "read") and errors is None:
        s["pricing"] = {"billable": True, "pricing_model": "PMP", "type": "regular", "category": "utility"}
    if errors is not None:
        s["errors"] = errors
    return s


def meta_error(code, title, details):
    return {"code": code, "title": title, "message": title, "error_data": {"details": details},
            "href": "/docs/whatsapp/cloud-api/support/error-codes/"}


def change_value(phone_number_id, statuses=None, messages=None, contacts=None, display="15550783881"):
    v = {"messaging_product": "whatsapp",
         "metadata": {"display_phone_number": display, "phone_number_id": phone_number_id}}
    if statuses is not None:
        v["statuses"] = statuses
    if messages is not None:
        v["messages"] = messages
    if contacts is not None:
        v["contacts"] = contacts
    return v


def webhook_payload(entries):
    """entries: list of (waba_id, [value, ...]); each value becomes one `messages` change."""
    return {"object": "whatsapp_business_account",
            "entry": [{"id": waba, "changes": [{"field": "messages", "value": v} for v in values]}
                      for waba, values in entries]}


def status_payload(phone_number_id, statuses, waba_id="102290129340398"):
    return webhook_payload([(waba_id, [change_value(phone_number_id, statuses=statuses)])])


def inbound_payload(phone_number_id, from_, text, wamid=None, name="Test User", waba_id="102290129340398"):
    wamid = wamid or ("wamid.IN" + rand_token(n=20))
    msg = {"from": from_.lstrip("+"), "id": wamid, "timestamp": str(int(time.time())), "type": "text",
           "text": {"body": text}}
    contacts = [{"profile": {"name": name}, "wa_id": from_.lstrip("+")}]
    return webhook_payload([(waba_id, [change_value(phone_number_id, messages=[msg], contacts=contacts)])])


def encode_payload(payload):
    """Compact ASCII-only JSON, like Meta's."""
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=True).encode("ascii")


# --------------------------------------------------------------------------------------------
# Processes


class Proc:
    def __init__(self, name, args, log_path, env=None):
        self.name = name
        self.args = list(args)
        self.log_path = log_path
        self.env = env
        self.popen = None
        self._log = None

    def start(self):
        self._log = open(self.log_path, "ab")
        # The command line is not written here: it holds secrets (admin key) and the log is scanned for them.
        self._log.write(("\n==== %s start (test harness marker)\n" % self.name).encode())
        self._log.flush()
        env = dict(os.environ)
        if self.env:
            env.update(self.env)
        self.popen = subprocess.Popen(self.args, stdin=subprocess.DEVNULL, stdout=self._log, stderr=self._log,
                                      env=env, start_new_session=True)
        with _ALL_PROCS_LOCK:
            _ALL_PROCS.append(self.popen)
        return self

    def alive(self):
        return self.popen is not None and self.popen.poll() is None

    def kill9(self):
        if self.alive():
            try:
                os.killpg(self.popen.pid, signal.SIGKILL)
            except OSError:
                self.popen.kill()
        if self.popen is not None:
            self.popen.wait(timeout=10)
        self._close_log()

    def stop(self, grace=5.0):
        """SIGTERM, then SIGKILL after `grace` seconds. Returns the exit code."""
        if self.popen is None:
            return None
        if self.alive():
            try:
                self.popen.send_signal(signal.SIGTERM)
                self.popen.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                pass
        if self.alive():
            self.kill9()
        else:
            # the process group may still hold helpers
            try:
                os.killpg(self.popen.pid, signal.SIGKILL)
            except OSError:
                pass
        self._close_log()
        return self.popen.returncode

    def _close_log(self):
        if self._log is not None:
            try:
                self._log.close()
            except OSError:
                pass
            self._log = None

    def log_text(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def tail(self, n=60):
        return "\n".join(self.log_text().splitlines()[-n:])


def _read_ready(path):
    try:
        with open(path) as f:
            s = f.read().strip()
    except OSError:
        return None
    m = re.match(r"^(\S+):(\d+)$", s)
    if not m:
        return None
    return m.group(1), int(m.group(2))


def wait_ready_file(proc, path, timeout=30.0):
    def cond():
        if not proc.alive():
            raise AssertionError("%s exited with %s before becoming ready; log tail:\n%s"
                                 % (proc.name, proc.popen.returncode, proc.tail()))
        return _read_ready(path)

    return wait_until(cond, timeout, interval=0.02, msg="%s ready file %s" % (proc.name, path))


class Sandbox:
    def __init__(self, workdir, app_secret=None, args=()):
        self.workdir = workdir
        self.app_secret = app_secret or rand_token("sbx-secret-")
        self.extra = list(args)
        self.ready_file = os.path.join(workdir, "sandbox.ready")
        self.proc = None
        self.host = self.port = None

    def start(self, timeout=30.0):
        if os.path.exists(self.ready_file):
            os.unlink(self.ready_file)
        args = [WAGATE_BIN, "sandbox", "--listen", "127.0.0.1:0", "--ready-file", self.ready_file,
                "--app-secret", self.app_secret] + self.extra
        self.proc = Proc("sandbox", args, os.path.join(self.workdir, "sandbox.log")).start()
        self.host, self.port = wait_ready_file(self.proc, self.ready_file, timeout)
        self.http = HttpClient(self.host, self.port, timeout=30)
        return self

    @property
    def url(self):
        return "http://%s:%d" % (self.host, self.port)

    def _ok(self, r):
        if r.status != 200:
            raise AssertionError("sandbox answered %d: %r" % (r.status, r.body[:500]))
        return r.json() if r.body else {}

    def config(self, **kw):
        return self._ok(self.http.post("/_sandbox/config", kw))

    def faults(self, **kw):
        return self._ok(self.http.post("/_sandbox/faults", kw))

    def messages(self):
        return self._ok(self.http.get("/_sandbox/messages"))["messages"]

    def requests(self):
        return self._ok(self.http.get("/_sandbox/requests"))["requests"]

    def stats(self):
        return self._ok(self.http.get("/_sandbox/stats"))

    def inbound(self, phone_number_id, from_, text):
        return self._ok(self.http.post("/_sandbox/inbound", {"phone_number_id": phone_number_id, "from": from_,
                                                             "text": text}))

    def request_count(self):
        """How many send requests (accepted, refused or faulted) the sandbox has received so far."""
        return self._ok(self.http.get("/_sandbox/requests"))["count"]

    def messages_for(self, biz):
        """The accepted messages whose biz_opaque_callback_data is `biz` (our message id)."""
        return [m for m in self.messages() if m.get("biz_opaque_callback_data") == biz]

    def inbound_message(self, body):
        """POST /_sandbox/inbound with any body (text or media message from a simulated customer)."""
        return self._ok(self.http.post("/_sandbox/inbound", body, timeout=60))

    # --- templates and numbers (sandbox control routes)

    def link_number(self, phone_number_id, waba_id):
        """Make `phone_number_id` a number of WABA `waba_id` (template sends are checked against it)."""
        return self._ok(self.http.post("/_sandbox/numbers", {"phone_number_id": phone_number_id,
                                                             "waba_id": waba_id}))

    def seed_template(self, waba_id, name, language="en", components=None, status="APPROVED", category="UTILITY",
                      parameter_format="positional"):
        """A template in any status, without review or webhook; returns its Graph id."""
        body = {"waba_id": waba_id, "name": name, "language": language, "category": category, "status": status,
                "parameter_format": parameter_format,
                "components": components if components is not None else [{"type": "BODY", "text": "Hello"}]}
        return self._ok(self.http.post("/_sandbox/templates", body))["id"]

    def templates(self, waba_id=None):
        q = "?waba_id=%s" % urllib.parse.quote(waba_id) if waba_id else ""
        return self._ok(self.http.get("/_sandbox/templates" + q))["templates"]

    def set_template_status(self, template_id, status, reason=...):
        """Change a template's status; the sandbox sends a signed message_template_status_update webhook."""
        body = {"status": status}
        if reason is not ...:
            body["reason"] = reason
        return self._ok(self.http.post("/_sandbox/templates/%s/status" % template_id, body))

    def quality(self, phone_number_id, current_limit, **kw):
        """Meta moves the number to the messaging limit `current_limit` (TIER_250, TIER_UNLIMITED, ...): the
        sandbox sends a signed phone_number_quality_update webhook and enforces the new limit for that number.
        Optional kw: event, old_limit, max_daily_conversations_per_business. Returns
        {"webhook_scheduled", "messaging_tier"}."""
        body = dict(kw, current_limit=current_limit)
        return self._ok(self.http.post("/_sandbox/numbers/%s/quality" % phone_number_id, body))

    def accepted_by_biz(self):
        """{biz_opaque_callback_data: number of accepted sends}"""
        counts = {}
        for m in self.messages():
            b = m.get("biz_opaque_callback_data")
            counts[b] = counts.get(b, 0) + 1
        return counts

    def requests_for(self, biz):
        return [r for r in self.requests() if r.get("biz_opaque_callback_data") == biz]

    def stop(self):
        if self.proc:
            self.proc.stop(grace=3.0)


class Gateway:
    def __init__(self, workdir, graph_url, admin_key=None, data_dir=None, sets=None, config=None, env=None,
                 extra_args=(), use_admin_flag=True, binary=None):
        self.workdir = workdir
        self.graph_url = graph_url
        self.admin_key = admin_key or rand_token("admin-")
        self.data_dir = data_dir or os.path.join(workdir, "data")
        self.sets = dict(sets or {})
        self.config = config
        self.env = dict(env or {})
        self.extra = list(extra_args)
        self.use_admin_flag = use_admin_flag
        self.binary = binary or WAGATE_BIN  # another build of wagate (the upgrade test runs an older one)
        self.ready_file = os.path.join(workdir, "gateway.ready")
        self.log_path = os.path.join(workdir, "gateway.log")
        self.proc = None
        self.host = self.port = None
        self.starts = 0

    def build_args(self, listen):
        args = [self.binary, "serve", "--listen", listen, "--data", self.data_dir, "--graph-url", self.graph_url,
                "--ready-file", self.ready_file]
        if self.use_admin_flag:
            args += ["--admin-key", self.admin_key]
        if self.config:
            args += ["--config", self.config]
        for k, v in self.sets.items():
            args += ["--set", "%s=%s" % (k, v)]
        return args + self.extra

    def start(self, listen="127.0.0.1:0", timeout=30.0):
        os.makedirs(self.data_dir, exist_ok=True)
        if os.path.exists(self.ready_file):
            os.unlink(self.ready_file)
        self.proc = Proc("gateway", self.build_args(listen), self.log_path, env=self.env).start()
        self.starts += 1
        self.host, self.port = wait_ready_file(self.proc, self.ready_file, timeout)
        return self

    def restart(self, sets=None, timeout=30.0):
        """Start again on the same data dir and the same port (so the sandbox's webhooks keep their target)."""
        if self.proc is not None and self.proc.alive():
            self.proc.stop()
        if sets:
            self.sets.update(sets)
        listen = "%s:%d" % (self.host, self.port)
        deadline = time.monotonic() + timeout
        while True:
            try:
                return self.start(listen=listen, timeout=max(1.0, deadline - time.monotonic()))
            except AssertionError:
                # The port may still be held for a moment after a kill -9; try again until the deadline.
                if time.monotonic() >= deadline:
                    raise
                time.sleep(0.2)

    def kill9(self):
        self.proc.kill9()

    def stop(self, grace=5.0):
        if self.proc:
            return self.proc.stop(grace=grace)

    def alive(self):
        return self.proc is not None and self.proc.alive()

    @property
    def webhook_url(self):
        return "http://%s:%d/webhooks/whatsapp" % (self.host, self.port)

    def client(self, key=..., **kw):
        return HttpClient(self.host, self.port, key=self.admin_key if key is ... else key, **kw)

    def log_text(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""


class Fixture:
    """A tenant with one outlet and one tenant API key."""

    def __init__(self, tenant, outlet, key, secrets):
        self.tenant = tenant
        self.outlet = outlet
        self.key = key
        self.secrets = secrets  # the clear access_token/app_secret/verify_token

    @property
    def tenant_id(self):
        return self.tenant["id"]

    @property
    def outlet_id(self):
        return self.outlet["id"]

    @property
    def phone_number_id(self):
        return self.outlet["phone_number_id"]

    @property
    def api_key(self):
        return self.key["key"]


class RecordingProxy:
    """An HTTP proxy in this process between the gateway and the sandbox that records every request
    (method, path, headers, body bytes) before forwarding it, to see exactly what reached the Cloud API
    where the sandbox itself keeps no copy (e.g. mark-as-read bodies)."""

    _HOP = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade", "proxy-connection", "expect"}

    def __init__(self, target_host, target_port):
        self.target = (target_host, target_port)
        self.records = []
        self.lock = threading.Lock()
        self.server = None
        self.thread = None

    def start(self):
        import http.server
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # quiet
                pass

            def _body(self):
                if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
                    out = []
                    while True:
                        size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                        if size == 0:
                            while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                                pass
                            return b"".join(out)
                        out.append(self.rfile.read(size))
                        self.rfile.readline()
                n = int(self.headers.get("Content-Length") or 0)
                return self.rfile.read(n) if n else b""

            def _forward(self):
                body = self._body()
                headers = {k: v for k, v in self.headers.items() if k.lower() not in proxy._HOP}
                headers["Host"] = "%s:%d" % proxy.target
                with proxy.lock:
                    proxy.records.append({"method": self.command, "path": self.path, "headers": dict(headers),
                                          "body": body})
                conn = http.client.HTTPConnection(*proxy.target, timeout=60)
                try:
                    headers.pop("Content-Length", None)
                    headers.pop("content-length", None)
                    conn.request(self.command, self.path, body=body if body or self.command != "GET" else None,
                                 headers=headers)
                    resp = conn.getresponse()
                    data = resp.read()
                    self.send_response(resp.status, resp.reason)
                    for k, v in resp.getheaders():
                        if k.lower() not in proxy._HOP and k.lower() != "content-length":
                            self.send_header(k, v)
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                finally:
                    conn.close()

            do_GET = do_POST = do_DELETE = do_PUT = _forward

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return self

    @property
    def url(self):
        return "http://127.0.0.1:%d" % self.server.server_address[1]

    def requests(self, method=None, path_suffix=None):
        with self.lock:
            recs = list(self.records)
        return [r for r in recs if (method is None or r["method"] == method)
                and (path_suffix is None or r["path"].split("?")[0].endswith(path_suffix))]

    def stop(self):
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None


class Stack:
    """A sandbox and a gateway wired together in one temp directory.

    graph_proxy=True puts a RecordingProxy between them (`stack.proxy`): every Graph request is recorded.
    """

    def __init__(self, tmpdir, sandbox_args=(), gateway_sets=None, gateway_env=None, connect_webhooks=True,
                 admin_key=None, graph_proxy=False):
        self.tmp = tmpdir
        self.sandbox = Sandbox(tmpdir, args=sandbox_args)
        self.gateway = None
        self.gateway_sets = gateway_sets or {}
        self.gateway_env = gateway_env or {}
        self.connect = connect_webhooks
        self.admin_key = admin_key
        self.admin_record = []
        self.graph_proxy = graph_proxy
        self.proxy = None

    def start(self):
        self.sandbox.start()
        graph_url = self.sandbox.url
        if self.graph_proxy:
            self.proxy = RecordingProxy(self.sandbox.host, self.sandbox.port).start()
            graph_url = self.proxy.url
        self.gateway = Gateway(self.tmp, graph_url, admin_key=self.admin_key, sets=self.gateway_sets,
                               env=self.gateway_env)
        self.gateway.start()
        if self.connect:
            self.connect_webhooks()
        return self

    def connect_webhooks(self):
        self.sandbox.config(webhook_url=self.gateway.webhook_url)

    def disconnect_webhooks(self):
        self.sandbox.config(webhook_url="")

    def stop(self):
        if self.gateway:
            self.gateway.stop()
        if self.proxy:
            self.proxy.stop()
        self.sandbox.stop()

    # --- clients

    @property
    def admin(self):
        return self.gateway.client(record=self.admin_record)

    def client(self, key, **kw):
        return self.gateway.client(key=key, **kw)

    # --- admin helpers

    def create_tenant(self, name=None, monthly_quota=..., client=None):
        body = {"name": name or rand_token("tenant-", 8)}
        if monthly_quota is not ...:
            body["monthly_quota"] = monthly_quota
        r = (client or self.admin).post("/api/v1/tenants", body)
        if r.status != 201:
            raise AssertionError("create tenant: %r" % r)
        return r.json()

    def create_outlet(self, tenant_id, phone_number_id=None, app_secret=None, access_token=None,
                      verify_token=None, throughput_mps=None, client=None, **extra):
        secrets = {
            "access_token": access_token or rand_token("EAAtoken"),
            "app_secret": app_secret or self.sandbox.app_secret,
            "verify_token": verify_token or rand_token("verify-"),
        }
        phone_number_id = phone_number_id or rand_phone_number_id()
        # The sandbox shows each number as "1555" + its id's last 7 digits (DisplayNumberFor): the same here,
        # so Meta's phone_number_quality_update (which names the display number) finds this outlet.
        body = {"name": rand_token("outlet-", 6), "phone_number_id": phone_number_id,
                "waba_id": rand_phone_number_id(), "display_phone_number": "+1555" + phone_number_id[-7:]}
        body.update(secrets)
        if throughput_mps is not None:
            body["throughput_mps"] = throughput_mps
        body.update(extra)
        r = (client or self.admin).post("/api/v1/tenants/%s/outlets" % tenant_id, body)
        if r.status != 201:
            raise AssertionError("create outlet: %r" % r)
        return r.json(), secrets

    def create_api_key(self, tenant_id, name="it", client=None):
        r = (client or self.admin).post("/api/v1/tenants/%s/api-keys" % tenant_id, {"name": name})
        if r.status != 201:
            raise AssertionError("create api key: %r" % r)
        return r.json()

    def default_fixture(self, monthly_quota=..., throughput_mps=None, **outlet_kw):
        t = self.create_tenant(monthly_quota=monthly_quota)
        o, secrets = self.create_outlet(t["id"], throughput_mps=throughput_mps, **outlet_kw)
        k = self.create_api_key(t["id"])
        return Fixture(t, o, k, secrets)

    # --- sending and reading

    def send_body(self, fx, message="Hello! Your order is ready.", to=None, **extra):
        body = {"tenant_id": fx.tenant_id, "outlet_id": fx.outlet_id, "conversation_id": rand_token("conv-", 8),
                "to": to or recipient(), "message": message, "message_type": "text"}
        body.update(extra)
        return body

    def send(self, fx, message="Hello! Your order is ready.", to=None, asynchronous=False, client=None,
             headers=None, timeout=90.0, **extra):
        body = self.send_body(fx, message, to, **extra)
        if asynchronous:
            body["async"] = True
        return (client or self.admin).post("/api/v1/messages/send", body, headers=headers, timeout=timeout)

    def typed_body(self, fx, message_type, content=..., to=..., **extra):
        """A send body of any message_type: `content` goes in the member named after the type (Graph's shape)."""
        body = {"tenant_id": fx.tenant_id, "outlet_id": fx.outlet_id, "conversation_id": rand_token("conv-", 8),
                "message_type": message_type}
        if to is ...:
            to = recipient()
        if to is not None:
            body["to"] = to
        if content is not ...:
            body[message_type] = content
        body.update(extra)
        return body

    def send_typed(self, fx, message_type, content=..., to=..., client=None, timeout=90.0, **extra):
        body = self.typed_body(fx, message_type, content, to=to, **extra)
        return (client or self.admin).post("/api/v1/messages/send", body, timeout=timeout)

    # --- templates registry

    def templates(self, fx, client=None, **query):
        q = ("?" + urllib.parse.urlencode(query)) if query else ""
        r = (client or self.admin).get("/api/v1/outlets/%s/templates%s" % (fx.outlet_id, q))
        if r.status != 200:
            raise AssertionError("GET templates: %r" % r)
        return r.json()

    def template_row(self, fx, name, language=None, client=None):
        """The registry row of (name, language), or None."""
        rows = self.templates(fx, client=client, name=name)["data"]
        rows = [t for t in rows if t["name"] == name and (language is None or t["language"] == language)]
        return rows[0] if rows else None

    def sync_templates(self, fx, client=None):
        r = (client or self.admin).post("/api/v1/outlets/%s/templates/sync" % fx.outlet_id, timeout=60)
        if r.status != 200:
            raise AssertionError("template sync: %r" % r)
        return r.json()

    def link_outlet_waba(self, fx):
        """Link the outlet's phone number to the outlet's WABA in the sandbox."""
        return self.sandbox.link_number(fx.phone_number_id, fx.outlet["waba_id"])

    # --- media

    def upload_media(self, fx, data, mime_type, filename="file.bin", client=None, outlet_id=..., timeout=120.0,
                     path="/api/v1/media", fields=None):
        """POST /api/v1/media (multipart). Sent so that an early refusal (413 before the body is read) comes
        back as a Response instead of a broken pipe."""
        form = {"outlet_id": fx.outlet_id if outlet_id is ... else outlet_id}
        if form["outlet_id"] is None:
            del form["outlet_id"]
        form.update(fields or {})
        ctype, payload = multipart_encode(form, {"file": (filename, mime_type, data)})
        return (client or self.admin).post_streamed(path, payload, headers={"Content-Type": ctype}, timeout=timeout)

    def message(self, message_id, client=None):
        r = (client or self.admin).get("/api/v1/messages/%s" % message_id)
        if r.status != 200:
            raise AssertionError("GET message %s: %r" % (message_id, r))
        return r.json()

    def status(self, message_id, client=None):
        r = (client or self.admin).get("/api/v1/messages/%s/status" % message_id)
        if r.status != 200:
            raise AssertionError("GET status %s: %r" % (message_id, r))
        return r.json()

    def wait_status(self, message_id, statuses, timeout=60.0, client=None):
        if isinstance(statuses, str):
            statuses = (statuses,)
        last = {}

        def cond():
            s = self.status(message_id, client=client)
            last["s"] = s
            return s if s["status"] in statuses else None

        try:
            return wait_until(cond, timeout, interval=0.1, msg="message %s status in %s" % (message_id, statuses))
        except Timeout as e:
            raise Timeout("%s; last status: %s" % (e, json.dumps(last.get("s"))))

    def post_webhook(self, payload, secret, raw=None, signature=..., headers=None):
        """POST a Meta-shaped webhook to the gateway, signed with `secret` unless signature is given."""
        body = raw if raw is not None else encode_payload(payload)
        h = {"Content-Type": "application/json"}
        if signature is ...:
            h["X-Hub-Signature-256"] = sign(body, secret)
        elif signature is not None:
            h["X-Hub-Signature-256"] = signature
        if headers:
            h.update(headers)
        return self.gateway.client(key=None).request("POST", "/webhooks/whatsapp", raw=body, headers=h)

    def tails(self):
        out = []
        if self.gateway and self.gateway.proc:
            out.append("---- gateway log tail (%s) ----\n%s" % (self.gateway.log_path, self.gateway.proc.tail(80)))
        if self.sandbox.proc:
            out.append("---- sandbox log tail ----\n%s" % self.sandbox.proc.tail(40))
        return "\n".join(out)


# --------------------------------------------------------------------------------------------
# Test case base


class WagateTestCase(unittest.TestCase):
    """Gives each test its own temp dir and tears every process down, printing logs on failure."""

    maxDiff = 4000

    @classmethod
    def setUpClass(cls):
        if not os.access(WAGATE_BIN, os.X_OK):
            raise unittest.SkipTest("wagate binary not found at %s (set WAGATE_BIN)" % WAGATE_BIN)

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="wagate-it-%s-" % self._testMethodName[:40])
        self._stacks = []
        self._procs = []
        self.addCleanup(self._cleanup)

    def _failed(self):
        outcome = getattr(self, "_outcome", None)
        if outcome is None:
            return True
        if hasattr(outcome, "success"):
            return not outcome.success
        return True

    def _cleanup(self):
        failed = self._failed()
        if failed:
            for s in self._stacks:
                sys.stderr.write("\n" + s.tails() + "\n")
            for p in self._procs:
                sys.stderr.write("\n---- %s log tail ----\n%s\n" % (p.name, p.tail(60)))
        for s in self._stacks:
            try:
                s.stop()
            except Exception as e:  # keep tearing down the rest
                sys.stderr.write("stack stop failed: %r\n" % e)
        for p in self._procs:
            try:
                p.stop(grace=2.0)
            except Exception as e:
                sys.stderr.write("proc stop failed: %r\n" % e)
        if failed or KEEP_TMP:
            sys.stderr.write("(temp dir kept: %s)\n" % self.tmp)
        else:
            shutil.rmtree(self.tmp, ignore_errors=True)

    def start_stack(self, **kw):
        s = Stack(self.tmp, **kw)
        self._stacks.append(s)  # registered before start so a failed start still gets torn down
        s.start()
        return s

    def track(self, proc):
        self._procs.append(proc)
        return proc

    # --- assertions

    def assertError(self, resp, status, code, field=None, msg=None):
        """Assert the documented error shape {"error":{"code","message"[,"details"]}}."""
        ctx = "%s: %r" % (msg or "", resp)
        if isinstance(status, (tuple, list, set)):
            self.assertIn(resp.status, status, ctx)
        else:
            self.assertEqual(resp.status, status, ctx)
        j = resp.json()
        self.assertIsInstance(j, dict, ctx)
        self.assertIn("error", j, ctx)
        err = j["error"]
        self.assertIsInstance(err, dict, ctx)
        if code is None:  # any snake_case code
            self.assertRegex(err.get("code") or "", r"^[a-z][a-z0-9_]*$", ctx)
        elif isinstance(code, (tuple, list, set)):
            self.assertIn(err.get("code"), code, ctx)
        else:
            self.assertEqual(err.get("code"), code, ctx)
        self.assertIsInstance(err.get("message"), str, ctx)
        self.assertTrue(err["message"].strip(), "empty error message " + ctx)
        if field is not None:
            self.assertIn(field, err["message"], "error message should name the field %r %s" % (field, ctx))
        return err

    def assertTimestamp(self, value, what=""):
        self.assertIsInstance(value, str, "%s should be a timestamp string, got %r" % (what, value))
        self.assertRegex(value, ISO_TS, "%s not UTC ISO 8601 with milliseconds" % what)


class SharedStackTestCase(WagateTestCase):
    """One sandbox + gateway for every test of the class, started in setUpClass (`stack_kwargs` are passed
    to Stack) and stopped in tearDownClass. For tests whose state does not interfere (each uses its own
    recipients, ids and counts relative to its own start). Log tails are printed when any test fails.
    """

    stack_kwargs = {}
    stack = None

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.class_tmp = tempfile.mkdtemp(prefix="wagate-it-%s-" % cls.__name__[:40])
        cls.class_failed = False
        cls.stack = Stack(cls.class_tmp, **cls.stack_kwargs)
        try:
            cls.stack.start()
            cls.setUpStack()
        except BaseException:
            sys.stderr.write("\n" + cls.stack.tails() + "\n(temp dir kept: %s)\n" % cls.class_tmp)
            cls.stack.stop()
            raise

    @classmethod
    def setUpStack(cls):
        """Hook for class-wide fixtures once the stack runs."""

    @classmethod
    def tearDownClass(cls):
        if cls.stack is not None:
            try:
                cls.stack.stop()
            except Exception as e:
                sys.stderr.write("stack stop failed: %r\n" % e)
        if cls.class_failed or KEEP_TMP:
            sys.stderr.write("(temp dir kept: %s)\n" % cls.class_tmp)
        else:
            shutil.rmtree(cls.class_tmp, ignore_errors=True)
        super().tearDownClass()

    def _cleanup(self):
        if self._failed():
            type(self).class_failed = True
            if self.stack is not None:
                sys.stderr.write("\n" + self.stack.tails() + "\n")
        super()._cleanup()


def parse_ts(value):
    """ISO 8601 `2026-11-21T10:00:00.123Z` → unix seconds (float)."""
    import datetime
    dt = datetime.datetime.strptime(value, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=datetime.timezone.utc)
    return dt.timestamp()


def run_parallel(fn, items, threads=16):
    """Run fn(item) over items with a pool of threads; return results in order (exceptions re-raised)."""
    results = [None] * len(items)
    errors = []
    idx = [0]
    lock = threading.Lock()

    def worker():
        while True:
            with lock:
                i = idx[0]
                idx[0] += 1
            if i >= len(items):
                return
            try:
                results[i] = fn(items[i])
            except BaseException as e:  # noqa: BLE001 - re-raised in the main thread
                errors.append(e)
                return

    ts = [threading.Thread(target=worker, daemon=True) for _ in range(min(threads, len(items)))]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    if errors:
        raise errors[0]
    return results


def main():
    unittest.main(verbosity=2)
