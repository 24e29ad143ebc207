"""Operations: health, readiness, metrics, keep-alive, configuration (file, --set, env) and its validation."""

import os
import re
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import WAGATE_BIN, Gateway, wait_until  # noqa: E402

LABELS = r'(?:\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\.)*",?)*\})'
PROM_LINE = re.compile(r'^[a-zA-Z_:][a-zA-Z0-9_:]*' + LABELS + r'? -?([0-9.eE+-]+|\+Inf|-Inf|NaN)( -?\d+)?$')


class HealthAndMetricsTest(harness.WagateTestCase):
    def test_healthz_readyz_and_metrics_after_traffic(self):
        s = self.start_stack(sandbox_args=["--mps", "0"])
        anon = s.gateway.client(key=None)
        r = anon.get("/healthz")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json(), {"status": "ok"})
        r = anon.get("/readyz")
        self.assertEqual(r.status, 200, r)

        fx = s.default_fixture()
        r = s.send(fx, "metrics")
        self.assertEqual(r.status, 200, r)
        s.wait_status(r.json()["message_id"], "read", timeout=60)
        self.assertEqual(s.send(fx, "metrics async", asynchronous=True).status, 202)
        self.assertEqual(s.send(fx, "bad", to="+1").status, 400)

        r = anon.get("/metrics")
        if r.status == 401:  # allowed to be protected; then the admin key must work
            r = s.admin.get("/metrics")
        self.assertEqual(r.status, 200, r)
        self.assertTrue(r.headers.get("content-type", "").startswith("text/plain"), r.headers)
        text = r.text
        for line in text.splitlines():
            if line and not line.startswith("#"):
                self.assertRegex(line, PROM_LINE, "not Prometheus text format")
        for name in ("wagate_http_requests_total", "wagate_queue_depth", "wagate_sends_total",
                     "wagate_webhook_events_total"):
            with self.subTest(metric=name):
                values = metric_values(text, name)
                self.assertTrue(values, "%s missing from /metrics:\n%s" % (name, text[:3000]))
        self.assertGreaterEqual(sum(metric_values(text, "wagate_http_requests_total")), 4)
        self.assertGreaterEqual(sum(metric_values(text, "wagate_sends_total")), 1)
        self.assertGreaterEqual(sum(metric_values(text, "wagate_webhook_events_total")), 3)
        # a latency histogram with buckets, sum and count
        hist = re.findall(r"^# TYPE (wagate_\w+) histogram$", text, re.M)
        self.assertTrue(hist, "no histogram in /metrics")
        h = hist[0]
        self.assertRegex(text, r'(?m)^%s_bucket\{.*le="\+Inf".*\} \d' % h)
        self.assertRegex(text, r"(?m)^%s_sum%s? " % (h, LABELS))
        self.assertRegex(text, r"(?m)^%s_count%s? \d" % (h, LABELS))
        self.assertTrue(any(sum(metric_values(text, hh + "_count")) > 0 for hh in hist), "histograms all empty")

    def test_logs_are_one_structured_line_per_event(self):
        s = self.start_stack(sandbox_args=["--mps", "0"])
        fx = s.default_fixture()
        r = s.send(fx, "log me")
        self.assertEqual(r.status, 200, r)
        s.wait_status(r.json()["message_id"], "read", timeout=60)
        s.send(fx, "bad", to="+1")
        s.post_webhook(harness.status_payload(fx.phone_number_id, []), "wrong-secret")
        s.gateway.stop()
        lines = [l for l in s.gateway.log_text().splitlines() if l.strip() and "test harness marker" not in l]
        self.assertGreater(len(lines), 3)
        for line in lines:  # logfmt (subsystem=x) or JSON ("subsystem": "x")
            self.assertRegex(line, r'\bsubsystem=\S+|"subsystem"\s*:\s*"', "log line without a subsystem field")
            self.assertRegex(line, r'\blevel=\w+|"level"\s*:', line)

    def test_metrics_labels_do_not_grow_with_unknown_paths_or_ids(self):
        s = self.start_stack()
        anon = s.gateway.client(key=None)
        marker = harness.rand_token("zq", 10)
        for i in range(30):
            anon.get("/%s-%d" % (marker, i))
            s.admin.get("/api/v1/messages/%s-%d" % (marker, i))
            s.admin.get("/api/v1/tenants/%s-%d/outlets" % (marker, i))
        r = anon.get("/metrics")
        if r.status == 401:
            r = s.admin.get("/metrics")
        self.assertEqual(r.status, 200, r)
        self.assertNotIn(marker, r.text, "request paths/ids used as metric labels (unbounded cardinality)")
        self.assertLess(len(r.text), 200_000)

    def test_keep_alive(self):
        s = self.start_stack()
        import http.client
        conn = http.client.HTTPConnection(s.gateway.host, s.gateway.port, timeout=10)
        try:
            socks = []
            for path in ("/healthz", "/readyz", "/api/v1/tenants", "/healthz"):
                conn.request("GET", path, headers={"Authorization": "Bearer " + s.gateway.admin_key})
                r = conn.getresponse()
                r.read()
                self.assertIn(r.status, (200,), path)
                self.assertIsNotNone(conn.sock, "the server closed the connection after %s" % path)
                socks.append(conn.sock)
            self.assertTrue(all(x is socks[0] for x in socks), "one connection for all requests")
            # an error answer keeps the connection too
            conn.request("GET", "/api/v1/nope", headers={"Authorization": "Bearer " + s.gateway.admin_key})
            r = conn.getresponse()
            r.read()
            self.assertEqual(r.status, 404)
            conn.request("GET", "/healthz")
            r = conn.getresponse()
            r.read()
            self.assertEqual(r.status, 200)
        finally:
            conn.close()

    def test_pipelined_requests_are_answered_in_order(self):
        s = self.start_stack()
        g = s.gateway
        req = (b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
               b"GET /nope HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + g.admin_key.encode() + b"\r\n\r\n"
               b"GET /readyz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        sock = socket.create_connection((g.host, g.port), timeout=30)
        try:
            sock.sendall(req)
            data = b""
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and data.count(b"HTTP/1.1 ") < 3:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                data += chunk
        finally:
            sock.close()
        statuses = [int(x) for x in re.findall(rb"HTTP/1\.1 (\d{3})", data)]
        self.assertEqual(statuses, [200, 404, 200], data[:1000])

    def test_http10_and_connection_close(self):
        s = self.start_stack()
        g = s.gateway
        for req in (b"GET /healthz HTTP/1.0\r\n\r\n", b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"):
            with self.subTest(req=req):
                # below the server's 75 s idle timeout, after which it would close a kept-alive one too
                sock = socket.create_connection((g.host, g.port), timeout=20)
                try:
                    sock.sendall(req)  # no shutdown: the server must close by itself
                    data = b""
                    while True:
                        chunk = sock.recv(65536)
                        if not chunk:
                            break
                        data += chunk
                except socket.timeout:
                    self.fail("the server kept the connection open: %r" % data[:200])
                finally:
                    sock.close()
                self.assertRegex(data, rb"^HTTP/1\.[01] 200")
                self.assertIn(b'"ok"', data)

    def test_chunked_request_body_is_read_or_refused(self):
        s = self.start_stack()
        g = s.gateway
        body = b'{"name": "chunked-co"}'
        chunked = b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body)
        req = (b"POST /api/v1/tenants HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + g.admin_key.encode()
               + b"\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n" + chunked)
        status, out = harness.raw_http(g.host, g.port, req, timeout=30)
        self.assertIn(status, (201, 411, 501), "a chunked body must be read, or refused with 411/501: %r" % out[:400])
        if status == 201:
            self.assertEqual(harness.raw_body_json(out)["name"], "chunked-co")

    def test_idle_and_slow_connections_do_not_block_the_server(self):
        s = self.start_stack()
        g = s.gateway
        idle = []
        try:
            for i in range(100):
                c = socket.create_connection((g.host, g.port), timeout=30)
                if i % 2:
                    c.sendall(b"POST /api/v1/tenants HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{")
                else:
                    c.sendall(b"GET /healthz HTTP/1.1\r\nHo")
                idle.append(c)
            t0 = time.monotonic()
            r = g.client(key=None, timeout=30).get("/healthz")
            elapsed = time.monotonic() - t0
            self.assertEqual(r.status, 200)
            r = s.admin.post("/api/v1/tenants", {"name": "still-works"})
            self.assertEqual(r.status, 201, r)
            # Not stalled: answered while every slow client is still connected and unanswered, so the answers
            # did not wait for the server to give up on them (its idle timeout is 75 s). The time bound is a
            # backstop with room for a starved machine.
            for i, c in enumerate(idle):
                c.setblocking(False)
                try:
                    got = c.recv(1)
                except BlockingIOError:
                    continue
                self.fail("slow client %d was answered or dropped (%r) before the others were served" % (i, got))
            self.assertLess(elapsed, 10.0, "100 slow clients stall the server")
        finally:
            for c in idle:
                c.close()

    def test_header_names_are_case_insensitive(self):
        s = self.start_stack()
        c = s.gateway.client(key=None)
        r = c.request("GET", "/api/v1/tenants", headers={"authorization": "Bearer " + s.gateway.admin_key})
        self.assertEqual(r.status, 200, r)
        r = c.request("GET", "/api/v1/tenants", headers={"AUTHORIZATION": "Bearer " + s.gateway.admin_key})
        self.assertEqual(r.status, 200, r)
        r = c.request("POST", "/api/v1/tenants?unused=1", body={"name": "q"},
                      headers={"authorization": "Bearer " + s.gateway.admin_key})
        self.assertEqual(r.status, 201, "a query string does not change the route: %r" % r)

    def test_sigterm_stops_cleanly_and_state_survives(self):
        s = self.start_stack(sandbox_args=["--mps", "0"])
        fx = s.default_fixture()
        r = s.send(fx, "before stop")
        self.assertEqual(r.status, 200, r)
        mid = r.json()["message_id"]
        # a gateway SIGTERM did not stop is SIGKILLed after the grace: exit code 0 proves it stopped by itself
        code = s.gateway.stop(grace=60)
        self.assertEqual(code, 0, "exit code after SIGTERM")
        s.gateway.restart()
        t = s.admin.get("/api/v1/tenants/%s" % fx.tenant_id)
        self.assertEqual(t.status, 200)
        self.assertEqual(t.json()["used_this_month"], 1, "quota use survives a restart")
        self.assertEqual(s.admin.get("/api/v1/messages/%s" % mid).json()["message"], "before stop")
        r = s.send(fx, "after restart", client=s.client(fx.api_key))
        self.assertEqual(r.status, 200, "keys and outlets (decrypted secrets) survive a restart: %r" % r)


def metric_values(text, name):
    out = []
    for m in re.finditer(r"(?m)^%s%s? (\S+)$" % (re.escape(name), LABELS), text):
        try:
            out.append(float(m.group(1)))
        except ValueError:
            pass
    return out


class ConfigTest(harness.WagateTestCase):
    def setUp(self):
        super().setUp()
        self.sandbox = harness.Sandbox(self.tmp).start()
        self.addCleanup(self.sandbox.stop)

    def write(self, name, text):
        p = os.path.join(self.tmp, name)
        with open(p, "w") as f:
            f.write(text)
        return p

    def run_failing(self, args, env=None, timeout=60):
        """Run a `wagate serve` that must refuse to start; return its output."""
        ready = os.path.join(self.tmp, "never.ready")
        if os.path.exists(ready):
            os.unlink(ready)
        full_env = dict(os.environ)
        full_env.update(env or {})
        p = subprocess.Popen([WAGATE_BIN, "serve", "--ready-file", ready] + args, stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=full_env,
                             start_new_session=True)
        try:
            out, _ = p.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            p.kill()
            out, _ = p.communicate()
            self.fail("wagate serve %s did not stop on a bad config; output:\n%s" % (args, out.decode()[-2000:]))
        text = out.decode("utf-8", "replace")
        self.assertNotEqual(p.returncode, 0, "exit code 0 with a bad config; output:\n" + text[-2000:])
        self.assertFalse(os.path.exists(ready), "ready file written despite a bad config")
        return text

    def base_args(self, listen="127.0.0.1:0"):
        args = ["--data", os.path.join(self.tmp, "data"), "--graph-url", self.sandbox.url, "--admin-key", "k"]
        if listen:
            args = ["--listen", listen] + args
        return args

    def test_unknown_keys_and_invalid_values_stop_startup(self):
        cases = [
            ("unknown key", "[engine]\nbogus_knob = 3\n", [], "bogus_knob"),
            ("unknown section", "[nonsense_section]\nx = 1\n", [], "nonsense_section"),
            ("negative attempts", "[engine]\nretry_max_attempts = -1\n", [], "retry_max_attempts"),
            ("wrong type", '[engine]\nretry_max_attempts = "four"\n', [], "retry_max_attempts"),
            ("bad policy", '[engine]\nin_doubt_policy = "sometimes"\n', [], "in_doubt_policy"),
            ("zero body limit", "[http]\nmax_body_bytes = 0\n", [], "max_body_bytes"),
            ("--set unknown", "", ["--set", "engine.no_such_setting=1"], "no_such_setting"),
            ("--set invalid", "", ["--set", "engine.retry_max_attempts=-1"], "retry_max_attempts"),
            ("--set not a number", "", ["--set", "engine.graph_timeout_ms=soon"], "graph_timeout_ms"),
        ]
        for name, toml, extra, key in cases:
            with self.subTest(case=name):
                args = self.base_args() + extra
                if toml:
                    args += ["--config", self.write("bad.toml", toml)]
                out = self.run_failing(args)
                self.assertIn(key, out, "the message should name %r:\n%s" % (key, out[-2000:]))

    def test_bad_listen_address_stops_startup(self):
        out = self.run_failing(self.base_args(listen="nonsense"))
        self.assertIn("listen", out.lower(), out[-2000:])
        out = self.run_failing(self.base_args(listen=None), env={"WAGATE_LISTEN": "nonsense"})
        self.assertIn("listen", out.lower(), out[-2000:])

    def test_unparsable_or_missing_config_file_stops_startup(self):
        self.run_failing(self.base_args() + ["--config", self.write("broken.toml", "[engine\nretry = = 1\n")])
        out = self.run_failing(self.base_args() + ["--config", os.path.join(self.tmp, "missing.toml")])
        self.assertIn("missing.toml", out, out[-2000:])

    def test_config_file_settings_apply(self):
        cfg = self.write("good.toml", "[http]\nmax_body_bytes = 2000\n\n[engine]\nretry_max_attempts = 2\n"
                                      "retry_base_delay_ms = 200\n")
        g = Gateway(self.tmp, self.sandbox.url, config=cfg)
        self.addCleanup(g.stop)
        g.start()
        self.track(g.proc)
        c = g.client()
        t = c.post("/api/v1/tenants", {"name": "cfg"}).json()
        stack = harness.Stack(self.tmp)
        stack.sandbox = self.sandbox
        stack.gateway = g
        o, _ = stack.create_outlet(t["id"])
        fx = harness.Fixture(t, o, None, {})
        r = c.post("/api/v1/messages/send", stack.send_body(fx, "x" * 3000))
        self.assertError(r, 413, "payload_too_large")
        self.sandbox.faults(fail_rate=1.0)
        r = stack.send(fx, "two attempts only", timeout=90)
        self.assertError(r, 500, "send_failed")
        self.assertEqual(r.json()["error"]["details"]["attempts"], 2)

    def test_master_key_from_environment_and_mismatch(self):
        k1 = os.urandom(32).hex()
        k2 = os.urandom(32).hex()
        g = Gateway(self.tmp, self.sandbox.url, env={"WAGATE_MASTER_KEY": k1})
        self.addCleanup(g.stop)
        g.start()
        self.track(g.proc)
        stack = harness.Stack(self.tmp)
        stack.sandbox, stack.gateway = self.sandbox, g
        fx = stack.default_fixture()
        self.assertEqual(stack.send(fx, "with env master key").status, 200)
        g.stop()
        key_file = os.path.join(g.data_dir, "master.key")
        if os.path.exists(key_file):
            with open(key_file) as f:
                self.assertNotIn(k1, f.read(), "a master key given by the environment is not written to disk")
        # another master key cannot decrypt the stored secrets: refuse to start, and say why
        out = self.run_failing(["--listen", "127.0.0.1:0", "--data", g.data_dir, "--graph-url", self.sandbox.url,
                                "--admin-key", "k"], env={"WAGATE_MASTER_KEY": k2})
        self.assertIn("master key", out.lower().replace("_", " "), out[-2000:])
        self.assertNotIn(k1, out)
        self.assertNotIn(k2, out)
        # the right one works again
        g.restart()
        self.assertEqual(stack.send(fx, "again").status, 200)
        self.assertNotIn(k1, g.log_text())

    def test_invalid_master_key_stops_startup(self):
        out = self.run_failing(self.base_args(), env={"WAGATE_MASTER_KEY": "not-hex"})
        self.assertIn("master_key", out, out[-2000:])

    def test_environment_variables(self):
        key = harness.rand_token("env-admin-")
        g = Gateway(self.tmp, self.sandbox.url, admin_key=key, use_admin_flag=False,
                    env={"WAGATE_ADMIN_KEY": key, "WAGATE_HTTP_MAX_BODY_BYTES": "2000"})
        self.addCleanup(g.stop)
        g.start()
        self.track(g.proc)
        r = g.client().post("/api/v1/tenants", {"name": "env"})
        self.assertEqual(r.status, 201, r)
        self.assertError(g.client(key="wrong").get("/api/v1/tenants"), 401, "unauthorized")
        r = g.client().post("/api/v1/tenants", {"name": "y" * 3000})
        self.assertError(r, 413, "payload_too_large")

    def test_environment_for_listen_data_and_graph_url(self):
        key = harness.rand_token("env-admin-")
        data = os.path.join(self.tmp, "envdata")
        ready = os.path.join(self.tmp, "env.ready")
        p = harness.Proc("gateway-env", [WAGATE_BIN, "serve", "--ready-file", ready],
                         os.path.join(self.tmp, "gateway-env.log"),
                         env={"WAGATE_ADMIN_KEY": key, "WAGATE_LISTEN": "127.0.0.1:0", "WAGATE_DATA_DIR": data,
                              "WAGATE_GRAPH_URL": self.sandbox.url})
        self.track(p.start())
        host, port = harness.wait_ready_file(p, ready)
        c = harness.HttpClient(host, port, key=key)
        s = harness.Stack(self.tmp)
        s.sandbox = self.sandbox
        g = Gateway(self.tmp, self.sandbox.url, admin_key=key)
        g.host, g.port = host, port
        s.gateway = g
        fx = s.default_fixture()
        r = s.send(fx, "via env config", client=c)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(self.sandbox.accepted_by_biz().get(r.json()["message_id"]), 1)
        self.assertTrue(os.path.isdir(data) and os.listdir(data), "data directory from WAGATE_DATA_DIR is used")


if __name__ == "__main__":
    harness.main()
