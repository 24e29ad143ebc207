"""Operations: health, readiness, metrics, keep-alive, configuration (file, --set, env) and its validation."""

import os
import re
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
        s.wait_status(r.json()["message_id"], "read", timeout=30)
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

    def test_sigterm_stops_cleanly_and_state_survives(self):
        s = self.start_stack(sandbox_args=["--mps", "0"])
        fx = s.default_fixture()
        r = s.send(fx, "before stop")
        self.assertEqual(r.status, 200, r)
        mid = r.json()["message_id"]
        t0 = time.monotonic()
        code = s.gateway.stop(grace=15)
        self.assertLess(time.monotonic() - t0, 15, "SIGTERM did not stop the gateway")
        self.assertEqual(code, 0, "exit code after SIGTERM")
        s.gateway.restart()
        self.assertEqual(s.admin.get("/api/v1/tenants/%s" % fx.tenant_id).status, 200)
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

    def run_failing(self, args, env=None, timeout=20):
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
        r = stack.send(fx, "two attempts only", timeout=30)
        self.assertError(r, 500, "send_failed")
        self.assertEqual(r.json()["error"]["details"]["attempts"], 2)

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
